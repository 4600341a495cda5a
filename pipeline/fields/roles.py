"""A person's job title and organisation, chosen by the role-span head among the pieces of text
around the person's mentions (the same sentence, the next one, labelled lines, a signature)."""
from __future__ import annotations

from pipeline import rules
from pipeline.annotate.spans import span_candidates
from pipeline.decide import Decider
from pipeline.decide.features import span_features, span_vectors
from pipeline.document import Doc
from pipeline.fields.common import Candidate, trim

CLASSES = ("title", "org", "none")
MAX_ROLE_WORDS = 10


def role_candidates(doc: Doc, person: int, role: str) -> list[Candidate]:
    """Spans near the person's mentions that may be their title or organisation."""
    own = [doc.mentions[k] for k in doc.people[person].mentions]
    segs: dict[int, str] = {}
    for m in own:
        segs.setdefault(m.segment, "same")
        for k, rel in ((m.segment + 1, "next"), (m.segment + 2, "next2"), (m.segment - 1, "prev")):
            if 0 <= k < len(doc.segments) and doc.segments[k].line - doc.segments[m.segment].line <= 3:
                segs.setdefault(k, rel)
    if role == "contact":
        for seg in doc.segments:
            if seg.label and rules.lexicon("roles", "role_labels").fullmatch(seg.label.strip()):
                segs.setdefault(seg.index, "label")
    taken = [(m.start, m.end) for m in own]
    out = []
    for k, rel in segs.items():
        seg = doc.segments[k]
        spans = set(span_candidates(doc, seg, MAX_ROLE_WORDS)) | set(span_candidates(doc, seg, MAX_ROLE_WORDS, keep_joiners=True))
        for a, b in sorted(spans):
            if any(a < y and x < b for x, y in taken):
                continue
            out.append(Candidate(a, b, seg, role=f"{role}:{rel}", person=person))
    return out


def role_features(doc: Doc, cands: list[Candidate]) -> list[dict[str, float]]:
    feats = []
    for c in cands:
        f = span_features(doc, c.start, c.end, c.seg, c.role)
        mention = min((doc.mentions[k] for k in doc.people[c.person].mentions), key=lambda m: abs(m.start - c.start))
        gap = c.start - mention.end if c.start >= mention.end else mention.start - c.end
        f[f"side:{'after' if c.start >= mention.end else 'before'}"] = 1.0
        f[f"gap:{min(gap // 15, 6)}"] = 1.0
        between = doc.text[mention.end:c.start] if c.start >= mention.end else doc.text[c.end:mention.start]
        if len(between) <= 12:
            f[f"between:{between.strip().lower()[:8]}"] = 1.0
        if c.seg.label:
            f[f"seglabel:{c.seg.label.lower()[:20]}"] = 1.0
        words = doc.text[c.start:c.end].split()
        caps = sum(w[:1].isupper() for w in words)
        f[f"caps_share:{int(4 * caps / max(1, len(words)))}"] = 1.0
        after = doc.text[c.end:c.end + 4]
        f[f"after:{after.strip()[:2] or 'end'}"] = 1.0
        feats.append(f)
    return feats


def choose_roles(doc: Doc, decider: Decider, person: int, role: str) -> tuple[str | None, str | None]:
    """(title, organisation) of a person, or None where no candidate is likely enough."""
    if "role_span" not in decider.heads:
        return None, None
    cands = role_candidates(doc, person, role)
    if not cands:
        return None, None
    probs = decider.score("role_span", role_features(doc, cands), lambda: span_vectors(doc, [(c.start, c.end) for c in cands]))
    head = decider.heads["role_span"]
    title = _best(doc, cands, probs[:, head.classes.index("title")], head.threshold("title"))
    org = _best(doc, cands, probs[:, head.classes.index("org")], head.threshold("org"), avoid=title)
    return (_text(doc, title), _text(doc, org))


def _best(doc: Doc, cands: list[Candidate], p, cut: float, avoid: Candidate | None = None) -> Candidate | None:
    order = sorted(range(len(cands)), key=lambda i: -float(p[i]))
    for i in order:
        if float(p[i]) < cut:
            return None
        c = cands[i]
        if avoid is None or not (c.start < avoid.end and avoid.start < c.end):
            return c
    return None


def _text(doc: Doc, c: Candidate | None) -> str | None:
    if c is None:
        return None
    a, b = trim(doc.text, c.start, c.end)
    return " ".join(doc.text[a:b].split()) or None
