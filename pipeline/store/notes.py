"""Notes and their records: identity, atomic saves, loading with corrections applied.

A note is its file's real path plus its content hash: the same file named by a relative path,
an absolute path or a link is one note; a moved or renamed file (same content, old path gone)
keeps its note, corrections, statuses and tasks. A note is saved in one transaction (note
row, record, items, people, referrals, leads, tasks, full-text rows) or not at all, and
"unchanged" is decided from a completed record only.
"""
from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from pipeline.errors import NotFound
from pipeline.store.pack import pack_json, pack_record, unpack_json, unpack_record
from pipeline.store.people import ensure_person, find_person, refresh_leads
from pipeline.store.tx import insert, insert_many, now, transaction, update, upsert_many

if TYPE_CHECKING:
    from pipeline.followups import Task
    from pipeline.schema import Record


@dataclass
class Plan:
    action: str  # new, changed, unchanged, moved
    note_id: int | None = None


def plan_note(db: Any, key: str, sha256: str, heads: str, force: bool = False) -> Plan:
    """What a run must do with a file: extract it (new/changed), or nothing (unchanged/moved)."""
    row = db.execute("SELECT n.id, n.sha256, r.complete, r.heads FROM notes n LEFT JOIN records r ON r.note_id = n.id WHERE n.key = ?",
                     [key]).fetchone()
    if row:
        done = row[1] == sha256 and row[2] == 1 and row[3] == heads
        return Plan("unchanged" if done and not force else "changed", row[0])
    for nid, old_key, complete, old_heads in db.execute(
            "SELECT n.id, n.key, r.complete, r.heads FROM notes n LEFT JOIN records r ON r.note_id = n.id WHERE n.sha256 = ?", [sha256]):
        if _gone(old_key):
            return Plan("moved" if complete == 1 and old_heads == heads and not force else "moved_changed", nid)
    return Plan("new")


def move_note(db: Any, note_id: int, key: str, source: str) -> None:
    """The file moved: its note (and everything hanging on it) follows."""
    with transaction(db):
        update(db, "notes", "id", note_id, {"key": key, "source": source, "seen_at": now()})
        db.execute("UPDATE followups SET source = ? WHERE note_id = ?", [source, note_id])
        row = db.execute("SELECT r.record, n.text FROM records r JOIN notes n ON n.id = r.note_id WHERE r.note_id = ?", [note_id]).fetchone()
        if row and row[0]:
            data = unpack_record(row[0], row[1])
            data["source"] = source
            update(db, "records", "note_id", note_id, {"record": pack_record(data, row[1])})
        _reindex(db, note_id)


def save_note(db: Any, note: Any, record: Record, provenance: dict, heads: str,
              tasks_for: Callable[[Record, str], list[Task]] | None = None) -> int:
    """Store one note and its record in one transaction, replacing an older version; returns its id."""
    with transaction(db):
        row = db.execute("SELECT id, uid FROM notes WHERE key = ?", [note.key]).fetchone()
        values = {"key": note.key, "source": note.source, "sha256": note.sha256, "format": note.format, "text": note.text,
                  "metadata": json.dumps(note.metadata, default=str, ensure_ascii=False), "ingested_at": now(), "seen_at": now()}
        if row:
            note_id, uid = row
            update(db, "notes", "id", note_id, values)
        else:
            moved = _moved_from(db, note)
            if moved:
                note_id, uid = moved
                update(db, "notes", "id", note_id, values)
            else:
                uid = uuid.uuid4().hex
                note_id = insert(db, "notes", dict(values, uid=uid))
        db.execute("INSERT OR REPLACE INTO records (note_id, record, provenance, model, heads, seconds, extracted_at, complete) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
                   [note_id, pack_record(record.model_dump(mode="json"), note.text), pack_json(provenance),
                    record.extraction.model if record.extraction else None, heads,
                    record.extraction.seconds if record.extraction else None, now()])
        _reindex(db, note_id, tasks_for)
        db.execute("UPDATE records SET complete = 1 WHERE note_id = ?", [note_id])
    return note_id


