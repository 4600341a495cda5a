"""Dates: find the date expressions in a note and resolve them against an anchor date.

One finder and one resolver serve the interview date, deadlines, promise due dates and the
command line's `--due`/`--since`. Month and weekday names, number words and the expression
patterns are data (`rules/dates.yaml`). A date without a year takes the anchor's year; looking
forward (deadlines) a date long past rolls to the next year, looking back (the interview) a
date in the future rolls to the year before.
"""
from __future__ import annotations

import calendar
import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from pipeline import rules
from pipeline.document import START


@dataclass
class FoundDate:
    start: int
    end: int
    kind: str
    parts: dict[str, str | None]


def find_dates(text: str, start: int = 0, end: int | None = None) -> list[FoundDate]:
    """Date expressions in text[start:end], in order, none overlapping (more specific kinds first)."""
    end = len(text) if end is None else end
    found: list[FoundDate] = []  # kept in text order; none overlap, so a new match need only be checked against its neighbours
    for kind, rx in _finders():
        for m in rx.finditer(text, start, end):
            at = bisect_left(found, m.start(), key=START)
            if (at > 0 and found[at - 1].end > m.start()) or (at < len(found) and found[at].start < m.end()):
                continue
            found.insert(at, FoundDate(m.start(), m.end(), kind, m.groupdict()))
    return found


def resolve(found: FoundDate, text: str, anchor: date, forward: bool = True) -> date | None:
    """The calendar date an expression names, relative to `anchor`."""
    p = found.parts
    if found.kind == "iso":
        return _safe(int(p["y"]), int(p["m"]), int(p["d"]))
    if found.kind == "numeric":
        return _numeric(int(p["a"]), int(p["b"]), p.get("y"), anchor, forward)
    if found.kind in ("month_day", "day_month"):
        month = _months()[p["mon"].lower().rstrip(".")]
        return _dated(month, int(p["d"]), _year(p.get("y")), anchor, forward)
    if found.kind == "day_of_month":
        return _day_of_month(int(p["d"]), anchor)
    return resolve_phrase(text[found.start:found.end], anchor, forward)


def resolve_phrase(phrase: str, anchor: date, forward: bool = True) -> date | None:
    """A date written in words or numbers ("next Friday", "in two weeks", "3/31", "2026-03-31")."""
    text = " ".join(phrase.lower().split())
    hits = find_dates(text)
    if hits and hits[0].kind != "relative":
        return resolve(hits[0], text, anchor, forward)
    for rule in (_count, _day_words, _month_words, _weekend, _week, _weekday):
        result = rule(text, anchor, forward)
        if result is not None:
            return result
    return None


def month_number(word: str) -> int | None:
    """1-12 for a month name or abbreviation."""
    return _months().get(word.lower().rstrip("."))


@lru_cache(maxsize=1)
def _finders() -> list[tuple[str, re.Pattern[str]]]:
    data = rules.load("dates")
    alt = lambda names: "|".join(sorted(map(re.escape, names), key=len, reverse=True))  # noqa: E731
    fill = {"month": alt(data["months"]), "weekday": alt(data["weekdays"]),
            "weekday_full": alt(w for w in data["weekdays"] if w.endswith("day")), "number": alt(data["numbers"])}
    out = []
    for spec in data["find"]:
        source = spec["regex"]
        for key, value in fill.items():
            source = source.replace("{" + key + "}", f"(?:{value})")
        out.append((spec["kind"], re.compile(source, re.IGNORECASE)))
    return out


@lru_cache(maxsize=1)
def _months() -> dict[str, int]:
    return {k: int(v) for k, v in rules.load("dates")["months"].items()}


@lru_cache(maxsize=1)
def _weekdays() -> dict[str, int]:
    return {k: int(v) for k, v in rules.load("dates")["weekdays"].items()}


@lru_cache(maxsize=1)
def _numbers() -> dict[str, int]:
    return {k: int(v) for k, v in rules.load("dates")["numbers"].items()}


def _year(raw: str | None) -> int | None:
    if not raw:
        return None
    y = int(raw)
    return y + 2000 if y < 100 else y


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _numeric(a: int, b: int, raw_year: str | None, anchor: date, forward: bool) -> date | None:
    """M/D (US) unless the first number cannot be a month, then D/M."""
    month, day = (a, b) if a <= 12 else (b, a)
    if month > 12 or day > 31:
        return None
    return _dated(month, day, _year(raw_year), anchor, forward)


