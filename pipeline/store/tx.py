"""One transaction around several writes: everything or nothing.

The connection runs in autocommit mode, so sqlite-utils' own `with conn:` blocks never commit
half of a save; inside `transaction()` the store writes with plain SQL only.
"""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Iterator

from pipeline.errors import StoreError


@contextmanager
def transaction(db: Any) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (also Ctrl-C); a full disk is a StoreError."""
    if getattr(db, "readonly", False):
        raise StoreError("the database is open read-only (its file or folder cannot be written); nothing was changed")
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException as e:
        try:
            db.execute("ROLLBACK")
        except sqlite3.Error:
            pass
        if isinstance(e, sqlite3.OperationalError) and "full" in str(e).lower():
            raise StoreError("the disk is full, so this note was not saved (free some space and run the same command again; "
                             "every note finished before it is stored)") from None
        raise


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def insert(db: Any, table: str, row: dict[str, Any]) -> int:
    cols = list(row)
    cur = db.execute(f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in cols)}) VALUES ({', '.join('?' for _ in cols)})",
                     [row[c] for c in cols])
    return cur.lastrowid


def insert_many(db: Any, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    cols = list(rows[0])
    db.conn.executemany(f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in cols)}) VALUES ({', '.join('?' for _ in cols)})",
                        [[r.get(c) for c in cols] for r in rows])


def update(db: Any, table: str, pk: str, key: Any, values: dict[str, Any]) -> None:
    if values:
        db.execute(f"UPDATE [{table}] SET {', '.join(f'[{c}] = ?' for c in values)} WHERE [{pk}] = ?", [*values.values(), key])


def upsert_many(db: Any, table: str, pk: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    cols = list(rows[0])
    sets = ", ".join(f"[{c}] = excluded.[{c}]" for c in cols if c != pk)
    db.conn.executemany(f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in cols)}) VALUES ({', '.join('?' for _ in cols)}) "
                        f"ON CONFLICT([{pk}]) DO UPDATE SET {sets}", [[r.get(c) for c in cols] for r in rows])
