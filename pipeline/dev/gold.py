"""Gold annotations and the corpus manifest: the shapes of the files the corpus tools read."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.errors import GoldError


class GoldPerson(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Optional[str] = None
    title: Optional[str] = None
    organization: Optional[str] = None
    email: Optional[str] = None
    phone: Optional[str] = None


class GoldLead(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    organization: Optional[str] = None
    url: Optional[str] = None
    deadline: Optional[str] = None


class GoldOutlook(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sentiment: Optional[str] = None
    points: list[str] = []


class Gold(BaseModel):
    """One annotated note (shape of ../shared/devset/README.md)."""

    model_config = ConfigDict(extra="forbid")
    note: str
    contact: GoldPerson
    interview_date: Optional[str] = None
    field: Optional[str] = None
    day_in_life: list[str] = []
    skills: list[str] = []
    outlook: GoldOutlook = GoldOutlook()
    advice: list[str] = []
    how_to_get_in: list[str] = []
    fit: list[str] = []
    referrals: list[GoldPerson] = []
    job_leads: list[GoldLead] = []
    follow_ups: list[str] = []
    not_referrals: list[str] = []


class ManifestRow(BaseModel):
    """One corpus note: where it came from and what it is like."""

    model_config = ConfigDict(extra="forbid")
    note: str
    batch: str
    style: str
    format: str
    field: Optional[str] = None
    words: Optional[int] = None
    seeker: Optional[str] = None
    traps: list[str] = []
    source: str = "written"  # written: by a blind author; correction: a user's corrections


class Example(BaseModel):
    """A note with its gold record and manifest row."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    path: Optional[Path]
    gold: Gold
    meta: ManifestRow
    note: Any = None  # the note itself when it does not come from a file (a user's corrected note)


def load_gold_file(path: Path) -> Gold:
    try:
        return Gold.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, ValidationError, OSError) as e:
        raise GoldError(f"{path}: not a valid gold file ({str(e).splitlines()[0]})") from e


def load_examples(folder: Path) -> list[Example]:
    """Every annotated note of a folder (`notes/`, `gold/`, optional `manifest.jsonl`), in name order.

    Without a manifest every note is its own style, named after its format, in batch 'dev'.
    """
    folder = Path(folder)
    gold_files = sorted((folder / "gold").glob("*.json"))
    if not gold_files:
        raise GoldError(f"{folder}: no gold/*.json files (expected FOLDER/notes and FOLDER/gold)")
    manifest = _manifest(folder)
    out = []
    for g in gold_files:
        gold = load_gold_file(g)
        path = folder / "notes" / gold.note
        if not path.exists():
            raise GoldError(f"{g}: its note {gold.note} is not in {folder / 'notes'}")
        meta = manifest.get(gold.note) or ManifestRow(note=gold.note, batch="dev", style=f"format_{path.suffix.lstrip('.')}",
                                                      format=path.suffix.lstrip("."))
        out.append(Example(path=path, gold=gold, meta=meta))
    return out


def _manifest(folder: Path) -> dict[str, ManifestRow]:
    path = folder / "manifest.jsonl"
    if not path.exists():
        return {}
    rows = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                row = ManifestRow.model_validate_json(line)
            except ValidationError as e:
                raise GoldError(f"{path}:{n}: not a valid manifest row ({str(e).splitlines()[0]})") from e
            rows[row.note] = row
    return rows
