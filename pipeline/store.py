"""Store/index stage: the SQLite database (through sqlite-utils) that is the product's memory.

The shape of the database is data (`TABLES`, `FTS`), applied by `ensure_db_shape()`, which is
safe to run every time. `save_record()` replaces one note's extraction in a single transaction,
so an interrupted batch leaves every finished note stored and nothing half-written. The user's
corrections (`edits`), lead statuses and task states live in their own tables and survive
re-processing.
"""
from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

import sqlite_utils

from pipeline.errors import NotFound
from pipeline.schema import Record

TABLES: dict[str, dict[str, Any]] = {
    "notes": {"columns": {"id": int, "source": str, "sha256": str, "format": str, "text": str, "metadata": str,
                          "ingested_at": str}, "pk": "id"},
    "records": {"columns": {"note_id": int, "contact_name": str, "contact_title": str, "contact_org": str,
                            "interview_date": str, "field": str, "sentiment": str, "record": str, "raw_answers": str,
                            "model": str, "prompt_version": str, "seconds": float, "extracted_at": str}, "pk": "note_id"},
    "items": {"columns": {"id": int, "note_id": int, "kind": str, "text": str, "start": int, "end": int}, "pk": "id"},
    "people": {"columns": {"id": int, "name": str, "key": str, "title": str, "organization": str, "email": str,
                           "phone": str, "status": str, "last_action": str, "interview_note_id": int}, "pk": "id"},
    "referrals": {"columns": {"id": int, "note_id": int, "person_id": int, "name": str, "referred_by": str,
                              "context": str, "reason": str, "start": int, "end": int}, "pk": "id"},
    "job_leads": {"columns": {"id": int, "note_id": int, "title": str, "organization": str, "url": str,
                              "deadline": str, "start": int, "end": int}, "pk": "id"},
    "followups": {"columns": {"id": str, "source": str, "action": str, "due": str, "person": str, "kind": str,
                              "status": str, "snoozed_until": str, "why": str, "evidence": str, "updated_at": str}, "pk": "id"},
    "edits": {"columns": {"id": int, "source": str, "path": str, "value": str, "edited_at": str}, "pk": "id"},
    "runs": {"columns": {"id": int, "started_at": str, "finished_at": str, "processed": int, "skipped": int,
                         "failed": str, "model": str}, "pk": "id"},
}
FTS: dict[str, list[str]] = {"notes": ["source", "text"], "items": ["text", "kind"], "people": ["name", "title", "organization"]}
INDEXES: list[tuple[str, list[str]]] = [("notes", ["sha256"]), ("notes", ["source"]), ("items", ["note_id"]),
                                        ("referrals", ["note_id"]), ("job_leads", ["note_id"]), ("people", ["key"])]
