"""Fields stage: one extractor per record field, run in order; each reads the document and the
trained heads' decisions and writes its own part of the record.

To add a field: one schema line (`schema.py`), one module here with `extract(doc, decider, record)`,
its rule file if it needs words, and one entry in `EXTRACTORS` (see docs/architecture.md).
"""
from __future__ import annotations

from pipeline.decide import Decider
from pipeline.document import Doc
from pipeline.fields import career_field, interview_date, job_leads, outlook, people, promises, skills, topics
from pipeline.schema import Record

# (name, what it writes, extractor): later extractors may read what earlier ones wrote.
EXTRACTORS = [
    ("people", ("contact", "referrals"), people.extract),
    ("interview_date", ("interview_date",), interview_date.extract),
    ("topics", ("day_in_life", "advice", "how_to_get_in", "fit", "outlook.points"), topics.extract),
    ("skills", ("skills",), skills.extract),
    ("outlook", ("outlook.sentiment",), outlook.extract),
    ("job_leads", ("job_leads",), job_leads.extract),
    ("promises", ("promises",), promises.extract),
    ("career_field", ("field",), career_field.extract),
]


def extract_fields(doc: Doc, decider: Decider) -> Doc:
    """Fill `doc.record` field by field."""
    rec = Record(source=doc.note.source, sha256=doc.note.sha256)
    for _, _, extract in EXTRACTORS:
        extract(doc, decider, rec)
    doc.record = rec
    return doc
