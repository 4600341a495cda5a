"""The dev-set matching rules, in one place: content-word overlap, same text, same person.

Used by the evaluation and by the corpus tools that turn gold records into training labels.
"""
from __future__ import annotations

import re

from pipeline.annotate.identity import same_person

_STOP = frozenset("a an the and or of to in on at for with w/ is are be it as by from my your her his their this that".split())
_WORD = re.compile(r"[\w'’+/&#.-]+")


def content_words(s: str) -> list[str]:
    """Content words, lower-cased, with a plural 's' dropped ('assistants' matches 'assistant')."""
    words = [w.strip(".-,") for w in _WORD.findall(s.lower().replace("w/", "with ").replace("e-mail", "email"))]
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words if w and w not in _STOP]


def overlap(gold: str, pred: str) -> float:
    """Share of the gold phrase's content words found in the predicted text."""
    g, p = content_words(gold), set(content_words(pred))
    return sum(w in p for w in g) / len(g) if g else 0.0


def same_text(got: str | None, want: str) -> bool:
    """A title, organisation or field: at least half of the gold words, and at least half of ours are gold words."""
    return bool(got) and overlap(want, got) >= 0.5 and overlap(got, want) >= 0.5  # type: ignore[arg-type]


def names_match(a: str, b: str) -> bool:
    return same_person(a, b)
