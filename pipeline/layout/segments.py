"""Segments: the units the trained heads decide on, each with the context a reader would use.

A prose line splits into sentences (a very long sentence into clauses), a table row into its
cells, a labelled line keeps its label; every segment records the section heading above it,
the last question asked before it and, in transcripts, who said it.
"""
from __future__ import annotations

from pipeline import rules
from pipeline.document import Line, Segment

_CONTENT_KINDS = ("heading", "bullet", "quote", "header", "turn", "row", "label", "prose", "speaker")


def build_segments(text: str, lines: list[Line], speakers: dict[int, tuple[str, bool | None]]) -> list[Segment]:
    """All segments of the note, in order, with heading, label, question and speaker context."""
    ctx = _Context(lower_case=_mostly_lower(text, lines))
    segments: list[Segment] = []
    depths = _depth_levels(lines)
    for line in lines:
        ctx.advance(line, lines)
        if line.kind not in _CONTENT_KINDS or line.kind == "speaker":
            continue
        speaker, seeker = speakers.get(line.index, (None, None))
        for start, end, label in _pieces(text, line, ctx):
            seg = Segment(len(segments), start, end, line.index, _kind(line, start, end, text), heading=ctx.heading(),
                          label=label, question=ctx.question, speaker=speaker, seeker_turn=seeker,
                          depth=depths.get(line.indent, 0), checked=line.checked, block=ctx.block)
            segments.append(seg)
            ctx.after_segment(seg, text, seeker)
    return segments


class _Context:
    """What a reader remembers while going down the note."""

    def __init__(self, lower_case: bool) -> None:
        self.stack: list[tuple[int, str]] = []  # (level, heading text)
        self.colon_heading: str | None = None
        self.question: str | None = None
        self.block = 0
        self.lower_case = lower_case
        self.table_head: list[str] | None = None
        self._prev_kind = "blank"

    def heading(self) -> str | None:
        parts = [h for _, h in self.stack] + ([self.colon_heading] if self.colon_heading else [])
        return " / ".join(parts[-2:]) if parts else None

    def advance(self, line: Line, lines: list[Line]) -> None:
        if line.kind == "blank":
            if self._prev_kind != "blank":
                self.block += 1
            nxt = next((x for x in lines[line.index + 1:] if x.kind != "blank"), None)
            if self.colon_heading and nxt is not None and nxt.kind not in ("bullet", "row") and nxt.indent == 0:
                self.colon_heading = None
        elif line.kind == "heading":
            self.block += 1
            title = (line.label or "").strip()
            if line.level >= 6:
                self.colon_heading = title
            else:
                self.stack = [(lv, h) for lv, h in self.stack if lv < line.level] + [(line.level, title)]
                self.colon_heading = None
            self.question = title if title.endswith("?") else None
        if line.kind not in ("row", "rule"):
            self.table_head = None
        self._prev_kind = line.kind

    def after_segment(self, seg: Segment, text: str, seeker: bool | None) -> None:
        body = text[seg.start:seg.end].rstrip()
        if seg.kind == "heading":
            return
        asked = body.endswith("?") or (seg.label or "").lower() in rules.words("layout", "question_labels")
        if asked and seeker is not False:
            self.question = body
        elif seeker is True and "?" in body:
            self.question = body


def _pieces(text: str, line: Line, ctx: _Context) -> list[tuple[int, int, str | None]]:
    """(start, end, label) of each segment on a line."""
    if line.kind == "heading":
        return [_trim(text, line.body, line.end) + (None,)] if text[line.body:line.end].strip() else []
    if line.kind == "row":
        return _cells(text, line, ctx)
    label = line.label if line.kind in ("label", "header") else None
    if line.kind in ("header",):
        return [_trim(text, line.body, line.end) + (label,)]
    out = []
    for a, b in _sentences(text, line.body, line.end, ctx.lower_case):
        out.append((a, b, label))
    return out


