"""Job leads (part of extraction): specific openings, program cycles and upcoming positions.

A line is a candidate when it carries an opening cue ("hiring", "posting", "applications
close", "cohort", a careers URL). The title is a span of the line chosen deterministically
among candidate phrases (bold text, Title Case runs ending in a job word, "hiring a X",
"apply to the X", "the X posting"), never a paraphrase. Deadlines come from dates after
"close/due/through/by" or relative phrases resolved from the interview date.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from pipeline.dates import find_dates

OPENING_CUE = re.compile(
    r"(posting|posted|\bposts?\b|opening|openings|\bopen now\b|internship|\bintern\b|fellowship|apprenticeship|"
    r"\bposition\b|hiring|\bhires?\b|accepting applications|applications? (open|close|are due|due|for)|apps (open|close|due)|"
    r"\bcloses?\b|deadline|job id|requisition|program (opens|cycle)|cohort|\bpathway\b|roster|test cycle|"
    r"residency|contract role|advertis|/jobs?/|/careers)", re.I)
_NOT_AN_OPENING = re.compile(r"hiring managers?|hiring (is|has been|was) (frozen|slow|flat)|hiring freezes?|hiring (side|process|committee|panel)|"
                             r"new hires", re.I)
_PAST_OR_NONE = re.compile(r"\b(last year|years? ago|used to|aren'?t|isn'?t|not posting|never post|frozen|freeze|rarely|"
                           r"(we|i|he|she|they) (were|was)|you('ll)? need)\b", re.I)  # history and requirements, not openings
_STRONG = re.compile(r"(posting|posted|\bposts?\b|open now|opens|\bopening\b|hiring|accepting applications|applications?|apps|closes?|"
                     r"deadline|due|cohort|/jobs?/|/careers|apply)", re.I)
HEAD = (r"(intern(?:ship)?s?|program|fellowship|apprenticeship|specialist|coordinator|engineer|analyst|associate|assistant|"
        r"technician|tech|writer|designer|manager|developer|scientist|nurse|officer|representative|researcher|planner|"
        r"consultant|role|position|trainee|residency|cohort|roster|pathway|cycle|class|job|apprentice|aide|clerk|assistantship|"
        r"teacher|therapist|counselor|librarian|archivist|paralegal|SLPA|CNA|EMT)s?")
_HEAD_END = re.compile(rf"\b{HEAD}(?:\s+(?:I{{1,3}}|IV))?$", re.I)
_PRONOUN = re.compile(r"\b(you|your|my|me|we|our|he|she|his|her|they|them|it|m|ve|ll|name)\b|\bi\b(?!\s*\()", re.I)
_ROMAN_I = re.compile(r"\b[A-Z][\w&/\-]*(?: [A-Z][\w&/\-]*)* I{1,3}\b")  # "Planning Technician I", "CRC II"
_PATTERNS = [
    re.compile(r"\*\*([^*]{3,80})\*\*"),
    re.compile(r"(?:posting|position|role|opening|open now)\s*:\s*\**([^,(\n*]{3,80})", re.I),
    re.compile(r"\b(?:hiring|hires?|hire)\s+(?:an?\s+|the\s+|(?:one|two|three|four|five|six|several|\d+)\s+)?([\w&/\- ]{3,60}?)(?=\s+(?:for|every|this|next|in|on|at|to)\b|[,.;:(!]|$)", re.I),
    re.compile(r"\b(?:apply (?:to|for)|applications? for|accepting applications for|posting for)\s+(?:the\s+|a\s+|an\s+)?([^,.;()]{3,60}?)(?=\s+(?:posting|job|before|by|through|on|at|when|once|if|after|this|next)\b|[,.;(]|$)", re.I),
    re.compile(r"\b(?:the|a|an|our)\s+([\w&/\- ]{3,60}?)\s+(?:posting|job|role|position|opening)s?\b", re.I),
    re.compile(r"((?:[A-Z0-9][\w&/\-]*\s+(?:(?:of|and|for|in|&)\s+)?){1,7}(?i:" + HEAD + r")(?:\s+(?:I{1,3}|IV)\b)?)\b(?:\s*\([^)]{1,50}\))?"),
    re.compile(r"\b((?:next year's|spring|summer|fall|winter|next|the)\s+[\w ]{0,30}" + HEAD + r")\b", re.I),
]


@dataclass
class Opening:
    title: str
    start: int  # offset of the title within the line
    url: str | None
    deadline: str | None
    strength: int


def find_opening(line: str, interview: date | None, anchor_year: int, context: str | None = None) -> Opening | None:
    """The opening a line talks about, or None when it names no specific opening. In an
    outlook line (market talk) only openings with a URL or deadline count; in a people line
    ("Lena Ortiz — Content Design Manager") only those with a posting/apply/deadline cue."""
    cues = _NOT_AN_OPENING.sub(" ", line)
    if not OPENING_CUE.search(cues) or (context == "people" and not _STRONG.search(cues)):
        return None
    title = opening_title(line)
    if not title or _person_after(line[line.find(title) + len(title):]):
        return None  # "Our HTM manager, Yolanda, would be the person to talk to": a person's title
    from pipeline.people import URL_RE

    url = URL_RE.search(line)
    deadline = opening_deadline(line, interview, anchor_year)
    if (context == "outlook" or _PAST_OR_NONE.search(line)) and not (url or deadline):
        return None
    strength = bool(url) + bool(deadline) + bool(_STRONG.search(cues)) + (_title_case(title) or bool(_HEAD_END.search(title)))
    return Opening(title, line.find(title), url.group(0) if url else None, deadline, strength)


def _person_after(rest: str) -> bool:
    from pipeline.people import known_first_name

    m = _PERSON_AFTER.match(rest)
    return bool(m and known_first_name(m.group("name")))


_TODO_VERB = re.compile(r"(?:check|look|apply|e-?mail|call|text|watch|ask|find|see|visit|go|sign|register|read|follow|set|bookmark|"
                        r"keep|talk|reach|send|get|start|finish|update|message)\b", re.I)


def listed_opening(line: str, interview: date | None, anchor_year: int) -> Opening | None:
    """A bullet under a "jobs:" heading names its opening first: "WI DNR seasonal naturalist, apps due Feb 28"
    (but "check the county site every week" is a to-do, not an opening)."""
    head = re.match(r"\s*([^,;:(\n]{3,80}?)\s*(?:[,;:(]|\s[-–—]\s|$)", line)
    if not head or len(head.group(1).split()) > 8 or _PRONOUN.search(head.group(1)) or _TODO_VERB.match(head.group(1)):
        return None
    from pipeline.people import URL_RE

    url = URL_RE.search(line)
    deadline = opening_deadline(line, interview, anchor_year)
    return Opening(head.group(1), head.start(1), url.group(0) if url else None, deadline, 2 + bool(url or deadline))


def opening_title(line: str) -> str | None:
    """The best title span in the line: job-word phrases first, Title Case preferred."""
    cands: list[tuple[int, str]] = []
    for rank, rx in enumerate(_PATTERNS):
        for m in rx.finditer(line):
            t = _trim(m.group(1))
            if t and _acceptable(t):
                score = 3 * bool(_HEAD_END.search(t)) + 2 * _title_case(t) + (2 if rank == 0 else 0) - 0.1 * rank
                cands.append((score, t))
    if not cands:
        return None
    return max(cands, key=lambda c: c[0])[1]


def opening_deadline(line: str, interview: date | None, anchor_year: int) -> str | None:
    """A date after close/due/through/by/until, or a relative phrase ("in two weeks")."""
    for m in re.finditer(r"(clos\w*|due|deadline|until|through|thru|by|before|open\w* through)\b(.{0,40})", line, re.I):
        if interview:  # resolves relative phrases and rolls "Jan 5" after a December interview into next year
            from pipeline.followups import resolve_due

            d = resolve_due(m.group(0), interview)
            if d:
                return d.isoformat()
            continue
        dates = find_dates(m.group(2), anchor_year)
        if dates:
            return dates[0].value.isoformat()
    return None  # "possible through the firm's program ... close April 9th": the first cue may carry no date


_PERSON_AFTER = re.compile(r",?\s+(?P<name>[A-Z][a-z]+)(?:\s+[A-Z][a-z]+)?\s*,?\s*(?:would|is|can|will|does|handles|runs|knows)\b")


def _trim(t: str) -> str:
    t = re.sub(r"^(?:(?:[Ss]ubmit|[Ss]end|[Cc]omplete|[Aa]pply to|[Aa]pply for|[Aa]pply)\s+(?:my\s+|the\s+)?)?", "", t.strip(" *,.:;-–—"))
    t = re.sub(r"^(the|a|an|our|their|its|this|that|four|two|three|some|new|current)\s+", "", t, flags=re.I)
    return t.strip(" *,.:;-–—")


_GENERIC = re.compile(r"^((next|this|the|spring|summer|fall|winter|seasonal|state|entry[- ]level|permanent|new|other|more|some|small|big|large|(?:19|20)\d\d(?:[-–/]\d\d)?|"
                      r"next year's|full[- ]time|part[- ]time)\s+)*(jobs?|programs?|pathways?|cohorts?|residency|positions?|roles?|"
                      r"openings?|class|cycle|internships?)$", re.I)


def _acceptable(t: str) -> bool:
    words = t.split()
    pronoun = _PRONOUN.search(_ROMAN_I.sub(lambda m: m.group(0).rsplit(" ", 1)[0], t))
    if not 1 <= len(words) <= 10 or pronoun or t.lower().startswith(("http", "www")):
        return False
    if len(words) == 1 and t.islower():
        return False  # "manager", "intern": a bare job word names no specific opening
    if _GENERIC.match(t) or re.search(r"hiring manager|recruit|coordinator for|\bboss\b", t, re.I):
        return False
    from pipeline.people import looks_like_person

    if looks_like_person(t) or find_dates(t, 2000) and len(words) <= 3:
        return False
    return _HEAD_END.search(t) is not None or _title_case(t)


def _title_case(t: str) -> bool:
    words = [w for w in t.split() if w.lower() not in ("of", "and", "for", "in", "&", "the")]
    return len(words) >= 2 and all(w[:1].isupper() or w[:1].isdigit() for w in words)
