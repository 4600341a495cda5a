"""Datasette metadata for a Fieldnotes database, made from the store's shape (`TABLES`, `FTS`):
table descriptions, default facets, label columns (so foreign keys show names), full-text
search that takes FTS5 syntax as `fieldnotes search` does, sort orders and two canned queries.
`datasette fieldnotes.db --metadata metadata.json` then browses the database pleasantly."""
from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from pipeline.store.shape import FTS, TABLES

TITLE = "Fieldnotes"
DESCRIPTION = "Informational-interview notes, the records extracted from them, referral leads and follow-ups."
SORT = {"records": ("sort_desc", "interview_date"), "followups": ("sort", "due"), "notes": ("sort", "source"),
        "runs": ("sort_desc", "started_at"), "people": ("sort", "name"), "connections": ("sort", "name")}
VIEWS = {  # the items with their text (the `items` table keeps only text that differs from the note's words)
    "items_text": {"description": "Every extracted item with its text, searchable (FTS5 syntax).", "fts_table": "items_fts", "fts_pk": "id",
                   "searchmode": "raw", "facets": ["kind"], "label_column": "text"},
}
QUERIES = {
    "next_leads": {"title": "Leads to contact next", "sql": (
        "SELECT p.id, p.name, p.title, p.organization, p.email, p.phone, p.status, group_concat(DISTINCT ref.referred_by) AS referred_by\n"
        "FROM people p JOIN referrals ref ON ref.person_id = p.id\nWHERE p.status IN ('new', 'contacted')\n"
        "GROUP BY p.id ORDER BY p.status = 'contacted', p.name")},
    "open_followups": {"title": "Open follow-ups by due date", "sql": (
        "SELECT id, due, action, person, kind, source FROM followups\nWHERE status = 'open'\nORDER BY due IS NULL, due, source")},
}


def datasette_metadata(db_path: str | Path) -> dict[str, Any]:
    """Datasette's metadata.json for the database at `db_path` (Datasette names a database after its file)."""
    return {"title": TITLE, "description": DESCRIPTION,
            "databases": {Path(db_path).stem: {"tables": {**{name: _table(name, spec) for name, spec in TABLES.items()}, **VIEWS},
                                               "queries": QUERIES}}}


def datasette_command(db_path: str | Path, metadata_path: str | Path) -> str:
    """The shell command that serves the database with this metadata (on 127.0.0.1)."""
    return f"datasette {shlex.quote(str(db_path))} --metadata {shlex.quote(str(metadata_path))}"


def _table(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"description": spec["description"]}
    if spec.get("facets"):
        out["facets"] = spec["facets"]
    if spec.get("label"):
        out["label_column"] = spec["label"]
    if name in FTS:
        out.update({"fts_table": f"{name}_fts", "searchmode": "raw"})
    if name in SORT:
        key, column = SORT[name]
        out[key] = column
    return out
