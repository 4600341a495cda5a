"""Structure stage (first half of extraction): deterministic layout of a note.

`structure_note(text)` splits the plain text into segments — headings, bullets, sentences,
transcript turns, e-mail headers — each with character offsets into the text, and gives each
segment a topic (`day_in_life`, `skills`, ...) when a heading, an inline label or the
seeker's question in a transcript says so. Segments with no topic are left for the model.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field


# Heading keywords -> topic. Order matters: the first topic whose pattern matches wins.
_HEADING_TOPICS: list[tuple[str, str]] = [
    ("todo", r"\b(to-?dos?|follow[- ]?ups?|next steps?|action items?|tasks?|my todo|to do|things to do|action plan|my plan|my list|"
             r"(my )?homework|checklist)\b|^(next|now what|plan)\W*$"),
    ("how_to_get_in", r"(getting in|get in\b|how to (get|break)|breaking in|hiring|\bhired\b|how .* hire|entry|apply|applying|path in|way in|recruit|"
                      r"door|how (people|folks|ppl|most people|others|they) (get|got|break|broke))"),
    ("people", r"\b(people|ppl|contacts?|referrals?|names|who (else )?to (talk|contact|reach)|talk to|reach out|intros?|network(ing)?|leads? to contact)\b"),
    ("skills", r"\b(skills?|tools?|qualifications?|competenc|hire for|need to know|certs?|credentials?|exams?|qualities|requirements?|traits|"
               r"what (they|he|she|you|employers|managers|we) (want|look for|looks? for|need|value)|looking for|want in)\b"),
    ("outlook", r"\b(outlook|industry|future|market|trends?|state of|field|prospects?|long run|long[- ]term|years? ahead)\b"),
    ("advice", r"\b(advice|tips?|recommend|suggest)"),
    ("fit", r"\b(fit|my (thoughts|background|take|reflection)|reflections?|about me|for me|my notes)\b|^me\b"),
    ("day_in_life", r"(\bday\b|typical|what (s?he|they|he|she|you|i) does|what (s?he|they|you|i) do\b|job actually|role|week|schedule|responsibilit|"
                    r"day[- ]to[- ]day|the job(?! market)|what .* does|work ?life|job is)"),
]

_BULLET = re.compile(r"^\s*(?:[-*•]\s+\[[ xX]\]|\[[ xX]\]|[-*•·▪◦‣]|\d{1,2}[.)]|[a-z][.)])\s+")
_DECORATION = re.compile(r"^[-=*_~#]{2,}\s*|\s*[-=*_~#]{2,}$")
_CHECKBOX = re.compile(r"^\s*[-*]?\s*\[([ xX])\]\s*")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_NUMBERED_HEADING = re.compile(r"^\s*\d{1,2}[.)]\s+(.{2,60})$")
_EMAIL_HEADER = re.compile(r"^(From|To|Cc|Date|Subject|Sent):\s", re.I)
_TURN = re.compile(r"^([A-Z][\w.'’\-]*(?: [A-Z][\w.'’\-]*){0,3}|[A-Z]{2,}(?: [A-Z]{2,})?):\s+(?=\S)")
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:\s*[AP]M)?"
_SPEAKER_LINE = re.compile(rf"^\s*(?:[\[(]?(?P<t1>{_TIME})[\])]?\s+)?(?P<name>[A-Z][\w.'’\-]*(?: [A-Z][\w.'’\-]*){{0,3}})"
                           rf"(?:\s+[\[(]?(?P<t2>{_TIME})[\])]?)?\s*$")
_DATE_WORD = re.compile(r"(mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|today|yesterday|"
                        r"zoom|teams|meeting|recording|call|transcript)", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“(]?[A-Z0-9])")
_LOWER_START = re.compile(r"(?<=[.!?])\s+(?=[a-z])")
_ANY_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“(]?[A-Za-z0-9])")
_ABBREV = re.compile(r"\b(?:Dr|Mr|Mrs|Ms|Prof|Sr|Jr|St|vs|etc|e\.g|i\.e|approx|Inc|Co|Ltd|No|Mt|Ave|Dept|a\.m|p\.m|U\.S)\.$", re.I)


@dataclass
class Segment:
    """A unit of the note: offsets into the note text, what it is, and its topic if known."""

    start: int
    end: int
    text: str
    kind: str  # heading | bullet | sentence | header | turn
    topic: str | None = None
    speaker: str | None = None
    checked: bool | None = None  # for checkbox bullets
    heading: str | None = None
    block: int = 0  # paragraph / bullet block number
    topic_source: str | None = None  # heading | label | question | model | keyword


@dataclass
class Layout:
    """The structured note."""

    text: str
    segments: list[Segment] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)
    is_transcript: bool = False
    body_start: int = 0  # where the interview content starts (before it: title, date, who and where)


def structure_note(text: str) -> Layout:
    """Split `text` into segments with offsets and deterministic topics."""
    lines = _lines_with_offsets(text)
    layout = Layout(text=text)
    headers = [_speaker_header(line) for _, line in lines]
    said_by = _speaker_blocks(lines, headers)
    layout.speakers = _transcript_speakers(lines, said_by)
    layout.is_transcript = len(layout.speakers) >= 2
    topic: str | None = None
    heading: str | None = None
    block = 0
    body_start = _front_matter_end(lines)
    prev_blank, weak = True, False
    for i, (start, line) in enumerate(lines):
        if start < body_start:
            continue
        if not line.strip():
            prev_blank = True
            continue
        starts_block, prev_blank = prev_blank, False
        if starts_block:
            block += 1
            if weak and _is_prose(line):
                topic, weak = None, False
        if _EMAIL_HEADER.match(line) and line.lower().startswith("from:"):
            topic = None
        if layout.is_transcript and (i in said_by or headers[i]):
            if i not in said_by:
                block += 1  # "[10:02] Priya Shah": the next lines are her turn
            else:
                layout.segments.extend(_line_segments(start, line, topic, heading, block, True, said_by[i]))
            continue
        head = _heading_text(line) or _lead_in(line, _next_line(lines, i))
        if head is not None and (not layout.is_transcript or starts_block and heading_topic(head)):  # "Next steps:" after a Q/A
            topic = heading_topic(head) or (None if _is_strong_heading(line) else topic)  # "# Info interview - Dr. X": cues decide below it
            heading, weak = head, not _is_strong_heading(line)
            layout.segments.append(Segment(start, start + len(line), line.strip(), "heading", topic, heading=head, block=block, topic_source="heading"))
            continue
        layout.segments.extend(_line_segments(start, line, topic, heading, block, layout.is_transcript))
    if layout.is_transcript:
        _topics_from_questions(layout)
    layout.body_start = _body_start(layout)
    return layout


def heading_topic(heading: str) -> str | None:
    """Map a heading's words to a topic, or None when nothing matches."""
    if re.search(r"\b(context|background)\b.*\b(future|later) (me|self)\b", heading, re.I):
        return "fit"  # "Context for future me: 6 yrs as a dispatcher" is the seeker's own background
    h = re.sub(r"\b(for )?(future|later) (me|self|reference)\b", "", heading.lower()).strip(" :*#_-=~")  # "Skills for future me:"
    asked = question_topic(h) if h.endswith("?") else None  # "What's the job market like?" asks about the outlook
    return asked or _earliest(h, _HEADING_TOPICS)


