"""Query stage: search, referral leads and exports over the stored records.

Search uses SQLite FTS5 (porter stemming, bm25 ranking, highlighted snippets) over the notes'
text and every extracted item. User input is quoted term by term, so `C++ "AND` is a search
for those words, never FTS syntax.
"""
from __future__ import annotations

import json
import re
from datetime import date
from typing import Any, Iterator

import sqlite_utils

from pipeline.errors import FieldnotesError, NotFound
from pipeline.store import LEAD_STATUSES, all_sources, find_person, load_record, now, person_key


ITEM_KINDS = ("skills", "advice", "outlook", "day_in_life", "how_to_get_in", "fit", "promise")
SEARCH_KINDS = ITEM_KINDS + ("note",)


def search(db: sqlite_utils.Database, query: str, kind: str | None = None, org: str | None = None,
           person: str | None = None, since: str | None = None, until: str | None = None,
           field: str | None = None, skill: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """Ranked matches over extracted items (kind = the item's kind) and note text (kind 'note'), best first.

    Only the text is searched (not the item kind or the note's path); the filters apply to both
    halves through the note's record. `rank` is bm25 (more negative = better).
    """
    fts = quote_fts(query)
    if not fts:
        return []
    if kind and kind not in SEARCH_KINDS:
        raise FieldnotesError(f"unknown kind '{kind}' (use one of: {', '.join(SEARCH_KINDS)})")
    filters, args = _filters(org, person, parse_day(since, "--since"), parse_day(until, "--until"), field, skill)
    sql = f"""
      SELECT n.source, i.kind, snippet(items_fts, 0, '[', ']', '…', 12) AS snippet, bm25(items_fts) AS rank,
             i.start, i.end, r.contact_name, r.interview_date
      FROM items_fts JOIN items i ON i.rowid = items_fts.rowid JOIN notes n ON n.id = i.note_id
      JOIN records r ON r.note_id = n.id
      WHERE items_fts MATCH :q_items AND (:kind IS NULL OR i.kind = :kind) {filters}
      UNION ALL
      SELECT n.source, 'note' AS kind, snippet(notes_fts, 1, '[', ']', '…', 12), bm25(notes_fts), NULL, NULL,
             r.contact_name, r.interview_date
      FROM notes_fts JOIN notes n ON n.rowid = notes_fts.rowid JOIN records r ON r.note_id = n.id
      WHERE notes_fts MATCH :q_notes AND (:kind IS NULL OR :kind = 'note') {filters}
      ORDER BY rank, source, kind LIMIT :limit"""
    args.update({"q_items": f"text : ({fts})", "q_notes": f"text : ({fts})", "kind": kind, "limit": limit})
    return [dict(r, snippet=" ".join(r["snippet"].split()), rank=float(f"{r['rank']:.6g}")) for r in db.query(sql, args)]


def quote_fts(query: str) -> str:
    """Each word of user input as a quoted FTS5 string: safe for any punctuation."""
    words = re.findall(r"[\w][\w'’+#.\-]*", query)
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def parse_day(value: str | None, option: str) -> str | None:
    """`value` as a YYYY-MM-DD string (None stays None), or a domain error saying how to write it."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise FieldnotesError(f"{option} '{value}' is not a date; use YYYY-MM-DD (e.g. 2026-03-14)") from None


def _filters(org, person, since, until, field, skill) -> tuple[str, dict[str, Any]]:
    parts, args = [], {}
    for col, val, key in (("r.contact_org", org, "org"), ("r.contact_name", person, "person"), ("r.field", field, "field")):
        if val:
            parts.append(f"AND {col} LIKE :{key}")
            args[key] = f"%{val}%"
    if since:
        parts.append("AND r.interview_date >= :since")
        args["since"] = since
    if until:
        parts.append("AND r.interview_date <= :until")
        args["until"] = until
    if skill:
        parts.append("AND n.id IN (SELECT note_id FROM items WHERE kind = 'skills' AND text LIKE :skill)")
        args["skill"] = f"%{skill}%"
    return " ".join(parts), args


def list_leads(db: sqlite_utils.Database, status: str | None = None) -> list[dict[str, Any]]:
    """Referral leads, one per person, with who referred them and from which interview; next action first.

    Order: by status (new → contacted → scheduled → met → closed), then the earliest referral
    (undated last), then name.
    """
    if status and status not in LEAD_STATUSES:
        raise NotFound(f"unknown status '{status}' (use one of: {', '.join(LEAD_STATUSES)})")
    refs: dict[int, list[dict[str, Any]]] = {}
    for r in db.query("""
      SELECT ref.person_id, ref.referred_by, ref.context, ref.reason, n.source, r.interview_date
      FROM referrals ref JOIN notes n ON n.id = ref.note_id JOIN records r ON r.note_id = n.id
      ORDER BY r.interview_date IS NULL, r.interview_date, n.source, ref.id"""):
        refs.setdefault(r.pop("person_id"), []).append(r)
    interviews = {r["id"]: r["source"] for r in db.query("SELECT id, source FROM notes")}
    people = db["people"].rows_where(f"id IN ({','.join(map(str, refs)) or 'NULL'})")
    leads = [_lead(p, refs[p["id"]], interviews.get(p["interview_note_id"])) for p in people
             if not status or p["status"] == status]
    order = {s: i for i, s in enumerate(LEAD_STATUSES)}
    return sorted(leads, key=lambda l: (order.get(l["status"], 9), l["first_referred"] is None,
                                        l["first_referred"] or "", l["name"].casefold()))


def _lead(p: dict[str, Any], refs: list[dict[str, Any]], interview: str | None) -> dict[str, Any]:
    """One lead row: the person, every referral of them (earliest first) and their interview, if any."""
    by = list(dict.fromkeys(r["referred_by"] for r in refs if r["referred_by"]))
    dates = [r["interview_date"] for r in refs if r["interview_date"]]
    return {"id": p["id"], "name": p["name"], "title": p["title"], "organization": p["organization"], "email": p["email"],
            "phone": p["phone"], "status": p["status"], "referred_by": by[0] if by else None, "referred_by_all": by,
            "reason": next((r["reason"] for r in refs if r.get("reason")), None),
            "sources": list(dict.fromkeys(r["source"] for r in refs)), "referrals": refs,
            "last_action": p["last_action"], "first_referred": min(dates) if dates else None,
            "interviewed": interview is not None, "interview": interview}


def mark_lead(db: sqlite_utils.Database, lead_id: int, status: str) -> dict[str, Any]:
    """Move a lead through new → contacted → scheduled → met → closed."""
    if status not in LEAD_STATUSES:
        raise NotFound(f"unknown status '{status}' (use one of: {', '.join(LEAD_STATUSES)})")
    if not db["people"].count_where("id = ?", [lead_id]):
        raise NotFound(f"no lead with id {lead_id} (see `fieldnotes leads`)")
    db["people"].update(lead_id, {"status": status, "last_action": now()[:10]})
    return db["people"].get(lead_id)


def referral_chain(db: sqlite_utils.Database, name: str) -> list[str]:
    """Who introduced whom, from the notes: ['A', 'B', 'C'] means A referred B, B referred C.

    When someone was referred more than once, the earliest referral is followed.
    """
    pid = _lookup_person(db, name)
    chain = [db["people"].get(pid)["name"]]
    seen = {pid}
    while True:
        row = next(db.query("""SELECT ref.referred_by FROM referrals ref JOIN records r ON r.note_id = ref.note_id
                               WHERE ref.person_id = ? AND ref.referred_by IS NOT NULL
                               ORDER BY r.interview_date IS NULL, r.interview_date, ref.id LIMIT 1""", [pid]), None)
        if not row:
            break
        up = find_person(db, row["referred_by"])
        if up is None or up in seen:
            chain.insert(0, row["referred_by"])
            break
        seen.add(up)
        chain.insert(0, db["people"].get(up)["name"])
        pid = up
    return chain


def _lookup_person(db: sqlite_utils.Database, name: str) -> int:
    """A person by any form of their name, or by a first name that only one person has."""
    pid = find_person(db, name)
    if pid is not None:
        return pid
    key = person_key(name)
    firsts = [r["id"] for r in db.query("SELECT id, key FROM people") if key and r["key"].split()[:1] == key.split()]
    if len(firsts) == 1:
        return firsts[0]
    hint = " (several people have that first name; give the full name)" if firsts else ""
    raise NotFound(f"no person called '{name}' in the referral leads{hint} (see `fieldnotes leads`)")


def export_records(db: sqlite_utils.Database) -> Iterator[dict[str, Any]]:
    """Every stored record in the export contract, follow-ups included."""
    for source in all_sources(db):
        rec = load_record(db, source)
        data = json.loads(rec.model_dump_json())
        data.pop("promises", None)
        data["follow_ups"] = [{k: t[k] for k in ("id", "action", "due", "person", "kind", "status")}
                              for t in db["followups"].rows_where("source = ?", [source], order_by="due")]
        yield data
