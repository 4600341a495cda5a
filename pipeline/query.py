"""Query stage: search, referral leads, people, follow-up lists and exports, filtered and paginated in SQL.

Search passes SQLite FTS5 syntax through (prefix `portf*`, `OR`, `NEAR`, "phrases", column
filters), as sqlite-utils does; `quote=True` searches for the words as typed. Ranking (bm25)
and the limit run inside SQLite, and leads and tasks page through indexes in their display
order, so a query costs the same at 50 notes and at 50,000. Only what a query needs is
imported (no record schema, no extraction stages).
"""
from __future__ import annotations

import json
import re
import sqlite3
import time
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from typing import Any, Iterator

from pipeline.errors import NotFound, QueryError
from pipeline.store.people import find_person
from pipeline.store.shape import LEAD_ORDER, LEAD_RANK, LEAD_STATUSES, TASK_ORDER

MAX_QUERY_TERMS = 64
SEARCH_SECONDS = 10.0  # a search that runs longer is stopped with a one-line error
FULL_SNIPPET_CHARS = 10_000  # a longer text with more likely matches than this gets a windowed snippet (_with_snippet)
MAX_SNIPPET_MATCHES = 2_000
_WORD = re.compile(r"\w+")
SEARCH_POOL = 1000  # matches ranked per half at most (the newest): bm25 and reading a match cost microseconds each
TASK_STATUSES = ("open", "done", "snoozed", "orphaned", "all")


def search_kinds() -> tuple[str, ...]:
    """What `--kind` takes: the record's item kinds, outlook, promise, and whole notes (the schema
    is imported only when a kind is given)."""
    from pipeline.schema import ITEM_KINDS

    return ITEM_KINDS + ("outlook", "promise", "note")


def search(db: Any, query: str, kind: str | None = None, org: str | None = None, person: str | None = None,
           since: str | None = None, until: str | None = None, field: str | None = None, skill: str | None = None,
           limit: int = 20, quote: bool = False, seconds: float = SEARCH_SECONDS, pool: int | None = SEARCH_POOL) -> list[dict[str, Any]]:
    """Ranked matches over extracted items and note text, best first (rank: bm25, lower is better).

    Bounded: at most MAX_QUERY_TERMS words, a word repeated counts once in the query SQLite runs,
    and a search that takes longer than `seconds` stops with a QueryError. Each half (items, notes)
    ranks at most its newest `pool` matches that pass the filters (all of them for all but common
    words; `pool=None` ranks every match), so a word in every note costs what a rare one does;
    snippets are made for the rows returned only. `skill` keeps notes with a skill item with those words."""
    fts = quote_fts(query) if quote else query.strip()
    if not fts:
        return []
    terms = len(_WORD.findall(fts))
    if terms > MAX_QUERY_TERMS:
        raise QueryError(f"the search has {terms} words; use at most {MAX_QUERY_TERMS} (a few specific words find the most)")
    if kind and kind not in search_kinds():
        raise QueryError(f"unknown kind '{kind}' (use one of: {', '.join(search_kinds())})")
    notes, args = _filters(org, person, since, until, field, skill)
    args.update({"q": _without_repeats(fts), "kind": kind, "limit": limit, "pool": pool or -1})
    halves = (["items"] if kind != "note" else []) + (["notes"] if kind in (None, "note") else [])
    sql = _search_sql(halves, notes, kind if kind != "note" else None)
    try:
        with _time_limit(db, seconds):
            rows = [_with_snippet(db, r, args["q"]) for r in db.query(sql, args)]
    except sqlite3.OperationalError as e:
        if "interrupt" in str(e):
            raise QueryError(f"the search '{_shown(query)}' took more than {seconds:g} s and was stopped; use fewer or more specific "
                             "words (a prefix needs a few letters, e.g. portf*)") from None
        if "fts5" in str(e) or "syntax" in str(e) or "no such column" in str(e):
            raise QueryError(f"'{_shown(query)}' is not valid full-text search syntax ({_shown(str(e))}); "
                             "add --quote to search for the words as typed") from None
        raise
    return [{"source": r["source"], "kind": r["kind"], "snippet": " ".join((r["snippet"] or "").split()), "rank": float(f"{r['rank']:.6g}"),
             "start": r["start"], "end": r["end"], "contact_name": r["contact_name"], "interview_date": r["interview_date"]} for r in rows]


