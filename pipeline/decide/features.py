"""Features the trained heads read: cheap lexical and layout features of each unit, and the
model's pooled vectors. Lexical features are sparse {name: value} maps; the cue lexicons of
`rules/cues.yaml` appear here as features, never as final decisions.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np

from pipeline import rules
from pipeline.document import Doc, Mention, Segment

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?|[?!$%#@&+→]")
CUE_SETS = ("day", "skills", "advice", "how_to_get_in", "fit", "outlook", "todo", "people", "referral", "mention_only",
            "dont_contact", "promise", "opening", "positive", "negative", "mixed", "neutral", "injection")
Features = dict[str, float]


def tokens(text: str) -> list[str]:
    """Lower-case word tokens; digits become '#'."""
    out = []
    for t in _TOKEN.findall(text.lower()):
        out.append("#" if t[0].isdigit() else t)
    return out


def bag(prefix: str, words: Iterable[str], into: Features, bigrams: bool = False) -> None:
    words = list(words)
    for w in words:
        into[f"{prefix}:{w}"] = 1.0
    if bigrams:
        for a, b in zip(words, words[1:]):
            into[f"{prefix}2:{a}_{b}"] = 1.0


def cues(prefix: str, text: str, into: Features) -> None:
    for name in CUE_SETS:
        if text and rules.lexicon("cues", name).search(text):
            into[f"{prefix}cue:{name}"] = 1.0


# ---------------------------------------------------------------------------------------------
# Segments (topic head)
# ---------------------------------------------------------------------------------------------

def segment_features(doc: Doc, seg: Segment) -> Features:
    """Words of the segment and of its heading, label and question; layout; cue hits."""
    text = doc.seg_text(seg)
    f: Features = {"bias": 1.0}
    words = tokens(text)
    bag("w", words, f, bigrams=True)
    cues("", text, f)
    for prefix, ctx in (("h", seg.heading), ("l", seg.label), ("q", seg.question)):
        if ctx:
            bag(prefix, tokens(ctx), f)
            cues(prefix, ctx, f)
    prev = doc.segments[seg.index - 1] if seg.index > 0 else None
    if prev is not None and prev.block == seg.block:
        cues("p", doc.seg_text(prev), f)
    f[f"kind:{seg.kind}"] = 1.0
    f[f"depth:{min(seg.depth, 3)}"] = 1.0
    f[f"len:{_bucket(len(words), (3, 6, 12, 25, 50))}"] = 1.0
    f[f"pos:{int(5 * seg.start / max(1, len(doc.text)))}"] = 1.0
    f[f"seeker:{seg.seeker_turn}"] = 1.0
    if seg.checked is not None:
        f[f"checked:{seg.checked}"] = 1.0
    if text.rstrip().endswith("?"):
        f["ends_q"] = 1.0
    _person_words(words, f)
    _entities_in(doc, seg.start, seg.end, f)
    return f


def _person_words(words: list[str], f: Features) -> None:
    first = {"i", "i'm", "i've", "i'll", "my", "me", "myself", "im", "ive"}
    second = {"you", "your", "you're", "you'll", "yourself", "u"}
    third = {"she", "he", "they", "her", "his", "their", "she's", "he's"}
    for name, group in (("p1", first), ("p2", second), ("p3", third)):
        if any(w in group for w in words):
            f[f"pron:{name}"] = 1.0
    if words:
        f[f"first:{words[0]}"] = 1.0


def _entities_in(doc: Doc, start: int, end: int, f: Features) -> None:
    for e in doc.entities:
        if start <= e.start < end:
            f[f"has:{e.kind}"] = 1.0
    if any(start <= m.start < end for m in doc.mentions):
        f["has:name"] = 1.0


def _bucket(n: int, edges: tuple[int, ...]) -> int:
    for k, edge in enumerate(edges):
        if n <= edge:
            return k
    return len(edges)


# ---------------------------------------------------------------------------------------------
# People (person head)
# ---------------------------------------------------------------------------------------------

def person_features(doc: Doc, index: int) -> Features:
    """The name's shape, where and how often it appears, and the words and cues around it."""
    from pipeline.annotate.names import known_first_name

    person = doc.people[index]
    mentions = [doc.mentions[k] for k in person.mentions]
    f: Features = {"bias": 1.0}
    words = person.name.split()
    f[f"nwords:{min(len(words), 4)}"] = 1.0
    if words and known_first_name(words[0]):
        f["first_name_known"] = 1.0
    if any(w.lower().strip(".,") in rules.words("names", "org_words") for w in words):
        f["org_word"] = 1.0
    if any(w.lower().strip(".,") in rules.words("cues", "title_heads") for w in words):
        f["title_word"] = 1.0
    if words:
        f[f"last_zipf:{int(min(_zipf(words[-1].lower()), 6))}"] = 1.0
        f[f"first_zipf:{int(min(_zipf(words[0].lower()), 6))}"] = 1.0
    if any(m.text.split()[0].lower().rstrip(".") in rules.words("names", "honorifics") for m in mentions if m.text.split()):
        f["honorific"] = 1.0
    if person.name.islower():
        f["lower"] = 1.0
    if any(w.isupper() and len(w) > 1 for w in words):
        f["caps_word"] = 1.0
    f[f"count:{_bucket(len(mentions), (1, 2, 4, 8))}"] = 1.0
    f[f"first_pos:{int(5 * mentions[0].start / max(1, len(doc.text)))}"] = 1.0
    for m in mentions:
        _mention_context(doc, m, f)
    _speaker_role(doc, person.name, f)
    _relative(doc, index, f)
    _segment_topics(doc, mentions, f)
    return f


