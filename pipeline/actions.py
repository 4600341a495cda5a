"""User actions on stored data: lead statuses, task check-offs, own tasks, corrections, drafts.

Each function changes the database in one transaction and returns the changed row, so the
CLI only prints. What is written here (statuses, done and snoozed tasks, corrections)
survives re-processing of the notes.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Callable

from pydantic import ValidationError

from pipeline.annotate.entities import normalize_phone
from pipeline.errors import FieldnotesError, ModelError, NotFound
from pipeline.followups import Task, referrer_thanks
from pipeline.query import parse_day
from pipeline.store import LEAD_STATUSES, apply_edits, item_op, load_record_by_id, now, resolve_note, task_row, transaction
from pipeline.store.notes import _reindex
from pipeline.store.tx import insert, update, upsert_many

NOT_EDITABLE = ("source", "sha256", "follow_ups", "extraction", "promises")  # facts about the file and the run, not corrections


def set_task_status(db: Any, task_id: str, status: str, until: str | None = None) -> dict[str, Any]:
    """Mark a task done, snoozed (until a date) or open again; ids may be a unique prefix."""
    until = parse_day(until, "--until")
    row = _task(db, task_id)
    with transaction(db):
        update(db, "followups", "id", row["id"], {"status": status, "snoozed_until": until if status == "snoozed" else None,
                                                  "completed_at": now() if status == "done" else None, "updated_at": now()})
    return _task(db, row["id"])


def add_task(db: Any, text: str, due: str | None = None, person: str | None = None) -> dict[str, Any]:
    """A task of the user's own (kind 'manual'); re-processing never touches it."""
    due = parse_day(due, "--due")
    if not text.strip():
        raise FieldnotesError('a task needs some text, e.g. fieldnotes followups add "Send portfolio to Lena"')
    tid = hashlib.sha1(f"manual\x1f{text}\x1f{due}\x1f{now()}".encode()).hexdigest()[:10]
    task = Task(id=tid, action=text, due=due, person=person, kind="manual", source="(manual)", evidence=None, why="Added by you.")
    with transaction(db):
        upsert_many(db, "followups", "id", [task_row(task, None)])
    return _task(db, tid)


def mark_lead_status(db: Any, lead_id: int, status: str) -> dict[str, Any]:
    """Move a lead through new → contacted → scheduled → met → closed; after 'met', add a task
    to thank whoever referred them."""
    if status not in LEAD_STATUSES:
        raise NotFound(f"unknown status '{status}' (use one of: {', '.join(LEAD_STATUSES)})")
    if not db.execute("SELECT 1 FROM people WHERE id = ?", [lead_id]).fetchone():
        raise NotFound(f"no lead with id {lead_id} (see `fieldnotes leads`)")
    with transaction(db):
        update(db, "people", "id", lead_id, {"status": status, "last_action": now()[:10]})
        if status == "met":
            name = db.execute("SELECT name FROM people WHERE id = ?", [lead_id]).fetchone()[0]
            for referrer, note_id, uid in db.execute("""SELECT r.referred_by, n.id, n.uid FROM referrals r JOIN notes n ON n.id = r.note_id
                                                        WHERE person_id = ?""", [lead_id]).fetchall():
                if referrer:
                    task = referrer_thanks(name, referrer, now()[:10], uid)
                    source = db.execute("SELECT source FROM notes WHERE id = ?", [note_id]).fetchone()[0]
                    task.source = source
                    if not db.execute("SELECT 1 FROM followups WHERE id = ?", [task.id]).fetchone():
                        upsert_many(db, "followups", "id", [task_row(task, note_id)])
    return dict(db["people"].get(lead_id))


def edit_record(db: Any, source: str, changes: list[list[str]] | None = None, edited_json: str | None = None,
                ops: list[dict[str, Any]] | None = None) -> int:
    """Store corrections: `--set path=value` pairs, an edited JSON record, or item/referral operations.

    A `--set` value is read as JSON when that fits the field (`[...]`, `null`, a number), else as text;
    a phone is stored as E.164 when it parses as one.
    """
    note_id, _ = resolve_note(db, source)
    text = db.execute("SELECT text FROM notes WHERE id = ?", [note_id]).fetchone()[0]
    new_ops: list[dict[str, Any]] = list(ops or [])
    if changes:
        for path, raw in changes:
            raw = (normalize_phone(raw) or raw) if path.strip().endswith(".phone") else raw
            new_ops.append({"op": "set", "path": path.strip(), "value": _set_value(db, note_id, path.strip(), raw, text)})
    elif edited_json is not None:
        before = {k: v for k, v in load_record_by_id(db, note_id).model_dump().items() if k not in NOT_EDITABLE}
        new_ops += [{"op": "set", "path": p, "value": json.dumps(v, ensure_ascii=False)} for p, v in _diff(before, _edited(edited_json))]
    if not new_ops:
        return 0
    _check(db, note_id, new_ops, text)
    with transaction(db):
        for op in new_ops:
            insert(db, "edits", {"note_id": note_id, "op": op["op"], "path": op.get("path"), "value": op["value"], "edited_at": now()})
        _reindex(db, note_id)
    return len(new_ops)


