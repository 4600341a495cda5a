"""Record shapes shared by every stage: what a note becomes after extraction.

The names here are the export contract (see README "Export"); add keys, never rename.
"""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

Sentiment = Literal["positive", "negative", "mixed", "neutral"]


class Span(BaseModel):
    """Character offsets into the note's plain text plus the quoted text."""

    model_config = ConfigDict(extra="forbid")
    start: int
    end: int
    quote: str


class Item(BaseModel):
    """One extracted phrase, grounded by its evidence span."""

    model_config = ConfigDict(extra="forbid")
    text: str
    evidence: Optional[Span] = None


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Optional[str] = None
    title: Optional[str] = None
    organization: Optional[str] = None
    email: Optional[str] = None
    phone: Optional[str] = None


class Outlook(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sentiment: Optional[Sentiment] = None
    points: list[Item] = Field(default_factory=list)


class Referral(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    title: Optional[str] = None
    organization: Optional[str] = None
    email: Optional[str] = None
    phone: Optional[str] = None
    context: Optional[str] = None
    reason: Optional[str] = None  # why to contact them, in the note's words ("about the part-time MSW")
    evidence: Span


class JobLead(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    organization: Optional[str] = None
    url: Optional[str] = None
    deadline: Optional[str] = None
    evidence: Span


class Promise(BaseModel):
    """Something the seeker wrote they would do ("send her my resume by Friday")."""

    model_config = ConfigDict(extra="forbid")
    action: str
    due: Optional[str] = None
    done: bool = False
    evidence: Span


class FollowUp(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    action: str
    due: Optional[str] = None
    person: Optional[str] = None
    kind: str
    status: str = "open"


class Extraction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str
    prompt_version: str
    seconds: float


class Record(BaseModel):
    """Everything extracted from one note."""

    model_config = ConfigDict(extra="forbid")
    source: str
    sha256: str
    contact: Contact = Field(default_factory=Contact)
    interview_date: Optional[str] = None
    field: Optional[str] = None
    day_in_life: list[Item] = Field(default_factory=list)
    skills: list[Item] = Field(default_factory=list)
    advice: list[Item] = Field(default_factory=list)
    how_to_get_in: list[Item] = Field(default_factory=list)
    fit: list[Item] = Field(default_factory=list)
    outlook: Outlook = Field(default_factory=Outlook)
    referrals: list[Referral] = Field(default_factory=list)
    job_leads: list[JobLead] = Field(default_factory=list)
    promises: list[Promise] = Field(default_factory=list)
    follow_ups: list[FollowUp] = Field(default_factory=list)
    extraction: Optional[Extraction] = None


# The record's item lists (every `list[Item]` field, in contract order), derived so that a new list
# field is one line above: the store, search, corrections and exports pick it up from here.
ITEM_KINDS: tuple[str, ...] = tuple(name for name, f in Record.model_fields.items() if f.annotation == list[Item])
