"""Batch: files, folders and globs → ingest → extract → store, incrementally and safely.

A file whose note is stored with a complete record of the same content and heads is skipped
without touching the model; a moved file keeps its note; a changed file is re-extracted and
replaces its record in one transaction, so Ctrl-C or a crash leaves every finished note stored
and the next run carries on. Bad files are reported in one line each and the batch goes on;
files of other types inside folders are listed as skipped with what to do. The model is loaded
once, and only when some note needs it.
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from pipeline.errors import FieldnotesError, ModelError, StoreError
from pipeline.ingest import DEFAULT_MAX_BYTES, Note, display_path, find_note_files, read_note, read_stdin_note
from pipeline.store import move_note, now, plan_note, save_note
from pipeline.store.tx import insert, transaction, update


@dataclass
class RunSummary:
    processed: int = 0
    unchanged: int = 0
    moved: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    sources: list[str] = field(default_factory=list)
    model: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"processed": self.processed, "unchanged": self.unchanged, "moved": self.moved, "failed": self.failed,
                "skipped": self.skipped, "seconds": round(self.seconds, 2), "model": self.model}


class LazyDecider:
    """Loads the model and its heads on first use, once per run (`--no-llm`: the lexical heads)."""

    def __init__(self, model_name: str | None, use_model: bool = True, loader: Callable[[str | None], Any] | None = None) -> None:
        self.model_name, self.use_model, self._loader = model_name, use_model, loader
        self._decider = None

    @property
    def fingerprint(self) -> str:
        from pipeline.decide.heads import LEXICAL, fingerprint
        from pipeline.decide.registry import default_model_name

        return fingerprint(self.model_name or default_model_name() if self.use_model else LEXICAL)

    @property
    def label(self) -> str:
        if self._decider is not None:
            return self._decider.model.name if self._decider.model is not None else "none (--no-llm)"
        return (self.model_name or "default") if self.use_model else "none (--no-llm)"

    def get(self) -> Any:
        if self._decider is None:
            from pipeline.decide import Decider

            model = None
            if self.use_model:
                from pipeline.decide.runtime import load_model

                model = (self._loader or load_model)(self.model_name)
            self._decider = Decider.load(model)
        return self._decider


Progress = Callable[[str, int, int], None]


def run_batch(db: Any, paths: list[str], decider: LazyDecider, force: bool = False, max_bytes: int = DEFAULT_MAX_BYTES,
              stdin: bytes | None = None, progress: Progress | None = None) -> RunSummary:
    """Process every note under `paths` into `db`; returns counts, per-file errors and skipped files."""
    started = time.perf_counter()
    summary = RunSummary()
    files, errors, skipped = find_note_files([p for p in paths if p != "-"])
    skipped = [s for s in skipped if not _own_database(db, s.path)]
    summary.failed.extend({"path": display_path(p), "error": e} for p, e in errors)
    summary.skipped.extend({"path": display_path(s.path), "reason": s.reason} for s in skipped)
    run_id = _start_run(db, decider)
    heads = decider.fingerprint
    try:
        items = list(files) + ([stdin] if stdin is not None else [])
        for i, item in enumerate(items, 1):
            if progress:
                progress("-" if isinstance(item, bytes) else str(item), i, len(items))
            _process_one(db, item, decider, heads, force, max_bytes, summary)
    finally:
        summary.seconds = time.perf_counter() - started
        summary.model = decider.label
        _finish_run(db, run_id, summary)
    return summary


def process_note(db: Any, note: Note, decider: LazyDecider, heads: str, force: bool = False) -> str:
    """Store one note; returns 'processed', 'unchanged' or 'moved'."""
    plan = plan_note(db, note.key, note.sha256, heads, force)
    if plan.action == "unchanged":
        return "unchanged"
    if plan.action == "moved":
        move_note(db, plan.note_id, note.key, note.source)
        return "moved"
    from pipeline.run import extract_record

    record, provenance = extract_record(note, decider.get())
    save_note(db, note, record, provenance, heads)
    return "processed"


def stored_summary(db: Any, sources: list[str]) -> dict[str, Any]:
    """What a run stored, for its summary: each of these notes' contact, organisation and date (by
    source), and the totals of leads and open tasks; read through indexes, whatever the database's size."""
    notes = []
    for source in sorted(set(sources)):
        notes += db.query("SELECT n.source, r.contact_name, r.contact_org, r.interview_date FROM notes n JOIN records r ON r.note_id = n.id "
                          "WHERE n.source = ? AND r.complete = 1", [source])
    return {"notes": notes, "leads": db.execute("SELECT COUNT(*) FROM people WHERE referred > 0").fetchone()[0],
            "open_tasks": db.execute("SELECT COUNT(*) FROM followups WHERE status = 'open'").fetchone()[0]}


def _process_one(db: Any, item: Any, decider: LazyDecider, heads: str, force: bool, max_bytes: int, summary: RunSummary) -> None:
    label = "-" if isinstance(item, bytes) else display_path(item)
    try:
        note = read_stdin_note(item, max_bytes=max_bytes) if isinstance(item, bytes) else read_note(item, max_bytes=max_bytes)
        outcome = process_note(db, note, decider, heads, force)
    except (ModelError, StoreError):
        raise
    except FieldnotesError as e:
        summary.failed.append({"path": label, "error": str(e)})
        return
    except sqlite3.OperationalError as e:
        if "full" in str(e).lower():
            raise StoreError(f"the disk is full after {summary.processed} notes; free some space and run again (finished notes are stored)") from None
        summary.failed.append({"path": label, "error": f"{label}: could not be stored ({e}); run again to retry it"})
        return
    except (RecursionError, MemoryError) as e:
        summary.failed.append({"path": label, "error": f"{label}: too large or too deeply nested to read ({type(e).__name__}); split the file"})
        return
    except Exception as e:  # a bug must not stop the batch or lose the other notes
        if os.environ.get("FIELDNOTES_DEBUG"):
            raise
        summary.failed.append({"path": label, "error": f"{label}: could not be processed ({type(e).__name__}: {str(e)[:80]}); "
                                                       "this is a Fieldnotes bug: run with FIELDNOTES_DEBUG=1 to see where"})
        return
    summary.sources.append(note.source)
    if outcome == "processed":
        summary.processed += 1
    elif outcome == "moved":
        summary.moved += 1
    else:
        summary.unchanged += 1


def _own_database(db: Any, path: str) -> bool:
    """The run's own database (and its journal files) is not a note to report."""
    import os

    try:
        main = db.execute("PRAGMA database_list").fetchone()[2]
    except sqlite3.Error:
        return False
    real = os.path.realpath(path)
    return bool(main) and any(real == os.path.realpath(main) + suffix for suffix in ("", "-wal", "-shm", "-journal"))


def _start_run(db: Any, decider: LazyDecider) -> int | None:
    try:
        with transaction(db):
            return insert(db, "runs", {"started_at": now(), "model": decider.label})
    except StoreError:
        raise
    except sqlite3.OperationalError as e:
        raise StoreError(f"cannot write to the database ({e}); check --db and free disk space") from None


def _finish_run(db: Any, run_id: int | None, summary: RunSummary) -> None:
    if run_id is None:
        return
    try:
        with transaction(db):
            update(db, "runs", "id", run_id, {"finished_at": now(), "processed": summary.processed, "skipped": summary.unchanged,
                                              "failed": json.dumps(summary.failed, ensure_ascii=False), "model": summary.model})
    except (sqlite3.Error, StoreError):
        pass
