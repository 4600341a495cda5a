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
from typing import Any, Callable

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
    stopped: str | None = None  # why the batch stopped early (the database cannot be written: a full disk)

    def as_dict(self) -> dict[str, Any]:
        return {"processed": self.processed, "unchanged": self.unchanged, "moved": self.moved, "failed": self.failed,
                "skipped": self.skipped, "seconds": round(self.seconds, 2), "model": self.model, "stopped": self.stopped}


NO_MODEL = "none (--no-llm)"


class LazyDecider:
    """Loads the model (through its backend) and its heads on first use, once per run (`--no-llm`: the lexical heads).

    A server that gives no per-token states, or a model without trained heads behind a server,
    is decided by the lexical heads, and `record_label` says so in every record.
    """

    def __init__(self, model_name: str | None, use_model: bool = True, loader: Callable[[str | None], Any] | None = None,
                 backend: Any = None, threads: int | None = None) -> None:
        from pipeline.backends.config import BackendSettings

        self.model_name, self.use_model, self._loader = model_name, use_model, loader
        self.settings = backend or BackendSettings()
        self.threads = threads
        self.record_label: str | None = None
        self._decider = None
        self._model = None

    @property
    def remote(self) -> bool:
        return self.use_model and self.settings.kind == "openai"

    @property
    def mode(self) -> str:
        """'llm' (the model writes the record, the heads fall back) or 'heads'."""
        if not self.use_model or self.settings.mode == "heads":
            return "heads"
        if self.settings.mode == "llm":
            return "llm"
        from pipeline.decide.registry import load_registry

        spec = load_registry().models.get(self.model_name or self.settings.model or "")
        return "llm" if spec is not None and spec.llm_first else "heads"

    @property
    def fingerprint(self) -> str:
        from pipeline.decide.heads import LEXICAL, fingerprint
        from pipeline.decide.registry import default_model_name

        if not self.use_model:
            features = LEXICAL
        elif self.remote:
            features = self.get().features
        else:
            features = self.model_name or default_model_name()
        if self.mode == "llm":
            from pipeline.llmfirst import prompt_version

            return f"{fingerprint(features)}+{prompt_version()}"
        return fingerprint(features)

    @property
    def label(self) -> str:
        """The model's real name (its registry alias, a .gguf file's stem, or the backend's label), loaded or not."""
        if self.record_label:
            return self.record_label
        if not self.use_model:
            return NO_MODEL
        if self._decider is not None and self._decider.model is not None:
            return self._decider.model.name
        from pipeline.decide.registry import resolve_model

        try:
            return resolve_model(self.model_name).alias
        except FieldnotesError:
            return self.model_name or "default"

    def model(self) -> Any:
        """The backend's model, loaded once (None with --no-llm)."""
        if self._model is None and self.use_model:
            from pipeline.backends import load_backend

            self._model = self._loader(self.model_name) if self._loader else load_backend(self.settings, self.model_name, self.threads)
        return self._model

    def get(self) -> Any:
        if self._decider is None:
            from pipeline.decide import Decider

            model = self.model()
            if model is not None and self.remote:
                self._decider = self._remote_decider(model)
            else:
                self._decider = Decider.load(model)
        return self._decider

    def _remote_decider(self, model: Any) -> Any:
        """The model's own heads when the server gives token states and heads exist for it, else the lexical heads (labelled)."""
        from pipeline.decide import Decider
        from pipeline.decide.heads import load_heads

        if not model.token_states:
            why = f"lexical heads: the server gives no per-token states ({model.probe().reason})"
        elif not model.feature_name or not load_heads(model.feature_name):
            why = f"lexical heads: no trained heads for '{model.model or model.probe().server_model}' (pass -m with a registry alias)"
        else:
            return Decider.load(model)
        self.record_label = f"{model.name}; {why}"
        return Decider.load(None)


Progress = Callable[[str, int, int], None]


def run_batch(db: Any, paths: list[str], decider: LazyDecider, force: bool = False, max_bytes: int = DEFAULT_MAX_BYTES,
              stdin: bytes | None = None, progress: Progress | None = None, jobs: int = 1) -> RunSummary:
    """Process every note under `paths` into `db`; returns counts, per-file errors and skipped files.

    With `jobs` > 1 the notes are extracted concurrently (`batch.parallel`) while this process
    alone writes the database, one note per transaction. When the database cannot be written (a
    full disk) the batch stops: `stopped` says why and every note finished before it stays stored.
    """
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
        from pipeline.batch.parallel import parallel_jobs, run_parallel

        try:
            if parallel_jobs(decider, jobs, len(items)) > 1:
                run_parallel(db, items, decider, heads, force, max_bytes, summary, progress, parallel_jobs(decider, jobs, len(items)))
            else:
                for i, item in enumerate(items, 1):
                    if progress:
                        progress(item_label(item), i, len(items))
                    _process_one(db, item, decider, heads, force, max_bytes, summary)
        except StoreError as e:
            summary.stopped = str(e)
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
    record, provenance = extract_note(note, decider)
    save_note(db, note, record, provenance, heads)
    return "processed"


