"""The database's shape as data, applied by `ensure_db_shape()` (safe to run every time), and
opening a database the right way for each use.

A Fieldnotes database carries a marker (`PRAGMA application_id`), so another application's
SQLite file is refused untouched. Only `run` creates a database; the query commands open an
existing one (read-only when the file or its folder cannot be written).

`Database` runs plain SQL on the sqlite3 connection; sqlite-utils (and the numpy it imports)
loads only when something uses its table API (`db["people"]`), which shaping a database does,
so a query command on an up-to-date database never imports it. Every index a query sorts by is
listed here, so `leads`, `followups` and the people lookups cost the same at 50 notes and
50,000, and search's note filters read one narrow index instead of the records' large rows.
WAL with `synchronous = NORMAL`: a crash of the program never loses a stored note; a power cut
may lose the last ones, never the database.
"""
from __future__ import annotations

import os
import sqlite3
import urllib.parse
from pathlib import Path
from typing import Any, Callable, Iterator

from pipeline.errors import StoreError

APPLICATION_ID = 0x464E4F54  # "FNOT"
SCHEMA_VERSION = 5  # 3: foreign keys on follow-ups and people (FTS triggers rebuilt); 4: the `me` table (the seeker's own skills);
# 5: referral counts kept on people, items keep text only where it differs from the note (their index reads a view)
BUSY_TIMEOUT_MS = 120_000  # a concurrent run waits up to two minutes for another run's save
LEAD_STATUSES = ("new", "contacted", "scheduled", "met", "closed")
# leads come next-to-contact first: by status, then the earliest referral, then name (an index has the same order)
LEAD_RANK = "CASE status " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(LEAD_STATUSES[:-1])) + f" ELSE {len(LEAD_STATUSES) - 1} END"
LEAD_ORDER = f"{LEAD_RANK}, first_referred IS NULL, first_referred, name COLLATE NOCASE"
TASK_ORDER = "due IS NULL, due, source, kind"

