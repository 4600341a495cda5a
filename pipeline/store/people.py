"""People across notes: one row per person, found through indexed name keys, so storing the
50,000th note costs what the first did. Names merge across notes by the one same-person rule,
but a first name alone never merges two notes' people."""
from __future__ import annotations

from typing import Any

from pipeline.annotate.identity import person_key, same_person
from pipeline.store.tx import insert, update


def find_person(db: Any, name: str) -> int | None:
    """The person this name refers to: the same key, else a unique same-person match by last name."""
    key = person_key(name)
    words = key.split()
    if not words:
        return None
    row = db.execute("SELECT id FROM people WHERE key = ? LIMIT 1", [key]).fetchone()
    if row:
        return row[0]
    if len(words) < 2:
        return None
    cands = [r[0] for r in db.execute("SELECT id, name FROM people WHERE last = ?", [words[-1]])
             if len(person_key(r[1]).split()) >= 2 and same_person(name, r[1])]
    return cands[0] if len(cands) == 1 else None


def ensure_person(db: Any, name: str, title: str | None = None, org: str | None = None,
                  email: str | None = None, phone: str | None = None) -> int:
    """Find or create the person; fill details that were missing; keep the fuller name. Plain SQL
    (safe inside a transaction)."""
    pid = find_person(db, name)
    key = person_key(name)
    if pid is None:
        return insert(db, "people", {"name": name, "key": key, "last": key.split()[-1] if key else None, "title": title,
                                     "organization": org, "email": email, "phone": phone, "status": "new", "last_action": None,
                                     "interview_note_id": interview_of(db, name)})
    row = db.execute("SELECT key, title, organization, email, phone FROM people WHERE id = ?", [pid]).fetchone()
    changes = {k: v for k, v, old in (("title", title, row[1]), ("organization", org, row[2]), ("email", email, row[3]),
                                      ("phone", phone, row[4])) if v and not old}
    if len(key) > len(row[0] or ""):
        changes.update({"name": name, "key": key, "last": key.split()[-1]})
    update(db, "people", "id", pid, changes)
    return pid


def interview_of(db: Any, name: str) -> int | None:
    """The note in which this person was the contact, if any (the earliest)."""
    key = person_key(name)
    words = key.split()
    if not words:
        return None
    row = db.execute("SELECT note_id FROM records WHERE contact_key = ? ORDER BY note_id LIMIT 1", [key]).fetchone()
    if row:
        return row[0]
    if len(words) < 2:
        return None
    for note_id, contact in db.execute("SELECT note_id, contact_name FROM records WHERE contact_last = ? ORDER BY note_id", [words[-1]]):
        if contact and len(person_key(contact).split()) >= 2 and same_person(name, contact):
            return note_id
    return None