def extract_note(note: Note, decider: LazyDecider) -> tuple[Any, dict[str, Any]]:
    """The record of one note in the run's mode (decisions by the heads, or LLM-first with the heads as fallback)."""
    if decider.mode == "llm":
        from pipeline.llmfirst import extract_record_llm

        record, provenance = extract_record_llm(note, decider.get(), decider.model())
    else:
        from pipeline.run import extract_record

        record, provenance = extract_record(note, decider.get())
    if decider.record_label and record.extraction is not None:
        record.extraction.model = decider.record_label
    return record, provenance


def stored_summary(db: Any, sources: list[str]) -> dict[str, Any]:
    """What a run stored, for its summary: each of these notes' contact, organisation and date (by
    source), and the totals of leads and open tasks; read through indexes, whatever the database's size."""
    notes = []
    for source in sorted(set(sources)):
        notes += db.query("SELECT n.source, r.contact_name, r.contact_org, r.interview_date FROM notes n JOIN records r ON r.note_id = n.id "
                          "WHERE n.source = ? AND r.complete = 1", [source])
    return {"notes": notes, "leads": db.execute("SELECT COUNT(*) FROM people WHERE referred > 0").fetchone()[0],
            "open_tasks": db.execute("SELECT COUNT(*) FROM followups WHERE status = 'open'").fetchone()[0]}


def item_label(item: Any) -> str:
    return "-" if isinstance(item, bytes) else str(item)


def read_item(item: Any, max_bytes: int) -> Note:
    """A file path or piped bytes as a Note."""
    return read_stdin_note(item, max_bytes=max_bytes) if isinstance(item, bytes) else read_note(item, max_bytes=max_bytes)


def _process_one(db: Any, item: Any, decider: LazyDecider, heads: str, force: bool, max_bytes: int, summary: RunSummary) -> None:
    label = "-" if isinstance(item, bytes) else display_path(item)
    try:
        note = read_item(item, max_bytes)
        outcome = process_note(db, note, decider, heads, force)
    except Exception as e:  # noqa: BLE001 - sorted by record_failure
        record_failure(label, e, summary)
        return
    count_outcome(summary, note, outcome)


def record_failure(label: str, e: BaseException, summary: RunSummary) -> None:
    """A note that failed is listed with what to do and the batch goes on; a model or store failure
    stops it (a store failure names the note it stopped at)."""
    if isinstance(e, ModelError):
        raise e
    if isinstance(e, StoreError):
        raise StoreError(f"{label}: {e}") from None
    if isinstance(e, FieldnotesError):
        error = str(e)
    elif isinstance(e, sqlite3.OperationalError):
        if "full" in str(e).lower():
            raise StoreError(f"{label}: the disk is full, so this note was not saved (free some space and run the same command again; "
                             "every note finished before it is stored)") from None
        error = f"{label}: could not be stored ({e}); run again to retry it"
    elif isinstance(e, (RecursionError, MemoryError)):
        error = f"{label}: too large or too deeply nested to read ({type(e).__name__}); split the file"
    else:  # a bug must not stop the batch or lose the other notes
        if os.environ.get("FIELDNOTES_DEBUG"):
            raise e
        error = (f"{label}: could not be processed ({type(e).__name__}: {str(e)[:80]}); "
                 "this is a Fieldnotes bug: run with FIELDNOTES_DEBUG=1 to see where")
    summary.failed.append({"path": label, "error": error})


def count_outcome(summary: RunSummary, note: Note, outcome: str) -> None:
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
            update(db, "runs", "id", run_id, {"finished_at": now(), "processed": summary.processed, "unchanged": summary.unchanged,
                                              "moved": summary.moved, "skipped": len(summary.skipped), "seconds": round(summary.seconds, 2),
                                              "failed": json.dumps(summary.failed, ensure_ascii=False), "model": summary.model})
    except (sqlite3.Error, StoreError):
        pass