def _segment_topics(doc: Doc, mentions: list[Mention], f: Features) -> None:
    """How much the segments naming this person are about people to contact or to-dos (the topic head's view)."""
    probs = doc.probs.get("topic")
    head_classes = doc.memo.get("topic_classes")
    if probs is None or head_classes is None:
        return
    for topic in ("people", "todo", "advice", "day_in_life"):
        if topic in head_classes:
            col = head_classes.index(topic)
            f[f"seg_{topic}"] = float(max(probs[m.segment, col] for m in mentions))


def _relative(doc: Doc, index: int, f: Features) -> None:
    """How this person compares with the note's other names (the contact is usually the most
    mentioned, the earliest full name, the speaker who answers)."""
    ranks, full_names = _people_order(doc)
    f[f"count_rank:{min(ranks[len(doc.people[index].mentions)], 3)}"] = 1.0
    if full_names[:1] == [index]:
        f["first_full_name"] = 1.0
    if full_names[1:2] == [index]:
        f["second_full_name"] = 1.0


def _people_order(doc: Doc) -> tuple[dict[int, int], list[int]]:
    """Once per note: the rank of each mention count (0 = most mentioned) and the first two
    people with a full name, by first mention."""
    key = ("people_order", len(doc.people), len(doc.mentions))
    if key not in doc.memo:
        counts = sorted({len(p.mentions) for p in doc.people}, reverse=True)
        firsts = sorted(range(len(doc.people)), key=lambda i: doc.mentions[doc.people[i].mentions[0]].start)
        doc.memo[key] = ({c: r for r, c in enumerate(counts)},
                         [i for i in firsts if len(doc.people[i].name.split()) >= 2][:2])
    return doc.memo[key]

def _speaker_role(doc: Doc, name: str, f: Features) -> None:
    """Is this person one of the speakers, and do they ask (the seeker) or answer (the contact)?"""
    from pipeline.annotate.identity import same_person

    memo = doc.memo.setdefault("speakers", {})
    if not memo:
        for seg in doc.segments:
            if seg.speaker:
                row = memo.setdefault(seg.speaker, {"turns": 0, "asks": 0, "seeker": 0, "first": len(memo) == 0})
                row["turns"] += 1
                row["asks"] += "?" in doc.seg_text(seg)
                row["seeker"] += bool(seg.seeker_turn)
        memo["\x00"] = {}
    for speaker, row in memo.items():
        if speaker != "\x00" and same_person(speaker, name):
            f["speaker"] = 1.0
            f[f"speaker_turns:{_bucket(row['turns'], (2, 5, 12, 30))}"] = 1.0
            f[f"speaker_asks:{int(4 * row['asks'] / max(1, row['turns']))}"] = 1.0
            f[f"speaker_seeker:{row['seeker'] > row['turns'] / 2}"] = 1.0
            others = [r for k, r in memo.items() if k not in ("\x00", speaker) and r]
            if others and row["seeker"] == 0 and any(r["seeker"] for r in others):
                f["answering_speaker"] = 1.0
            if others and max(r["turns"] for r in others) < row["turns"]:
                f["most_turns"] = 1.0
            if row["first"]:
                f["speaker_first"] = 1.0


