"""Skills (part of extraction): short skill phrases cut out of the lines a note files under skills.

A skills line names its skill first and explains it after: "mechanical aptitude - knowing how
stuff works, pumps, saws", "GIS, mostly ArcGIS Pro, some QGIS", "technical depth in EE (signal
processing, circuits) — you have to...". So the phrase is the line's head: quotes and brackets
are masked, the first sentence is cut at the first dash, colon or clause word, filler words
are dropped from its start, and further comma parts count only when the head is a plain list
("cleanings, x-rays, perio charting"). Prose sentences ("Then valuation, DCF and comps, and
Excel modeling.") are read the same way after an introduction such as "the skills are".
Every phrase is returned as offsets into the line, never rewritten.
"""
from __future__ import annotations

import re

_MASK = re.compile(r"[\"“][^\"”]*[\"”]|\([^()]*\)|\[[^\]]*\]")
_SENTENCE = re.compile(r"[.;!?](?:\s|$)")
_DETAIL = re.compile(r"\s(?:-|–|—|=|->|→)\s|\s?[–—]\s?|:\s|\s(?:because|which|since|so|for|while|but|you|esp\.?|especially|e\.g\.?|like|when|if|"
                     r"that|w/|who|where|whose|is|are|was|were|matters?|helps?|goes|gets?|said|says|means|runs|separates|counts?|"
                     r"makes?|takes?|will|would|can|should|must|has|have|had|does|did|required|needed|a must|first|second|above all|isn'?t|aren'?t|doesn'?t|don'?t|not just|not only|rather than|instead of|"
                     r"even|obviously|honestly|really|number (?:one|1)|by far|first and always)\b")
_INTRO = re.compile(r"^.{0,80}?\b(?:skills?(?: (?:that|which|she|he|they|you) [\w ]{1,25}?)? (?:are|is|were|was)|(?:she|he|they) (?:listed|named|mentioned)|include[sd]?|such as|"
                    r"things? (?:are|is)|need(?:s|ed)? (?:is|are)|list(?:ed)?|what (?:she|he|they) (?:looks?|looked) for (?:is|are))\s+", re.I)
_FILLER = re.compile(r"^(?:(?:and|or|plus|also|then|so|oh|honestly|obviously|really|just|mostly|mainly|definitely|especially|esp|like|"
                     r"including|being able to|be able to|the ability to|ability to|knowing how to|knowledge of|experience with|"
                     r"some|basic|good|strong|solid|general|a|an|the|you need|you have to|you gotta|a lot of|lots of|learn|master|know|"
                     r"pick up|get good at|brush up on)\s+)+", re.I)
_NOT_A_SKILL = re.compile(r"(i|you|she|he|they|it|we|that|this|these|those|there|here|number|who|what|by|in|on|at|of|with|from|"
                          r"according|matters|less|more|most|very|learn|get|do|make|req'?d|required|plus|nobody|everyone|everybody|"
                          r"anyone|anything|someone|something|people|also|said|says|ha|thanks?|thank|to|how|if|enough|apparently|but|so|every|each|"
                          r"all|maybe|probably|because|which)\b", re.I)
_GENERIC_LABEL = re.compile(r"^(?:(?:hard|soft|technical|tech|people|core|key|must[- ]have|nice[- ]to[- ]have|other|main|top|"
                            r"the)\s+)*(?:skills?|tools?|software|certs?|certifications?|credentials?|qualifications?|tech|stack)$", re.I)
_HEDGE = re.compile(r"(mostly|mainly|some|especially|esp|including|like|e\.g|i\.e|even|also|plus|sometimes|ideally)\b", re.I)
MAX_WORDS = 6  # a longer head is cut to its first six words
MAX_PROSE_WORDS = 6  # a longer comma part of a prose sentence is a clause, not a skill


def skill_spans(line: str, prose: bool = False) -> list[tuple[int, int]]:
    """(start, end) offsets in `line` of the skill phrases it names."""
    masked = _MASK.sub(lambda m: " " * len(m.group(0)), line)
    spans: list[tuple[int, int]] = []
    for a, b in _sentences(masked) if prose else _sentences(masked)[:1]:
        head_a, head_b = _head(masked, a, b, prose)
        found = _list_items(line, masked, head_a, head_b, whole_list=not prose)
        spans.extend(found)
        if found:
            spans.extend(_named_tools(line, head_a, b))
    return spans


def _named_tools(line: str, a: int, b: int) -> list[tuple[int, int]]:
    """Named tools in brackets after a skill: "data cleaning (OpenRefine, some Python/pandas)",
    "data analytics (SQL, or at least Power Query)". Only names count (a capital, a slash between
    letters or a rare word; no person, date or bare number), so "(errors, money, anything scary)" adds nothing."""
    out: list[tuple[int, int]] = []
    for group in re.finditer(r"\(([^()]{2,80})\)", line[a:b]):
        base = a + group.start(1)
        for part in re.finditer(r"[^,;]+", group.group(1)):
            s, e = base + part.start(), base + part.end()
            lead = re.match(r"\s*(?:(?:and|or|some|a little|a bit of|at least|or at least|mostly|esp\.?|e\.g\.?|like|plus)\s+)*", line[s:e])
            s += lead.end() if lead else 0
            e = s + len(line[s:e].rstrip(" ."))
            if s < e and _tool_like(line[s:e]):
                out.append((s, e))
    return out