TABLES: dict[str, dict[str, Any]] = {
    "notes": {"columns": {"id": int, "uid": str, "key": str, "source": str, "sha256": str, "format": str, "text": str,
                          "metadata": str, "ingested_at": str, "seen_at": str}, "pk": "id",
              "label": "source", "description": "One row per note file: its path, content hash, format and plain text."},
    "records": {"columns": {"note_id": int, "contact_name": str, "contact_key": str, "contact_last": str, "contact_title": str,
                            "contact_org": str, "contact_email": str, "contact_phone": str, "interview_date": str, "field": str,
                            "sentiment": str, "record": str, "provenance": str, "model": str, "heads": str, "seconds": float,
                            "extracted_at": str, "complete": int},
                "pk": "note_id", "foreign_keys": [("note_id", "notes", "id")], "label": "contact_name",
                "facets": ["field", "sentiment", "contact_org", "model"],
                "description": "The record extracted from each note, with the contact and your corrections applied to the "
                               "columns; `record` and `provenance` are compressed JSON (read them with `fieldnotes export` or "
                               "`fieldnotes show`)."},
    "items": {"columns": {"id": int, "note_id": int, "kind": str, "text": str, "start": int, "end": int}, "pk": "id",
              "foreign_keys": [("note_id", "notes", "id")], "label": "text", "facets": ["kind"],
              "description": "Every extracted item (skills, advice, outlook ...) with its character offsets in the note; "
                             "`text` only where it differs from the note's words (the `items_text` view has every item's text)."},
    "people": {"columns": {"id": int, "name": str, "key": str, "last": str, "title": str, "organization": str, "email": str,
                           "phone": str, "status": str, "last_action": str, "interview_note_id": int,
                           "referred": int, "first_referred": str}, "pk": "id",
               "foreign_keys": [("interview_note_id", "notes", "id")], "label": "name", "facets": ["status", "organization"],
               "description": "Referral leads, one per person across all notes (phones in E.164); `interview_note_id` is the "
                              "note in which you met them; `referred` counts their referrals, `first_referred` is the earliest."},
    "referrals": {"columns": {"id": int, "note_id": int, "person_id": int, "name": str, "referred_by": str, "context": str,
                              "reason": str, "start": int, "end": int}, "pk": "id",
                  "foreign_keys": [("note_id", "notes", "id"), ("person_id", "people", "id")], "label": "name",
                  "facets": ["referred_by"], "description": "Who referred whom, in which note, and why."},
    "job_leads": {"columns": {"id": int, "note_id": int, "title": str, "organization": str, "url": str, "deadline": str,
                              "start": int, "end": int}, "pk": "id", "foreign_keys": [("note_id", "notes", "id")],
                  "label": "title", "facets": ["organization"], "description": "Openings mentioned in the notes."},
    "followups": {"columns": {"id": str, "note_id": int, "source": str, "action": str, "due": str, "person": str, "kind": str,
                              "status": str, "snoozed_until": str, "completed_at": str, "why": str, "evidence": str, "updated_at": str},
                  "pk": "id", "foreign_keys": [("note_id", "notes", "id")], "label": "action", "facets": ["status", "kind", "person"],
                  "description": "Follow-up tasks (thank-yous, introductions, promises) with their status and due date."},
    "edits": {"columns": {"id": int, "note_id": int, "op": str, "path": str, "value": str, "edited_at": str}, "pk": "id",
              "foreign_keys": [("note_id", "notes", "id")], "facets": ["op"],
              "description": "Your corrections, as operations that survive re-processing (`value` is JSON)."},
    "runs": {"columns": {"id": int, "started_at": str, "finished_at": str, "processed": int, "unchanged": int, "moved": int,
                         "skipped": int, "failed": str, "model": str, "seconds": float}, "pk": "id", "facets": ["model"],
             "description": "One row per `fieldnotes run`: counts, the model that read the notes, and the files that failed "
                            "(`failed`, a JSON array of {path, error})."},
    "connections": {"columns": {"id": int, "uid": str, "name": str, "key": str, "first_name": str, "last_name": str, "url": str,
                                "email": str, "company": str, "position": str, "connected_on": str, "person_id": int,
                                "source": str, "imported_at": str}, "pk": "id",
                    "foreign_keys": [("person_id", "people", "id")], "label": "name", "facets": ["company"],
                    "description": "Your LinkedIn connections from `fieldnotes import linkedin`; `person_id` is the lead "
                                   "they were matched with."},
    "me": {"columns": {"key": str, "value": str, "updated_at": str}, "pk": "key",
           "description": "Your own profile (skills), as JSON values, from `fieldnotes me set`."},
}
FTS: dict[str, list[str]] = {"notes": ["text"], "people": ["name", "title", "organization"],
                             "followups": ["action", "person", "why"], "connections": ["name", "company", "position"]}


def _span_text(row: str) -> str:
    """The note's words between an item's offsets (SQLite counts characters, as Python does)."""
    return f"(SELECT substr(n.text, {row}.start + 1, {row}.[end] - {row}.start) FROM notes n WHERE n.id = {row}.note_id)"


def _item_text(row: str) -> str:
    """An item's text: its own, else the note's words between its offsets."""
    return f"COALESCE({row}.text, {_span_text(row)})"