def _segment_cues(doc: Doc, seg: Segment) -> Features:
    """The cue hits of a segment, found once however many names it holds."""
    key = ("segment_cues", seg.index, seg.start, seg.end)
    if key not in doc.memo:
        doc.memo[key] = {}
        cues("s", doc.seg_text(seg), doc.memo[key])
    return doc.memo[key]


def _mention_context(doc: Doc, m: Mention, f: Features) -> None:
    f[f"origin:{m.origin}"] = 1.0
    seg = doc.segments[m.segment] if doc.segments else None
    line = doc.lines[seg.line] if seg is not None else None
    if m.origin == "header" and line is not None and line.label:
        f[f"header:{line.label.lower()}"] = 1.0
    if m.origin in ("speaker", "label") and line is not None and line.label:
        bag("lab", tokens(line.label), f)
    if seg is not None:
        if seg.seeker_turn is not None:
            f[f"said_by_seeker:{seg.seeker_turn}"] = 1.0
        if seg.speaker and _same_speaker(seg.speaker, m.text):
            f["is_speaker"] = 1.0
        for prefix, ctx in (("h", seg.heading), ("l", seg.label)):
            if ctx:
                bag(prefix, tokens(ctx), f)
        f.update(_segment_cues(doc, seg))
        if line is not None and line.index <= 3:
            f["early_line"] = 1.0
        if line is not None and len(doc.lines) - line.index <= 6:
            f["last_lines"] = 1.0
        prev = doc.lines[line.index - 1] if line is not None and line.index > 0 else None
        if prev is not None and prev.kind != "blank" and len(doc.text[prev.body:prev.end].split()) <= 3 and doc.text[prev.body:prev.end].rstrip().endswith(","):
            f["after_sign_off"] = 1.0
    left = tokens(doc.text[max(0, m.start - 60):m.start])[-4:]
    right = tokens(doc.text[m.end:m.end + 60])[:4]
    bag("L", left, f)
    bag("R", right, f)
    if left:
        f[f"L1:{left[-1]}"] = 1.0
    if right:
        f[f"R1:{right[0]}"] = 1.0
    near = doc.text[max(0, m.start - 80):m.end + 80]
    cues("n", near, f)
    if rules.lexicon("cues", "dont_contact").search(doc.text[max(0, m.start - 60):m.end + 30]):
        f["dont_contact_near"] = 1.0
    for e in doc.entities:
        if e.kind in ("email", "phone") and 0 <= e.start - m.end <= 80:
            f[f"near:{e.kind}"] = 1.0


def _same_speaker(speaker: str, name: str) -> bool:
    from pipeline.annotate.identity import same_person

    return same_person(speaker, name)


# ---------------------------------------------------------------------------------------------
# Spans (skills, titles, organisations, openings)
# ---------------------------------------------------------------------------------------------

