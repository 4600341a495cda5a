"""The user's corrections as training examples: every note the user corrected becomes a note
with a gold record (its corrected record), for `fieldnotes train --with-corrections`.
Nothing leaves the machine: the examples are read from the database and used in memory."""
from __future__ import annotations

import json
from typing import Any

from pipeline.dev.gold import Example, Gold, GoldLead, GoldOutlook, GoldPerson, ManifestRow
from pipeline.ingest import Note
from pipeline.store import load_record_by_id


def correction_examples(db: Any) -> list[Example]:
    """One example per corrected note, its gold the record with the corrections applied."""
    out = []
    for note_id, source, text, sha, fmt, meta in db.execute(
            "SELECT n.id, n.source, n.text, n.sha256, n.format, n.metadata FROM notes n WHERE n.id IN (SELECT note_id FROM edits) ORDER BY n.id").fetchall():
        rec = load_record_by_id(db, note_id)
        not_refs = [json.loads(v)["name"] for (v,) in db.execute("SELECT value FROM edits WHERE note_id = ? AND op = 'referral'", [note_id])
                    if not json.loads(v).get("referral")]
        gold = Gold(note=source, contact=GoldPerson(name=rec.contact.name, title=rec.contact.title, organization=rec.contact.organization),
                    interview_date=rec.interview_date, field=rec.field, day_in_life=[i.text for i in rec.day_in_life],
                    skills=[i.text for i in rec.skills], outlook=GoldOutlook(sentiment=rec.outlook.sentiment, points=[i.text for i in rec.outlook.points]),
                    advice=[i.text for i in rec.advice], how_to_get_in=[i.text for i in rec.how_to_get_in], fit=[i.text for i in rec.fit],
                    referrals=[GoldPerson(name=r.name, title=r.title, organization=r.organization, email=r.email, phone=r.phone) for r in rec.referrals],
                    job_leads=[GoldLead(title=j.title, organization=j.organization, url=j.url, deadline=j.deadline) for j in rec.job_leads],
                    follow_ups=[p.action for p in rec.promises if not p.done], not_referrals=not_refs)
        note = Note(source, text, sha, fmt, json.loads(meta or "{}"), key=f"db:{note_id}")
        row = ManifestRow(note=f"correction-{note_id}", batch="corrections", style=f"yours_{fmt}", format=fmt, source="correction")
        out.append(Example(path=None, gold=gold, meta=row, note=note))
    return out
