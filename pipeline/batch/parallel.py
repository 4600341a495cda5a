"""Parallel batch (`run --jobs N`): notes are extracted concurrently, one writer stores them.

The main process reads each file and plans it against the database (unchanged and moved
notes never reach a worker), keeps up to two notes per job in flight, and saves every finished
record in its own transaction as it arrives (`store.save_note`), so SQLite has one writer and
a crash or Ctrl-C leaves every finished note stored; the next run skips them. Workers never
touch the database; a note whose worker fails is reported like any bad input.

- Server backend: threads. The work is waiting for the servers, so threads in one process
  share the HTTP connection pool and the token-piece cache; `--base-url` several times spreads
  the notes round-robin.
- In-process backend: worker processes, each loading its own model with cores / jobs llama.cpp
  threads, only where that is faster than one process using all cores (`LOCAL_WORKERS_FASTER`,
  measured in docs/scale.md). `--no-llm` stays in one process (lexical heads need no model and
  the work is short).
"""
from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from typing import Any, Callable, Iterator

from pipeline.batch import LazyDecider, RunSummary, count_outcome, extract_note, item_label, read_item, record_failure
from pipeline.ingest import display_path
from pipeline.store import move_note, plan_note, save_note

IN_FLIGHT_PER_JOB = 2
# Measured on the 2-core machine (docs/scale.md): two worker processes with one llama.cpp thread
# each did 16 notes in 131 s against 141 s for one process with the default (one) thread: 1.07x,
# not slower, so worker processes are used whenever there are two physical cores or more.
LOCAL_WORKERS_FASTER = True

_WORKER: LazyDecider | None = None  # the model of a worker process


def parallel_jobs(decider: LazyDecider, jobs: int, notes: int) -> int:
    """How many notes to extract at once: 1 means the plain sequential batch."""
    if jobs <= 1 or notes <= 1 or not decider.use_model:
        return 1
    if decider.remote:
        return min(jobs, notes)
    return min(jobs, notes, _cores()) if LOCAL_WORKERS_FASTER and _cores() > 1 else 1


def run_parallel(db: Any, items: list[Any], decider: LazyDecider, heads: str, force: bool, max_bytes: int, summary: RunSummary,
                 progress: Callable[[str, int, int], None] | None, jobs: int) -> None:
    """Extract `items` with `jobs` workers; this process alone writes `db`."""
    executor, submit = _open_workers(decider, jobs)
    pending: dict[Future, tuple[str, Any]] = {}
    queue = iter(enumerate(items, 1))
    try:
        _fill(db, queue, pending, submit, heads, force, max_bytes, summary, progress, len(items), jobs)
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                label, note = pending.pop(future)
                _store(db, future, label, note, heads, summary)
            _fill(db, queue, pending, submit, heads, force, max_bytes, summary, progress, len(items), jobs)
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(wait=True)


def _fill(db: Any, queue: Iterator[tuple[int, Any]], pending: dict, submit: Callable[[Any], Future], heads: str, force: bool,
          max_bytes: int, summary: RunSummary, progress: Any, total: int, jobs: int) -> None:
    """Read and plan files until enough notes are in flight (or none are left)."""
    while len(pending) < jobs * IN_FLIGHT_PER_JOB:
        nxt = next(queue, None)
        if nxt is None:
            return
        i, item = nxt
        if progress:
            progress(item_label(item), i, total)
        label = "-" if isinstance(item, bytes) else display_path(item)
        try:
            note = read_item(item, max_bytes)
            plan = plan_note(db, note.key, note.sha256, heads, force)
            if plan.action == "moved":
                move_note(db, plan.note_id, note.key, note.source)
            if plan.action in ("unchanged", "moved"):
                count_outcome(summary, note, plan.action)
                continue
            pending[submit(note)] = (label, note)
        except Exception as e:  # noqa: BLE001 - sorted by record_failure
            record_failure(label, e, summary)


def _store(db: Any, future: Future, label: str, note: Any, heads: str, summary: RunSummary) -> None:
    try:
        record, provenance = future.result()
        save_note(db, note, record, provenance, heads)
    except Exception as e:  # noqa: BLE001 - sorted by record_failure
        record_failure(label, e, summary)
        return
    count_outcome(summary, note, "processed")


def _open_workers(decider: LazyDecider, jobs: int) -> tuple[Executor, Callable[[Any], Future]]:
    if decider.remote:
        from concurrent.futures import ThreadPoolExecutor

        decider.get()  # probe the server and load the heads once, before the threads start
        threads = ThreadPoolExecutor(jobs, thread_name_prefix="fieldnotes-note")
        return threads, lambda note: threads.submit(extract_note, note, decider)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    args = (decider.model_name, decider.use_model, decider.settings.model_dump(), max(1, _cores() // jobs))
    procs = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker, initargs=args)
    return procs, lambda note: procs.submit(_extract_in_worker, note)


def _start_worker(model_name: str | None, use_model: bool, settings: dict, threads: int) -> None:
    global _WORKER
    from pipeline.backends.config import BackendSettings

    os.environ["FIELDNOTES_THREADS"] = str(threads)
    _WORKER = LazyDecider(model_name, use_model, backend=BackendSettings.model_validate(settings), threads=threads)


def _extract_in_worker(note: Any) -> tuple[Any, dict]:
    assert _WORKER is not None, "worker started without its model"
    return extract_note(note, _WORKER)


def _cores() -> int:
    try:
        import psutil

        return psutil.cpu_count(logical=False) or os.cpu_count() or 1
    except ImportError:  # pragma: no cover
        return os.cpu_count() or 1
