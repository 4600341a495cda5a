"""Date finding for extraction: interview dates and deadlines written the ways people write them.

"3/14", "Sat Feb 28", "Tuesday, April 7", "November 9th", "2026-03-03", "Feb 24, 2026",
e-mail header dates. A missing year comes from the caller's anchor year.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_MONTH = r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_PATTERNS = [
    ("iso", re.compile(r"\b(20\d\d)-(\d{1,2})-(\d{1,2})\b")),
    ("mdy_name", re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(20\d\d))?\b", re.I)),
    ("dmy_name", re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+(20\d\d))?\b", re.I)),
    ("slash", re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(20\d\d|\d\d))?(?![\d/])")),
]


@dataclass
class FoundDate:
    value: date
    start: int
    end: int
    has_year: bool


def find_dates(text: str, anchor_year: int) -> list[FoundDate]:
    """All dates in `text`, in order, years filled from `anchor_year` when missing."""
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []
    for kind, rx in _PATTERNS:
        for m in rx.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            d = _to_date(kind, m, anchor_year)
            if d:
                found.append(FoundDate(d[0], m.start(), m.end(), d[1]))
                taken.append((m.start(), m.end()))
    return sorted(found, key=lambda f: f.start)


def _to_date(kind: str, m: re.Match, year: int) -> tuple[date, bool] | None:
    try:
        if kind == "iso":
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3))), True
        if kind == "mdy_name":
            y = m.group(3)
            return date(int(y) if y else year, _MONTHS[m.group(1)[:3].lower()], int(m.group(2))), bool(y)
        if kind == "dmy_name":
            y = m.group(3)
            return date(int(y) if y else year, _MONTHS[m.group(2)[:3].lower()], int(m.group(1))), bool(y)
        y = m.group(3)
        yy = (2000 + int(y) if len(y) == 2 else int(y)) if y else year
        return date(yy, int(m.group(1)), int(m.group(2))), bool(y)
    except (ValueError, KeyError):
        return None
