"""The document every stage passes on: the note, then what each stage adds to it.

A `Doc` starts as an ingested `Note`; `layout` adds lines and segments, `annotate` adds name
mentions, contact details and dates, `decide` adds the model's vectors and the trained heads'
probabilities, `fields` adds the record. A stage reads only what earlier stages wrote and
writes only its own part (see `run.STAGES`). Offsets are always into `doc.text`.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from operator import attrgetter
from datetime import date
from typing import Any, Optional

from pipeline.ingest import Note

START = attrgetter("start")  # sort and bisection key of anything with a start offset


@dataclass
class Line:
    """One line of the note; `body` is where its content starts after markers (bullet, '>', '#', label)."""

    index: int
    start: int
    end: int
    kind: str  # blank, heading, bullet, quote, header, turn, row, label, rule, prose, meta
    body: int
    indent: int = 0
    label: Optional[str] = None  # "Skills" in "Skills: SQL, Excel", a table row's first cell, a speaker
    checked: Optional[bool] = None  # a checkbox line: True for [x]
    level: int = 0  # heading level (1 = '#')


@dataclass
class Segment:
    """A unit the heads decide on: a sentence, bullet, table cell or short line, with its context."""

    index: int
    start: int
    end: int
    line: int
    kind: str  # as its line's kind, or 'sentence' for a part of a prose line
    heading: Optional[str] = None  # the nearest section heading above it
    label: Optional[str] = None  # its own line's label ("Advice" in "Advice: ..."), or its table column / row question
    question: Optional[str] = None  # the last question asked before it in this section
    speaker: Optional[str] = None
    seeker_turn: Optional[bool] = None  # in a transcript or chat: said by the note's writer
    depth: int = 0
    checked: Optional[bool] = None
    block: int = 0  # paragraph / list block number


@dataclass
class Mention:
    """A span that may name a person, found by `annotate.names`."""

    start: int
    end: int
    text: str
    segment: int
    origin: str = "text"  # text, header (From/To/Cc), speaker, label (Contact: ...), signature
    person: int = -1  # index into doc.people after identity grouping


@dataclass
class Person:
    """Mentions grouped as one person by the one same-person rule."""

    name: str
    mentions: list[int] = field(default_factory=list)
    email: Optional[str] = None
    phone: Optional[str] = None


@dataclass
class Entity:
    """A contact detail, link or date found in the text."""

    kind: str  # email, phone, url, date
    start: int
    end: int
    text: str
    value: Any = None  # the normalised value (E.164 phone, ISO date, ...)


@dataclass
class Doc:
    note: Note
    lines: list[Line] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    anchor: Optional[date] = None  # the note's own date (front matter / e-mail Date) for resolving dates
    vectors: Any = None  # decide.embed.TokenVectors when a model ran
    probs: dict[str, Any] = field(default_factory=dict)  # head name -> probabilities, per unit
    record: Any = None
    timings: dict[str, float] = field(default_factory=dict)
    memo: dict[Any, Any] = field(default_factory=dict, repr=False)  # per-document caches of derived values

    @property
    def text(self) -> str:
        return self.note.text

    def span(self, start: int, end: int) -> str:
        return self.note.text[start:end]

    def seg_text(self, seg: Segment) -> str:
        return self.note.text[seg.start:seg.end]

    def entities_of(self, kind: str, start: int = 0, end: int | None = None) -> list[Entity]:
        """Entities of one kind that begin in text[start:end], in text order (found by bisection
        in a per-kind index, so looking near every candidate of a long note stays linear)."""
        key = ("entities_of", kind, len(self.entities))
        if key not in self.memo:
            self.memo[key] = sorted((e for e in self.entities if e.kind == kind), key=START)
        found = self.memo[key]
        lo = bisect_left(found, start, key=START)
        hi = len(found) if end is None else bisect_left(found, end, lo, key=START)
        return found[lo:hi]

