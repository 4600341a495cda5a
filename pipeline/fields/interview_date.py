"""The interview date: the date head picks among the note's date expressions (a dated first
line, a Date: header, "met her yesterday"); without one, the note's own date (front matter,
e-mail Date) stands in."""
from __future__ import annotations

import numpy as np

from pipeline.decide import Decider
from pipeline.decide.features import bag, cues, span_vectors, tokens
from pipeline.document import Doc, Entity
from pipeline.schema import Record


def extract(doc: Doc, decider: Decider, rec: Record) -> None:
    cands = date_candidates(doc)
    value = None
    if cands and "date" in decider.heads:
        p = decider.score("date", date_features(doc, cands), lambda: span_vectors(doc, [(e.start, e.end) for e in cands]))[:, 1]
        best = int(np.argmax(p))
        if p[best] >= decider.heads["date"].threshold("yes"):
            value = cands[best].value["past"]
    if value is None and isinstance(doc.note.metadata.get("date"), str):
        rec.interview_date = doc.note.metadata["date"][:10]
        return
    rec.interview_date = value.isoformat() if value else None


def date_candidates(doc: Doc) -> list[Entity]:
    return [e for e in doc.entities if e.kind == "date" and e.value.get("past")]


def date_features(doc: Doc, cands: list[Entity]) -> list[dict[str, float]]:
    first = cands[0].start if cands else 0
    values = [e.value["past"] for e in cands]
    feats = []
    for e in cands:
        f: dict[str, float] = {"bias": 1.0, f"kind:{e.value['kind']}": 1.0, f"year:{e.value['has_year']}": 1.0}
        line = next((ln for ln in doc.lines if ln.start <= e.start <= ln.end), None)
        if line is not None:
            f[f"line:{min(line.index, 6)}"] = 1.0
            f[f"linekind:{line.kind}"] = 1.0
            if line.label:
                bag("lab", tokens(line.label), f)
        f[f"pos:{int(5 * e.start / max(1, len(doc.text)))}"] = 1.0
        if e.start == first:
            f["first_date"] = 1.0
        f[f"repeats:{min(values.count(e.value['past']), 3)}"] = 1.0
        if e.value["past"] > doc.anchor:
            f["after_anchor"] = 1.0
        bag("L", tokens(doc.text[max(0, e.start - 40):e.start])[-4:], f)
        bag("R", tokens(doc.text[e.end:e.end + 40])[:4], f)
        cues("n", doc.text[max(0, e.start - 60):e.end + 60], f)
        feats.append(f)
    return feats