def span_features(doc: Doc, start: int, end: int, seg: Segment, role: str = "") -> Features:
    """The span's words and shape, the words just outside it, and its segment's context."""
    text = doc.text[start:end]
    words = tokens(text)
    f: Features = {"bias": 1.0}
    bag("w", words, f)
    if words:
        f[f"fw:{words[0]}"] = 1.0
        f[f"lw:{words[-1]}"] = 1.0
    before = tokens(doc.text[max(seg.start, start - 40):start])[-2:]
    after = tokens(doc.text[end:min(seg.end, end + 40)])[:2]
    f[f"pw:{before[-1] if before else '<s>'}"] = 1.0
    f[f"nw:{after[0] if after else '</s>'}"] = 1.0
    if len(before) > 1:
        f[f"pw2:{before[-2]}_{before[-1]}"] = 1.0
    f[f"pc:{doc.text[start - 1] if start > seg.start else '<s>'}"] = 1.0
    f[f"nc:{doc.text[end] if end < seg.end else '</s>'}"] = 1.0
    f[f"nwords:{min(len(words), 7)}"] = 1.0
    f[f"shape:{_shape(text)}"] = 1.0
    f[f"rare:{_rarest(words)}"] = 1.0
    f[f"whole_seg:{start <= seg.start + 2 and end >= seg.end - 2}"] = 1.0
    inner = doc.text[start:end]
    for mark, name in ((",", "comma"), ("(", "paren"), (" and ", "and"), (" or ", "or")):
        if mark in inner:
            f[f"inner:{name}"] = 1.0
    lead = doc.text[seg.start:start].strip(" *_-•–—:")
    tail = doc.text[end:seg.end].lstrip()
    if not lead:
        f["at_seg_start"] = 1.0
    if not tail or tail[:1] in ",;:(.!?" or tail[:2] in ("- ", "– ", "— ") or tail.startswith(("and ", "or ", "+ ")):
        f["ends_at_break"] = 1.0
    if lead[-1:] in (",", ";", ":", "(") or lead.endswith((" and", " or", " +")):
        f["starts_at_break"] = 1.0
    for name in ("title_heads", "job_heads"):
        if words and words[-1] in rules.words("cues", name):
            f[f"head:{name}"] = 1.0
    if any(w in rules.words("names", "org_words") for w in words):
        f["org_word"] = 1.0
    f.update(_segment_context(doc, seg))
    if role:
        f[f"role:{role}"] = 1.0
    return f


def _segment_context(doc: Doc, seg: Segment) -> Features:
    """Features every span of a segment shares (computed once per segment)."""
    key = ("span_ctx", seg.index)
    if key not in doc.memo:
        f: Features = {}
        for prefix, ctx in (("h", seg.heading), ("l", seg.label), ("q", seg.question)):
            if ctx:
                bag(prefix, tokens(ctx), f)
                cues(prefix, ctx, f)
        cues("s", doc.seg_text(seg), f)
        f[f"kind:{seg.kind}"] = 1.0
        doc.memo[key] = f
    return doc.memo[key]


def _shape(text: str) -> str:
    words = [w for w in text.split() if w[:1].isalpha()]
    if not words:
        return "none"
    caps = sum(w[0].isupper() for w in words)
    if all(w.isupper() for w in words):
        return "allcaps"
    if caps == len(words):
        return "title"
    if caps:
        return "somecaps"
    return "lower"


@lru_cache(maxsize=100_000)
def _zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


def _rarest(words: list[str]) -> int:
    if not words:
        return -1
    return int(min(_zipf(w) for w in words))


# ---------------------------------------------------------------------------------------------
# Dense features
# ---------------------------------------------------------------------------------------------

def span_vectors(doc: Doc, spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """The model's pooled vector of each span (mean and last token)."""
    return np.stack([doc.vectors.pool(a, b) for a, b in spans]) if spans else np.zeros((0, 2 * doc.vectors.dim))


def segment_vectors(doc: Doc) -> np.ndarray:
    return span_vectors(doc, [(s.start, s.end) for s in doc.segments])


def person_vectors(doc: Doc) -> np.ndarray:
    """Per person: the mean over its mentions of the mention's vector and of its segment's vector."""
    rows = []
    for person in doc.people:
        ms = [doc.mentions[k] for k in person.mentions]
        own = np.mean([doc.vectors.pool(m.start, m.end) for m in ms], axis=0)
        ctx = np.mean([doc.vectors.pool(doc.segments[m.segment].start, doc.segments[m.segment].end) for m in ms], axis=0)
        rows.append(np.concatenate([own, ctx]))
    return np.stack(rows) if rows else np.zeros((0, 4 * doc.vectors.dim))