LEAD_STATUSES = ("new", "contacted", "scheduled", "met", "closed")


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) the database with WAL and a busy timeout, shaped for use."""
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA busy_timeout = 10000")
    if str(path) != ":memory:":
        db.enable_wal()
    ensure_db_shape(db)
    return db


def ensure_db_shape(db: sqlite_utils.Database) -> None:
    """Create missing tables, indexes and full-text indexes; safe to run every time."""
    for name, spec in TABLES.items():
        db[name].create(spec["columns"], pk=spec["pk"], if_not_exists=True)
        missing = {c: t for c, t in spec["columns"].items() if c not in db[name].columns_dict}
        for col, typ in missing.items():
            db[name].add_column(col, typ)
    for table, cols in INDEXES:
        db[table].create_index(cols, if_not_exists=True)
    for table, cols in FTS.items():
        if not db[table].detect_fts():
            db[table].enable_fts(cols, create_triggers=True, tokenize="porter")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def find_note(db: sqlite_utils.Database, source: str | None = None, sha256: str | None = None) -> dict | None:
    """The stored note by its path or by its content hash."""
    where, args = ("source = ?", [source]) if source is not None else ("sha256 = ?", [sha256])
    rows = list(db["notes"].rows_where(where, args, limit=1))
    return rows[0] if rows else None


def move_note(db: sqlite_utils.Database, note_id: int, old: str, new: str) -> None:
    """A renamed file with the same content: keep its record, edits and tasks under the new path."""
    with db.conn:
        db["notes"].update(note_id, {"source": new})
        db.execute("UPDATE edits SET source = ? WHERE source = ?", [new, old])
        db.execute("UPDATE followups SET source = ? WHERE source = ?", [new, old])
        rec = load_record(db, new, apply_user_edits=False)
        rec.source = new
        db["records"].update(note_id, {"record": rec.model_dump_json()})


def save_record(db: sqlite_utils.Database, note: Any, record: Record, raw: list[dict], tasks: Iterable[Any] = ()) -> int:
    """Store one note and its extraction, replacing any older version, in one transaction."""
    with db.conn:
        old = find_note(db, source=note.source)
        row = {"source": note.source, "sha256": note.sha256, "format": note.format, "text": note.text,
               "metadata": json.dumps(note.metadata, default=str), "ingested_at": now()}
        if old:
            db["notes"].update(old["id"], row)
            note_id = old["id"]
        else:
            note_id = db["notes"].insert(row).last_pk
        _replace_children(db, note_id, record, list_edits(db, note.source), raw)
        _save_followups(db, note.source, list(tasks))
    return note_id


def _replace_children(db: sqlite_utils.Database, note_id: int, rec: Record, edits: list[dict] | None = None,
                      raw: list[dict] | None = None) -> None:
    """Keep the model's record as JSON; index it with the user's corrections applied, so they win everywhere."""
    db["records"].upsert({
        "note_id": note_id, "record": rec.model_dump_json(), "raw_answers": json.dumps(raw or [], ensure_ascii=False),
        "model": rec.extraction.model if rec.extraction else None,
        "prompt_version": rec.extraction.prompt_version if rec.extraction else None,
        "seconds": rec.extraction.seconds if rec.extraction else None, "extracted_at": now()}, pk="note_id")
    _index_record(db, note_id, apply_edits(rec, edits, strict=False) if edits else rec)


def _index_record(db: sqlite_utils.Database, note_id: int, rec: Record) -> None:
    """The searchable rows of one record: flat columns, items, referral people, job leads, interview link."""
    for table in ("items", "referrals", "job_leads"):
        db[table].delete_where("note_id = ?", [note_id])
    db["records"].update(note_id, {"contact_name": rec.contact.name, "contact_title": rec.contact.title,
                                   "contact_org": rec.contact.organization, "interview_date": rec.interview_date,
                                   "field": rec.field, "sentiment": rec.outlook.sentiment})
    items = [{"note_id": note_id, "kind": kind, "text": it.text, "start": it.evidence.start if it.evidence else None,
              "end": it.evidence.end if it.evidence else None} for kind, it in _all_items(rec)]
    db["items"].insert_all(items)
    for ref in rec.referrals:
        person_id = ensure_person(db, ref.name, ref.title, ref.organization, ref.email, ref.phone)
        db["referrals"].insert({"note_id": note_id, "person_id": person_id, "name": ref.name, "referred_by": rec.contact.name,
                                "context": ref.context, "reason": ref.reason, "start": ref.evidence.start, "end": ref.evidence.end})
    db["job_leads"].insert_all([{"note_id": note_id, "title": j.title, "organization": j.organization, "url": j.url,
                                 "deadline": j.deadline, "start": j.evidence.start, "end": j.evidence.end} for j in rec.job_leads])
    db.execute("UPDATE people SET interview_note_id = NULL WHERE interview_note_id = ?", [note_id])
    if rec.contact.name:
        pid = find_person(db, rec.contact.name)
        if pid:
            db["people"].update(pid, {"interview_note_id": note_id})


def _all_items(rec: Record) -> Iterable[tuple[str, Any]]:
    for kind in ("day_in_life", "skills", "advice", "how_to_get_in", "fit"):
        for it in getattr(rec, kind):
            yield kind, it
    for it in rec.outlook.points:
        yield "outlook", it
    for p in rec.promises:
        yield "promise", type("I", (), {"text": p.action, "evidence": p.evidence})()


def person_key(name: str) -> str:
    """Normalised key: no titles, accents or punctuation, lower case; 'Dr. Dan Reyes' -> 'dan reyes'."""
    from pipeline.people import strip_title

    plain = unicodedata.normalize("NFKD", strip_title(name)).encode("ascii", "ignore").decode().lower()
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def find_person(db: sqlite_utils.Database, name: str) -> int | None:
    """The id of the person this name refers to: same key, or same last name + first initial,
    or a unique first-name / nickname match ("Dan R.", "Daniel Reyes")."""
    key = person_key(name)
    words = key.split()
    if not words:
        return None
    exact = next(db.query("SELECT id FROM people WHERE key = ? LIMIT 1", [key]), None)  # indexed
    if exact:
        return exact["id"]
    cands = [r for r in db.query("SELECT id, key FROM people") if _keys_match(words, r["key"].split())]
    return cands[0]["id"] if len(cands) == 1 else None


def ensure_person(db: sqlite_utils.Database, name: str, title: str | None = None, org: str | None = None,
                  email: str | None = None, phone: str | None = None) -> int:
    """Find or create the person; fill in details that were missing; keep the fuller name."""
    pid = find_person(db, name)
    if pid is None:
        return db["people"].insert({"name": name, "key": person_key(name), "title": title, "organization": org,
                                    "email": email, "phone": phone, "status": "new", "last_action": None,
                                    "interview_note_id": _interview_of(db, name)}).last_pk
    row = db["people"].get(pid)
    update = {k: v for k, v in (("title", title), ("organization", org), ("email", email), ("phone", phone)) if v and not row[k]}
    if len(person_key(name)) > len(row["key"]):
        update.update({"name": name, "key": person_key(name)})
    if update:
        db["people"].update(pid, update)
    return pid


def _interview_of(db: sqlite_utils.Database, name: str) -> int | None:
    """The note in which this person was the contact (interviewed before anyone referred them), if any."""
    words = person_key(name).split()
    for r in db.query("SELECT note_id, contact_name FROM records WHERE contact_name IS NOT NULL ORDER BY note_id"):
        other = person_key(r["contact_name"]).split()
        if words and (other == words or _keys_match(words, other)):
            return r["note_id"]
    return None


def _keys_match(a: list[str], b: list[str]) -> bool:
    if len(a) == 1 or len(b) == 1:
        return False  # a first name alone is too weak to merge people across notes
    first_ok = a[0] == b[0] or _nick(a[0], b[0]) or (len(a[0].rstrip(".")) == 1 or len(b[0].rstrip(".")) == 1) and a[0][0] == b[0][0]
    last_a, last_b = a[-1].rstrip("."), b[-1].rstrip(".")
    return first_ok and (last_a == last_b or len(last_a) == 1 and last_b.startswith(last_a) or len(last_b) == 1 and last_a.startswith(last_b))


def _nick(a: str, b: str) -> bool:
    short, full = sorted((a, b), key=len)
    return len(short) >= 3 and full.startswith(short)


def load_record(db: sqlite_utils.Database, source: str, apply_user_edits: bool = True) -> Record:
    """The stored record for a note, with the user's corrections applied."""
    rows = list(db.query("SELECT r.record, n.source FROM records r JOIN notes n ON n.id = r.note_id WHERE n.source = ?", [source]))
    if not rows:
        raise NotFound(f"no note '{source}' in the database (see `fieldnotes export` for stored sources)")
    rec = Record.model_validate_json(rows[0]["record"])
    rec.follow_ups = []
    return apply_edits(rec, list_edits(db, source), strict=False) if apply_user_edits else rec