# An item's text is the note's own words between its offsets, so `items.text` is kept only where it differs
# (NULL otherwise); the items' full-text index reads the text through the `items_text` view and its triggers
# compute it from the note, so a note's text never changes under its items: changing it drops them first.
ITEM_TEXT_SHAPE = [
    f"CREATE VIEW IF NOT EXISTS items_text AS SELECT i.id AS id, i.note_id AS note_id, i.kind AS kind, {_item_text('i')} AS text FROM items i",
    "CREATE VIRTUAL TABLE IF NOT EXISTS items_fts USING fts5(text, content='items_text', content_rowid='id', tokenize='porter')",
    f"CREATE TRIGGER IF NOT EXISTS items_fts_ai AFTER INSERT ON items BEGIN "
    f"INSERT INTO items_fts(rowid, text) VALUES (new.id, {_item_text('new')}); END",
    f"CREATE TRIGGER IF NOT EXISTS items_fts_ad AFTER DELETE ON items BEGIN "
    f"INSERT INTO items_fts(items_fts, rowid, text) VALUES ('delete', old.id, {_item_text('old')}); END",
    f"CREATE TRIGGER IF NOT EXISTS items_fts_au AFTER UPDATE ON items BEGIN "
    f"INSERT INTO items_fts(items_fts, rowid, text) VALUES ('delete', old.id, {_item_text('old')}); "
    f"INSERT INTO items_fts(rowid, text) VALUES (new.id, {_item_text('new')}); END",
    "CREATE TRIGGER IF NOT EXISTS notes_text_drops_items BEFORE UPDATE OF text ON notes WHEN old.text IS NOT new.text BEGIN "
    "DELETE FROM items WHERE note_id = old.id; END",
]
INDEXES: list[tuple[str, list[str], bool]] = [
    ("notes", ["key"], True), ("notes", ["uid"], True), ("notes", ["sha256"], False), ("notes", ["source"], False), ("items", ["note_id"], False),
    ("referrals", ["note_id"], False), ("referrals", ["person_id"], False), ("job_leads", ["note_id"], False),
    ("people", ["key"], False), ("people", ["last", "key"], False), ("people", ["interview_note_id"], False), ("records", ["contact_key"], False),
    ("records", ["contact_last", "contact_key"], False), ("records", ["interview_date", "contact_name", "contact_org", "field"], False),
    ("followups", ["note_id"], False), ("followups", ["status", "due"], False), ("edits", ["note_id"], False),
]
ORDER_INDEXES: dict[str, str] = {  # name -> what it indexes: the exact ORDER BY of a paginated query
    "people_leads_order": f"people({LEAD_ORDER}) WHERE referred > 0",
    "followups_due_order": "followups(due IS NULL, due)",  # ties sort by source and kind among a few rows
}


