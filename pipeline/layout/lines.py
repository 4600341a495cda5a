"""Reading each line's form: heading, bullet, checkbox, quote, e-mail header, table row, label,
speaker turn, rule or prose. Patterns come from `rules/layout.yaml`; nothing here decides topics.
"""
from __future__ import annotations

from pipeline import rules
from pipeline.document import Line

_MAX_HEADING_WORDS = 9


def read_lines(text: str) -> list[Line]:
    """One `Line` per line of `text`, with its kind, indent and where its content starts."""
    lines: list[Line] = []
    pos = 0
    raw_lines = text.split("\n")
    header_zone = True  # e-mail headers count at the top and right after a forwarded/quoted-message line
    for i, raw in enumerate(raw_lines):
        line = _read(i, pos, raw)
        if line.kind == "header" and not header_zone:
            line.kind = "label"
        elif line.kind == "meta":
            header_zone = True
        elif line.kind not in ("blank", "header"):
            header_zone = False
        lines.append(line)
        pos += len(raw) + 1
    _mark_setext(lines, raw_lines)
    return lines


def _read(i: int, pos: int, raw: str) -> Line:
    stripped = raw.strip()
    indent = _indent(raw)
    if not stripped:
        return Line(i, pos, pos + len(raw), "blank", pos + len(raw), indent)
    end = pos + len(raw.rstrip())
    if rules.pattern("layout", "rule").match(raw) or (rules.pattern("layout", "table_separator").match(raw) and "|" in raw):
        return Line(i, pos, end, "rule", end, indent)
    if rules.pattern("layout", "forwarded").match(raw):
        return Line(i, pos, end, "meta", end, indent)
    m = rules.pattern("layout", "md_heading").match(raw)
    if m:
        return Line(i, pos, end, "heading", pos + m.start(2), indent, label=m.group(2).strip("*_ :"), level=len(m.group(1)))
    return _read_marked(i, pos, raw, end, indent)


def _read_marked(i: int, pos: int, raw: str, end: int, indent: int) -> Line:
    """Quotes, checkboxes, bullets, headers, chat stamps, rows, labels and plain lines."""
    off = 0
    kind = "prose"
    q = rules.pattern("layout", "quote").match(raw)
    if q:
        off, kind = q.end(), "quote"
        callout = rules.pattern("layout", "callout").match(raw[off:])
        if callout:
            title = callout.group(2).strip() or callout.group(1)
            return Line(i, pos, end, "heading", pos + off + callout.start(2), indent, label=title, level=4)
    checked = None
    c = rules.pattern("layout", "checkbox").match(raw[off:])
    if c:
        checked = c.group(1).strip().lower() in ("x", "✓", "✔")
        off += c.end()
        kind = "bullet"
    else:
        b = rules.pattern("layout", "bullet").match(raw[off:])
        if b and not (kind == "quote" and raw[off:off + 1] == ">"):
            off += b.end()
            kind = "bullet"
    rest = raw[off:]
    line = Line(i, pos, end, kind, pos + off + (len(rest) - len(rest.lstrip())), indent, checked=checked)
    return _read_content(line, raw, off)


def _read_content(line: Line, raw: str, off: int) -> Line:
    rest = raw[off:]
    if line.kind in ("prose", "quote") and rules.pattern("layout", "email_header").match(rest):
        m = rules.pattern("layout", "label").match(rest)
        line.kind, line.label = "header", rest.split(":", 1)[0].strip()
        line.body = line.start + off + (m.end() if m else len(rest))
        return line
    for key in ("chat_stamp", "time_then_speaker"):
        m = rules.pattern("layout", key).match(rest)
        if m:
            line.kind, line.label = "turn", m.group("name").strip(" *")
            line.body = min(line.start + off + m.end(), line.end)
            return line
    for key in ("speaker_line", "sent_messages"):
        m = rules.pattern("layout", key).match(rest)
        if m and line.kind == "prose":
            line.kind, line.label, line.body = "speaker", m.group("name").strip(" *"), line.end
            return line
    if "|" in rest and rest.count("|") >= 1 and len([c for c in rest.strip().strip("|").split("|") if c.strip()]) >= 2:
        line.kind = "row"
        return line
    m = rules.pattern("layout", "label").match(rest)
    if m and _label_ok(m.group("label"), rest[m.end():]):
        line.label = m.group("label").strip(" *_")
        line.body = min(line.start + off + m.end(), line.end)
        if line.body >= line.end:
            line.kind, line.level = "heading", 6
        elif line.kind == "prose":
            line.kind = "label"
        return line
    if line.kind in ("prose", "quote") and _heading_like(rest):
        line.kind, line.label, line.level = "heading", rest.strip(" *_#:"), 6
    return line


def _label_ok(label: str, value: str) -> bool:
    """A short label, not a clock time, URL or the first words of a sentence."""
    words = label.split()
    if not words or len(words) > 5 or label.rstrip().endswith(("http", "https")):
        return False
    if words[-1].lower().strip("*_") in rules.words("layout", "speech_verbs"):
        return False  # "Zoë said: learn ROS 2" is a sentence, not a label
    return not value.startswith("//")


def _heading_like(content: str) -> bool:
    """Short lines in capitals or bold, with no sentence end: a heading."""
    text = content.strip()
    words = text.strip("*_").split()
    if not words or len(words) > _MAX_HEADING_WORDS or text.endswith((".", ",", ";", "?", "!")):
        return False
    bold = text.startswith(("**", "__")) and text.endswith(("**", "__")) and len(text) > 4
    letters = [ch for ch in text if ch.isalpha()]
    caps = len(letters) >= 3 and all(ch.isupper() for ch in letters)
    return bold or caps


def _mark_setext(lines: list[Line], raw_lines: list[str]) -> None:
    """A line underlined with === or --- is a heading."""
    for i in range(1, len(lines)):
        if lines[i].kind == "rule" and lines[i - 1].kind in ("prose", "label") and rules.pattern("layout", "setext_underline").match(raw_lines[i]):
            prev = lines[i - 1]
            prev.kind, prev.label, prev.level = "heading", raw_lines[i - 1].strip(), 2 if "-" in raw_lines[i] else 1
            prev.body = prev.start + _indent(raw_lines[i - 1])


def _indent(raw: str) -> int:
    n = 0
    for ch in raw:
        if ch == " ":
            n += 1
        elif ch == "\t":
            n += 4
        else:
            break
    return n
