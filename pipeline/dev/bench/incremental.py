"""Adding one note to a database: the run's fixed cost (imports, opening, the model's load and
first call, the run's bookkeeping) against its work on the note, step by step in a fresh
process as `fieldnotes run NOTE` does them, and the command's own wall time.

When no trained heads ship for the model, the model is still loaded and run on the note (its
cost is the same) and the lexical heads decide; the report says so.
"""
from __future__ import annotations

import importlib

import json
import random
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

from pipeline.dev.bench.common import fieldnotes_cmd, run_command, summary


def bench_incremental(db_path: Path, work: Path, model_name: str | None, repeats: int, label: str) -> dict[str, Any]:
    """The step breakdown (fresh process, median of repeats) and `fieldnotes run NOTE --no-llm` wall time."""
    steps = [_steps_in_fresh_process(db_path, _new_note(work, f"{label}-steps-{i}"), model_name) for i in range(repeats)]
    keys = steps[0]["seconds"]
    out: dict[str, Any] = {"heads": steps[0]["heads"], "model": steps[0]["model"],
                           "steps": {k: summary([s["seconds"][k] for s in steps]) for k in keys}}
    runs = [run_command(fieldnotes_cmd("run", str(_new_note(work, f"{label}-run-{i}")), "--db", str(db_path), "--no-llm"))
            for i in range(repeats)]
    out["command_no_llm"] = dict(summary([r["seconds"] for r in runs]), exit=max(r["exit"] for r in runs))
    fixed = [k for k in keys if k in FIXED]
    out["fixed_seconds"] = round(sum(out["steps"][k]["median"] for k in fixed), 3)
    out["note_seconds"] = round(sum(out["steps"][k]["median"] for k in keys if k not in FIXED and k != "total"), 3)
    return out


FIXED = ("imports (cli, batch, ingest, store)", "open database", "start run (registry, heads fingerprint)", "import extraction stages",
         "model load", "heads load", "model first call, extra over a warm call", "finish run and summary")


def measure_steps(db_path: Path, note_path: Path, model_name: str | None) -> dict[str, Any]:
    """Seconds of each step of adding one note with the model (run inside a fresh process)."""
    seconds: dict[str, float] = {}
    clock = _Clock(seconds)
    with clock("imports (cli, batch, ingest, store)"):
        importlib.import_module("pipeline.cli")  # what the command imports before it starts (measured, not used)
        from pipeline.batch import LazyDecider, _finish_run, _start_run, stored_summary
        from pipeline.ingest import read_note
        from pipeline.store import open_db, plan_note, save_note
    with clock("open database"):
        db = open_db(db_path, create=True)
    with clock("start run (registry, heads fingerprint)"):
        decider = LazyDecider(model_name)
        heads_id = decider.fingerprint
        run_id = _start_run(db, decider)
    with clock("read note and plan"):
        note = read_note(note_path)
        plan_note(db, note.key, note.sha256, heads_id)
    with clock("import extraction stages"):
        from pipeline.decide import Decider
        from pipeline.decide.runtime import load_model
        from pipeline.errors import ModelError
        from pipeline.run import analyse, finish
    with clock("model load"):
        model = load_model(model_name)
    with clock("heads load"):
        try:
            decider_ = Decider.load(model)
            heads = decider_.features
        except ModelError:
            decider_, heads = Decider.load(None), "lexical (no trained heads ship for this model)"
    with clock("layout and annotate"):
        doc = analyse(note)
    first = time.perf_counter()
    vectors = model.token_vectors(doc.text)
    first = time.perf_counter() - first
    with clock("model pass (warm)"):
        vectors = model.token_vectors(doc.text)
    seconds["model first call, extra over a warm call"] = max(0.0, first - seconds["model pass (warm)"])
    doc.vectors = vectors
    with clock("decide and fields"):
        record, provenance = finish(doc, decider_)
    with clock("store"):
        save_note(db, note, record, provenance, heads_id)
    with clock("finish run and summary"):
        _finish_run(db, run_id, _Summary(note.source))
        stored_summary(db, [note.source])
    seconds["total"] = sum(seconds.values())
    return {"seconds": {k: round(v, 4) for k, v in seconds.items()}, "heads": heads, "model": model.name}


class _Clock:
    def __init__(self, seconds: dict[str, float]) -> None:
        self.seconds, self.name, self.t = seconds, "", 0.0

    def __call__(self, name: str) -> "_Clock":
        self.name = name
        return self

    def __enter__(self) -> None:
        self.t = time.perf_counter()

    def __exit__(self, *exc: Any) -> None:
        self.seconds[self.name] = time.perf_counter() - self.t


class _Summary:
    """The few fields `_finish_run` reads from a run summary."""

    def __init__(self, source: str) -> None:
        self.processed, self.unchanged, self.failed, self.model, self.sources = 1, 0, [], "bench", [source]


def _steps_in_fresh_process(db_path: Path, note_path: Path, model_name: str | None) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "pipeline.dev.bench.incremental", str(db_path), str(note_path), model_name or ""]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def _new_note(work: Path, name: str) -> Path:
    """A ~500-word generated note the database has not seen (its own seed)."""
    from pipeline.dev.generate import generate_note

    note = generate_note(random.Random(zlib.crc32(name.encode())), 0, 500)
    path = work / "incremental" / f"{name}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(note.text, encoding="utf-8")
    return path


if __name__ == "__main__":
    print(json.dumps(measure_steps(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] or None)))