class Database:
    """A Fieldnotes connection: `execute` and `query` (rows as dicts) on sqlite3, with sqlite-utils'
    API (`db["table"]`, `db.table_names()` ...) loaded on first use."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.readonly = False
        self._utils: Any = None
        conn.execute("PRAGMA recursive_triggers = on")  # as sqlite-utils sets: REPLACE fires the FTS delete triggers

    def execute(self, sql: str, parameters: Any = None) -> sqlite3.Cursor:
        return self.conn.execute(sql, parameters if parameters is not None else ())

    def query(self, sql: str, params: Any = None) -> Iterator[dict[str, Any]]:
        cursor = self.execute(sql, params)
        keys = [d[0] for d in cursor.description or ()]
        for row in cursor:
            yield dict(zip(keys, row))

    @property
    def utils(self) -> Any:
        """The same connection as a `sqlite_utils.Database` (imported here, not before)."""
        if self._utils is None:
            import sqlite_utils

            self._utils = sqlite_utils.Database(self.conn)
        return self._utils

    def __getitem__(self, table: str) -> Any:
        return self.utils[table]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.utils, name)


def open_db(path: str | Path, create: bool = False) -> Database:
    """A Fieldnotes database. `create` makes a new one if needed (only `run` does);
    without it a missing file is an error. A file or folder that cannot be written opens read-only."""
    path = Path(path)
    if str(path) == ":memory:":
        return _shaped(sqlite3.connect(":memory:", isolation_level=None))
    if path.exists() and not path.is_file():
        raise StoreError(f"{path}: not a regular file (a folder, pipe or device); pick another --db")
    if not path.exists():
        if not create:
            raise StoreError(f"{path}: no such database (run `fieldnotes run NOTES --db {path}` first, or check --db)")
        if not path.parent.exists():
            raise StoreError(f"{path}: its folder {path.parent} does not exist (create it or pick another --db)")
    writable = os.access(path if path.exists() else path.parent, os.W_OK) and os.access(path.parent, os.W_OK)
    if not writable:
        if create:
            raise StoreError(f"{path}: cannot write here (check the permissions of the file and its folder, or pick another --db)")
        return _readonly(path)
    conn = _connect(path)
    db = Database(conn)
    _check_marker(db, path)
    if not create and not is_fieldnotes(db) and not db.table_names():
        conn.close()
        raise StoreError(f"{path}: an empty file, not a Fieldnotes database (run `fieldnotes run NOTES --db {path}` first, or check --db)")
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    try:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as e:
        raise StoreError(f"{path}: not a database Fieldnotes can use ({e}); pick another --db") from None
    return _shape_once(db)


def ensure_db_shape(db: Database) -> None:
    """Create missing tables, columns, foreign keys, indexes and full-text indexes; run the migrations; set the marker."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    added: dict[str, set[str]] = {}
    for name, spec in TABLES.items():
        if not db[name].exists():
            db[name].create(spec["columns"], pk=spec["pk"], foreign_keys=spec.get("foreign_keys"))
        missing = {c: t for c, t in spec["columns"].items() if c not in db[name].columns_dict}
        for col, typ in missing.items():
            db[name].add_column(col, typ)
        added[name] = set(missing)
    rebuilt = _ensure_foreign_keys(db)
    for table, cols, unique in INDEXES:
        db[table].create_index(cols, if_not_exists=True, unique=unique)
    for name, what in ORDER_INDEXES.items():
        db.execute(f"CREATE INDEX IF NOT EXISTS [{name}] ON {what}")
    for since, migrate in MIGRATIONS:
        if version < since:
            migrate(db)
    for table, cols in FTS.items():
        if not db[table].detect_fts() or table in rebuilt:
            db[table].enable_fts(cols, create_triggers=True, tokenize="porter", replace=True)
    for sql in ITEM_TEXT_SHAPE:
        db.execute(sql)
    _migrate_to_3(db, added)
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _ensure_foreign_keys(db: Database) -> set[str]:
    """Declare the foreign keys a database of an earlier version lacks (the table is rebuilt,
    which drops its full-text triggers: the caller makes them again). Returns the rebuilt tables."""
    rebuilt = set()
    for name, spec in TABLES.items():
        have = {(fk.column, fk.other_table, fk.other_column) for fk in db[name].foreign_keys}
        missing = [fk for fk in spec.get("foreign_keys", []) if tuple(fk) not in have]
        if missing:
            db[name].transform(add_foreign_keys=missing)
            rebuilt.add(name)
    return rebuilt


def _migrate_to_3(db: Database, added: dict[str, set[str]]) -> None:
    """Version 3: `runs.skipped` counts skipped files (it held the unchanged count, now in `unchanged`);
    records carry the contact's e-mail and phone, corrections included."""
    if "unchanged" in added["runs"]:
        db.execute("UPDATE runs SET unchanged = skipped, skipped = NULL")
    if "contact_email" not in added["records"]:
        return
    from pipeline.store.pack import unpack_json

    for note_id, record in db.execute("SELECT note_id, record FROM records").fetchall():
        contact = (unpack_json(record) or {}).get("contact") or {}
        db.execute("UPDATE records SET contact_email = ?, contact_phone = ? WHERE note_id = ?",
                   [contact.get("email"), contact.get("phone"), note_id])
    for field in ("email", "phone"):
        db.execute(f"""UPDATE records SET contact_{field} = (SELECT json_extract(e.value, '$') FROM edits e
                       WHERE e.note_id = records.note_id AND e.op = 'set' AND e.path = 'contact.{field}' ORDER BY e.id DESC LIMIT 1)
                       WHERE note_id IN (SELECT note_id FROM edits WHERE op = 'set' AND path = 'contact.{field}')""")


