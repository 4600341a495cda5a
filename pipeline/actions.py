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

from pipeline.errors import ModelError, NotFound
from pipeline.followups import Task, filter_tasks, referrer_thanks, task_from_dict
from pipeline.query import mark_lead
from pipeline.store import _task_row, load_record, now, save_edit


def list_tasks(db: sqlite_utils.Database, status: str = "open", due_before: str | None = None,
               overdue: bool = False, person: str | None = None, today: date | None = None) -> list[Task]:
    """Stored tasks filtered like `fieldnotes followups`; snoozed tasks reappear after their date."""
    today = today or date.today()
    tasks = [task_from_dict(dict(r, evidence=json.loads(r["evidence"] or "null"))) for r in db["followups"].rows]
    for t in tasks:
        if t.status == "snoozed" and t.snoozed_until and t.snoozed_until <= today.isoformat():
            t.status = "open"
    before = date.fromisoformat(due_before) if due_before else None
    picked = filter_tasks(tasks, status, before, today if overdue else None, person)
    return sorted(picked, key=lambda t: (t.due or "9999", t.source, t.kind))


def set_task_status(db: sqlite_utils.Database, task_id: str, status: str, until: str | None = None) -> dict[str, Any]:
    """Mark a task done or snoozed (ids may be abbreviated to a unique prefix)."""
    row = _task(db, task_id)
    if until:
        date.fromisoformat(until)
    db["followups"].update(row["id"], {"status": status, "snoozed_until": until, "updated_at": now()})
    return db["followups"].get(row["id"])


def add_task(db: sqlite_utils.Database, text: str, due: str | None = None, person: str | None = None) -> dict[str, Any]:
    """A task of the user's own (kind 'manual'); never touched by re-processing."""
    if due:
        date.fromisoformat(due)
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
    """Store corrections from `--set path=value` pairs or from an edited JSON record."""
    pairs = [(p.strip(), _value(v)) for p, v in changes] if changes else _diff(load_record(db, source).model_dump(), json.loads(edited_json or "{}"))
    for path, value in pairs:
        save_edit(db, source, path, value)
    return len(pairs)


def draft_email(db: sqlite_utils.Database, task_id: str, model_name: str | None) -> str:
    """A thank-you or introduction e-mail drafted by the local model from the note's facts."""
    from pipeline.drafts import compose_draft
    from pipeline.llm import load_model

    row = _task(db, task_id)
    if row["source"] == "(manual)":
        raise NotFound(f"task {row['id']} is your own task; drafts need a task that comes from a note")
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
