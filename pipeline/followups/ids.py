"""Stable task ids: a hash of the note's key, the task kind and its normalised subject, so
re-extracting a note (or moving its file) keeps the user's done and snoozed states."""
from __future__ import annotations

import hashlib
import unicodedata

from pipeline.annotate.identity import person_key


def task_id(note_key: str, kind: str, subject: str) -> str:
    """10 hex characters; for promises, digits and date words leave the subject first, so
    'send resume by Friday' and 'send resume by 3/20' share an id."""
    norm = normalise(subject)
    if kind == "promise":
        norm = strip_dates(norm)
    return hashlib.sha1("\x1f".join((note_key, kind, norm)).encode("utf-8")).hexdigest()[:10]


def person_subject(name: str | None) -> str:
    return person_key(name) if name else ""


def normalise(text: str | None) -> str:
    """Lower case, no accents or punctuation, single spaces."""
    if not text:
        return ""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).lower()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in plain).split())


def strip_dates(norm: str) -> str:
    from pipeline import rules

    dated = set(rules.load("dates")["months"]) | set(rules.load("dates")["weekdays"]) | {"today", "tonight", "tomorrow"}
    words = [w for w in norm.split() if not w[:1].isdigit() and w not in dated]
    return " ".join(words)


def disambiguate(ids: list[str]) -> list[str]:
    """Repeated ids (two leads with one title) get stable ordinal-based ids."""
    seen: set[str] = set()
    out = []
    for base in ids:
        new, n = base, 1
        while new in seen:
            n += 1
            new = hashlib.sha1(f"{base}\x1f{n}".encode("utf-8")).hexdigest()[:10]
        seen.add(new)
        out.append(new)
    return out