def _moved_from(db: Any, note: Any) -> tuple[int, str] | None:
    for nid, uid, old_key in db.execute("SELECT id, uid, key FROM notes WHERE sha256 = ?", [note.sha256]):
        if _gone(old_key):
            return nid, uid
    return None


def _gone(key: str | None) -> bool:
    """The file a stored note came from is no longer there (piped notes are never gone)."""
    from pipeline.ingest import key_path

    return bool(key) and not key.startswith("stdin:") and not os.path.exists(key_path(key))


def _reindex(db: Any, note_id: int, tasks_for: Callable[[Record, str], list[Task]] | None = None) -> None:
    """Rebuild a note's searchable rows from its record with the user's corrections applied."""
    from pipeline.annotate.identity import person_key

    rec = load_record_by_id(db, note_id)
    uid = db.execute("SELECT uid FROM notes WHERE id = ?", [note_id]).fetchone()[0]
    referred = [r[0] for r in db.execute("SELECT person_id FROM referrals WHERE note_id = ?", [note_id])]
    for table in ("items", "referrals", "job_leads"):
        db.execute(f"DELETE FROM [{table}] WHERE note_id = ?", [note_id])
    key = person_key(rec.contact.name) if rec.contact.name else None
    update(db, "records", "note_id", note_id, {"contact_name": rec.contact.name, "contact_key": key,
                                               "contact_last": key.split()[-1] if key else None, "contact_title": rec.contact.title,
                                               "contact_org": rec.contact.organization, "contact_email": rec.contact.email,
                                               "contact_phone": rec.contact.phone, "interview_date": rec.interview_date,
                                               "field": rec.field, "sentiment": rec.outlook.sentiment})
    text = db.execute("SELECT text FROM notes WHERE id = ?", [note_id]).fetchone()[0]
    insert_many(db, "items", [{"note_id": note_id, "kind": kind, "text": _own_text(it, text), "start": it.evidence.start if it.evidence else None,
                               "end": it.evidence.end if it.evidence else None} for kind, it in _all_items(rec)])
    for ref in rec.referrals:
        pid = ensure_person(db, ref.name, ref.title, ref.organization, ref.email, ref.phone)
        referred.append(pid)
        insert(db, "referrals", {"note_id": note_id, "person_id": pid, "name": ref.name, "referred_by": rec.contact.name,
                                 "context": ref.context, "reason": ref.reason, "start": ref.evidence.start, "end": ref.evidence.end})
    insert_many(db, "job_leads", [{"note_id": note_id, "title": j.title, "organization": j.organization, "url": j.url,
                                   "deadline": j.deadline, "start": j.evidence.start, "end": j.evidence.end} for j in rec.job_leads])
    refresh_leads(db, referred)
    db.execute("UPDATE people SET interview_note_id = NULL WHERE interview_note_id = ?", [note_id])
    if rec.contact.name:
        pid = find_person(db, rec.contact.name)
        if pid:
            update(db, "people", "id", pid, {"interview_note_id": note_id})
    _save_tasks(db, note_id, rec, (tasks_for or _default_tasks)(rec, uid))


def _own_text(item: Any, text: str) -> str | None:
    """What `items.text` keeps: nothing when the item is the note's words between its offsets (the
    `items_text` view and the full-text index read those from the note)."""
    ev = item.evidence
    if ev is not None and "\x00" not in text and text[ev.start:ev.end] == item.text:
        return None
    return item.text


def _default_tasks(rec: Record, uid: str) -> list[Task]:
    from pipeline.followups import build_tasks

    return build_tasks(rec, note_key=uid)


def _save_tasks(db: Any, note_id: int, rec: Record, tasks: list[Task]) -> None:
    from pipeline.followups import merge_task_state

    cols = "id, note_id, source, action, due, person, kind, status, snoozed_until, completed_at, why, evidence, updated_at"
    old = [dict(zip(cols.split(", "), r)) for r in db.execute(
        f"SELECT {cols} FROM followups WHERE note_id = ? AND kind NOT IN ('manual', 'thank_referrer')", [note_id])]
    merged, leftovers = merge_task_state(tasks, old)
    rows = [task_row(t, note_id) for t in merged] + [dict(o, updated_at=now()) for o in leftovers]
    upsert_many(db, "followups", "id", rows)