def remove_item(db: Any, source: str, kind: str, index: int) -> dict[str, Any]:
    """A correction that removes one item (given by its place in the current list) for good."""
    note_id, _ = resolve_note(db, source)
    rec = load_record_by_id(db, note_id)
    items = rec.outlook.points if kind == "outlook" else getattr(rec, kind, None)
    if items is None or not 0 <= index < len(items):
        raise NotFound(f"no {kind} item {index} in {source} (see `fieldnotes show {source}`)")
    ev = items[index].evidence
    text = db.execute("SELECT text FROM notes WHERE id = ?", [note_id]).fetchone()[0]
    edit_record(db, source, ops=[item_op("remove_item", kind, ev.start, ev.end, text)])
    return {"kind": kind, "text": items[index].text}


def draft_email(db: Any, task_id: str, model_name: str | None, loader: Callable[[str | None], Any] | None = None) -> str:
    """A thank-you or introduction e-mail drafted by the model (local, or `loader`'s backend) from the note's facts."""
    from pipeline.decide.runtime import load_model
    from pipeline.drafts import DRAFT_KINDS, compose_draft

    row = _task(db, task_id)
    if row["kind"] == "manual" or not row.get("note_id"):
        raise NotFound(f"task {row['id']} is your own task; drafts need a task that comes from a note")
    if row["kind"] not in DRAFT_KINDS:
        raise FieldnotesError(f"task {row['id']} is a {row['kind']} task; drafts are for {', '.join(DRAFT_KINDS)} tasks")
    rec = load_record_by_id(db, row["note_id"])
    try:
        model = (loader or load_model)(model_name)
    except ModelError as e:
        raise ModelError(f"cannot draft without the local model: {e}") from e
    return compose_draft(rec, row, model)


def _task(db: Any, task_id: str) -> dict[str, Any]:
    rows = list(db["followups"].rows_where("id LIKE ?", [task_id.strip() + "%"], limit=2)) if task_id.strip() else []
    if len(rows) != 1:
        raise NotFound(f"no task with id '{task_id}'" + (" (ambiguous prefix)" if rows else "") + " (see `fieldnotes followups --status all`)")
    return dict(rows[0])


def _set_value(db: Any, note_id: int, path: str, raw: str, text: str) -> str:
    """The JSON reading of a --set value when the record accepts it, else the plain text."""
    rec = load_record_by_id(db, note_id)
    for value in _readings(raw):
        try:
            apply_edits(rec, [{"op": "set", "path": path, "value": json.dumps(value)}], text, strict=True)
            return json.dumps(value, ensure_ascii=False)
        except ValidationError:
            continue
        except ValueError as e:
            raise FieldnotesError(str(e)) from None
    raise FieldnotesError(f"{path}: the value {raw[:60]!r} does not fit this field; fix the value and try again")


def _readings(raw: str) -> list[Any]:
    try:
        return [json.loads(raw), raw]
    except json.JSONDecodeError:
        return [raw]


def _check(db: Any, note_id: int, ops: list[dict[str, Any]], text: str) -> None:
    rec = load_record_by_id(db, note_id)
    try:
        apply_edits(rec, ops, text, strict=True)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise FieldnotesError(f"{where}: {err['msg'].lower()}; fix the value and try again") from None
    except (ValueError, KeyError, IndexError, TypeError) as e:
        raise FieldnotesError(f"{e}; nothing saved") from None


def _edited(text: str | None) -> dict[str, Any]:
    try:
        data = json.loads(text or "")
    except json.JSONDecodeError as e:
        raise FieldnotesError(f"the edited record is not valid JSON ({e.msg} at line {e.lineno}); nothing saved, run `fieldnotes edit` again") from None
    if not isinstance(data, dict):
        raise FieldnotesError("the edited record must stay a JSON object; nothing saved, run `fieldnotes edit` again")
    return data


def _diff(before: Any, after: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[tuple[str, Any]] = []
        for k in before:
            if k in after:
                out += _diff(before[k], after[k], f"{prefix}{k}.")
        return out
    return [] if before == after else [(prefix.rstrip("."), after)]
