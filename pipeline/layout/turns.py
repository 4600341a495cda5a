"""Speaker turns in transcripts, chats and Q/A notes: who says each line, and which speaker is
the note's writer (the seeker, who asks the questions).

A repeated "Name:" label becomes a speaker only when at least two such labels take turns over
a good share of the note; "Skills:" twice is a label, not a speaker.
"""
from __future__ import annotations

from collections import Counter

from pipeline import rules
from pipeline.document import Line

MIN_TURN_SHARE = 0.25  # share of non-blank lines that speaker labels must cover to read the note as turns


def assign_speakers(lines: list[Line], text: str) -> dict[int, tuple[str, bool | None]]:
    """Line index -> (speaker, said by the seeker?) for every line said by a known speaker."""
    speakers = _speaker_labels(lines)
    said: dict[int, str] = {}
    current: str | None = None
    for line in lines:
        if line.kind in ("turn", "speaker") or (line.kind == "label" and line.label in speakers):
            if line.kind == "label":
                line.kind = "turn"
            current = _canonical(line.label or "")
            if line.kind == "turn":
                said[line.index] = current
        elif line.kind == "heading" and line.level < 6:
            current = None
        elif current and line.kind != "blank":
            said[line.index] = current
    seeker = _seeker(said, lines, text)
    return {i: (name, None if seeker is None else name == seeker) for i, name in said.items()}


def _speaker_labels(lines: list[Line]) -> set[str]:
    """Labels that act as speakers: role labels (Q, A, Me) or names taking turns."""
    labels = Counter(line.label for line in lines if line.kind == "label" and line.label)
    content = sum(1 for line in lines if line.kind != "blank") or 1
    roles = rules.words("layout", "question_labels") | rules.words("layout", "answer_labels")
    topical = rules.lexicon("cues", "topic_labels")
    candidates = {lab for lab, n in labels.items() if n >= 2 and (lab.lower() in roles or _name_like(lab)) and not topical.search(lab)}
    covered = sum(labels[lab] for lab in candidates)
    explicit = sum(1 for line in lines if line.kind in ("turn", "speaker"))
    if len(candidates) >= 2 and covered / content >= MIN_TURN_SHARE:
        return candidates
    if explicit >= 2 and candidates:
        return candidates
    return {lab for lab in labels if lab.lower() in roles and labels[lab] >= 2} if len(candidates) >= 2 else set()


def _name_like(label: str) -> bool:
    words = label.replace(".", " ").split()
    if not 1 <= len(words) <= 4:
        return False
    return all(w[0].isupper() or w.isdigit() for w in words) or label.lower().startswith("speaker")


def _canonical(label: str) -> str:
    return " ".join(label.strip(" *_").split())


def _seeker(said: dict[int, str], lines: list[Line], text: str) -> str | None:
    """The speaker who asks: a role label like 'Me' or 'Q', else the most questioning speaker."""
    names = Counter(said.values())
    if len(names) < 2:
        return None
    roles = rules.words("layout", "question_labels")
    for name in names:
        if name.lower() in roles:
            return name
    asks = Counter()
    for i, name in said.items():
        line = lines[i]
        if "?" in text[line.body:line.end]:
            asks[name] += 1
    ranked = sorted(names, key=lambda n: (asks[n] / names[n], asks[n]), reverse=True)
    return ranked[0] if asks[ranked[0]] else None
