"""Text that is safe where it goes: terminals (no control sequences), Markdown (no raw HTML, no
links), spreadsheets (no formulas, as OWASP advises for CSV injection) and JSON (no raw C1
controls or bidi overrides, which some terminals act on when JSON is printed to them).

Every output path uses one of these: the run summary and its error lines, `show`, the lead and
task lists, search snippets, the Markdown checklist, CSV/TSV cells and JSON.
"""
from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

# A cell starting with one of these is a formula to Excel or LibreOffice (OWASP; ASVS 1.2.10 adds NUL;
# full-width forms are folded to these by some spreadsheets).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "|", "%", "＝", "＋", "－", "＠")
_KEEP = "\u200c\u200d"  # zero-width (non-)joiners: part of some scripts' spelling
# In JSON printed to a terminal: DEL and C1 controls (U+0080-U+009F, e.g. U+009B is a CSI), bidi marks.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MD_SPECIAL = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\\": "\\\\", "[": "\\[", "]": "\\]", "`": "\\`"})


def terminal(text: Any) -> str:
    """Text for the terminal: control characters (ESC sequences, bells, carriage returns) and
    invisible format characters (bidi overrides) shown as visible escapes; newlines and tabs kept."""
    return _escape_controls("" if text is None else str(text), keep="\n\t")


def terminal_line(text: Any) -> str:
    """One line for the terminal: like `terminal`, and newlines and tabs are shown as escapes too."""
    return _escape_controls("" if text is None else str(text), keep="")


def markdown(text: Any) -> str:
    """One line of Markdown: HTML neutralised (& < > as entities), link and code syntax escaped,
    controls shown as escapes."""
    s = terminal(" ".join(("" if text is None else str(text)).split()))
    return s.translate(_MD_SPECIAL)


def spreadsheet(value: Any) -> str:
    """A cell that cannot start a formula: a leading ' when it begins, even after leading spaces
    or other white space, with = + - @ tab CR LF NUL | % (or their full-width forms); control
    characters are shown as escapes."""
    text = terminal("" if value is None else str(value))
    if text.startswith(_FORMULA_START) or text.lstrip().startswith(_FORMULA_START):
        return "'" + text
    return text


def json_text(data: Any, **kwargs: Any) -> str:
    """JSON as `json.dumps(ensure_ascii=False)` writes it, with C1 controls and bidi marks as \\u escapes."""
    return json_safe(json.dumps(data, ensure_ascii=False, **kwargs))


def json_safe(text: str) -> str:
    """Escape C1 controls and bidi marks in JSON text (they only occur inside strings, so it stays valid)."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _escape_controls(s: str, keep: str) -> str:
    if s.isprintable():
        return s
    out = []
    for ch in s:
        if ch in keep or ch in _KEEP or unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"):
            out.append(ch)
        else:
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")
    return "".join(out)
