"""The outlook's sentiment: the sentiment head reads the words and cues of the note's outlook
segments, each weighted by how much it is about the outlook (its points come from `topics`)."""
from __future__ import annotations

import numpy as np

from pipeline.decide import Decider
from pipeline.decide.features import cues, segment_vectors, tokens
from pipeline.document import Doc
from pipeline.schema import Record

MIN_OUTLOOK_MASS = 0.5  # below this much outlook talk in the note there is no sentiment to give


def extract(doc: Doc, decider: Decider, rec: Record) -> None:
    if "sentiment" not in decider.heads:
        return
    feats, weights = sentiment_features(doc, decider)
    if weights.sum() < MIN_OUTLOOK_MASS and not rec.outlook.points:
        rec.outlook.sentiment = None
        return
    head = decider.heads["sentiment"]
    p = decider.score("sentiment", [feats], lambda: _weighted_vector(doc, weights))[0]
    rec.outlook.sentiment = head.classes[int(np.argmax(p))]  # type: ignore[assignment]


def sentiment_features(doc: Doc, decider: Decider) -> tuple[dict[str, float], np.ndarray]:
    col = decider.heads["topic"].classes.index("outlook")
    weights = np.array([float(doc.probs["topic"][s.index, col]) for s in doc.segments]) if doc.segments else np.zeros(0)
    f: dict[str, float] = {"bias": 1.0}
    total = weights.sum() or 1.0
    for seg, w in zip(doc.segments, weights):
        if w < 0.05:
            continue
        seg_f: dict[str, float] = {}
        for t in tokens(doc.seg_text(seg)):
            seg_f[f"w:{t}"] = 1.0
        cues("", doc.seg_text(seg), seg_f)
        for k in seg_f:
            f[k] = f.get(k, 0.0) + w / total
    return f, weights


def _weighted_vector(doc: Doc, weights: np.ndarray) -> np.ndarray:
    vecs = segment_vectors(doc)
    w = weights / (weights.sum() or 1.0)
    return (w[:, None] * vecs).sum(axis=0, keepdims=True)