def _earliest(text: str, patterns: list[tuple[str, str]]) -> str | None:
    """The topic whose pattern matches first in `text`; the list order breaks ties."""
    hits = [(m.start(), i, topic) for i, (topic, pattern) in enumerate(patterns) if (m := re.search(pattern, text))]
    return min(hits)[2] if hits else None


def split_sentences(text: str, base: int = 0) -> list[tuple[int, int, str]]:
    """Split prose into sentences, returning (start, end, sentence) with offsets from `base`."""
    out: list[tuple[int, int, str]] = []
    pos = 0
    lower_case_style = len(_LOWER_START.findall(text)) > len(_SENTENCE_END.findall(text))  # "...food cost sheets. kind of a downer tbh"
    for m in (_ANY_SENTENCE_END if lower_case_style else _SENTENCE_END).finditer(text):
        candidate = text[pos:m.start() + len(m.group(0).rstrip())].rstrip()
        tail = candidate[-12:]  # only the end can be an abbreviation; searching the whole candidate is quadratic
        abbrev = _ABBREV.search(tail)
        if abbrev and (abbrev.start() > 0 or len(candidate) <= 12) or len(candidate) < 3:
            continue
        out.append(_trimmed(text, pos, pos + len(candidate), base))
        pos = m.end()
    if text[pos:].strip():
        out.append(_trimmed(text, pos, len(text), base))
    return [s for s in out if s[2]]