def _cells(text: str, line: Line, ctx: _Context) -> list[tuple[int, int, str | None]]:
    """A table row's cells. A first row of short names is the header: later cells take their
    column's name as label; in a two-column table without one, the first cell labels the second."""
    cells = _split_cells(text, line.body, line.end)
    names = [text[a:b].strip(" *_") for a, b in cells]
    if ctx.table_head is None:
        ctx.table_head = names if _is_header_row(names) else []
        if ctx.table_head:
            return [(a, b, None) for a, b in cells]
    out = []
    for k, (a, b) in enumerate(cells):
        if ctx.table_head:
            label = ctx.table_head[k] if k < len(ctx.table_head) else None
        else:
            label = names[0] if k > 0 and len(cells) == 2 else None
        out.extend((s, e, label) for s, e in _sentences(text, a, b, ctx.lower_case))
    return out


def _is_header_row(cells: list[str]) -> bool:
    return bool(cells) and all(c and len(c.split()) <= 4 and not c.endswith(("?", ".")) for c in cells)


def _split_cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, a = [], start
    for i in range(start, end + 1):
        if i == end or text[i] == "|":
            s, e = _trim(text, a, i)
            if e > s:
                out.append((s, e))
            a = i + 1
    return out


def _sentences(text: str, start: int, end: int, lower_case: bool) -> list[tuple[int, int]]:
    """Sentence spans in text[start:end]; over-long ones split at clause breaks."""
    chunk = text[start:end]
    cuts = [m.start() for m in rules.pattern("layout", "sentence_end").finditer(chunk) if not _abbreviation(chunk, m.start())]
    if lower_case:
        cuts += [m.start() for m in rules.pattern("layout", "sentence_end_lower").finditer(chunk) if not _abbreviation(chunk, m.start())]
    spans, a = [], 0
    for c in sorted(set(cuts)) + [len(chunk)]:
        s, e = _trim(text, start + a, start + c)
        if e > s:
            spans.extend(_clauses(text, s, e))
        a = c
    return spans


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    limit = int(rules.load("layout")["max_sentence_words"])
    if len(text[start:end].split()) <= limit:
        return [(start, end)]
    out, a = [], start
    for m in rules.pattern("layout", "clause_break").finditer(text, start, end):
        if len(text[a:m.start()].split()) >= 8:
            out.append(_trim(text, a, m.start()))
            a = m.end()
    out.append(_trim(text, a, end))
    return [(s, e) for s, e in out if e > s]


def _abbreviation(chunk: str, cut: int) -> bool:
    """True when the word before a full stop is an abbreviation (Dr., e.g., Jan.) or an initial."""
    k = cut
    while k > 0 and chunk[k - 1] in "\"”’)]*_":
        k -= 1
    if k == 0 or chunk[k - 1] != ".":
        return False
    j = k - 1
    while j > 0 and (chunk[j - 1].isalpha() or chunk[j - 1] == "."):
        j -= 1
    word = chunk[j:k - 1].lower()
    return word in rules.words("layout", "abbreviations") or (len(word) == 1 and word.isalpha())


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and (text[a].isspace() or text[a] in "*_"):
        a += 1
    while b > a and (text[b - 1].isspace() or text[b - 1] in "*_"):
        b -= 1
    return a, b


def _kind(line: Line, start: int, end: int, text: str) -> str:
    if line.kind == "row":
        return "cell"
    if line.kind in ("prose", "quote", "label", "turn") and (start > line.body or end < line.end):
        return "sentence" if line.kind == "prose" else line.kind
    return line.kind


def _mostly_lower(text: str, lines: list[Line]) -> bool:
    """Notes typed in lower case: most lines and sentences start with a small letter."""
    starts = [text[line.body] for line in lines if line.kind in ("prose", "bullet", "label") and line.body < line.end]
    for line in lines:
        if line.kind in ("prose", "bullet", "label"):
            chunk = text[line.body:line.end]
            starts += [chunk[i + 2] for i in range(len(chunk) - 2) if chunk[i] in ".!?" and chunk[i + 1] == " "]
    letters = [c for c in starts if c.isalpha()]
    return len(letters) >= 3 and sum(c.islower() for c in letters) / len(letters) > 0.6


def _depth_levels(lines: list[Line]) -> dict[int, int]:
    indents = sorted({line.indent for line in lines if line.kind != "blank"})
    return {ind: k for k, ind in enumerate(indents)}
