"""Query stage: search, referral leads, follow-up lists and exports, filtered and paginated in SQL.

Search passes SQLite FTS5 syntax through (prefix `portf*`, `OR`, `NEAR`, "phrases", column
filters), as sqlite-utils does; `quote=True` searches for the words as typed. Ranking (bm25)
and the limit run inside SQLite, and leads and tasks page through indexes in their display
order, so a query costs the same at 50 notes and at 50,000. Only what a query needs is
imported (no record schema, no extraction stages).
"""
from __future__ import annotations

import json
import sqlite3
from datetime import date
from typing import Any, Iterator

from pipeline.errors import NotFound, QueryError
from pipeline.store.people import find_person
from pipeline.store.shape import LEAD_ORDER, LEAD_RANK, LEAD_STATUSES, TASK_ORDER

ITEM_KINDS = ("skills", "advice", "outlook", "day_in_life", "how_to_get_in", "fit", "promise")
SEARCH_KINDS = ITEM_KINDS + ("note",)
MAX_QUERY_TERMS = 64
SEARCH_POOL = 1000  # matches ranked per half at most (the newest): bm25 and reading a match cost microseconds each
TASK_STATUSES = ("open", "done", "snoozed", "orphaned", "all")


def search(db: Any, query: str, kind: str | None = None, org: str | None = None, person: str | None = None,
           since: str | None = None, until: str | None = None, field: str | None = None, skill: str | None = None,
           limit: int = 20, quote: bool = False, pool: int | None = SEARCH_POOL) -> list[dict[str, Any]]:
    """Ranked matches over extracted items and note text, best first (rank: bm25, lower is better).

    Each half (items, notes) ranks at most its newest `pool` matches that pass the filters (all of
    them for all but common words; `pool=None` ranks every match), so a word in every note costs
    what a rare one does; snippets are made for the rows returned only. `skill` keeps notes with a
    skill item with those words."""
    fts = quote_fts(query) if quote else query.strip()
    if not fts:
        return []
    if len(fts.split()) > MAX_QUERY_TERMS:
        raise QueryError(f"the search has {len(fts.split())} terms; use at most {MAX_QUERY_TERMS}")
    if kind and kind not in SEARCH_KINDS:
        raise QueryError(f"unknown kind '{kind}' (use one of: {', '.join(SEARCH_KINDS)})")
    notes, args = _filters(org, person, since, until, field, skill)
    args.update({"q": fts, "kind": kind, "limit": limit, "pool": pool or -1})
    halves = (["items"] if kind != "note" else []) + (["notes"] if kind in (None, "note") else [])
    sql = _search_sql(halves, notes, kind if kind != "note" else None)
    try:
        rows = list(db.query(sql, args))
    except sqlite3.OperationalError as e:
        if "fts5" in str(e) or "syntax" in str(e) or "no such column" in str(e):
            raise QueryError(f"'{query}' is not valid full-text search syntax ({e}); add --quote to search for the words as typed") from None
        raise
    return [dict(r, snippet=" ".join((r["snippet"] or "").split()), rank=float(f"{r['rank']:.6g}")) for r in rows]


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
    joins, note_id, kind, start, end = _HALVES[half]
    fts = f"{half}_fts"
    return (f"SELECT n.source, {kind} AS kind, snippet({fts}, 0, '[', ']', '…', 12) AS snippet, top.rank AS rank, {start} AS start, "
            f"{end} AS end, r.contact_name, r.interview_date FROM top JOIN {fts} ON {fts}.rowid = top.id {joins} "
            f"JOIN notes n ON n.id = {note_id} JOIN records r ON r.note_id = n.id WHERE top.half = '{half}' AND {fts} MATCH :q")


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


_LEADS_SQL = """SELECT id, name, title, organization, email, phone, status, last_action, interview_note_id, first_referred FROM people
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
            "last_action": p["last_action"], "first_referred": p["first_referred"],
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
    from pipeline.store.notes import load_record_by_id

    for (note_id,) in db.execute("SELECT n.id FROM notes n JOIN records r ON r.note_id = n.id WHERE r.complete = 1 ORDER BY n.source").fetchall():
        rec = load_record_by_id(db, note_id)
        data = json.loads(rec.model_dump_json())
        data.pop("promises", None)
        data["follow_ups"] = [dict(zip(("id", "action", "due", "person", "kind", "status"), r)) for r in db.execute(
            "SELECT id, action, due, person, kind, status FROM followups WHERE note_id = ? ORDER BY due IS NULL, due, id", [note_id])]
        yield data
