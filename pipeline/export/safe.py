"""Text that is safe where it goes: terminals (no control sequences), Markdown (no raw HTML),
spreadsheets (no formulas, as OWASP advises for CSV injection)."""
from __future__ import annotations

import unicodedata
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "|", "%")


def terminal(text: Any) -> str:
    """Control characters (ESC sequences, bells, carriage returns) shown as visible escapes."""
    s = "" if text is None else str(text)
    if s.isprintable():
        return s
    out = []
    for ch in s:
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf") or ch in "\u200d\u200c":
            out.append(ch)
        else:
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")
    return "".join(out)


def markdown(text: Any) -> str:
    """One line of Markdown with HTML neutralised and controls escaped."""
    s = terminal(" ".join(("" if text is None else str(text)).split()))
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def spreadsheet(value: Any) -> str:
    """A cell that cannot start a formula: a leading ' when it begins (after any spaces) with = + - @ tab CR | %."""
    text = "" if value is None else str(value)
    if text.lstrip(" ").startswith(_FORMULA_START) or text.startswith(_FORMULA_START):
        return "'" + text
    return text
