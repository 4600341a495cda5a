"""What the review pages show, as plain data (the templates turn it into HTML).

A note's page is its text cut into pieces at every span boundary, each piece naming the spans
that cover it, beside the record with every item pointing at its span. Offsets are Python
`str` offsets (code points), exactly as stored; the browser side converts them (`review.js`).
The stored provenance (segment topic and person role probabilities) says how sure the heads
were, so the page can flag what deserves a look.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pipeline.annotate.identity import same_person
from pipeline.query import iter_leads, iter_tasks
from pipeline.schema import Record
from pipeline.store import LEAD_STATUSES, all_note_ids, list_edits, load_provenance, load_record_by_id
from pipeline.store.edits import ITEM_KINDS

KINDS = {"day_in_life": "Day in the life", "skills": "Skills", "advice": "Advice", "how_to_get_in": "How to get in", "fit": "Fit",
         "outlook": "Outlook", "referral": "Referral", "job_lead": "Job lead", "promise": "Promise"}
TOPIC_OF = {"referral": "people", "promise": "todo"}  # the segment topic behind a kind, where its name differs
SETTABLE = {"contact.name": "Name", "contact.title": "Title", "contact.organization": "Organisation", "contact.email": "E-mail",
            "contact.phone": "Phone", "interview_date": "Interview date", "field": "Field"}
TASK_STATUSES = ("open", "done", "snoozed", "all")
FEW_ITEMS = 5  # a note with fewer items than this probably lost some
UNSURE = 0.5  # a head's probability below this is worth a look
BORDERLINE = (0.4, 0.6)  # a person's referral probability in this range could go either way


@dataclass
class Span:
    """One highlighted span: an item, referral, job lead or promise of the record."""

    id: str
    kind: str
    start: int
    end: int
    text: str
    confidence: float | None = None
    yours: bool = False
    name: str | None = None  # a referral's name

    @property
    def editable(self) -> bool:
        return self.kind in ITEM_KINDS or self.kind == "referral"


@dataclass
class Piece:
    """A run of the note's text covered by the same spans (`kind`: the innermost one's)."""

    text: str
    start: int
    end: int
    spans: list[str] = field(default_factory=list)
    kind: str | None = None
    top: str | None = None


def load_note_list(db: Any, note_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """One row per stored note: contact, date, field, counts and why it may deserve a look."""
    rows = []
    for note_id in note_ids if note_ids is not None else all_note_ids(db):
        rec, text, provenance = _load(db, note_id)
        edits = list_edits(db, note_id)
        items = sum(len(getattr(rec, k)) for k in ITEM_KINDS if k != "outlook") + len(rec.outlook.points)
        rows.append({"id": note_id, "source": rec.source, "contact": rec.contact, "date": rec.interview_date, "field": rec.field,
                     "item_count": items, "referrals": len(rec.referrals), "job_leads": len(rec.job_leads),
                     "tasks": db.execute("SELECT COUNT(*) FROM followups WHERE note_id = ? AND status = 'open'", [note_id]).fetchone()[0],
                     "corrections": len(edits), "unsure": find_doubts(rec, provenance, edits, items)})
    return rows


def load_note_view(db: Any, note_id: int) -> dict[str, Any]:
    """Everything one note's page shows: its text in pieces, the record's spans, people, contact fields."""
    rec, text, provenance = _load(db, note_id)
    edits = list_edits(db, note_id)
    spans = find_spans(rec, provenance, edits, len(text))
    decided = _referral_decisions(edits)
    return {"id": note_id, "source": rec.source, "record": rec, "text_length": len(text), "pieces": split_text(text, spans),
            "spans": spans, "groups": [(k, label, [s for s in spans if s.kind == k]) for k, label in KINDS.items()],
            "unplaced": _unplaced(rec), "people": _people(rec, provenance, decided), "fields": _fields(rec),
            "corrections": len(edits), "unsure": find_doubts(rec, provenance, edits, None), "sentiment": rec.outlook.sentiment}


def load_leads(db: Any, sources: set[str] | None = None) -> list[dict[str, Any]]:
    """The referral leads (`fieldnotes leads`), with the notes they come from as (id, source)."""
    ids = {s: i for i, s in db.execute("SELECT id, source FROM notes")}
    rows = [dict(r, notes=[(ids.get(s), s) for s in r["sources"]]) for r in iter_leads(db)]
    return [r for r in rows if sources is None or sources & set(r["sources"])]


def load_tasks(db: Any, status: str = "open", note_ids: set[int] | None = None) -> list[dict[str, Any]]:
    """The follow-up tasks (`fieldnotes followups --status S`), optionally only those of some notes."""
    return [t for t in iter_tasks(db, status) if note_ids is None or t["note_id"] in note_ids]


def find_spans(rec: Record, provenance: dict[str, Any], edits: list[dict[str, Any]], length: int) -> list[Span]:
    """Every grounded span of the record, in the note's order, with the heads' confidence."""
    mine = _yours(edits)
    found: list[tuple[str, Any, str, str | None]] = [(k, it.evidence, it.text, None) for k in ITEM_KINDS if k != "outlook"
                                                     for it in getattr(rec, k)]
    found += [("outlook", it.evidence, it.text, None) for it in rec.outlook.points]
    found += [("referral", r.evidence, _referral_label(r), r.name) for r in rec.referrals]
    found += [("job_lead", j.evidence, _lead_label(j), None) for j in rec.job_leads]
    found += [("promise", p.evidence, p.action + (f" (by {p.due})" if p.due else ""), None) for p in rec.promises]
    spans = [Span(f"s{i}", kind, ev.start, ev.end, label, _confidence(kind, ev.start, ev.end, name, provenance),
                  (kind, ev.start, ev.end) in mine, name)
             for i, (kind, ev, label, name) in enumerate(x for x in found if x[1] is not None and 0 <= x[1].start < x[1].end <= length)]
    return sorted(spans, key=lambda s: (s.start, -s.end))


def split_text(text: str, spans: list[Span]) -> list[Piece]:
    """The text cut at every span boundary; each piece lists the spans covering it, innermost first."""
    cuts = sorted({0, len(text)} | {s.start for s in spans} | {s.end for s in spans})
    pieces = []
    for a, b in zip(cuts, cuts[1:]):
        over = sorted((s for s in spans if s.start <= a and b <= s.end), key=lambda s: s.end - s.start)
        pieces.append(Piece(text[a:b], a, b, [s.id for s in over], over[0].kind if over else None, over[0].id if over else None))
    return pieces


def find_doubts(rec: Record, provenance: dict[str, Any], edits: list[dict[str, Any]], items: int | None) -> list[str]:
    """Why a record may be wrong, from what is missing and how sure the heads were; [] when nothing stands out."""
    reasons = []
    set_paths = {e["path"] for e in edits if e["op"] == "set"}
    if not rec.contact.name:
        reasons.append("no contact")
    elif "contact.name" not in set_paths:
        p = _person(provenance, rec.contact.name)
        if p is not None and p["roles"].get("contact", 0.0) < UNSURE:
            reasons.append(f"contact unsure ({p['roles'].get('contact', 0.0):.2f})")
    if items is not None and items < FEW_ITEMS:
        reasons.append(f"few items ({items})")
    decided = _referral_decisions(edits)
    for p in provenance.get("people", []):
        ref = p["roles"].get("referral", 0.0)
        if BORDERLINE[0] <= ref <= BORDERLINE[1] and not any(same_person(p["name"], d) for d in decided):
            reasons.append(f"referral? {p['name']} ({ref:.2f})")
    return reasons


def _load(db: Any, note_id: int) -> tuple[Record, str, dict[str, Any]]:
    rec = load_record_by_id(db, note_id)
    text = db.execute("SELECT text FROM notes WHERE id = ?", [note_id]).fetchone()[0]
    return rec, text, load_provenance(db, note_id)


def _confidence(kind: str, start: int, end: int, name: str | None, provenance: dict[str, Any]) -> float | None:
    """The heads' probability behind a span: a referral's person role, else its segment's topic."""
    if kind == "referral":
        p = _person(provenance, name or "")
        return p["roles"].get("referral") if p else None
    topic = TOPIC_OF.get(kind, kind)
    over = [s["topics"].get(topic, 0.0) for s in provenance.get("segments", []) if s["start"] < end and start < s["end"]]
    return max(over) if over else None


