"""The seeker's own to-dos and promises: segments the topic head reads as to-dos. A checked box
is a promise already kept; a date in the segment is its due date."""
from __future__ import annotations

from datetime import date

from pipeline.annotate.dates import resolve_phrase
from pipeline.decide import Decider
from pipeline.document import Doc
from pipeline.fields.common import span, trim
from pipeline.schema import Promise, Record


def extract(doc: Doc, decider: Decider, rec: Record) -> None:
    head = decider.heads["topic"]
    col, cut = head.classes.index("todo"), head.threshold("todo")
    anchor = date.fromisoformat(rec.interview_date) if rec.interview_date else doc.anchor
    out = []
    for seg in doc.segments:
        if seg.kind in ("heading", "header") or doc.probs["topic"][seg.index, col] < cut:
            continue
        a, b = trim(doc.text, seg.start, seg.end)
        if b <= a:
            continue
        out.append(Promise(action=" ".join(doc.text[a:b].split()), due=_due(doc, seg, anchor), done=bool(seg.checked), evidence=span(doc, a, b)))
    rec.promises = out


def _due(doc: Doc, seg, anchor: date | None) -> str | None:
    if anchor is None:
        return None
    for e in doc.entities:
        if e.kind == "date" and seg.start <= e.start < seg.end:
            d = resolve_phrase(e.text, anchor, forward=True)
            if d:
                return d.isoformat()
    return None
