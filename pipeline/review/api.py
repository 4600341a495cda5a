"""The page's writes: corrections, task check-offs and lead statuses, validated and stored
through `pipeline.actions` (the same edit store as `fieldnotes edit`).

A correction names its item by the span's offsets in the note (code points, as stored), so it
keeps finding its item after `fieldnotes run --force`; the server reads the quoted text from
the note itself and never trusts text sent by the page.
"""
from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipeline.actions import edit_record, mark_lead_status, set_task_status
from pipeline.errors import FieldnotesError, NotFound
from pipeline.review.pages import SETTABLE
from pipeline.store import LEAD_STATUSES, item_op, resolve_note

MAX_OPS = 50


class ItemChange(BaseModel):
    """Remove an item, add the text at start-end as an item, or move an item to another kind."""

    model_config = ConfigDict(extra="forbid")
    op: Literal["remove_item", "add_item", "move_item"]
    kind: str
    start: int
    end: int
    to: str | None = None


class ReferralChange(BaseModel):
    """A person is (or is not) a referral: by name, or by the text at start-end."""

    model_config = ConfigDict(extra="forbid")
    op: Literal["referral"]
    referral: bool
    name: str | None = Field(default=None, max_length=200)
    start: int | None = None
    end: int | None = None


class FieldChange(BaseModel):
    """A contact field, the interview date or the field; an empty value clears it."""

    model_config = ConfigDict(extra="forbid")
    op: Literal["set"]
    path: Literal[tuple(SETTABLE)]  # type: ignore[valid-type]
    value: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _iso_date(self) -> "FieldChange":
        if self.path == "interview_date" and self.value and self.value.strip():
            try:
                date.fromisoformat(self.value.strip())
            except ValueError:
                raise ValueError("the interview date needs the form YYYY-MM-DD") from None
        return self


class EditRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ops: list[Annotated[Union[ItemChange, ReferralChange, FieldChange], Field(discriminator="op")]] = Field(min_length=1, max_length=MAX_OPS)


class TaskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["open", "done", "snoozed"]
    until: str | None = Field(default=None, max_length=40)


class LeadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal[LEAD_STATUSES]  # type: ignore[valid-type]


def save_corrections(db: Any, note_id: int, payload: Any) -> int:
    """Store the page's corrections for one note; returns how many were saved."""
    req = _parse(EditRequest, payload)
    row = db.execute("SELECT source, text FROM notes WHERE id = ?", [note_id]).fetchone()
    if not row:
        raise NotFound(f"no note {note_id} (reload the note list)")
    source, text = row
    if resolve_note(db, source)[0] != note_id:
        raise FieldnotesError(f"'{source}' names more than one stored note; correct it with `fieldnotes edit` and the full path")
    return edit_record(db, source, ops=[_store_op(op, text) for op in req.ops])


def save_task_status(db: Any, task_id: str, payload: Any) -> dict[str, Any]:
    """Check off, snooze (until a date) or reopen a follow-up task."""
    req = _parse(TaskRequest, payload)
    if req.status == "snoozed" and not req.until:
        raise FieldnotesError("pick a date to snooze the task until")
    return set_task_status(db, task_id, req.status, req.until if req.status == "snoozed" else None)


def save_lead_status(db: Any, lead_id: int, payload: Any) -> dict[str, Any]:
    """Move a referral lead to another status."""
    return mark_lead_status(db, lead_id, _parse(LeadRequest, payload).status)


def _store_op(change: ItemChange | ReferralChange | FieldChange, text: str) -> dict[str, Any]:
    """A page change as the edit store's operation."""
    if isinstance(change, FieldChange):
        value = " ".join((change.value or "").split()) or None
        return {"op": "set", "path": change.path, "value": json.dumps(value, ensure_ascii=False)}
    if isinstance(change, ItemChange):
        start, end = _trimmed(text, change.start, change.end)
        return item_op(change.op, change.kind, start, end, text, change.to if change.op == "move_item" else None)
    value: dict[str, Any] = {"name": change.name, "referral": change.referral}
    if change.start is not None and change.end is not None:
        start, end = _trimmed(text, change.start, change.end)
        if "\n" in text[start:end]:
            raise FieldnotesError("select a name on one line to mark it as a referral")
        value.update(name=text[start:end], start=start)
    if not value["name"] or not value["name"].strip():
        raise FieldnotesError("a referral correction needs a name (select it in the note)")
    return {"op": "referral", "path": "referrals", "value": json.dumps(value, ensure_ascii=False)}


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without the white space at its ends; an error when it is empty or outside the note."""
    if not 0 <= start < end <= len(text):
        raise FieldnotesError(f"span {start}-{end} is not inside the note (0-{len(text)}); reload the page")
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        raise FieldnotesError("the selection is only white space; select some words of the note")
    return start, end


def _parse(model: type[BaseModel], payload: Any) -> Any:
    try:
        return model.model_validate(payload)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(x) for x in err["loc"]) or "request"
        raise FieldnotesError(f"{where}: {err['msg'].lower()}; reload the page and try again") from None
