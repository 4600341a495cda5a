"""Grounding: every item the model returns must be found in the note, as character offsets.

As google/langextract does, an item is aligned exactly first (as written, then ignoring case),
then fuzzily (rapidfuzz's best partial alignment, at least `FUZZY_MIN` similar and of a
comparable length). The span returned is always the note's own text; an item that cannot be
aligned is not a fact and is dropped (the caller counts it).
"""
from __future__ import annotations

from dataclasses import dataclass

FUZZY_MIN = 85.0  # rapidfuzz partial-ratio score (0-100) an alignment needs
MIN_FUZZY_CHARS = 6  # shorter items must be found exactly
LENGTH_SLACK = (0.6, 1.6)  # the aligned span's length relative to the item's


@dataclass(frozen=True)
class Grounded:
    start: int
    end: int
    how: str  # "exact", "case" or "fuzzy"
    score: float = 100.0


def ground(item: str, text: str, folded: str | None = None) -> Grounded | None:
    """Where `item` is in `text` (the first occurrence), or None."""
    needle = " ".join(item.split())
    if not needle:
        return None
    at = text.find(needle)
    if at >= 0:
        return Grounded(at, at + len(needle), "exact")
    folded = folded if folded is not None else text.casefold()
    low = needle.casefold()
    at = folded.find(low)
    if at >= 0 and len(folded) == len(text):
        return Grounded(at, at + len(low), "case")
    return _fuzzy(low, text, folded) if len(needle) >= MIN_FUZZY_CHARS else None


def _fuzzy(needle: str, text: str, folded: str) -> Grounded | None:
    from rapidfuzz import fuzz

    if len(folded) != len(text):
        folded = text.lower() if len(text.lower()) == len(text) else text
    found = fuzz.partial_ratio_alignment(needle, folded, score_cutoff=FUZZY_MIN)
    if found is None:
        return None
    start, end = found.dest_start, found.dest_end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if not LENGTH_SLACK[0] * len(needle) <= end - start <= LENGTH_SLACK[1] * len(needle):
        return None
    return Grounded(start, end, "fuzzy", round(found.score, 1))
