"""Batch stage: ingest → extract → store for a set of paths, incrementally and safely.

Notes are identified by content hash: unchanged files are skipped without touching the model,
a renamed file with the same content keeps its record, a changed file is re-extracted and
replaces the old record. Each note is saved in its own transaction, so Ctrl-C or a crash
leaves every finished note stored and the next run carries on. Bad files are reported, never
fatal. The model is loaded lazily, once, and only if some note needs it.
"""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from pipeline.errors import FieldnotesError, ModelError
from pipeline.extract import extract_record
from pipeline.ingest import DEFAULT_MAX_BYTES, Note, find_note_files, read_note, read_stdin_note
from pipeline.store import find_note, move_note, now, save_record


@dataclass
class RunSummary:
    processed: int = 0
    skipped: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    sources: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"processed": self.processed, "skipped": self.skipped, "failed": self.failed, "seconds": round(self.seconds, 2)}


class LazyModel:
    """Loads the model on first use, once per run."""

    def __init__(self, name: str | None, enabled: bool = True, loader: Callable[[str | None], Any] | None = None) -> None:
        self.name, self.enabled, self._model = name, enabled, None
        self._loader = loader

    def get(self) -> Any:
        if not self.enabled:
            return None
        if self._model is None:
            from pipeline.llm import load_model

            self._model = (self._loader or load_model)(self.name)
        return self._model


Progress = Callable[[str, int, int], None]


def run_batch(db: Any, paths: list[str], model: LazyModel, force: bool = False, max_bytes: int = DEFAULT_MAX_BYTES,
              stdin: bytes | None = None, progress: Progress | None = None) -> RunSummary:
    """Process every note under `paths` into `db`; returns counts and per-file errors."""
    started = time.perf_counter()
    summary = RunSummary()
    files, errors = find_note_files([p for p in paths if p != "-"])
    summary.failed.extend({"path": p, "error": e} for p, e in errors)
    run_id = db["runs"].insert({"started_at": now(), "model": model.name or "default"}).last_pk
    try:
        for i, item in enumerate(_inputs(files, stdin), 1):
            if progress:
                progress(str(item), i, len(files) + (stdin is not None))
            _process_one(db, item, model, force, max_bytes, summary)
    finally:
        summary.seconds = time.perf_counter() - started
        db["runs"].update(run_id, {"finished_at": now(), "processed": summary.processed, "skipped": summary.skipped,
                                   "failed": str(summary.failed)})
    return summary


def process_note(db: Any, note: Note, model: LazyModel, force: bool = False) -> str:
    """Store one note; returns 'processed', 'skipped' or 'moved'."""
    same = find_note(db, sha256=note.sha256)
    if same and not force:
        if same["source"] == note.source:
            return "skipped"
        if not Path(same["source"]).exists() or same["source"] == "-":
            move_note(db, same["id"], same["source"], note.source)
            return "moved"
    record, raw = extract_record(note, model.get())
    tasks = _tasks(record)
    save_record(db, note, record, raw, tasks)
    return "processed"


def _process_one(db: Any, item: Any, model: LazyModel, force: bool, max_bytes: int, summary: RunSummary) -> None:
    try:
        note = read_stdin_note(item) if isinstance(item, bytes) else read_note(item, max_bytes=max_bytes)
        outcome = process_note(db, note, model, force)
    except ModelError:
        raise
    except FieldnotesError as e:
        summary.failed.append({"path": _label(item), "error": str(e)})
        return
    except (OSError, ValueError, RuntimeError, KeyError, IndexError, TypeError, AttributeError, sqlite3.OperationalError) as e:
        summary.failed.append({"path": _label(item), "error": f"{_label(item)}: could not be processed ({type(e).__name__}: {e}); please report this with the file"})
        return
    summary.sources.append(note.source)
    if outcome == "processed":
        summary.processed += 1
    else:
        summary.skipped += 1


def _label(item: Any) -> str:
    return "-" if isinstance(item, bytes) else str(item)


def _inputs(files: list[Path], stdin: bytes | None) -> Iterable[Any]:
    yield from files
    if stdin is not None:
        yield stdin


def _tasks(record: Any) -> list[Any]:
    from pipeline.followups import build_tasks

    return build_tasks(record)
