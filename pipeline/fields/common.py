"""Helpers every field extractor shares: grounded items and choosing among scored spans."""
from __future__ import annotations

from dataclasses import dataclass

from pipeline.document import Doc, Segment
from pipeline.schema import Item, Span

_EDGE = " \t\n*_-–—•·:;,.\"'“”"


@dataclass
class Candidate:
    start: int
    end: int
    seg: Segment
    role: str = ""
    person: int = -1  # for title/organisation candidates: whose


def span(doc: Doc, start: int, end: int) -> Span:
    """The evidence of an item: offsets into the note and the exact text between them."""
    return Span(start=start, end=end, quote=doc.text[start:end])


def item(doc: Doc, start: int, end: int) -> Item:
    """An item whose text is the trimmed span of the note it came from."""
    start, end = trim(doc.text, start, end)
    return Item(text=" ".join(doc.text[start:end].split()), evidence=span(doc, start, end))


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE.replace(".", ""):
        end -= 1
    return start, end


def pick_spans(cands: list[Candidate], probs, threshold: float, limit: int | None = None) -> list[tuple[Candidate, float]]:
    """The best non-overlapping candidates at or above the threshold, in note order."""
    order = sorted(range(len(cands)), key=lambda i: -float(probs[i]))
    chosen: list[tuple[Candidate, float]] = []
    for i in order:
        p = float(probs[i])
        if p < threshold or (limit is not None and len(chosen) >= limit):
            break
        c = cands[i]
        if any(c.start < o.end and o.start < c.end for o, _ in chosen):
            continue
        chosen.append((c, p))
    return sorted(chosen, key=lambda cp: cp[0].start)