def _person(provenance: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((p for p in provenance.get("people", []) if same_person(p["name"], name)), None)


def _yours(edits: list[dict[str, Any]]) -> set[tuple[str, int, int]]:
    """(kind, start, end) of the items the user added or moved."""
    out = set()
    for e in edits:
        if e["op"] in ("add_item", "move_item"):
            v = json.loads(e["value"])
            out.add((v.get("to") or v["kind"], v["start"], v["end"]))
    return out


def _referral_decisions(edits: list[dict[str, Any]]) -> list[str]:
    return [json.loads(e["value"])["name"] for e in edits if e["op"] == "referral"]


def _people(rec: Record, provenance: dict[str, Any], decided: list[str]) -> list[dict[str, Any]]:
    """Everyone the heads found in the note except the contact, with their most likely role."""
    out = []
    for p in provenance.get("people", []):
        if rec.contact.name and same_person(p["name"], rec.contact.name):
            continue
        role, prob = max(p["roles"].items(), key=lambda kv: kv[1]) if p["roles"] else ("?", 0.0)
        out.append({"name": p["name"], "role": role, "p": prob, "referral": any(same_person(r.name, p["name"]) for r in rec.referrals),
                    "yours": any(same_person(p["name"], d) for d in decided)})
    return out


def _fields(rec: Record) -> list[tuple[str, str, str]]:
    values = {"contact.name": rec.contact.name, "contact.title": rec.contact.title, "contact.organization": rec.contact.organization,
              "contact.email": rec.contact.email, "contact.phone": rec.contact.phone, "interview_date": rec.interview_date, "field": rec.field}
    return [(path, label, values[path] or "") for path, label in SETTABLE.items()]


def _unplaced(rec: Record) -> list[tuple[str, str]]:
    """Items without evidence (nothing to highlight), as (kind, text)."""
    out = [(k, it.text) for k in ITEM_KINDS if k != "outlook" for it in getattr(rec, k) if it.evidence is None]
    return out + [("outlook", it.text) for it in rec.outlook.points if it.evidence is None]


def _referral_label(r: Any) -> str:
    extra = ", ".join(x for x in (r.title, r.organization, r.email, r.phone) if x)
    return r.name + (f" ({extra})" if extra else "") + (f" — {r.reason}" if r.reason else "")


def _lead_label(j: Any) -> str:
    extra = ", ".join(x for x in (j.organization, j.url, f"deadline {j.deadline}" if j.deadline else None) if x)
    return j.title + (f" ({extra})" if extra else "")


__all__ = ["ITEM_KINDS", "KINDS", "LEAD_STATUSES", "SETTABLE", "TASK_STATUSES", "Piece", "Span", "find_doubts", "find_spans", "load_leads",
           "load_note_list", "load_note_view", "load_tasks", "split_text"]