def _count_referrals(db: Database) -> None:
    """Version 5 keeps each person's referral count and earliest referral date (the leads order)."""
    from pipeline.store.people import refresh_leads

    refresh_leads(db, None)


def _items_text_from_notes(db: Database) -> None:
    """Version 5 keeps an item's text only where it differs from the note's words (its index reads them through a view)."""
    old = db.execute("SELECT sql FROM sqlite_master WHERE name = 'items_fts'").fetchone()
    if not old or "items_text" in old[0]:
        return
    for trigger in ("items_ai", "items_ad", "items_au"):  # sqlite-utils' triggers for the old index
        db.execute(f"DROP TRIGGER IF EXISTS [{trigger}]")
    db.execute("DROP TABLE items_fts")
    db.execute(f"UPDATE items SET text = NULL WHERE start IS NOT NULL AND text = {_span_text('items')}")
    for sql in ITEM_TEXT_SHAPE:
        db.execute(sql)
    db.execute("INSERT INTO items_fts(items_fts) VALUES ('rebuild')")


MIGRATIONS: list[tuple[int, Callable[[Database], None]]] = [  # (first version with it, migration)
    (5, _count_referrals), (5, _items_text_from_notes)]


def is_fieldnotes(db: Database) -> bool:
    return db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def _connect(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.execute("PRAGMA schema_version").fetchone()
    except sqlite3.DatabaseError as e:
        raise StoreError(f"{path}: not a SQLite database ({e}); pick another --db") from None
    return conn


def _check_marker(db: Database, path: Path) -> None:
    """Refuse another application's database: tables of its own and no Fieldnotes marker."""
    try:
        marker = db.execute("PRAGMA application_id").fetchone()[0]
        tables = _table_names(db)
    except sqlite3.DatabaseError as e:
        raise StoreError(f"{path}: not a SQLite database ({e}); pick another --db") from None
    if marker == APPLICATION_ID or not tables:
        return
    if marker == 0 and {"notes", "records", "followups"} <= tables:
        return  # a database of an earlier Fieldnotes version: its shape is brought up to date
    raise StoreError(f"{path}: another application's database (tables: {', '.join(sorted(tables)[:4])}); "
                     "Fieldnotes leaves it untouched; pick another --db")


def _table_names(db: Database) -> set[str]:
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _shape_once(db: Database) -> Database:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if not is_fieldnotes(db) or version != SCHEMA_VERSION:
        db.execute("BEGIN IMMEDIATE")
        try:
            ensure_db_shape(db)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return db


def _shaped(conn: sqlite3.Connection) -> Database:
    db = Database(conn)
    ensure_db_shape(db)
    return db


def _readonly(path: Path) -> Database:
    """Open without writing; in a folder where SQLite cannot even make its lock files, as immutable."""
    conn, error = None, None
    for mode in ("mode=ro", "immutable=1"):
        try:
            conn = sqlite3.connect(f"file:{urllib.parse.quote_from_bytes(os.fsencode(path))}?{mode}", uri=True, isolation_level=None)
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            db = Database(conn)
            _check_marker(db, path)
            break
        except sqlite3.DatabaseError as e:
            error = e
            db = None
    if db is None:
        raise StoreError(f"{path}: cannot open the database read-only ({error}); check that it is a Fieldnotes database") from None
    if not is_fieldnotes(db) and not _table_names(db):
        raise StoreError(f"{path}: an empty database (run `fieldnotes run NOTES --db {path}` where it can be written)")
    if db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
        raise StoreError(f"{path}: made by an earlier Fieldnotes and open read-only here; open it once where it can be written "
                         "(any command brings it up to date)")
    db.readonly = True
    return db
