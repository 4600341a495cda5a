"""The career field, named from the contact's job title with the job-word table of `rules/fields.yaml`
('Wildlife Biologist' -> 'wildlife biology', 'A320 captain' -> 'aviation')."""
from __future__ import annotations

from pipeline import rules
from pipeline.document import Doc
from pipeline.schema import Record

_CUTS = (",", "(", "/", ";", " - ", " — ", " of ", " at ", " in ", " @ ", " | ")


def extract(doc: Doc, decider, rec: Record) -> None:
    rec.field = field_from_title(rec.contact.title) or _meta_field(doc)


def field_from_title(title: str | None) -> str | None:
    if not title:
        return None
    head = title
    for cut in _CUTS:
        head = head.split(cut)[0]
    senior = rules.words("fields", "seniority")
    words = [w for w in head.split() if w.lower().strip(".") not in senior and not any(ch.isdigit() for ch in w) and w not in ("&", "and", "+")]
    if not words:
        return None
    table = rules.table("fields", "job_field")
    last = words[-1].lower()
    field = table.get(last, _derived(last))
    if field is None:
        return " ".join(words).lower() if len(words) <= 4 else None
    rest = [w for w in words[:-1] if table.get(w.lower()) != ""]
    if field == "":
        return " ".join(rest).lower() or None
    if last in rules.words("fields", "field_is_word") or not rest:
        return field
    return f"{' '.join(rest)} {field}".lower()


def _derived(word: str) -> str | None:
    for suffix, repl in rules.table("fields", "derivations").items():
        if word.endswith(suffix) and len(word) >= len(suffix) + 2:
            return word[: -len(suffix)] + repl
    return None


def _meta_field(doc: Doc) -> str | None:
    for key in ("field", "industry", "career", "tags"):
        value = doc.note.metadata.get(key)
        if isinstance(value, str) and 0 < len(value.split()) <= 4:
            return value.lower()
    return None
