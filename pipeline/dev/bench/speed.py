"""Pipeline speed per note: generated notes (or a folder) through every stage with the real
model, each stage timed per note: ingest, layout and annotation, the model's one pass, the
trained heads and field extraction, storage.

When no trained heads ship for the model, the model still reads every note (its cost is the
product's) and the lexical heads decide; the report says so.
"""
from __future__ import annotations

import resource
import statistics
import time
from pathlib import Path
from typing import Any

from pipeline.dev.bench.common import summary

STAGES = ("ingest", "layout and annotate", "model pass", "decide and fields", "store")


def bench_pipeline(paths: list[Path], model_name: str | None, db_path: Path, threads: int | None = None) -> dict[str, Any]:
    """Per-note, per-stage seconds over `paths`; notes per minute for the ~500-word ones."""
    from pipeline.decide import Decider
    from pipeline.decide.runtime import load_model
    from pipeline.errors import ModelError
    from pipeline.ingest import read_note
    from pipeline.run import analyse, finish
    from pipeline.store import open_db, save_note

    t = time.perf_counter()
    model = load_model(model_name, threads=threads)
    load_seconds = time.perf_counter() - t
    try:
        decider, heads = Decider.load(model), model.feature_name
    except ModelError:
        decider, heads = Decider.load(None), "lexical (no trained heads ship for this model: its vectors are computed, not read)"
    db = open_db(db_path, create=True)
    notes = []
    for path in paths:
        seconds: dict[str, float] = {}
        note = _timed(seconds, "ingest", read_note, path)
        doc = _timed(seconds, "layout and annotate", analyse, note)
        tokens_before = model.stats.prompt_tokens
        doc.vectors = _timed(seconds, "model pass", model.token_vectors, doc.text)
        record, provenance = _timed(seconds, "decide and fields", finish, doc, decider)
        _timed(seconds, "store", save_note, db, note, record, provenance, heads)
        notes.append({"source": note.source, "words": len(note.text.split()), "tokens": model.stats.prompt_tokens - tokens_before,
                      "seconds": round(sum(seconds.values()), 3), "stages": {k: round(v, 3) for k, v in seconds.items()}})
    db.conn.close()
    return _result(notes, model, heads, load_seconds)


def _timed(seconds: dict[str, float], stage: str, fn: Any, *args: Any) -> Any:
    t = time.perf_counter()
    out = fn(*args)
    seconds[stage] = time.perf_counter() - t
    return out


def _result(notes: list[dict[str, Any]], model: Any, heads: str, load_seconds: float) -> dict[str, Any]:
    total = sum(n["seconds"] for n in notes)
    mid = [n for n in notes if 400 <= n["words"] <= 600]
    stages = {s: round(sum(n["stages"][s] for n in notes), 3) for s in STAGES}
    tokens = sum(n["tokens"] for n in notes)
    return {"model": model.name, "threads": model.threads, "heads": heads, "notes": len(notes), "model_load_seconds": round(load_seconds, 3),
            "seconds_per_note": summary([n["seconds"] for n in notes]),
            "seconds_per_500_word_note": summary([n["seconds"] for n in mid]),
            "notes_per_minute_500w": round(60 / statistics.median([n["seconds"] for n in mid]), 2) if mid else None,
            "model_tokens_per_second": round(tokens / stages["model pass"], 1) if stages["model pass"] else None,
            "stage_seconds": stages, "stage_share": {s: round(v / total, 3) for s, v in stages.items()} if total else {},
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1), "per_note": notes}
