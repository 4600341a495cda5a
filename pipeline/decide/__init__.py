"""Decide stage: the trained heads, and the model whose vectors they read.

`Decider` holds the heads of one feature set ("lexical" for --no-llm, or a model alias) and
answers the questions the field extractors ask: the topic of each segment, the role of each
person, the score of candidate spans and note-level classes. `decide(doc, decider)` runs the
model over the note once (its vectors are pooled for every unit) and adds the segment-topic and
person-role probabilities to `doc.probs`.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Sequence

import numpy as np

from pipeline.decide.features import person_features, person_vectors, segment_features, segment_vectors
from pipeline.decide.heads import LEXICAL, Head, load_heads
from pipeline.document import Doc
from pipeline.errors import ModelError

ADDS = ("vectors", "probs.topic", "probs.person")
TOPICS = ("day_in_life", "skills", "advice", "how_to_get_in", "fit", "outlook", "todo", "people", "job_lead")
ROLES = ("contact", "referral", "writer", "other")


class Decider:
    """The heads of one feature set, with the model that makes their vectors (None for lexical)."""

    def __init__(self, heads: dict[str, Head], model: Any = None, features: str = LEXICAL) -> None:
        self.heads, self.model, self.features = heads, model, features
        missing = [h for h in ("topic", "person") if h not in heads]
        if missing:
            raise ModelError(f"no trained heads for '{features}' (missing {', '.join(missing)}); run `fieldnotes train` or use --no-llm")

    @classmethod
    def load(cls, model: Any = None) -> "Decider":
        """The shipped heads for this model (its registry alias), or the lexical heads without one."""
        features = getattr(model, "feature_name", None) or LEXICAL if model is not None else LEXICAL
        heads = load_heads(features)
        if not heads:
            raise ModelError(f"no trained heads ship for model '{features}'; train them with "
                             f"`fieldnotes train --model {getattr(model, 'name', features)}` or use --no-llm")
        return cls(heads, model, features)

    @property
    def uses_vectors(self) -> bool:
        return self.model is not None

    def head(self, name: str) -> Head | None:
        return self.heads.get(name)

    def score(self, name: str, feats: Sequence[dict[str, float]], dense: Callable[[], np.ndarray] | None = None) -> np.ndarray:
        """Probabilities of head `name` for units with these features (and, lazily, vectors)."""
        head = self.heads[name]
        if not feats:
            return np.zeros((0, len(head.classes)))
        if head.uses_vectors and dense is None:
            raise ModelError(f"head {name} needs the model's vectors, and none were given")
        return head.predict(feats, dense() if head.uses_vectors else None)


def decide(doc: Doc, decider: Decider) -> Doc:
    """Read the note through the model (once), then score every segment's topic and person's role."""
    started = time.perf_counter()
    if decider.uses_vectors and doc.vectors is None:
        from pipeline.decide.embed import cached_vectors

        doc.vectors = decider.model.token_vectors(doc.text) if not getattr(decider, "use_cache", False) else cached_vectors(decider.model, doc.text)
    doc.timings["model"] = time.perf_counter() - started
    if decider.uses_vectors and doc.vectors is None:
        raise ModelError(f"{doc.note.source}: too long for the model; run it with --no-llm or split the note")
    segs, people = doc.segments, range(len(doc.people))
    doc.probs["topic"] = decider.score("topic", [segment_features(doc, s) for s in segs], lambda: segment_vectors(doc))
    doc.memo["topic_classes"] = list(decider.heads["topic"].classes)
    doc.probs["person"] = decider.score("person", [person_features(doc, i) for i in people], lambda: person_vectors(doc))
    return doc


def topic_prob(doc: Doc, seg_index: int, topic: str, decider: Decider) -> float:
    head = decider.heads["topic"]
    return float(doc.probs["topic"][seg_index, head.classes.index(topic)])


