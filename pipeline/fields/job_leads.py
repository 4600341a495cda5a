"""Job leads: the opening head picks title-like spans (ending in a job word: intern, program,
analyst, posting ...); the deadline, link and organisation come from the same or the next segment."""
from __future__ import annotations

from pipeline import rules
from pipeline.annotate.spans import ngram_candidates, span_candidates
from pipeline.decide import Decider
from pipeline.decide.features import span_features, span_vectors, tokens
from pipeline.document import Doc
from pipeline.fields.common import Candidate, pick_spans, span, trim
from pipeline.schema import JobLead, Record

MAX_LEAD_WORDS = 9
MAX_LEADS = 6
SECOND_IN_SEGMENT = 0.85  # a second opening in one sentence needs this much confidence
MIN_SEGMENT_TOPIC = 0.15  # segments less about openings than this are not searched


def extract(doc: Doc, decider: Decider, rec: Record) -> None:
    cands = lead_candidates(doc, decider) if "job_lead" in decider.heads else []
    if not cands:
        rec.job_leads = []
        return
    probs = decider.score("job_lead", lead_features(doc, cands, decider), lambda: span_vectors(doc, [(c.start, c.end) for c in cands]))[:, 1]
    chosen = pick_spans(cands, probs, decider.heads["job_lead"].threshold("yes"), MAX_LEADS)
    leads: list[JobLead] = []
    per_segment: dict[int, int] = {}
    for c, p in sorted(chosen, key=lambda cp: -cp[1]):
        if per_segment.get(c.seg.index) and p < SECOND_IN_SEGMENT:
            continue  # one opening per sentence unless the head is sure of a second
        per_segment[c.seg.index] = per_segment.get(c.seg.index, 0) + 1
        a, b = trim(doc.text, c.start, c.end)
        title = " ".join(doc.text[a:b].split())
        if any(_same_title(title, lead.title) for lead in leads):
            continue
        leads.append(JobLead(title=title, organization=rec.contact.organization, url=_near(doc, c, "url"),
                             deadline=_deadline(doc, c, rec.interview_date), evidence=span(doc, a, b)))
    rec.job_leads = sorted(leads, key=lambda lead: lead.evidence.start)


def lead_candidates(doc: Doc, decider: Decider | None = None, min_topic: float = MIN_SEGMENT_TOPIC) -> list[Candidate]:
    """Spans of the segments that may name an opening (by the topic head), title-like ones only."""
    col = decider.heads["topic"].classes.index("job_lead") if decider else None
    out = []
    for seg in doc.segments:
        if seg.kind == "header" or (col is not None and doc.probs["topic"][seg.index, col] < min_topic):
            continue
        spans = set(span_candidates(doc, seg, MAX_LEAD_WORDS, keep_joiners=True)) | set(ngram_candidates(doc, seg, MAX_LEAD_WORDS))
        out.extend(Candidate(a, b, seg) for a, b in sorted(spans))
    return out


def lead_features(doc: Doc, cands: list[Candidate], decider: Decider | None = None) -> list[dict[str, float]]:
    col = decider.heads["topic"].classes.index("job_lead") if decider else None
    heads = rules.words("cues", "job_heads")
    feats = []
    for c in cands:
        f = span_features(doc, c.start, c.end, c.seg)
        words = tokens(doc.text[c.start:c.end])
        if any(w in heads for w in words):
            f["has_job_word"] = 1.0
        if col is not None:
            f["seg_job_lead"] = float(doc.probs["topic"][c.seg.index, col])
        for kind in ("url", "date"):
            if _near(doc, c, kind):
                f[f"near_{kind}"] = 1.0
        feats.append(f)
    return feats


def _near(doc: Doc, c: Candidate, kind: str):
    nxt = doc.segments[c.seg.index + 1] if c.seg.index + 1 < len(doc.segments) else None
    for seg in (c.seg, nxt):
        if seg is None:
            continue
        for e in doc.entities_of(kind, seg.start, seg.end)[:1]:
            return e.value if kind == "url" else e
    return None


def _deadline(doc: Doc, c: Candidate, interview: str | None) -> str | None:
    from datetime import date

    e = _near(doc, c, "date")
    if e is None:
        return None
    if interview and e.value["kind"] == "relative":
        from pipeline.annotate.dates import resolve_phrase

        d = resolve_phrase(e.text, date.fromisoformat(interview), forward=True)
        return d.isoformat() if d else None
    value = e.value["future"]
    return value.isoformat() if value else None


def _same_title(a: str, b: str) -> bool:
    """Two mentions of one opening: most of the shorter title's words are in the longer one."""
    x, y = set(tokens(a)) - _GENERIC, set(tokens(b)) - _GENERIC
    return bool(x and y) and len(x & y) / min(len(x), len(y)) >= 0.5


_GENERIC = frozenset({"the", "a", "an", "of", "for", "in", "at", "program", "position", "role", "job", "opening", "list"})
