"""People across notes: one row per person, found through indexed name keys, so storing the
50,000th note costs what the first did. Names merge across notes by the one same-person rule,
but a first name alone never merges two notes' people.

Two full names can only be the same person when they share the last word and the first letter
(`annotate.identity.same_person`), so the candidates are read from the (last, key) index by
that letter, never by the last name alone. Each person also keeps how often they were referred
and their earliest referral's interview date, the order `leads` pages through.
"""
from __future__ import annotations

from typing import Any, Iterable

from pipeline.store.tx import insert, update


def find_person(db: Any, name: str) -> int | None:
    """The person this name refers to: the same key, else a unique same-person match by last name."""
    from pipeline.annotate.identity import person_key, same_person

    key = person_key(name)
    words = key.split()
    if not words:
        return None
    row = db.execute("SELECT id FROM people WHERE key = ? LIMIT 1", [key]).fetchone()
    if row:
        return row[0]
    if len(words) < 2:
        return None
    cands = [r[0] for r in db.execute("SELECT id, name FROM people WHERE last = ? AND key >= ? AND key < ?", [words[-1], *_initial(key)])
             if len(person_key(r[1]).split()) >= 2 and same_person(name, r[1])]
    return cands[0] if len(cands) == 1 else None


def ensure_person(db: Any, name: str, title: str | None = None, org: str | None = None,
                  email: str | None = None, phone: str | None = None) -> int:
    """Find or create the person; fill details that were missing; keep the fuller name. Plain SQL
    (safe inside a transaction)."""
    from pipeline.annotate.identity import person_key

    pid = find_person(db, name)
    key = person_key(name)
    if pid is None:
        return insert(db, "people", {"name": name, "key": key, "last": key.split()[-1] if key else None, "title": title,
                                     "organization": org, "email": email, "phone": phone, "status": "new", "last_action": None,
                                     "interview_note_id": interview_of(db, name), "referred": 0})
    row = db.execute("SELECT key, title, organization, email, phone FROM people WHERE id = ?", [pid]).fetchone()
    changes = {k: v for k, v, old in (("title", title, row[1]), ("organization", org, row[2]), ("email", email, row[3]),
                                      ("phone", phone, row[4])) if v and not old}
    if len(key) > len(row[0] or ""):
        changes.update({"name": name, "key": key, "last": key.split()[-1]})
    update(db, "people", "id", pid, changes)
    return pid


def interview_of(db: Any, name: str) -> int | None:
    """The note in which this person was the contact, if any (the earliest)."""
    from pipeline.annotate.identity import person_key, same_person

    key = person_key(name)
    words = key.split()
    if not words:
        return None
    row = db.execute("SELECT note_id FROM records WHERE contact_key = ? ORDER BY note_id LIMIT 1", [key]).fetchone()
    if row:
        return row[0]
    if len(words) < 2:
        return None
    for note_id, contact in db.execute("SELECT note_id, contact_name FROM records WHERE contact_last = ? AND contact_key >= ? "
                                       "AND contact_key < ? ORDER BY note_id", [words[-1], *_initial(key)]):
        if contact and len(person_key(contact).split()) >= 2 and same_person(name, contact):
            return note_id
    return None


def refresh_leads(db: Any, person_ids: Iterable[int] | None) -> None:
    """Recount these people's referrals and earliest referral date (None: everyone's)."""
    sql = """UPDATE people SET referred = (SELECT COUNT(*) FROM referrals WHERE person_id = people.id),
             first_referred = (SELECT MIN(r.interview_date) FROM referrals ref JOIN records r ON r.note_id = ref.note_id
                               WHERE ref.person_id = people.id)"""
    if person_ids is None:
        db.execute(sql)
    else:
        db.conn.executemany(sql + " WHERE id = ?", [[pid] for pid in sorted(set(person_ids))])


def _initial(key: str) -> tuple[str, str]:
    """The key range of names that start with the same letter as `key`."""
    return key[0], chr(ord(key[0]) + 1)
