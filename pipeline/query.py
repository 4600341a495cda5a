"""Query stage: search, referral leads and exports over the stored records.

Search uses SQLite FTS5 (porter stemming, bm25 ranking, highlighted snippets) over the notes'
text and every extracted item. User input is quoted term by term, so `C++ "AND` is a search
for those words, never FTS syntax.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterator

import sqlite_utils

from pipeline.errors import NotFound
from pipeline.store import LEAD_STATUSES, all_sources, find_person, load_record, now


def search(db: sqlite_utils.Database, query: str, kind: str | None = None, org: str | None = None,
           person: str | None = None, since: str | None = None, until: str | None = None,
           field: str | None = None, skill: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """Ranked matches over extracted items and note text, best first."""
    fts = quote_fts(query)
    if not fts:
        return []
    filters, args = _filters(org, person, since, until, field, skill)
    item_kind = "AND i.kind = :kind" if kind else ""
    sql = f"""
      SELECT n.source, i.kind, snippet(items_fts, 0, '[', ']', '…', 12) AS snippet, bm25(items_fts) AS rank,
             i.start, i.end, r.contact_name, r.interview_date
      FROM items_fts JOIN items i ON i.rowid = items_fts.rowid JOIN notes n ON n.id = i.note_id
      JOIN records r ON r.note_id = n.id
      WHERE items_fts MATCH :q {item_kind} {filters}
      UNION ALL
      SELECT n.source, 'note' AS kind, snippet(notes_fts, 1, '[', ']', '…', 12), bm25(notes_fts), NULL, NULL,
             r.contact_name, r.interview_date
      FROM notes_fts JOIN notes n ON n.rowid = notes_fts.rowid JOIN records r ON r.note_id = n.id
      WHERE notes_fts MATCH :q AND :kind IS NULL {filters}
      ORDER BY rank LIMIT :limit"""
    args.update({"q": fts, "kind": kind, "limit": limit})
    return [dict(r, rank=round(r["rank"], 4)) for r in db.query(sql, args)]


def quote_fts(query: str) -> str:
    """Each word of user input as a quoted FTS5 string: safe for any punctuation."""
    words = re.findall(r"[\w][\w'’+#.\-]*", query)
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


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
    """Referral leads, one per person, with who referred them and every source; next action first."""
    rows = list(db.query("""
      SELECT p.*, group_concat(DISTINCT ref.referred_by) AS referred_by, group_concat(DISTINCT n.source) AS sources,
             min(r.interview_date) AS first_referred
      FROM people p JOIN referrals ref ON ref.person_id = p.id JOIN notes n ON n.id = ref.note_id
      JOIN records r ON r.note_id = n.id
      GROUP BY p.id"""))
    order = {s: i for i, s in enumerate(LEAD_STATUSES)}
    leads = [_lead(r) for r in rows if not status or r["status"] == status]
    return sorted(leads, key=lambda l: (order.get(l["status"], 9), l["first_referred"] or "", l["name"]))


def _lead(r: dict[str, Any]) -> dict[str, Any]:
    return {"id": r["id"], "name": r["name"], "title": r["title"], "organization": r["organization"], "email": r["email"],
            "phone": r["phone"], "status": r["status"], "referred_by": (r["referred_by"] or "").split(",")[0] or None,
            "referred_by_all": [x for x in (r["referred_by"] or "").split(",") if x], "sources": (r["sources"] or "").split(","),
            "last_action": r["last_action"], "first_referred": r["first_referred"], "interviewed": r["interview_note_id"] is not None}


def mark_lead(db: sqlite_utils.Database, lead_id: int, status: str) -> dict[str, Any]:
    """Move a lead through new → contacted → scheduled → met → closed."""
    if status not in LEAD_STATUSES:
        raise NotFound(f"unknown status '{status}' (use one of: {', '.join(LEAD_STATUSES)})")
    if not db["people"].count_where("id = ?", [lead_id]):
        raise NotFound(f"no lead with id {lead_id} (see `fieldnotes leads`)")
    db["people"].update(lead_id, {"status": status, "last_action": now()[:10]})
    return db["people"].get(lead_id)


def referral_chain(db: sqlite_utils.Database, name: str) -> list[str]:
    """Who introduced whom, from the notes: ['A', 'B', 'C'] means A referred B, B referred C."""
    pid = find_person(db, name)
    if pid is None:
        raise NotFound(f"no person called '{name}' in the referral leads (see `fieldnotes leads`)")
    chain = [db["people"].get(pid)["name"]]
    seen = {pid}
    while True:
        row = next(db.query("SELECT referred_by FROM referrals WHERE person_id = ? AND referred_by IS NOT NULL LIMIT 1", [pid]), None)
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


def export_records(db: sqlite_utils.Database) -> Iterator[dict[str, Any]]:
    """Every stored record in the export contract, follow-ups included."""
    for source in all_sources(db):
        rec = load_record(db, source)
        data = json.loads(rec.model_dump_json())
        data.pop("promises", None)
        data["follow_ups"] = [{k: t[k] for k in ("id", "action", "due", "person", "kind", "status")}
                              for t in db["followups"].rows_where("source = ?", [source], order_by="due")]
        yield data
