"""The interviews the insights read: each stored record with its note's id, text and a contact
identity, plus the stage's settings file (`insights.yaml`)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.annotate.identity import person_key
from pipeline.rules import load_data
from pipeline.schema import Record, Span
from pipeline.store import all_note_ids, load_record_by_id

NO_FIELD = "(no field)"


@dataclass
class Interview:
    """One stored note's record, as the insights see it."""

    note_id: int
    record: Record
    text: str

    @property
    def source(self) -> str:
        return self.record.source

    @property
    def contact(self) -> str:
        """The contact's name, or the note's file name when the note does not say."""
        return self.record.contact.name or Path(self.record.source).name

    @property
    def contact_key(self) -> str:
        """Who said it: the same person across notes counts once."""
        name = self.record.contact.name
        return person_key(name) if name and person_key(name) else f"note:{self.note_id}"

    @property
    def field(self) -> str:
        return (self.record.field or "").strip() or NO_FIELD


def load_interviews(db: Any, field: str | None = None) -> list[Interview]:
    """Every stored interview (corrections applied), by source; `field` keeps one career field
    (the same name ignoring case, else every field whose name contains it)."""
    out = []
    for note_id in all_note_ids(db):
        text = db.execute("SELECT text FROM notes WHERE id = ?", [note_id]).fetchone()[0] or ""
        out.append(Interview(note_id, load_record_by_id(db, note_id), text))
    return select_field(out, field)


def select_field(interviews: list[Interview], field: str | None) -> list[Interview]:
    if not field:
        return interviews
    wanted = field.strip().casefold()
    exact = [i for i in interviews if i.field.casefold() == wanted]
    return exact or [i for i in interviews if wanted in i.field.casefold()]


def evidence(span: Span | None) -> dict[str, Any]:
    """An item's evidence as JSON: offsets and quote, or nulls."""
    if span is None:
        return {"start": None, "end": None, "quote": None}
    return {"start": span.start, "end": span.end, "quote": span.quote}


def locate(text: str, phrase: str | None) -> Span | None:
    """Where a phrase the record names (a title) first appears in the note, ignoring case."""
    if not phrase:
        return None
    at = text.lower().find(phrase.lower())
    quote = text[at:at + len(phrase)] if at >= 0 else ""
    return Span(start=at, end=at + len(phrase), quote=quote) if quote.lower() == phrase.lower() else None


@lru_cache(maxsize=None)
def settings() -> dict[str, Any]:
    """The parsed `insights.yaml` (word lists and settings of this stage)."""
    return load_data(__package__, "insights")
