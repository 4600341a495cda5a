"""Store stage: the SQLite database (through sqlite-utils) that is the product's memory.

`shape` holds the database's shape as data and opens it; `notes` saves a note in one
transaction and loads records with the user's corrections (`edits`); `people` finds people by
indexed name keys.
"""
from __future__ import annotations

from pipeline.store.edits import apply_edits, item_op
from pipeline.store.notes import (Plan, all_note_ids, list_edits, load_record, load_record_by_id, move_note, plan_note, resolve_note,
                                  save_note, task_row)
from pipeline.store.people import ensure_person, find_person
from pipeline.store.shape import open_db
from pipeline.store.tx import now, transaction

LEAD_STATUSES = ("new", "contacted", "scheduled", "met", "closed")

__all__ = ["LEAD_STATUSES", "Plan", "all_note_ids", "apply_edits", "ensure_person", "find_person", "item_op", "list_edits", "load_record",
           "load_record_by_id", "move_note", "now", "open_db", "plan_note", "resolve_note", "save_note", "task_row", "transaction"]
