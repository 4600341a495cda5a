"""A database of N synthetic notes, stored through the real `save_note`, for the scale benchmark
and the growth test.

No extraction runs: each generated note becomes the `Record` the generator wrote it from
(contact, date, field, items, referrals, job leads, promises, each with its span in the text)
and a provenance of the shape `run._provenance` writes. People are spread over about 11,000
names (a generated surname gets one of 22 endings, 'Ruiz' -> 'Ruizberg', the same for every
note of a cohort of 50), so leads and people grow with the database as in a real career centre
instead of saturating at the generator's 528 names.
"""
from __future__ import annotations

import hashlib
import re
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from pipeline.dev.generate import _MONTHS, SEED, GeneratedNote, iter_corpus

COHORT = 50  # consecutive notes that share the spelling of a generated name
ENDINGS = ("", "son", "sen", "berg", "ley", "ton", "man", "stein", "field", "wood", "ford", "er", "ez", "ski", "ova", "ini", "ano",
           "ard", "ell", "and", "hurst", "ridge")
SENTIMENTS = ("positive", "mixed", "neutral", "negative")
ITEM_LISTS = ("day_in_life", "skills", "advice", "how_to_get_in", "fit")
ROLES = ("contact", "referral", "writer", "other")


@dataclass
class Saves:
    """Seconds of each `save_note` call, in order: wall clock, and this process's CPU time (which
    other programs on a busy machine do not inflate)."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.wall)

    def extend(self, other: "Saves") -> None:
        self.wall += other.wall
        self.cpu += other.cpu


@dataclass
class Build:
    """What building a database took, and its file's size."""

    saves: Saves
    seconds: float = 0.0
    bytes: int = 0


def build_database(path: Path, n: int, seed: int = SEED, progress: Callable[[int, int], None] | None = None) -> Build:
    """A new database at `path` holding `n` generated notes (each stored with `save_note`)."""
    from pipeline.store import open_db

    db = open_db(path, create=True)
    started = time.perf_counter()
    build = Build(saves=store_notes(db, iter_corpus(n, seed), n, progress=progress))
    build.seconds = time.perf_counter() - started
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    build.bytes = path.stat().st_size
    return build


def store_notes(db: Any, notes: Iterable[GeneratedNote], total: int, start: int = 0,
                progress: Callable[[int, int], None] | None = None, folder: str = "notes") -> Saves:
    """Store each note's synthetic record (the first as note number `start`), timing every `save_note` call."""
    from pipeline.store import save_note

    saves = Saves()
    for i, gen in enumerate(notes, start):
        note, record, provenance = synthetic_record(gen, i, folder)
        wall, cpu = time.perf_counter(), time.process_time()
        save_note(db, note, record, provenance, heads="synthetic")
        saves.cpu.append(time.process_time() - cpu)
        saves.wall.append(time.perf_counter() - wall)
        if progress and (i + 1 - start) % 1000 == 0:
            progress(i + 1 - start, total)
    return saves