# ---------------------------------------------------------------------------------------------

def _lines_with_offsets(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def _front_matter_end(lines: list[tuple[int, str]]) -> int:
    if not lines or lines[0][1].strip() != "---":
        return 0
    for start, line in lines[1:]:
        if line.strip() in ("---", "..."):
            return start + len(line) + 1
    return 0


def _speaker_blocks(lines: list[tuple[int, str]], headers: list[str | None]) -> dict[int, str]:
    """Teams/Zoom exports put the speaker on a line of its own ("[10:02] Priya Shah",
    "Priya Shah  10:02 AM"; `headers` holds each line's speaker, if it is such a line);
    map each following text line to that speaker."""
    names = [h for h in headers if h]
    if sum(names.count(n) >= 2 for n in set(names)) < 2:
        return {}  # one "Tuesday 3:30 PM" line is a date, not a Teams export
    out: dict[int, str] = {}
    current: str | None = None
    for i, (_, line) in enumerate(lines):
        if headers[i]:
            current = headers[i]
        elif _TURN.match(line):
            current = None  # a "Name: text" line speaks for itself
        elif current and line.strip():
            out[i] = current
    return out


def _speaker_header(line: str) -> str | None:
    m = _SPEAKER_LINE.match(line) if len(line) <= 80 else None
    ok = m and (m.group("t1") or m.group("t2")) and heading_topic(m.group("name")) is None and not _DATE_WORD.match(m.group("name"))
    return m.group("name") if ok else None  # type: ignore[union-attr]


def _transcript_speakers(lines: list[tuple[int, str]], said_by: dict[int, str] | None = None) -> list[str]:
    counts: dict[str, int] = {}
    for i, (_, line) in enumerate(lines):
        if said_by and i in said_by and (i - 1 not in said_by or said_by[i - 1] != said_by[i]):
            counts[said_by[i]] = counts.get(said_by[i], 0) + 1
            continue
        m = _TURN.match(line)
        if m and not _EMAIL_HEADER.match(line) and heading_topic(m.group(1)) is None:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    speakers = [s for s, n in sorted(counts.items(), key=lambda kv: -kv[1]) if n >= 3]
    return speakers if sum(counts.get(s, 0) for s in speakers) >= 6 else []


def _heading_text(line: str) -> str | None:
    s = line.strip()
    if len(s) > 200:
        return None  # no heading is this long (and the patterns below would scan it quadratically)
    m = _MD_HEADING.match(s)
    if m:
        return m.group(1).strip("*_ ")
    s = _DECORATION.sub("", s) or s
    if re.fullmatch(r"(\*\*|__)[^*_]{2,60}(\*\*|__):?", s):
        return s.strip("*_: ")
    q = re.fullmatch(r"Q\d*\s*[:.)]\s+(.{3,150}\?)", s)
    if q and heading_topic(q.group(1)):
        return q.group(1)  # "**Q: What skills matter most?**" heads the answer below it
    m = _NUMBERED_HEADING.match(s)
    if m and s.endswith("?") and len(m.group(1).split()) <= 12 and heading_topic(m.group(1)):
        return m.group(1)  # "3. Is it a good field to get into?" heads the answer below it
    words = s.rstrip(":").split()
    if not words or len(words) > 7 or len(s) > 60:
        return None
    letters = [c for c in s if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.8 and len(letters) >= 3 and not _BULLET.match(s):
        return s.rstrip(":")
    if s.endswith(":") and not _BULLET.match(s) and len(words) <= 6:
        return s.rstrip(":")
    if words[0].isupper() and len(words[0]) >= 3 and heading_topic(words[0]) and len(words) <= 5 and not _BULLET.match(s) and not s.endswith((".", "?", "!")):
        return s
    m = _NUMBERED_HEADING.match(s)
    if m and heading_topic(m.group(1)) and len(m.group(1).split()) <= 6 and not m.group(1).rstrip().endswith("."):
        return m.group(1)
    if len(words) <= 5 and (s == s.lower() or s[0].isupper()) and heading_topic(s) and not _BULLET.match(s) and not re.search(r"[,.;!?\"“]", s):
        return s
    return None


def _body_start(layout: Layout) -> int:
    """Where the content starts: the first heading or topic, but no later than the first bullet
    or the third paragraph (the 13th turn in a transcript); without any heading or topic, after
    a short title line (same limit), else at the start."""
    segs = [s for s in layout.segments if s.kind != "header"]
    if not segs:
        return 0
    limit = segs[min(len(segs) - 1, 12)].start if layout.is_transcript else next(
        (s.start for s in segs if s.block >= segs[0].block + 2 or s.kind == "bullet"), len(layout.text))
    for seg in segs:
        if seg.kind == "heading" or seg.topic:
            return min(seg.start, limit)
    if len(segs[0].text.split()) <= 25:
        line_end = layout.text.find("\n", segs[0].start)
        return min(limit, line_end + 1 if line_end >= 0 else len(layout.text))
    return 0


def _next_line(lines: list[tuple[int, str]], i: int) -> str:
    """The next non-blank line after line `i`, or ''."""
    return next((line for _, line in lines[i + 1:] if line.strip()), "")


def _lead_in(line: str, following: str) -> str | None:
    """'When I asked about skills, she listed:' followed by bullets acts as their heading."""
    s = line.strip()
    if not (s.endswith(":") and len(s.split()) <= 20 and not _BULLET.match(s) and _BULLET.match(following)):
        return None
    return s.rstrip(":") if heading_topic(s) else None


def _is_prose(line: str) -> bool:
    return not _BULLET.match(line) and len(line.split()) > 12


def _is_strong_heading(line: str) -> bool:
    s = line.strip()
    return bool(_MD_HEADING.match(s)) or s.isupper()


def _line_segments(start: int, line: str, topic: str | None, heading: str | None, block: int, transcript: bool,
                   speaker_hint: str | None = None) -> list[Segment]:
    if _EMAIL_HEADER.match(line):
        return [Segment(start, start + len(line.rstrip()), line.strip(), "header", "other", heading=heading, block=block, topic_source="header")]
    speaker, body_off = speaker_hint, 0
    if transcript and not speaker_hint:
        m = _TURN.match(line)
        if m:
            speaker, body_off = m.group(1), m.end()
    bullet = _BULLET.match(line)
    checked = None
    cb = _CHECKBOX.match(line)
    if cb:
        checked = cb.group(1).lower() == "x"
    kind = "turn" if speaker else ("bullet" if bullet else "sentence")
    if bullet:
        body_off = bullet.end()
    seg_topic, source = topic, ("heading" if topic else None)
    labels = _inline_labels(line, body_off, topic is not None) if kind != "turn" else []
    if labels:
        if labels[0][0] > body_off:
            labels.insert(0, (body_off, None))
        return _labelled_segments(start, line, labels, kind, heading, block, checked, topic)
    body = line[body_off:]
    pieces = split_sentences(body, start + body_off) if (kind != "bullet" and len(body) > 160) or kind in ("sentence", "turn") else [_trimmed(body, 0, len(body), start + body_off)]
    return [Segment(s, e, t, kind, seg_topic, speaker, checked, heading, block, source) for s, e, t in pieces if t]


def _inline_labels(line: str, body_off: int, in_section: bool = False) -> list[tuple[int, str | None]]:
    """Find 'skills: ...', '... advice: ...' labels inside one line; returns (offset, topic).
    Under a heading, a dash label must be a bare topic word ("outlook - ..."): there,
    "Networking basics - CompTIA level" is an item of the section, not a new topic."""
    out: list[tuple[int, str | None]] = []
    body = line[body_off:]
    for m in re.finditer(r"(?:^|(?<=[.;]\s))(?:\*\*|__)?([A-Za-z][A-Za-z /&'’\-]{1,45}?)\s*(?::(?:\*\*|__)?|(?:\*\*|__)?:|=(?=\s))\s+", body):
        t = heading_topic(m.group(1))
        equals = m.group(0).rstrip().endswith("=")
        if t and len(m.group(1).split()) <= (7 if heading_topic(m.group(1).split()[0]) else 4) and not (equals and len(m.group(1).split()) > 2):
            out.append((body_off + m.start(), t))  # "**Outlook:** very positive!", "skills = precision, speed"
    for m in re.finditer(r"(?<=[.;!]\s)([A-Za-z]+(?: [a-z]+)?)\s+[-–—]{1,2}\s+(?=\S)", body):  # "... 2-3 years. Advice - don't chase ..."
        t = heading_topic(m.group(1))
        if t and heading_topic(m.group(1).split()[0]) == t:
            out.append((body_off + m.start(1), t))
    out.sort()
    m = re.match(r"(TO-?DO|NEXT STEPS|FOLLOW[- ]UPS?)\b:?\s+(?=\S)", body)
    if m and not out:
        out.append((body_off, "todo"))
    m = re.match(r"([A-Za-z][A-Za-z/&'’]*(?: [A-Za-z/&'’]+){0,2})\s+[-–—]{1,2}\s+(?=\S)", body)  # "outlook - he said..."
    if m and not out and heading_topic(m.group(1)) and heading_topic(m.group(1).split()[0]) and not (in_section and " " in m.group(1)):
        out.append((body_off, heading_topic(m.group(1))))
    return out


def _labelled_segments(start: int, line: str, labels: list[tuple[int, str | None]], kind: str, heading: str | None, block: int, checked: bool | None, outer: str | None) -> list[Segment]:
    segs: list[Segment] = []
    bounds = labels + [(len(line), None)]
    for (off, topic), (nxt, _) in zip(bounds, bounds[1:]):
        body = _label_body_start(line, off, nxt) if topic else off
        src = "label" if topic else ("heading" if outer else None)
        for s, e, t in split_sentences(line[body:nxt], start + body):
            segs.append(Segment(s, e, t, kind, topic or outer, None, checked, heading, block, src))
    return segs


def _label_body_start(line: str, off: int, nxt: int) -> int:
    """Where the text after a label starts: after 'label:' or after a bare 'TODO'."""
    m = (re.match(r"(?:\*\*|__)?[A-Za-z /&'’\-]{1,40}?\s*(?::(?:\*\*|__)?|(?:\*\*|__)?:|=(?=\s))\s*", line[off:nxt]) or re.match(r"[A-Za-z/&'’ ]{1,30}?\s+[-–—]{1,2}\s+", line[off:nxt])
         or re.match(r"\S+\s*", line[off:nxt]))
    return off + (m.end() if m else 0)


def _trimmed(text: str, a: int, b: int, base: int) -> tuple[int, int, str]:
    chunk = text[a:b]
    lead = len(chunk) - len(chunk.lstrip())
    chunk = chunk.strip()
    return base + a + lead, base + a + lead + len(chunk), chunk


def _topics_from_questions(layout: Layout) -> None:
    """In a transcript, the seeker's question sets the topic of the answers that follow it:
    the question's own words first, then the rest of the seeker's turn, then (for a
    follow-up such as 'And how long...?') the topic already under discussion."""
    seeker = _seeker(layout)
    topic: str | None = None
    turn: list[str] = []  # the seeker's sentences so far in this turn
    asked_in_turn: str | None = None  # the topic of the turn's first recognised question
    for seg in layout.segments:
        if seg.kind != "turn":
            continue
        if seg.speaker != seeker:
            turn, asked_in_turn = [], None
            announced = _announced_topic(seg.text)
            if _SELF.match(seg.speaker or ""):
                seg.topic, seg.topic_source = None, None  # "Me: I liked the pace" is the writer's own note
            elif announced:
                topic = announced  # "Okay, advice." turns the answer to a new topic
                seg.topic, seg.topic_source = "other", "question"
            elif _OWN_ADVICE.search(seg.text):
                seg.topic, seg.topic_source = "advice", "question"  # "My one piece of advice is ..." inside another answer
            elif topic:
                seg.topic, seg.topic_source = topic, "question"
            continue
        turn.append(seg.text)
        if seg.text.endswith("?"):
            asked_in_turn = asked_in_turn or question_topic(seg.text)  # "What's the outlook? Is it hard to get in?"
            asked = asked_in_turn or question_topic(" ".join(turn))
            topic = asked or (topic if _FOLLOW_UP_QUESTION.match(seg.text) else None)
            seg.topic, seg.topic_source = "other", "seeker"
        elif _ABOUT_MYSELF.search(seg.text):
            seg.topic, seg.topic_source = "fit", "seeker"  # the asker telling their own story: "I coach youth swim"
        else:
            seg.topic, seg.topic_source = None, None


def _announced_topic(sentence: str) -> str | None:
    """A short sentence that only names a topic ("Okay, advice.", "Skills-wise:", "As for the market,")."""
    m = re.fullmatch(r"\W*(?P<lead>(?:(?:ok(?:ay)?|so|alright|all right|right|now|and|um|as for|on)\W+)*)(?:the\s+)?(?P<t>[\w' -]{3,30}?)"
                     r"(?P<wise>[- ]wise)?\W*", sentence, re.I)
    if not m or not (m.group("lead") or m.group("wise")) or len(m.group("t").split()) > 2:
        return None  # "The people." answering "What do you like most?" is an answer, not a new topic
    topic = heading_topic(m.group("t"))
    return topic if topic not in ("people", "todo") else None


def _seeker(layout: Layout) -> str | None:
    """The seeker asks the questions: the speaker with the most question marks per turn."""
    best, best_rate = None, -1.0
    for sp in layout.speakers[:2]:
        turns = [s for s in layout.segments if s.speaker == sp]
        rate = sum(s.text.endswith("?") for s in turns) / max(1, len(turns))
        if rate > best_rate:
            best, best_rate = sp, rate
    return best


_OWN_ADVICE = re.compile(r"\b(?:my|one|biggest|best|only|main) (?:piece of |bit of )?advice\b|\bif i were you\b|\bmy (?:biggest |one )?tip\b", re.I)
_ABOUT_MYSELF = re.compile(r"\bi(?:'m| am) (?:a|an|currently|finishing|studying|majoring)\b|\bi (?:coach|coached|tutor|tutored|taught|teach|studied|"
                           r"majored|minored|worked|work|volunteer(?:ed)?|ran|run|manage|managed|spent|have (?:a|an|no|some|two|three)|did (?:a|an|two|three|my))\b|"
                           r"\bmy (?:background|degree|major|minor|experience|resume|job|thesis)\b", re.I)
_SELF = re.compile(r"(me|i|myself|my notes?|notes?|note to self)$", re.I)
_FOLLOW_UP_QUESTION = re.compile(r"^(and\b|so\b|what about|how about|how much|how many|how long|how often|is that|does that|what else|was that)", re.I)
_QUESTION_TOPICS: list[tuple[str, str]] = [
    ("people", r"(who (else )?(should|could|would) i (talk|reach|contact|speak)|anyone (else )?(i should|you'd|you would)|(talk|speak) to next|introduc)"),
    ("how_to_get_in", r"(get (in|hired|my foot)|break in|how (do|did|would) (i|you|people|someone) (get|start|apply)|hiring|\bhire\b|entry[- ]level|apply|"
                      r"recruit|openings?|foot in the door|get (a|the|that) (job|role|position)|land (a|the) (job|role)|grad(uate)? school|grad program|"
                      r"master'?s (program|degree)|prereqs?\b|prerequisites?|what (degree|program)s?)"),
    ("skills", r"(skills?|what (do|does|would) .* need to (know|learn)|need to (know|learn|have)|qualities|good at|make a good|tools|look(ing)? for|"
               r"certif|credentials?)"),
    ("outlook", r"(outlook|future|market|industry|trend|where .* (going|headed)|job market|demand|changing|(good|growing|stable|safe) (field|career|industry|time)|"
                r"long run|long[- ]term)"),
    ("advice", r"(advice|if you were me|in my (position|shoes)|what would you (do|recommend)|recommend|what should i|tips?)"),
    ("fit", r"(my background|fit|someone like me|do you think (i|my)\b|(does|will|would|could) my\b|with my|am i|my experience|count for|a shot)"),
    ("day_in_life", r"(typical|day look|normal day|day[- ]to[- ]day|what (do|does) you(r)? (do|job)|walk me through|week look|schedule|trip look|outside of|a day in)"),
]


def question_topic(question: str) -> str | None:
    """Map the seeker's question in a transcript to the topic of the answer."""
    return _earliest(question.lower(), _QUESTION_TOPICS)
