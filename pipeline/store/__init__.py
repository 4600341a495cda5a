"""Store stage: the SQLite database that is the product's memory.

`shape` holds the database's shape as data and opens it; `notes` saves a note in one
transaction and loads records with the user's corrections (`edits`); `people` finds people by
indexed name keys. Names are imported from their module on first use, so opening a database
for a query never imports the record schema or the extraction stages.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

from pipeline.store.shape import LEAD_STATUSES, open_db

_HOME = {"apply_edits": "edits", "item_op": "edits", "ensure_person": "people", "find_person": "people", "now": "tx",
         "transaction": "tx", **{name: "notes" for name in ("Plan", "all_note_ids", "list_edits", "load_provenance", "load_record", "load_record_by_id",
                                                            "move_note", "plan_note", "resolve_note", "save_note", "task_row")}}

__all__ = ["LEAD_STATUSES", "open_db", *sorted(_HOME)]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'pipeline.store' has no attribute '{name}'")
    return getattr(import_module(f"pipeline.store.{_HOME[name]}"), name)
