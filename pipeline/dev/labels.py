"""Training labels from gold records: which segment is about which topic, who is the contact,
which span is a skill, a title, an organisation or an opening, which date is the interview's.

Gold key phrases are located in the note (exactly, then case-insensitively, then by fuzzy
alignment), and each unit the pipeline builds is labelled by what it covers.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pipeline.annotate.identity import same_person
from pipeline.dev.gold import Gold
from pipeline.dev.match import content_words, overlap
from pipeline.document import Doc

TOPIC_FIELDS = ("day_in_life", "skills", "advice", "how_to_get_in", "fit", "outlook")
FUZZY_MIN = 85  # rapidfuzz partial-ratio score for a gold phrase that is not verbatim in the note
TODO_OVERLAP = 0.6


@dataclass
class Located:
    field: str
    phrase: str
    start: int
    end: int


def locate(text: str, phrase: str, lowered: str | None = None) -> tuple[int, int] | None:
    """Where a gold phrase stands in the note: exact, case-insensitive, then fuzzy alignment."""
    phrase = phrase.strip()
    if not phrase:
        return None
    i = text.find(phrase)
    if i >= 0:
        return i, i + len(phrase)
    low = lowered if lowered is not None else text.lower()
    i = low.find(phrase.lower())
    if i >= 0:
        return i, i + len(phrase)
    from rapidfuzz import fuzz

    res = fuzz.partial_ratio_alignment(phrase.lower(), low, score_cutoff=FUZZY_MIN)
    if res is None or res.dest_end - res.dest_start < max(3, len(phrase) // 2):
        return None
    return res.dest_start, res.dest_end


def locate_topics(text: str, gold: Gold) -> list[Located]:
    low = text.lower()
    out = []
    for field in TOPIC_FIELDS:
        phrases = gold.outlook.points if field == "outlook" else getattr(gold, field)
        for phrase in phrases:
            span = locate(text, phrase, low)
            if span:
                out.append(Located(field, phrase, *span))
    return out


def segment_topics(doc: Doc, gold: Gold) -> list[set[str]]:
    """Per segment: the gold topics whose phrases it covers (most of the phrase inside it), plus
    'todo' for the seeker's own to-dos and 'people' for segments naming a referral."""
    labels: list[set[str]] = [set() for _ in doc.segments]
    for loc in locate_topics(doc.text, gold):
        for k, seg in enumerate(doc.segments):
            inside = min(seg.end, loc.end) - max(seg.start, loc.start)
            if inside > 0 and inside >= 0.5 * (loc.end - loc.start):
                labels[k].add(loc.field)
    for k in _todo_segments(doc, gold):
        labels[k].add("todo")
    for k, seg in enumerate(doc.segments):
        if any(_mentions(doc, seg, r.name or "") for r in gold.referrals):
            labels[k].add("people")
    low = doc.text.lower()
    for lead in gold.job_leads:
        span = locate(doc.text, lead.title, low)
        for k, seg in enumerate(doc.segments):
            if span and min(seg.end, span[1]) - max(seg.start, span[0]) > 0.5 * (span[1] - span[0]):
                labels[k].add("job_lead")
    return labels


def person_roles(doc: Doc, gold: Gold, seeker: str | None) -> list[str]:
    """Per person: contact, referral, writer or other (only mentioned, or not a person)."""
    roles = []
    for p in doc.people:
        if gold.contact.name and same_person(p.name, gold.contact.name):
            roles.append("contact")
        elif any(r.name and same_person(p.name, r.name) for r in gold.referrals):
            roles.append("referral")
        elif seeker and same_person(p.name, seeker):
            roles.append("writer")
        else:
            roles.append("other")
    return roles


def _mentions(doc: Doc, seg, name: str) -> bool:
    if not name:
        return False
    return any(m.segment == seg.index and same_person(m.text, name) for m in doc.mentions)


def _todo_segments(doc: Doc, gold: Gold) -> set[int]:
    """Segments that state a gold follow-up the seeker wrote down (not the automatic thank-you,
    outreach or application tasks)."""
    out: set[int] = set()
    texts = [doc.seg_text(s) for s in doc.segments]
    for action in gold.follow_ups:
        if _automatic(action, gold):
            continue
        scores = [overlap(action, t) if len(content_words(t)) <= 40 else 0.0 for t in texts]
        best = max(range(len(scores)), key=scores.__getitem__, default=None)
        if best is not None and scores[best] >= TODO_OVERLAP:
            out.add(best)
    return out


def _automatic(action: str, gold: Gold) -> bool:
    low = action.lower()
    if "thank" in low and gold.contact.name and any(w in low for w in _name_words(gold.contact.name)):
        return True
    words = set(content_words(action))
    for r in gold.referrals:
        if r.name and set(_name_words(r.name)) & words and len(words) <= 4:
            return True
    return any(overlap(lead.title, action) >= 0.8 and len(words) <= len(content_words(lead.title)) + 3 for lead in gold.job_leads)


@lru_cache(maxsize=4096)
def _name_words(name: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in name.split() if len(w) > 1)