_TRAILING_JOINS = re.compile(r"(?:\s+(?:(?:and|or|plus)\b|&)|[\s.!?;:-])+$")
_DATE_WORD = re.compile(r"\b(?:mon|tues?|wed|thu(?:rs)?|fri|sat|sun)(?:day)?\b|\b(?:jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b", re.I)


def _tool_like(phrase: str) -> bool:
    words = phrase.split()
    if not 1 <= len(words) <= 3 or _NOT_A_SKILL.match(phrase) or re.search(r"\d+\s*(hrs?|hours|yrs?|years|min|k|%)\b|[$\"“”]", phrase):
        return False
    if _DATE_WORD.search(phrase) or words[0][:1].islower() and any(w[:1].isupper() for w in words[1:]):
        return False  # "(per Dana Reyes, Tuesday)", "(ask Marco Diaz)"
    from pipeline.people import looks_like_person

    if looks_like_person(phrase):
        return False
    if not re.search(r"[A-Za-z]{2}", phrase):
        return False  # "17+"
    if re.search(r"[A-Z]|[A-Za-z]/[A-Za-z]", phrase):
        return True
    from wordfreq import zipf_frequency

    return all(zipf_frequency(w.lower(), "en") < 3.0 for w in words)


def skill_like(phrase: str) -> bool:
    """A short noun-ish phrase: 1-6 words, not a pronoun or filler start, not a common lone word."""
    words = phrase.split()
    if len(phrase) > 80 or not 1 <= len(words) <= MAX_WORDS or re.search(r"\d+\s*(hrs?|hours|yrs?|years|min|k)\b|[\"“”$%]", phrase):
        return False
    if _NOT_A_SKILL.match(phrase) or not re.search(r"[A-Za-z]", phrase):
        return False
    if len(words) == 1 and not phrase.isupper():
        from wordfreq import zipf_frequency

        return zipf_frequency(phrase.lower(), "en") < 5.0 and not phrase.lower().endswith("ly")
    return True


def _sentences(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for m in _SENTENCE.finditer(text):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    return [(a, b) for a, b in out if text[a:b].strip()]


def _head(masked: str, a: int, b: int, prose: bool) -> tuple[int, int]:
    """The part of a sentence that names skills: after an introduction, before the detail."""
    if prose and (m := _INTRO.match(masked[a:b])):
        a += m.end()
    label = re.match(r"\s*([^:]{1,40}):\s+", masked[a:b])
    if label and _GENERIC_LABEL.match(_FILLER.sub("", label.group(1).strip())):
        return a + label.end(), b  # "tools: Excel, SQL" -> the list after the label
    cut = _DETAIL.search(masked, a, b) if not prose else None
    return a, cut.start() if cut else b


def _list_items(line: str, masked: str, a: int, b: int, whole_list: bool) -> list[tuple[int, int]]:
    """Comma parts of masked[a:b]; after the first, only when every part is a short phrase."""
    parts = [(a + m.start(), a + m.end()) for m in re.finditer(r"[^,]+", masked[a:b])]
    phrases = [piece for s, e in parts for piece in _pieces(masked, _phrase(line, masked, s, e))]
    longest = MAX_WORDS if whole_list else MAX_PROSE_WORDS
    ok = [p for p in phrases if p and skill_like(line[p[0]:p[1]]) and len(line[p[0]:p[1]].split()) <= longest]
    if not ok:
        return []
    hedged = any(_HEDGE.match(masked[s:e].strip()) for s, e in parts[1:])
    short = all(p and len(line[p[0]:p[1]].split()) <= 4 for p in phrases)  # "lifting 80lb boxes, forklift, queen rearing, CDL"
    plain_list = not hedged and short and len(ok) >= 2 and 3 * len(ok) >= 2 * len(phrases)
    if whole_list and not plain_list:
        return ok[:1] if phrases[0] == ok[0] else []
    return ok


def _pieces(masked: str, span: tuple[int, int] | None) -> list[tuple[int, int] | None]:
    """'regex + spreadsheets' names two skills ('collaboration with designers + legal' and 'BLS/ACLS' one)."""
    if span is None:
        return [None]
    s, e = span
    joins = list(re.finditer(r"\s+\+\s+", masked[s:e]))
    bounds = [s] + [x for j in joins for x in (s + j.start(), s + j.end())] + [e]
    pieces = list(zip(bounds[::2], bounds[1::2]))
    if not joins or any(len(masked[a:b].split()) > 2 for a, b in pieces):
        return [span]
    return [(a, b) for a, b in pieces if b > a]


def _phrase(line: str, masked: str, s: int, e: int) -> tuple[int, int] | None:
    """Trim one comma part to its phrase: fillers off the front, detail off the back."""
    cut = _DETAIL.search(masked, s, e)
    e = cut.start() if cut else e
    seg = masked[s:e]
    lead = len(seg) - len(seg.lstrip())
    s += lead
    f = _FILLER.match(masked[s:e])
    if f:
        s += f.end()
    e = s + len(masked[s:e].rstrip(" .!?;:-"))
    tail = _TRAILING_JOINS.search(masked[max(s, e - 60):e])  # "data cleaning (OpenRefine) and" -> "data cleaning"
    if tail:
        e = max(s, e - 60) + tail.start()
    text = line[s:e]
    if not text.strip():
        return None
    words = list(re.finditer(r"\S+", text))
    return s, s + (words[MAX_WORDS - 1].end() if len(words) > MAX_WORDS else len(text))
