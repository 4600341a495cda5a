"""User actions on stored data: lead statuses, task check-offs, own tasks, corrections, drafts.

Each function changes the database in one transaction and returns the changed row, so the
CLI only prints. State written here (statuses, done/snoozed tasks, edits) survives
re-processing of the notes.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

import sqlite_utils
from pydantic import ValidationError

from pipeline.errors import FieldnotesError, ModelError, NotFound
from pipeline.followups import Task, filter_tasks, referrer_thanks, task_from_dict
from pipeline.query import mark_lead, parse_day
from pipeline.store import _task_row, load_record, now, save_edit


NOT_EDITABLE = ("source", "sha256", "follow_ups", "extraction")  # facts about the file and the run, not corrections


def list_tasks(db: sqlite_utils.Database, status: str = "open", due_before: str | None = None,
               overdue: bool = False, person: str | None = None, today: date | None = None) -> list[Task]:
    """Stored tasks filtered like `fieldnotes followups`; snoozed tasks reappear after their date."""
    today = today or date.today()
    tasks = [task_from_dict(dict(r, evidence=json.loads(r["evidence"] or "null"))) for r in db["followups"].rows]
    for t in tasks:
        if t.status == "snoozed" and t.snoozed_until and t.snoozed_until <= today.isoformat():
            t.status = "open"
    before = date.fromisoformat(parse_day(due_before, "--due-before")) if due_before else None
    picked = filter_tasks(tasks, status, before, today if overdue else None, person)
    return sorted(picked, key=lambda t: (t.due or "9999", t.source, t.kind))


def set_task_status(db: sqlite_utils.Database, task_id: str, status: str, until: str | None = None) -> dict[str, Any]:
    """Mark a task done or snoozed (ids may be abbreviated to a unique prefix)."""
    until = parse_day(until, "--until")
    row = _task(db, task_id)
    db["followups"].update(row["id"], {"status": status, "snoozed_until": until, "updated_at": now()})
    return db["followups"].get(row["id"])


def add_task(db: sqlite_utils.Database, text: str, due: str | None = None, person: str | None = None) -> dict[str, Any]:
    """A task of the user's own (kind 'manual'); never touched by re-processing."""
    due = parse_day(due, "--due")
    if not text.strip():
        raise FieldnotesError('a task needs some text, e.g. fieldnotes followups add "Send portfolio to Lena"')
    tid = hashlib.sha1(f"manual\x1f{text}\x1f{due}\x1f{now()}".encode()).hexdigest()[:10]
    task = Task(id=tid, action=text, due=due, person=person, kind="manual", source="(manual)", evidence=None,
                why="Added by you.")
    db["followups"].insert(_task_row(task))
    return db["followups"].get(tid)


def mark_lead_status(db: sqlite_utils.Database, lead_id: int, status: str) -> dict[str, Any]:
    """Set a lead's status; after 'met', add a task to thank whoever referred them."""
    with db.conn:
        row = mark_lead(db, lead_id, status)
        if status == "met":
            for ref in db.query("SELECT r.referred_by, n.source FROM referrals r JOIN notes n ON n.id = r.note_id WHERE person_id = ?", [lead_id]):
                if ref["referred_by"]:
                    t = referrer_thanks(row["name"], ref["referred_by"], now()[:10], ref["source"])
                    if not db["followups"].count_where("id = ?", [t.id]):
                        db["followups"].insert(_task_row(t))
    return row


def edit_record(db: sqlite_utils.Database, source: str, changes: list[list[str]] | None, edited_json: str | None = None) -> int:
    """Store corrections from `--set path=value` pairs or from an edited JSON record.

    A `--set` value is read as JSON when it is valid JSON for the field (`[...]`, `null`, a
    number for a number field), else as plain text, so `--set contact.phone=5551234` works.
    """
    if changes:
        pairs = [(p.strip(), v) for p, v in changes]
        for path, raw in pairs:
            _save_set(db, source, path, raw)
        return len(pairs)
    before = {k: v for k, v in load_record(db, source).model_dump().items() if k not in NOT_EDITABLE}
    pairs = _diff(before, _edited(edited_json))
    for path, value in pairs:
        _save(db, source, path, value)
    return len(pairs)


def _save_set(db: sqlite_utils.Database, source: str, path: str, raw: str) -> None:
    """One `--set` correction: the JSON reading of the value if the record accepts it, else the text.

    When neither fits, the error is the one for the JSON reading (`advice=[1]` is about the list).
    """
    value = _value(raw)
    try:
        _save(db, source, path, value)
    except FieldnotesError as first:
        if isinstance(value, str):
            raise
        try:
            _save(db, source, path, raw)
        except FieldnotesError:
            raise first from None


def _save(db: sqlite_utils.Database, source: str, path: str, value: Any) -> None:
    """save_edit with a one-line message when the value does not fit the field."""
    try:
        save_edit(db, source, path, value)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(x) for x in err["loc"]) or path
        raise FieldnotesError(f"{where}: {err['msg'].lower()} (got {json.dumps(value)[:60]}); fix the value and try again") from None


def _edited(text: str | None) -> dict[str, Any]:
    """The record JSON the user saved in their editor."""
    try:
        data = json.loads(text or "")
    except json.JSONDecodeError as e:
        raise FieldnotesError(f"the edited record is not valid JSON ({e.msg} at line {e.lineno}); nothing saved, run `fieldnotes edit` again") from None
    if not isinstance(data, dict):
        raise FieldnotesError("the edited record must stay a JSON object; nothing saved, run `fieldnotes edit` again")
    return data


def draft_email(db: sqlite_utils.Database, task_id: str, model_name: str | None) -> str:
    """A thank-you or introduction e-mail drafted by the local model from the note's facts."""
    from pipeline.drafts import DRAFT_KINDS, compose_draft
    from pipeline.llm import load_model

    row = _task(db, task_id)
    if row["source"] == "(manual)":
        raise NotFound(f"task {row['id']} is your own task; drafts need a task that comes from a note")
    if row["kind"] not in DRAFT_KINDS:
        raise FieldnotesError(f"task {row['id']} is a {row['kind']} task; drafts are for {', '.join(DRAFT_KINDS)} tasks "
                       "(see `fieldnotes followups --format json` for kinds)")
    rec = load_record(db, row["source"])
    try:
        model = load_model(model_name)
    except ModelError as e:
        raise ModelError(f"cannot draft without the local model: {e}") from e
    return compose_draft(rec, row, model)


def _task(db: sqlite_utils.Database, task_id: str) -> dict[str, Any]:
    rows = list(db["followups"].rows_where("id LIKE ?", [task_id + "%"]))
    if len(rows) != 1:
        raise NotFound(f"no task with id '{task_id}'" + (" (ambiguous prefix)" if rows else "") + " (see `fieldnotes followups --status all`)")
    return rows[0]


def _value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def _diff(before: Any, after: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[tuple[str, Any]] = []
        for k in before:
            if k in after:
                out += _diff(before[k], after[k], f"{prefix}{k}.")
        return out
    return [] if before == after else [(prefix.rstrip("."), after)]