_TEXTS = {"items_fts": "items_text", "notes_fts": "notes"}  # where each index's texts are read


def _with_snippet(db: Any, row: dict[str, Any], fts: str) -> dict[str, Any]:
    """The row with its snippet, made only for the rows shown. FTS5's snippet() and highlight()
    cost the square of a text's matches (32,000 matches of one word in a note: 9 s), so a long
    text with many likely matches gets its snippet from a window around its first match."""
    table = {"items_fts": "items_fts", "notes_fts": "notes_fts"}[row["fts"]]
    if (row["size"] or 0) > FULL_SNIPPET_CHARS:
        text = db.execute(f"SELECT text FROM {_TEXTS[table]} WHERE id = ?", [row["hit"]]).fetchone()[0] or ""
        words = [w.lower() for w in _WORD.findall(fts) if w not in ("AND", "OR", "NOT", "NEAR")]
        lowered = text.lower()
        stems = [w[:max(3, len(w) - 3)] for w in words]
        if sum(lowered.count(stem) for stem in stems) > MAX_SNIPPET_MATCHES:
            return dict(row, snippet=_window_snippet(text, lowered, stems, fts))
    found = db.execute(f"SELECT snippet({table}, 0, '[', ']', '…', 12) FROM {table} WHERE {table} MATCH ? AND rowid = ?",
                       [fts, row["hit"]]).fetchone()
    return dict(row, snippet=found[0] if found else "")


def _window_snippet(text: str, lowered: str, stems: list[str], fts: str) -> str:
    """FTS5's snippet of the 2,000 characters around the first likely match, in a scratch table."""
    hits = [at for at in (lowered.find(stem) for stem in stems) if at >= 0]
    at = min(hits) if hits else 0
    start = max(0, at - 600)
    window = text[start:start + 2000]
    scratch = _scratch()
    scratch.execute("DELETE FROM w")
    scratch.execute("INSERT INTO w (text) VALUES (?)", [window])
    try:
        found = scratch.execute("SELECT snippet(w, 0, '[', ']', '…', 12) FROM w WHERE w MATCH ?", [fts]).fetchone()
    except sqlite3.OperationalError:
        found = None
    snippet = found[0] if found else " ".join(window[at - start:].split()[:12])
    return ("…" if start and not snippet.startswith("…") else "") + snippet


@lru_cache(maxsize=1)
def _scratch() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    conn.execute("CREATE VIRTUAL TABLE w USING fts5(text, tokenize='porter')")
    return conn


def _without_repeats(fts: str) -> str:
    """A plain list of words (no operators, brackets or phrases) with each word once: the same
    matches, and a word repeated thousands of times costs what it costs once."""
    words = fts.split()
    plain = all(w not in ("AND", "OR", "NOT") and not any(c in w for c in '()":^+') for w in words)
    quoted = all(len(w) > 1 and w[0] == w[-1] == '"' and '"' not in w[1:-1].replace('""', "") for w in words)
    return " ".join(dict.fromkeys(words)) if plain or quoted else fts


