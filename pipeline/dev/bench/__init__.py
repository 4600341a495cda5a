"""Benchmark: how fast Fieldnotes is per note and how it holds up at career-centre scale.

`run_bench()` (the `fieldnotes bench` command) measures, in one run, each part in its own module:

- `speed`: pipeline speed per note, every stage timed, with the real model;
- `threads`: llama.cpp with 1..N threads on one ~500-word note, free and under load;
- `scale` (with `build`): a small database and, with `scale=N`, a large one built from the
  generator through `save_note`: storing cost at the start and the end, size per note;
- `queries`: `search`, `leads`, `followups` in-process and as commands, `--all --nl` memory;
- `startup`: `--help`, and what each query command imports (`python -X importtime`);
- `incremental`: adding one note to each database, the run's fixed cost step by step.

`report` writes `docs/performance.md` and `performance.json`: medians with min–max over
repeats, the large database as ratios to the small one, and the load average beside each part.
"""
from __future__ import annotations

import shlex
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

REPEATS = 5  # commands and in-process calls
INCREMENTAL_REPEATS = 3  # adding one note (each loads and runs the model)

Progress = Callable[[str], None]


def run_bench(notes: int, folder: str | None, model_name: str | None, search_notes: int, out: Path, scale: int | None = None,
              threads: Sequence[int] | None = None, progress: Progress | None = None) -> str:
    """Run every part, write `out` (Markdown) and its `.json` twin; return the Markdown.

    `search_notes` is the size of the small database; `scale` adds a large one (ratios are large / small)."""
    from pipeline.dev.bench.common import load_average, machine_info
    from pipeline.dev.bench.report import targets, write_report

    say = progress or (lambda msg: None)
    started = time.perf_counter()
    result: dict[str, Any] = {"command": _command(), "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                              "machine": machine_info(), "load_average": {"start": load_average()}}
    with tempfile.TemporaryDirectory(prefix="fieldnotes-bench-") as tmp:
        work = Path(tmp)
        _measure(result, work, notes, folder, model_name, {"small": search_notes, **({"large": scale} if scale else {})}, threads, say)
    result["load_average"]["end"] = load_average()
    result["bench_seconds"] = round(time.perf_counter() - started, 1)
    result["targets"] = targets(result)
    return write_report(result, out)


def _measure(result: dict[str, Any], work: Path, notes: int, folder: str | None, model_name: str | None, sizes: dict[str, int],
             threads: Sequence[int] | None, say: Progress) -> None:
    from pipeline.dev.bench.common import load_average
    from pipeline.dev.bench.incremental import bench_incremental
    from pipeline.dev.bench.queries import bench_queries
    from pipeline.dev.bench.scale import bench_build
    from pipeline.dev.bench.speed import bench_pipeline
    from pipeline.dev.bench.startup import bench_startup
    from pipeline.dev.bench.threads import bench_threads
    from pipeline.store import open_db

    loads = result["load_average"]
    say("pipeline speed per note")
    result["pipeline"] = bench_pipeline(_note_paths(work, notes, folder), model_name, work / "pipeline.db")
    loads["after pipeline"] = load_average()
    say("llama.cpp threads")
    result["threads"] = bench_threads(model_name, threads)
    loads["after threads"] = load_average()
    dbs = {label: work / f"{label}.db" for label in sizes}
    result["scale"] = {}
    for label, n in sizes.items():
        say(f"building the {label} database ({n:,} notes)")
        result["scale"][label] = bench_build(dbs[label], n, progress=lambda i, total: say(f"  {i:,} / {total:,} notes stored"))
        loads[f"after building {label}"] = load_average()
    say("queries")
    from pipeline.query import SEARCH_POOL

    result["search_pool"] = SEARCH_POOL
    result["queries"] = {label: bench_queries(db, REPEATS) for label, db in dbs.items()}
    loads["after queries"] = load_average()
    say("start-up and imports")
    open_db(work / "empty.db", create=True).conn.close()
    result["startup"] = bench_startup({"empty": work / "empty.db", **dbs}, REPEATS)
    say("adding one note")
    result["incremental"] = {label: bench_incremental(db, work, model_name, INCREMENTAL_REPEATS, label) for label, db in dbs.items()}
    loads["after adding one note"] = load_average()


def _note_paths(work: Path, notes: int, folder: str | None) -> list[Path]:
    from pipeline.dev.generate import generate_corpus, write_corpus
    from pipeline.ingest import find_note_files

    if folder:
        return list(find_note_files([folder])[0])
    return write_corpus(generate_corpus(notes), work / "notes")


def _command() -> str:
    """The command line that produced the results (the script by name)."""
    argv = list(sys.argv)
    if argv:
        argv[0] = Path(argv[0]).name
    return shlex.join(argv)
