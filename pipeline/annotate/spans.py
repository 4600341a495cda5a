"""Span candidates for the span heads: pieces of a segment that may be a skill, a job title, an
organisation or an opening. Generated generously from the segment's own punctuation and list
structure; the trained heads choose among them.
"""
from __future__ import annotations

import re

from pipeline import rules
from pipeline.document import Doc, Segment

_SEPARATORS = re.compile(r"\s*(?:[,;|•·/]|\(|\)|\[|\]|:\s|\s[-–—=]+\s|\s[-–—]\s?|\s(?:and|or|&|plus|\+|w/|with|at|@|for|from|in|of)\s|\s*[.!?](?:\s|$))\s*", re.IGNORECASE)
_TRIM = "\"'“”‘’`*_ \t.,;:!?-–—()[]{}"
MAX_SPAN_WORDS = 8
MAX_SUB_WORDS = 4


def span_candidates(doc: Doc, seg: Segment, max_words: int = MAX_SPAN_WORDS, keep_joiners: bool = False) -> list[tuple[int, int]]:
    """Candidate (start, end) spans in a segment: its separated pieces, their edge words trimmed,
    and short sub-spans at each end of a long piece. Sorted, unique."""
    out: set[tuple[int, int]] = set()
    for a, b in _pieces(doc.text, seg.start, seg.end, keep_joiners):
        a, b = _trim_fillers(doc.text, a, b)
        if b <= a:
            continue
        words = _word_spans(doc.text, a, b)
        if len(words) <= max_words:
            out.add((a, b))
        for n in range(1, min(MAX_SUB_WORDS, len(words) - 1) + 1):
            out.add((words[-n][0], b))
            out.add((a, words[n - 1][1]))
    return sorted(s for s in out if _has_letter(doc.text, *s))


def _pieces(text: str, start: int, end: int, keep_joiners: bool) -> list[tuple[int, int]]:
    rx = _JOIN_SEPARATORS if keep_joiners else _SEPARATORS
    out, a = [], start
    for m in rx.finditer(text, start, end):
        out.append((a, m.start()))
        a = m.end()
    out.append((a, end))
    return [(x, y) for x, y in out if y > x]


_JOIN_SEPARATORS = re.compile(r"\s*(?:[;|•·]|\(|\)|:\s|\s[-–—=]+\s|\s*[.!?](?:\s|$)|,\s)\s*")


def _trim_fillers(text: str, a: int, b: int) -> tuple[int, int]:
    """Drop filler words and punctuation at the edges ('and really good Excel' -> 'Excel')."""
    fillers = rules.words("spans", "edge_fillers")
    while a < b and text[a] in _TRIM:
        a += 1
    while b > a and text[b - 1] in _TRIM:
        b -= 1
    words = _word_spans(text, a, b)
    i, j = 0, len(words)
    while i < j - 1 and text[words[i][0]:words[i][1]].lower().strip(_TRIM) in fillers:
        i += 1
    while j > i + 1 and text[words[j - 1][0]:words[j - 1][1]].lower().strip(_TRIM) in fillers:
        j -= 1
    if not words:
        return a, a
    a, b = words[i][0], words[j - 1][1]
    while b > a and text[b - 1] in _TRIM:
        b -= 1
    while a < b and text[a] in _TRIM:
        a += 1
    return a, b


def _word_spans(text: str, a: int, b: int) -> list[tuple[int, int]]:
    out, i = [], a
    while i < b:
        while i < b and text[i].isspace():
            i += 1
        j = i
        while j < b and not text[j].isspace():
            j += 1
        if j > i:
            out.append((i, j))
        i = j
    return out


def _has_letter(text: str, a: int, b: int) -> bool:
    return any(ch.isalpha() for ch in text[a:b])


def ngram_candidates(doc: Doc, seg: Segment, max_words: int) -> list[tuple[int, int]]:
    """Every run of 1..max_words words inside a clause of the segment (clauses end at . ; : ! ?),
    its edge punctuation trimmed; runs may cross commas and brackets ('Pastry Cook (AM shift)')."""
    out: set[tuple[int, int]] = set()
    fillers = rules.words("spans", "edge_fillers")
    for a, b in _clauses(doc.text, seg.start, seg.end):
        words = _word_spans(doc.text, a, b)
        for i in range(len(words)):
            first = doc.text[words[i][0]:words[i][1]].lower().strip(_TRIM)
            if not first or first in fillers:
                continue
            for j in range(i, min(len(words), i + max_words)):
                last = doc.text[words[j][0]:words[j][1]].lower().strip(_TRIM)
                if not last or (last in fillers and j > i):
                    continue
                s, e = words[i][0], words[j][1]
                while s < e and doc.text[s] in _TRIM:
                    s += 1
                while e > s and doc.text[e - 1] in _TRIM and not (doc.text[e - 1] == ")" and "(" in doc.text[s:e]):
                    e -= 1
                if e > s and _has_letter(doc.text, s, e):
                    out.add((s, e))
    return sorted(out)


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, a = [], start
    for i in range(start, end):
        if text[i] in ";!?" or (text[i] in ".:" and (i + 1 >= end or text[i + 1].isspace())):
            if i > a:
                out.append((a, i))
            a = i + 1
    if end > a:
        out.append((a, end))
    return out