def synthetic_record(gen: GeneratedNote, index: int, folder: str = "notes") -> tuple[Any, Any, dict[str, Any]]:
    """(Note, Record, provenance) for a generated note, names respelled for its cohort."""
    from pipeline.ingest import Note
    from pipeline.schema import Contact, Extraction, JobLead, Outlook, Record, Referral

    names = _respelling([gen.contact, *(r[0] for r in gen.referrals)], index // COHORT)
    text = _respell(gen.text, names)
    source = f"{folder}/{gen.name}"
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    note = Note(source=source, text=text, sha256=sha, format="md" if gen.name.endswith(".md") else "txt", key=f"synthetic:{source}")
    lists, points, promises = _items(text, gen.items)
    rec = Record(source=source, sha256=sha, contact=Contact(name=names[gen.contact], title=gen.title, organization=gen.organization),
                 interview_date=gen.date, field=gen.career_field, **lists,
                 outlook=Outlook(sentiment=SENTIMENTS[zlib.crc32(sha.encode()) % 4], points=points),
                 referrals=[Referral(name=names[n], title=role, organization=org, email=mail, context=f"{role} at {org}",
                                     evidence=_span(text, names[n])) for n, role, org, mail in gen.referrals],
                 job_leads=[JobLead(title=t, organization=o, url=u, deadline=_deadline(d, gen.date), evidence=_span(text, u))
                            for t, o, u, d in gen.job_leads],
                 promises=promises, extraction=Extraction(model="none (synthetic)", prompt_version="synthetic", seconds=0.0))
    return note, rec, _provenance(rec, text)


def _respelling(names: list[str], cohort: int) -> dict[str, str]:
    """Each generated 'First Last' as 'First Last<ending>', the same within a cohort."""
    return {name: name + ENDINGS[zlib.crc32(f"{name}|{cohort}".encode()) % len(ENDINGS)] for name in names}


def _respell(text: str, names: dict[str, str]) -> str:
    if not names:
        return text
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b")
    return pattern.sub(lambda m: names[m.group(1)], text)


def _items(text: str, lines: list[tuple[str, str]]) -> tuple[dict[str, list], list, list]:
    """The generator's (kind, line) pairs as grounded items, outlook points and promises."""
    from pipeline.schema import Item, Promise

    lists: dict[str, list] = {k: [] for k in ITEM_LISTS}
    points, promises = [], []
    cursor = 0
    for kind, line, span in _grounded(text, lines, cursor):
        if kind in lists:
            lists[kind].append(Item(text=line, evidence=span))
        elif kind == "outlook":
            points.append(Item(text=line, evidence=span))
        elif kind == "promise":
            promises.append(Promise(action=line, evidence=span))
    return lists, points, promises


def _grounded(text: str, lines: list[tuple[str, str]], cursor: int) -> Iterator[tuple[str, str, Any]]:
    for kind, line in lines:
        at = text.find(line, cursor)
        at = at if at >= 0 else text.find(line)
        if at < 0:
            continue  # a line whose names were respelled: not an item of the record
        cursor = at + len(line)
        yield kind, line, _span(text, line, at)


def _span(text: str, quote: str, at: int | None = None) -> Any:
    from pipeline.schema import Span

    start = text.find(quote) if at is None else at
    return Span(start=start, end=start + len(quote), quote=quote)


def _deadline(month_day: str, interview: str) -> str:
    month, day = month_day.split()
    return f"{interview[:4]}-{_MONTHS.index(month) + 1:02d}-{int(day):02d}"


def _provenance(rec: Any, text: str) -> dict[str, Any]:
    """Provenance as `run._provenance` writes it: every segment's likely topics, every person's roles."""
    segments = []
    for kind, it in _all_items(rec):
        h = zlib.crc32((getattr(it, "text", None) or it.action).encode())
        topics = {kind: round(0.6 + (h % 397) / 1000, 3)}
        if h % 3 == 0:
            topics["advice" if kind != "advice" else "skills"] = round(0.2 + (h % 211) / 1000, 3)
        segments.append({"start": it.evidence.start, "end": it.evidence.end, "topics": topics})
    covered = {seg["start"] for seg in segments}
    at = 0
    for line in text.split("\n"):  # headings, people and other lines: segments without a likely topic
        if line.strip() and not any(at <= c < at + len(line) for c in covered):
            segments.append({"start": at, "end": at + len(line), "topics": {}})
        at += len(line) + 1
    segments.sort(key=lambda seg: seg["start"])
    people = [rec.contact.name, *(r.name for r in rec.referrals)]
    return {"features": "lexical", "segments": segments,
            "people": [{"name": p, "roles": {r: round(((zlib.crc32(f"{p}{r}".encode()) % 1000) / 1000), 3) for r in ROLES}} for p in people],
            "model_seconds": 0.0}


def _all_items(rec: Any) -> Iterator[tuple[str, Any]]:
    for kind in ITEM_LISTS:
        for it in getattr(rec, kind):
            yield kind, it
    for it in rec.outlook.points:
        yield "outlook", it
    for p in rec.promises:
        yield "todo", p
