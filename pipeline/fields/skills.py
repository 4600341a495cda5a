"""Skills: short phrases the skill head picks among the pieces of each segment (list items,
comma parts, the head of a bullet, named tools), weighted by how much the segment is about skills."""
from __future__ import annotations

from pipeline.annotate.spans import ngram_candidates, span_candidates
from pipeline.decide import Decider
from pipeline.decide.features import span_features, span_vectors
from pipeline.document import Doc
from pipeline.fields.common import Candidate, item, pick_spans
from pipeline.schema import Record

MAX_SKILL_WORDS = 6
MIN_SEGMENT_TOPIC = 0.08  # segments less about skills than this are not searched


def extract(doc: Doc, decider: Decider, rec: Record) -> None:
    cands = skill_candidates(doc, decider)
    if not cands:
        rec.skills = []
        return
    probs = decider.score("skill", skill_features(doc, decider, cands), lambda: span_vectors(doc, [(c.start, c.end) for c in cands]))[:, 1]
    chosen = pick_spans(cands, probs, decider.heads["skill"].threshold("yes"))
    rec.skills = _unique([item(doc, c.start, c.end) for c, _ in chosen])


def skill_candidates(doc: Doc, decider: Decider | None = None, min_topic: float = MIN_SEGMENT_TOPIC) -> list[Candidate]:
    out = []
    col = decider.heads["topic"].classes.index("skills") if decider else None
    for seg in doc.segments:
        if seg.kind in ("header",) or (col is not None and doc.probs["topic"][seg.index, col] < min_topic):
            continue
        spans = set(span_candidates(doc, seg, MAX_SKILL_WORDS)) | set(ngram_candidates(doc, seg, MAX_SKILL_WORDS))
        out.extend(Candidate(a, b, seg) for a, b in sorted(spans))
    return out


def skill_features(doc: Doc, decider: Decider | None, cands: list[Candidate]) -> list[dict[str, float]]:
    feats = []
    col = decider.heads["topic"].classes.index("skills") if decider else None
    for c in cands:
        f = span_features(doc, c.start, c.end, c.seg)
        if col is not None:
            f["seg_skills"] = float(doc.probs["topic"][c.seg.index, col])
        feats.append(f)
    return feats


def _unique(items):
    seen, out = set(), []
    for it in items:
        key = it.text.lower()
        if key not in seen:
            seen.add(key)
            out.append(it)
    return out
