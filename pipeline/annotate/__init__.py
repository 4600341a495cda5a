"""Annotate stage: what the text names, found deterministically.

Reads the layout; adds `doc.mentions` and `doc.people` (name candidates grouped by the one
same-person rule), `doc.entities` (e-mails, phones, links, dates) and `doc.anchor` (the note's
own date, for resolving "next Friday"). Span candidates are generated on demand by
`annotate.spans` for the heads that choose among them.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date

from pipeline.annotate.dates import find_dates, resolve
from pipeline.annotate.entities import find_entities
from pipeline.annotate.identity import person_key
from pipeline.annotate.names import find_mentions, group_people
from pipeline.document import START, Doc, Entity

ADDS = ("mentions", "people", "entities", "anchor")


def annotate(doc: Doc, today: date | None = None) -> Doc:
    """Find names, contact details, links and dates; set the anchor date."""
    doc.entities = find_entities(doc.text)
    doc.mentions = find_mentions(doc)
    doc.people = group_people(doc.mentions)
    doc.anchor = _anchor(doc, today or date.today())
    doc.entities += _dates(doc)
    doc.entities.sort(key=lambda e: e.start)
    _contact_details(doc)
    return doc


def _anchor(doc: Doc, today: date) -> date:
    """The note's own date (front matter, e-mail Date header) or today."""
    raw = doc.note.metadata.get("date")
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            pass
    return today


def _dates(doc: Doc) -> list[Entity]:
    out = []
    taken = [(e.start, e.end) for e in doc.entities]
    for f in find_dates(doc.text):
        if any(a < f.end and f.start < b for a, b in taken):
            continue
        back = resolve(f, doc.text, doc.anchor, forward=False)
        ahead = resolve(f, doc.text, doc.anchor, forward=True)
        if back or ahead:
            out.append(Entity("date", f.start, f.end, doc.text[f.start:f.end], {"kind": f.kind, "past": back, "future": ahead,
                                                                                 "has_year": bool(f.parts.get("y"))}))
    return out


def _contact_details(doc: Doc) -> None:
    """An e-mail or phone right after a person's mention (same line) belongs to that person."""
    details = sorted(doc.entities_of("email") + doc.entities_of("phone"), key=START)
    for person in doc.people:
        for k in person.mentions:
            m = doc.mentions[k]
            line_end = doc.text.find("\n", m.end)
            line_end = len(doc.text) if line_end == -1 else line_end
            for e in details[bisect_left(details, m.end, key=START):bisect_right(details, min(line_end, m.end + 120), key=START)]:
                if e.kind == "email" and person.email is None and _plausible_email(person.name, e.value):
                    person.email = e.value
                elif e.kind == "phone" and person.phone is None:
                    person.phone = e.value
    by_surname = _emails_by_surname(doc)
    for person in doc.people:
        if person.email is None:
            words = person_key(person.name).split()
            candidates = by_surname.get(words[-1], []) if words else []
            person.email = next((e.value for e in candidates if _name_in_email(person.name, e.value)), None)


def _emails_by_surname(doc: Doc) -> dict[str, list[Entity]]:
    """The note's e-mails, in text order, under each person's last name their local part holds
    (each local part is read once per distinct surname length, not once per person)."""
    surnames = {w[-1] for w in (person_key(p.name).split() for p in doc.people) if w}
    lengths = sorted({len(s) for s in surnames})
    out: dict[str, list[Entity]] = {}
    for e in doc.entities_of("email"):
        local = e.value.split("@")[0].lower()
        held = {local[i:i + n] for n in lengths for i in range(len(local) - n + 1)} & surnames
        for surname in held:
            out.setdefault(surname, []).append(e)
    return out


def _plausible_email(name: str, email: str) -> bool:
    local = email.split("@")[0].lower()
    words = [w.lower() for w in name.split() if len(w) > 1]
    return not any(w in local for w in ("info", "jobs", "careers", "hr", "noreply")) or any(w in local for w in words)


def _name_in_email(name: str, email: str) -> bool:
    words = person_key(name).split()
    local = email.split("@")[0].lower()
    return len(words) >= 2 and words[-1] in local and (words[0] in local or local.startswith(words[0][0]))