def task_row(t: Task, note_id: int | None) -> dict[str, Any]:
    ev = t.evidence.model_dump() if getattr(t, "evidence", None) is not None else None
    return {"id": t.id, "note_id": note_id, "source": t.source, "action": t.action, "due": t.due, "person": t.person, "kind": t.kind,
            "status": t.status, "snoozed_until": t.snoozed_until, "completed_at": getattr(t, "completed_at", None), "why": t.why,
            "evidence": json.dumps(ev), "updated_at": now()}


def _all_items(rec: Record):
    from pipeline.schema import ITEM_KINDS

    for kind in ITEM_KINDS:
        for it in getattr(rec, kind):
            yield kind, it
    for it in rec.outlook.points:
        yield "outlook", it
    for p in rec.promises:
        yield "promise", type("I", (), {"text": p.action, "evidence": p.evidence})()


def list_edits(db: Any, note_id: int) -> list[dict]:
    return [{"op": op, "path": path, "value": value} for op, path, value in
            db.execute("SELECT op, path, value FROM edits WHERE note_id = ? ORDER BY id", [note_id])]


def load_record_by_id(db: Any, note_id: int, corrected: bool = True) -> Record:
    from pipeline.schema import Record
    from pipeline.store.edits import apply_edits

    row = db.execute("SELECT r.record, n.text FROM records r JOIN notes n ON n.id = r.note_id WHERE n.id = ?", [note_id]).fetchone()
    if not row:
        raise NotFound(f"note {note_id} has no stored record (run `fieldnotes run` on it again)")
    rec = Record.model_validate(unpack_record(row[0], row[1]))
    rec.follow_ups = []
    return apply_edits(rec, list_edits(db, note_id), row[1]) if corrected else rec


def load_provenance(db: Any, note_id: int) -> dict[str, Any]:
    """What the heads decided for a stored note (segment topics, people's roles), as saved."""
    row = db.execute("SELECT provenance FROM records WHERE note_id = ?", [note_id]).fetchone()
    return unpack_json(row[0]) if row and row[0] else {}


def resolve_note(db: Any, given: str) -> tuple[int, str]:
    """(note id, stored source) for any path that names a stored note's file, or a unique suffix of one."""
    from pipeline.ingest import note_key

    real = note_key(given) if given not in ("-",) else None
    if real:
        row = db.execute("SELECT id, source FROM notes WHERE key = ?", [real]).fetchone()
        if row:
            return row[0], row[1]
    row = db.execute("SELECT id, source FROM notes WHERE source = ?", [given]).fetchone()
    if row:
        return row[0], row[1]
    hits = _ending_with(db, given.lstrip("./"))
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise NotFound(f"'{given}' matches {len(hits)} stored notes ({', '.join(s for _, s in hits[:3])}...); give more of the path")
    raise NotFound(f"no stored note '{given}' (see `fieldnotes export` or `fieldnotes search` for stored notes)")


def _ending_with(db: Any, tail: str) -> list[tuple[int, str]]:
    """Notes whose source or key ends with `tail` (SQLite narrows them down, Python checks the case)."""
    if not tail:
        return []
    like = "%" + tail.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = db.execute("SELECT id, source, key FROM notes WHERE source LIKE ? ESCAPE '\\' OR key LIKE ? ESCAPE '\\'", [like, like])
    return [(i, s) for i, s, k in rows if s.endswith(tail) or (k or "").endswith(tail)]


def load_record(db: Any, given: str, corrected: bool = True) -> Record:
    """The stored record for a note named by any of its paths, with the user's corrections applied."""
    note_id, _ = resolve_note(db, given)
    return load_record_by_id(db, note_id, corrected)


def all_note_ids(db: Any) -> list[int]:
    return [r[0] for r in db.execute("SELECT n.id FROM notes n JOIN records r ON r.note_id = n.id WHERE r.complete = 1 ORDER BY n.source")]
