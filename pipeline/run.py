"""The stage list: a note becomes a record by passing through each stage in order.

    ingest (read_note) -> layout -> annotate -> decide -> fields -> (store, follow-ups)

Each stage takes the `Doc` and returns it with its own part added (its module's `ADDS`).
"""
from __future__ import annotations

import time
from datetime import date
from typing import Any, Callable

from pipeline.annotate import annotate
from pipeline.decide import Decider, decide
from pipeline.document import Doc
from pipeline.fields import extract_fields
from pipeline.ingest import Note
from pipeline.layout import build_layout
from pipeline.schema import Extraction, Record

HEADS_VERSION = "heads-1"

STAGES: list[tuple[str, Callable[..., Doc]]] = [
    ("layout", build_layout),
    ("annotate", annotate),
    ("decide", decide),
    ("fields", extract_fields),
]


def analyse(note: Note, today: date | None = None) -> Doc:
    """The model-free stages: layout and annotation."""
    return annotate(build_layout(Doc(note)), today)


def extract_record(note: Note, decider: Decider, today: date | None = None) -> tuple[Record, dict[str, Any]]:
    """Run every stage on one note; returns the record and a summary of the decisions (provenance)."""
    started = time.perf_counter()
    doc = analyse(note, today)
    return finish(doc, decider, started)


def finish(doc: Doc, decider: Decider, started: float | None = None) -> tuple[Record, dict[str, Any]]:
    """The model-dependent stages on an analysed document."""
    started = time.perf_counter() if started is None else started
    decide(doc, decider)
    extract_fields(doc, decider)
    rec = doc.record
    rec.extraction = Extraction(model=decider.model.name if decider.model is not None else "none (--no-llm)",
                                prompt_version=f"{HEADS_VERSION}:{decider.features}", seconds=round(time.perf_counter() - started, 3))
    return rec, _provenance(doc, decider)


def _provenance(doc: Doc, decider: Decider) -> dict[str, Any]:
    """The decisions behind the record, compactly: segment topics and person roles with probabilities."""
    topics = decider.heads["topic"].classes
    roles = decider.heads["person"].classes
    return {
        "features": decider.features,
        "segments": [{"start": s.start, "end": s.end, "topics": {c: round(float(p), 3) for c, p in zip(topics, doc.probs["topic"][s.index]) if p >= 0.2}}
                     for s in doc.segments],
        "people": [{"name": p.name, "roles": {c: round(float(v), 3) for c, v in zip(roles, doc.probs["person"][i])}} for i, p in enumerate(doc.people)],
        "model_seconds": round(doc.timings.get("model", 0.0), 3),
    }