def _dated(month: int, day: int, year: int | None, anchor: date, forward: bool) -> date | None:
    if year is not None:
        return _safe(year, month, day)
    result = _safe(anchor.year, month, day) or _safe(anchor.year + (1 if forward else -1), month, day)
    if result is None:
        return None
    limit = int(rules.load("dates")["rollover_days"])
    if forward and (anchor - result).days > limit:
        result = _safe(anchor.year + 1, month, day)
    elif not forward and (result - anchor).days > limit:
        result = _safe(anchor.year - 1, month, day)
    return result


def _day_of_month(day: int, anchor: date) -> date | None:
    if day >= anchor.day:
        return _safe(anchor.year, anchor.month, day)
    nxt = anchor + relativedelta(months=1)
    return _safe(nxt.year, nxt.month, day)


def _day_words(text: str, anchor: date, forward: bool) -> date | None:
    if "day after tomorrow" in text:
        return anchor + timedelta(days=2)
    if "tomorrow" in text:
        return anchor + timedelta(days=1)
    if "yesterday" in text:
        return anchor - timedelta(days=1)
    words = set(text.split())
    if words & {"today", "tonight", "eod", "asap"} or "this morning" in text or "this afternoon" in text or "this evening" in text \
            or "end of day" in text or "end of the day" in text:
        return anchor
    return None


def _count(text: str, anchor: date, forward: bool) -> date | None:
    words = text.replace(",", " ").split()
    units = {"day": "days", "days": "days", "week": "weeks", "weeks": "weeks", "month": "months", "months": "months"}
    for i, w in enumerate(words):
        if w in units and i > 0:
            count = _count_before(words[:i])
            if count is not None:
                return anchor + relativedelta(**{units[w]: count})
    return None


def _count_before(words: list[str]) -> int | None:
    if words[-1].isdigit():
        return int(words[-1])
    for n in (3, 2, 1):
        phrase = " ".join(words[-n:])
        if phrase in _numbers():
            return _numbers()[phrase]
    return None


def _month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def _month_words(text: str, anchor: date, forward: bool) -> date | None:
    if "end of next month" in text:
        return _month_end(anchor + relativedelta(months=1))
    if "end of the month" in text or "end of this month" in text or "end of month" in text or "eom" in text.split():
        return _month_end(anchor)
    if "next month" in text:
        return anchor + relativedelta(months=1)
    return None


def _next_weekday(anchor: date, weekday: int) -> date:
    """First date strictly after `anchor` on `weekday` (Mon=0)."""
    return anchor + timedelta(days=(weekday - anchor.weekday() - 1) % 7 + 1)


def _last_weekday(anchor: date, weekday: int) -> date:
    """Last date strictly before `anchor` on `weekday`."""
    return anchor - timedelta(days=(anchor.weekday() - weekday - 1) % 7 + 1)


def _next_weekday_next(anchor: date, weekday: int) -> date:
    """'next <weekday>': the first one, pushed a week when it is two days away or less."""
    result = _next_weekday(anchor, weekday)
    return result + timedelta(days=7) if (result - anchor).days <= 2 else result


def _weekend(text: str, anchor: date, forward: bool) -> date | None:
    if "next weekend" in text:
        return _next_weekday_next(anchor, 5)
    if "weekend" in text:
        return anchor if anchor.weekday() >= 5 else _next_weekday(anchor, 5)
    return None


def _week(text: str, anchor: date, forward: bool) -> date | None:
    if "next week" in text:
        return anchor + timedelta(days=7)
    if "end of the week" in text or "end of this week" in text or "this week" in text or "eow" in text.split():
        return anchor + timedelta(days=(4 - anchor.weekday()) % 7)
    return None


def _weekday(text: str, anchor: date, forward: bool) -> date | None:
    words = text.replace(",", " ").replace(".", " ").split()
    for i, w in enumerate(words):
        if w in _weekdays():
            lead = words[i - 1] if i else ""
            full = w.endswith("day")
            if lead == "next":
                return _next_weekday_next(anchor, _weekdays()[w])
            if lead == "last":
                return _last_weekday(anchor, _weekdays()[w])
            if not forward and (full or lead in ("on", "this")):
                return _last_weekday(anchor + timedelta(days=1), _weekdays()[w])
            if full or lead in ("by", "on", "this", "before", "until", "till"):
                return _next_weekday(anchor, _weekdays()[w])
    return None
