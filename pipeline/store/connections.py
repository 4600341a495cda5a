"""Imported connections (LinkedIn's export): stored as they were imported, matched with the
people in the notes, and used to fill the e-mails, organisations and titles the notes left
empty, all in one transaction.

A connection is the same person as a lead when they share an e-mail address, else by the one
same-person rule (`find_person`: the same name, or a unique same-last-name match). A lead two
connections could be is left alone. What the notes say is never overwritten, except that a
lead's name gives way to the connection's fuller form of it (a first name, when they share an e-mail).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from pipeline.annotate.identity import person_key, same_person
from pipeline.store.people import find_person
from pipeline.store.tx import insert, now, transaction, update

FILLS = (("email", "email"), ("company", "organization"), ("position", "title"))  # connection column -> people column


@dataclass
class ImportSummary:
    connections: int = 0
    added: int = 0
    matched: list[dict[str, Any]] = field(default_factory=list)
    filled: dict[str, int] = field(default_factory=lambda: {"email": 0, "organization": 0, "title": 0})
    ambiguous: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"connections": self.connections, "added": self.added, "matched": self.matched, "filled": self.filled,
                "ambiguous": self.ambiguous}


def save_connections(db: Any, connections: Iterable[Any], source: str) -> ImportSummary:
    """Store the connections (a re-import updates them, by profile URL, else by name) and apply them to people."""
    summary = ImportSummary()
    with transaction(db):
        for c in connections:
            summary.connections += 1
            summary.added += _save_one(db, c, source)
        _apply_to_people(db, summary)
    return summary


def _save_one(db: Any, c: Any, source: str) -> int:
    key = person_key(c.name)
    uid = c.url or f"name:{key}"
    values = {"uid": uid, "name": c.name, "key": key, "first_name": c.first_name, "last_name": c.last_name, "url": c.url,
              "email": c.email, "company": c.company, "position": c.position, "connected_on": c.connected_on, "source": source,
              "imported_at": now()}
    row = db.execute("SELECT id FROM connections WHERE uid = ?", [uid]).fetchone()
    if row:
        update(db, "connections", "id", row[0], values)
        return 0
    insert(db, "connections", values)
    return 1


def _apply_to_people(db: Any, summary: ImportSummary) -> None:
    """Match every stored connection with a lead, then fill each matched lead's empty details."""
    by_person: dict[int, list[dict[str, Any]]] = {}
    for conn in db.query("SELECT id, name, key, url, email, company, position FROM connections"):
        pid = _match(db, conn)
        if pid is not None:
            by_person.setdefault(pid, []).append(conn)
    db.execute("UPDATE connections SET person_id = NULL")
    for pid, conns in by_person.items():
        name = db.execute("SELECT name FROM people WHERE id = ?", [pid]).fetchone()[0]
        if len(conns) > 1:
            summary.ambiguous.append(name)
            continue
        db.execute("UPDATE connections SET person_id = ? WHERE id = ?", [pid, conns[0]["id"]])
        filled = _fill(db, pid, conns[0], summary)
        summary.matched.append({"lead_id": pid, "name": conns[0]["name"] if "name" in filled else name, "was": name,
                                "url": conns[0]["url"], "filled": filled})


def _match(db: Any, conn: dict[str, Any]) -> int | None:
    if conn["email"]:
        rows = [r[0] for r in db.execute("SELECT id FROM people WHERE lower(email) = ?", [conn["email"]])]
        if len(rows) == 1:
            return rows[0]
    return find_person(db, conn["name"])


def _fill(db: Any, pid: int, conn: dict[str, Any], summary: ImportSummary) -> list[str]:
    """The lead's empty e-mail, organisation and title from the connection, and the connection's
    fuller form of the lead's name ('Janelle' -> 'Janelle Park')."""
    person = next(db.query("SELECT name, key, email, organization, title FROM people WHERE id = ?", [pid]))
    changes = {col: conn[src] for src, col in FILLS if conn[src] and not person[col]}
    for col in changes:
        summary.filled[col] += 1
    if len(conn["key"].split()) > len((person["key"] or "").split()) and same_person(person["name"], conn["name"]):
        changes.update({"name": conn["name"], "key": conn["key"], "last": conn["key"].split()[-1]})
    update(db, "people", "id", pid, changes)
    return [c for c in changes if c not in ("key", "last")]