def _shown(text: str, width: int = 60) -> str:
    """User text quoted back in an error: one line, at most `width` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


@contextmanager
def _time_limit(db: Any, seconds: float) -> Iterator[None]:
    """Stop a statement that runs longer than `seconds` (SQLite's progress handler interrupts it)."""
    conn = getattr(db, "conn", db)
    deadline = time.monotonic() + seconds
    conn.set_progress_handler(lambda: time.monotonic() > deadline, 1_000)
    try:
        yield
    finally:
        conn.set_progress_handler(None, 0)


_HALVES = {  # table: (joins from its full-text rows to the note, the note id, the row's kind, start and end)
    "items": ("JOIN items i ON i.id = items_fts.rowid", "i.note_id", "i.kind", "i.start", "i.end"),
    "notes": ("", "notes_fts.rowid", "'note'", "NULL", "NULL"),
}


def _search_sql(halves: list[str], notes: str, kind: str | None) -> str:
    """Each half's pool (its newest `pool` matches, in the `notes` set of note ids if any), the best
    `limit` of all by bm25, then snippets for those rows only."""
    pools = ", ".join(f"{h}_pool AS ({_pool(h, notes, kind)})" for h in halves)
    top = " UNION ALL ".join(f"SELECT '{h}' AS half, id, rank FROM (SELECT id, rank FROM {h}_pool ORDER BY rank LIMIT :limit)" for h in halves)
    rows = " UNION ALL ".join(_rows(h) for h in halves)
    return f"WITH {pools}, top AS ({top} ORDER BY rank LIMIT :limit) {rows} ORDER BY rank, source, kind"


def _pool(half: str, notes: str, kind: str | None) -> str:
    joins, note_id = _HALVES[half][:2]
    # '+': the set is checked per match; SQLite would otherwise run the full-text query once per note id in it
    where = (" AND i.kind = :kind" if kind else "") + (f" AND +{note_id} IN ({notes})" if notes else "")
    return (f"SELECT {half}_fts.rowid AS id, {half}_fts.rank AS rank FROM {half}_fts {joins if where else ''} "
            f"WHERE {half}_fts MATCH :q {where} ORDER BY {half}_fts.rowid DESC LIMIT :pool")


def _rows(half: str) -> str:
    """The best rows of one half, without snippets (`_with_snippet` makes them for the rows shown)."""
    if half == "items":
        return ("SELECT n.source, i.kind AS kind, 'items_fts' AS fts, top.id AS hit, COALESCE(length(i.text), i.[end] - i.start) AS size, "
                "top.rank AS rank, i.start AS start, i.[end] AS end, r.contact_name, r.interview_date FROM top JOIN items i ON i.id = top.id "
                "JOIN notes n ON n.id = i.note_id JOIN records r ON r.note_id = n.id WHERE top.half = 'items'")
    return ("SELECT n.source, 'note' AS kind, 'notes_fts' AS fts, top.id AS hit, length(n.text) AS size, top.rank AS rank, "
            "NULL AS start, NULL AS end, r.contact_name, r.interview_date FROM top JOIN notes n ON n.id = top.id "
            "JOIN records r ON r.note_id = n.id WHERE top.half = 'notes'")


def quote_fts(query: str) -> str:
    """Each word of user input as a quoted FTS5 string: safe for any punctuation."""
    out, word = [], []
    for ch in query + " ":
        if ch.isalnum() or ch in "'’+#.-_":
            word.append(ch)
        elif word:
            out.append('"' + "".join(word).replace('"', '""') + '"')
            word = []
    return " ".join(out)


def parse_day(value: str | None, option: str, today: date | None = None) -> str | None:
    """A date option as YYYY-MM-DD: ISO, or natural ('tomorrow', 'next friday', '+3d'); else a QueryError."""
    if value is None:
        return None
    text = value.strip().lower()
    base = today or date.today()
    if text.startswith("+") and text[1:-1].isdigit() and text[-1] in "dwm":
        n, unit = int(text[1:-1]), text[-1]
        from dateutil.relativedelta import relativedelta

        return (base + relativedelta(**{"d": {"days": n}, "w": {"weeks": n}, "m": {"months": n}}[unit])).isoformat()
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    from pipeline.annotate.dates import resolve_phrase  # natural dates only: it loads the date rules

    resolved = resolve_phrase(text, base, forward=True)
    if resolved is None:
        import dateparser

        found = dateparser.parse(value, settings={"PREFER_DATES_FROM": "future", "RELATIVE_BASE": _dt(base)})
        resolved = found.date() if found else None
    if resolved is None:
        raise QueryError(f"{option} '{value}' is not a date; use YYYY-MM-DD, 'tomorrow', 'next friday', 'in 2 weeks' or '+3d'")
    return resolved.isoformat()


def _dt(d: date):
    from datetime import datetime

    return datetime(d.year, d.month, d.day)


def _filters(org, person, since, until, field, skill) -> tuple[str, dict[str, Any]]:
    """The note-level filters as one set of note ids (`SELECT note_id ...`, empty for none), read
    once per search. A skill is a skill item with those words (through the full-text index)."""
    parts, args = [], {}
    for col, val, key in (("contact_org", org, "org"), ("contact_name", person, "person"), ("field", field, "field")):
        if val:
            parts.append(f"{col} LIKE :{key}")
            args[key] = f"%{val}%"
    if since:
        parts.append("interview_date >= :since")
        args["since"] = parse_day(since, "--since")
    if until:
        parts.append("interview_date <= :until")
        args["until"] = parse_day(until, "--until")
    if skill and quote_fts(skill):
        parts.append("note_id IN (SELECT i.note_id FROM items_fts(:skill) AS sk JOIN items i ON i.id = sk.rowid WHERE i.kind = 'skills')")
        args["skill"] = quote_fts(skill)
    return (f"SELECT note_id FROM records WHERE {' AND '.join(parts)}" if parts else ""), args


_LEADS_SQL = """SELECT id, name, title, organization, email, phone, status, last_action, interview_note_id, first_referred,
       (SELECT url FROM connections c WHERE c.person_id = people.id LIMIT 1) AS linkedin FROM people
WHERE referred > 0 {status} ORDER BY {order} LIMIT :limit OFFSET :offset"""


def list_leads(db: Any, status: str | None = None, limit: int = -1, offset: int = 0) -> list[dict[str, Any]]:
    """Referral leads, one per person, next to contact first: by status, then the earliest referral, then name."""
    return list(iter_leads(db, status, limit, offset))


def iter_leads(db: Any, status: str | None = None, limit: int = -1, offset: int = 0) -> Iterator[dict[str, Any]]:
    if status and status not in LEAD_STATUSES:
        raise QueryError(f"unknown status '{status}' (use one of: {', '.join(LEAD_STATUSES)})")
    sql = _LEADS_SQL.format(status=f"AND {LEAD_RANK} = :rank" if status else "", order=LEAD_ORDER)  # a status is a range of the index
    for p in db.query(sql, {"rank": LEAD_STATUSES.index(status) if status else None, "limit": limit, "offset": offset}):
        refs = list(db.query("""SELECT ref.referred_by, ref.context, ref.reason, n.source, r.interview_date
                               FROM referrals ref JOIN notes n ON n.id = ref.note_id JOIN records r ON r.note_id = n.id
                               WHERE ref.person_id = ? ORDER BY r.interview_date IS NULL, r.interview_date, ref.id""", [p["id"]]))
        interview = None
        if p["interview_note_id"]:
            row = db.execute("SELECT source FROM notes WHERE id = ?", [p["interview_note_id"]]).fetchone()
            interview = row[0] if row else None
        yield _lead(p, refs, interview)


def _lead(p: dict[str, Any], refs: list[dict[str, Any]], interview: str | None) -> dict[str, Any]:
    by = list(dict.fromkeys(r["referred_by"] for r in refs if r["referred_by"]))
    return {"id": p["id"], "name": p["name"], "title": p["title"], "organization": p["organization"], "email": p["email"],
            "phone": p["phone"], "status": p["status"], "referred_by": by[0] if by else None, "referred_by_all": by,
            "reason": next((r["reason"] for r in refs if r.get("reason")), None),
            "sources": list(dict.fromkeys(r["source"] for r in refs)), "referrals": refs,
            "last_action": p["last_action"], "first_referred": p["first_referred"], "linkedin": p["linkedin"],
            "interviewed": interview is not None, "interview": interview}


def referral_chain(db: Any, name: str) -> list[str]:
    """Who introduced whom, ending at `name`: ['A', 'B', 'C'] means A referred B and B referred C."""
    pid = lookup_person(db, name)
    chain = [db.execute("SELECT name FROM people WHERE id = ?", [pid]).fetchone()[0]]
    seen = {pid}
    while True:
        row = db.execute("""SELECT ref.referred_by FROM referrals ref JOIN records r ON r.note_id = ref.note_id
                            WHERE ref.person_id = ? AND ref.referred_by IS NOT NULL
                            ORDER BY r.interview_date IS NULL, r.interview_date, ref.id LIMIT 1""", [pid]).fetchone()
        if not row:
            break
        up = find_person(db, row[0])
        if up is None or up in seen:
            chain.insert(0, row[0])
            break
        seen.add(up)
        chain.insert(0, db.execute("SELECT name FROM people WHERE id = ?", [up]).fetchone()[0])
        pid = up
    return chain


def lookup_person(db: Any, name: str) -> int:
    """A person by any form of their name, or by a first name only one person has."""
    from pipeline.annotate.identity import person_key

    pid = find_person(db, name)
    if pid is not None:
        return pid
    key = person_key(name)
    firsts = [r[0] for r in db.execute("SELECT id FROM people WHERE key LIKE ?", [key + " %"])] if key and " " not in key else []
    if len(firsts) == 1:
        return firsts[0]
    hint = " (several people have that first name; give the full name)" if firsts else ""
    raise NotFound(f"no person called '{name}' in the referral leads{hint} (see `fieldnotes leads`)")


_TASK_COLUMNS = "id, note_id, source, action, due, person, kind, status, snoozed_until, completed_at, why, evidence"
_WOKEN = "status = 'snoozed' AND snoozed_until IS NOT NULL AND snoozed_until <= :today"  # a snoozed task whose day has come is open
# most tasks are open: '+status' keeps SQLite reading them in due order (rarer statuses are read by their index and sorted)
_STATUS_WHERE = {"all": "1", "open": f"(+status = 'open' OR (+{_WOKEN}))", "snoozed": f"status = 'snoozed' AND NOT ({_WOKEN})"}


def iter_tasks(db: Any, status: str = "open", due_before: str | None = None, overdue: bool = False, person: str | None = None,
               today: date | None = None, limit: int = -1, offset: int = 0) -> Iterator[dict[str, Any]]:
    """Stored tasks like `fieldnotes followups`, by due date; a snoozed task counts as open again on its date."""
    if status not in TASK_STATUSES:
        raise QueryError(f"unknown status '{status}' (use one of: {', '.join(TASK_STATUSES)})")
    day = (today or date.today()).isoformat()
    sql = f"""SELECT {_TASK_COLUMNS}, CASE WHEN {_WOKEN} THEN 'open' ELSE status END AS effective FROM followups
              WHERE {_STATUS_WHERE.get(status, "status = :status")}
                AND (:before IS NULL OR (due IS NOT NULL AND due < :before))
                AND (:overdue = 0 OR (due IS NOT NULL AND due < :today AND status != 'done'))
                AND (:person IS NULL OR person LIKE :person)
              ORDER BY {TASK_ORDER} LIMIT :limit OFFSET :offset"""
    args = {"status": status, "before": parse_day(due_before, "--due-before"), "overdue": int(overdue), "today": day,
            "person": f"%{person}%" if person else None, "limit": limit, "offset": offset}
    for row in db.query(sql, args):
        row["status"] = row.pop("effective")
        row["evidence"] = json.loads(row["evidence"] or "null")
        yield row


def export_records(db: Any) -> Iterator[dict[str, Any]]:
    """Every stored record in the export contract, follow-ups included, one at a time."""
    for (note_id,) in db.execute("SELECT n.id FROM notes n JOIN records r ON r.note_id = n.id WHERE r.complete = 1 ORDER BY n.source").fetchall():
        yield export_record(db, note_id)


def export_record(db: Any, note_id: int) -> dict[str, Any]:
    """One stored record in the export contract (corrections applied, follow-ups included)."""
    from pipeline.store.notes import load_record_by_id

    rec = load_record_by_id(db, note_id)
    data = json.loads(rec.model_dump_json())
    data.pop("promises", None)
    data["follow_ups"] = [dict(zip(("id", "action", "due", "person", "kind", "status"), r)) for r in db.execute(
        "SELECT id, action, due, person, kind, status FROM followups WHERE note_id = ? ORDER BY due IS NULL, due, id", [note_id])]
    return data


PEOPLE_ROLES = ("contact", "referral")


def list_people(db: Any, role: str | None = None, limit: int = -1) -> list[dict[str, Any]]:
    """Everyone in the notes, one row per person by the same-person rule: the contacts you
    interviewed (records) and the people they referred you to (referrals), with their roles."""
    if role and role not in PEOPLE_ROLES:
        raise QueryError(f"unknown role '{role}' (use one of: {', '.join(PEOPLE_ROLES)})")
    people = _referred_people(db)
    _add_contacts(db, people)
    _fill_contacts_from_connections(db, people)
    rows = sorted(people.values(), key=lambda p: (p["name"].casefold(), p["name"]))
    rows = [r for r in rows if role is None or role in r["role"]]
    return rows if limit < 0 else rows[:limit]


def _referred_people(db: Any) -> dict[Any, dict[str, Any]]:
    out: dict[Any, dict[str, Any]] = {}
    for p in db.query("""SELECT p.id, p.name, p.title, p.organization, p.email, p.phone, p.status,
                                (SELECT url FROM connections c WHERE c.person_id = p.id LIMIT 1) AS linkedin
                         FROM people p WHERE p.id IN (SELECT person_id FROM referrals)"""):
        refs = db.execute("""SELECT DISTINCT ref.referred_by, n.source FROM referrals ref JOIN notes n ON n.id = ref.note_id
                             WHERE ref.person_id = ? ORDER BY ref.id""", [p["id"]]).fetchall()
        lead_id = p.pop("id")
        out[lead_id] = {"lead_id": lead_id, **p, "role": ["referral"], "referred_by": list(dict.fromkeys(r[0] for r in refs if r[0])),
                        "notes": list(dict.fromkeys(r[1] for r in refs))}
    return out


def _add_contacts(db: Any, people: dict[Any, dict[str, Any]]) -> None:
    """Each interviewed contact joins their lead row (the same person), or the row of a contact
    already seen (the same name key, or a full name by the same-person rule), or starts one."""
    by_last: dict[str, list[str]] = {}
    for r in db.query("""SELECT n.source, r.contact_name AS name, r.contact_key AS key, r.contact_title AS title,
                                r.contact_org AS organization, r.contact_email AS email, r.contact_phone AS phone
                         FROM records r JOIN notes n ON n.id = r.note_id
                         WHERE r.complete = 1 AND r.contact_name IS NOT NULL ORDER BY r.interview_date IS NULL, r.interview_date, n.source"""):
        if not r["key"]:
            continue
        pid = find_person(db, r["name"])
        row = people.get(pid) if pid is not None else _seen_contact(people, by_last, r["key"])
        if row is None:
            row = people[r["key"]] = _contact_row(r)
            if len(r["key"].split()) >= 2:
                by_last.setdefault(r["key"].split()[-1], []).append(r["key"])
        if "contact" not in row["role"]:
            row["role"].insert(0, "contact")
        row["notes"] = list(dict.fromkeys([*row["notes"], r["source"]]))
        for col in ("title", "organization", "email", "phone"):
            row[col] = row[col] or r[col]


def _seen_contact(people: dict[Any, dict[str, Any]], by_last: dict[str, list[str]], key: str) -> dict[str, Any] | None:
    if key in people:
        return people[key]
    from pipeline.annotate.identity import same_person

    words = key.split()
    same = [k for k in by_last.get(words[-1], []) if len(words) >= 2 and same_person(k, key)] if words else []
    return people[same[0]] if len(same) == 1 else None


def _contact_row(r: dict[str, Any]) -> dict[str, Any]:
    return {"lead_id": None, "name": r["name"], "title": None, "organization": None, "email": None, "phone": None, "status": None,
            "linkedin": None, "role": [], "referred_by": [], "notes": []}


def _fill_contacts_from_connections(db: Any, people: dict[Any, dict[str, Any]]) -> None:
    """A contact who is no lead: a LinkedIn connection of the same name fills what the notes left empty."""
    for key, row in people.items():
        if row["lead_id"] is not None:
            continue
        found = db.execute("SELECT url, email, company, position FROM connections WHERE key = ? LIMIT 2", [key]).fetchall()
        if len(found) == 1:
            url, email, company, position = found[0]
            row.update(linkedin=url, email=row["email"] or email, organization=row["organization"] or company,
                       title=row["title"] or position)