def all_sources(db: sqlite_utils.Database) -> list[str]:
    return [r["source"] for r in db.query("SELECT n.source FROM notes n JOIN records r ON r.note_id = n.id ORDER BY n.source")]


def save_edit(db: sqlite_utils.Database, source: str, path: str, value: Any) -> None:
    """Store a user correction like contact.name = 'Dan Reyes'; it wins over the model."""
    rec = load_record(db, source)
    apply_edits(rec, [{"path": path, "value": json.dumps(value)}])  # validates the path and value
    with db.conn:
        db["edits"].insert({"source": source, "path": path, "value": json.dumps(value), "edited_at": now()})
        note = find_note(db, source=source)
        _index_record(db, note["id"], load_record(db, source))


def list_edits(db: sqlite_utils.Database, source: str) -> list[dict]:
    return list(db["edits"].rows_where("source = ?", [source], order_by="id"))


def apply_edits(rec: Record, edits: list[dict], strict: bool = True) -> Record:
    """Apply dotted-path corrections in order; raises ValueError for an unknown path.

    With strict=False an edit whose path no longer exists in a re-extracted record (a list
    that got shorter) is skipped instead.
    """
    data = rec.model_dump()
    for e in edits:
        try:
            _set_path(data, e["path"], json.loads(e["value"]))
        except (ValueError, IndexError, TypeError, AttributeError):
            if strict:
                raise
    return Record.model_validate(data)


def _set_path(data: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    cur: Any = data
    for p in parts[:-1]:
        cur = _at(cur, p, path) if isinstance(cur, list) else cur.get(p)
        if not isinstance(cur, (dict, list)):
            raise ValueError(f"unknown field '{path}'")
    last = parts[-1]
    if isinstance(cur, list):
        cur[_position(cur, last, path)] = value
    elif last in cur:
        cur[last] = value
    else:
        raise ValueError(f"unknown field '{path}' (fields: {', '.join(cur)})")


def _position(items: list, part: str, path: str) -> int:
    """A list index from a path part, or ValueError naming the valid range."""
    if not part.isdigit() or int(part) >= len(items):
        raise ValueError(f"unknown field '{path}' ('{part}' is not an index from 0 to {len(items) - 1})")
    return int(part)


def _at(items: list, part: str, path: str) -> Any:
    return items[_position(items, part, path)]


def _save_followups(db: sqlite_utils.Database, source: str, tasks: list[Any]) -> None:
    from pipeline.followups import merge_task_state

    old = list(db["followups"].rows_where("source = ? AND kind NOT IN ('manual', 'thank_referrer')", [source]))
    merged, orphans = merge_task_state(tasks, old)
    rows = [_task_row(t) for t in merged] + [dict(o, updated_at=now()) for o in orphans]
    if rows:
        db["followups"].upsert_all(rows, pk="id", alter=True)


def _task_row(t: Any) -> dict:
    ev = t.evidence.model_dump() if getattr(t, "evidence", None) is not None else None
    return {"id": t.id, "source": t.source, "action": t.action, "due": t.due, "person": t.person, "kind": t.kind,
            "status": t.status, "snoozed_until": getattr(t, "snoozed_until", None), "why": t.why,
            "evidence": json.dumps(ev), "updated_at": now()}

