"""Extract stage: a structured, grounded Record from one note.

Design for tiny local models: the note is structured deterministically first (sections,
bullets, sentences, speaker turns, names, e-mails, phones, URLs, dates); the model then makes
only small decisions, each scored by log-probability over a fixed option list: the topic of
a line no heading explains, whether a named person is a referral, whether a line is a job
lead, and the outlook's sentiment. Every item is a span of the note's own text.
Without a model (`--no-llm`) keyword rules make those decisions instead.
"""
from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date
from typing import Any

from pipeline import people as P
from pipeline.dates import find_dates
from pipeline.ingest import Note
from pipeline.llm import Model
from pipeline.openings import OPENING_CUE, find_opening, listed_opening
from pipeline.prompts import load_prompt, prompt_versions
from pipeline.roles import MAX_CLAUSE, ROLE, appositive, field_from_title, prose_role, referral_reason
from pipeline.skills import skill_spans
from pipeline.schema import Contact, Extraction, Item, JobLead, Outlook, Promise, Record, Referral, Span
from pipeline.structure import Layout, Segment, split_sentences, structure_note

_LABEL_TOPIC = {"day": "day_in_life", "skills": "skills", "outlook": "outlook", "advice": "advice",
                "entry": "how_to_get_in", "fit": "fit", "people": "people", "todo": "todo", "other": "other"}
_ITEM_TOPICS = ("day_in_life", "skills", "advice", "how_to_get_in", "fit")
MIN_TOPIC_CONFIDENCE = 0.5  # below this the model's topic is too unsure to use (9 options: chance is 0.11)
_CUES: list[tuple[str, str]] = [
    ("todo", r"^(?:(?:ok(?:ay)?|so|and|alright|yes|yeah|great|perfect|sure|also)\W+)*(i'?ll|i will|i need to|need to|i promised|as promised|todo|to do|remember to)\b"),
    ("people", r"(talk to|reach out to|you should (meet|contact|email|talk)|introduce you|tell (him|her|them) i sent you|ask for [A-Z])"),
    ("fit", r"(\bmy (background|experience|degree|resume|job|lab|major|thesis|spanish|french|dad|mom)|\bi'?m (not sure|worried|nervous|scared|"
            r"excited|ready|okay|ok|a night owl|good at|comfortable)|\bi (love|like|liked|enjoy|hate|worry|felt|feel|think i|want|"
            r"already|was worried|did my)\b|how i feel|for me\b|fit\b|relevant to me|(sounds|seems) (interesting|exciting|insane|scary|hard|"
            r"great|fun)|made me|scares me|\bscary\b|my gap|the pay (cut|bump)|your (background|experience|degree)|you'?d be (good|great))"),
    ("skills", r"(skills?|you need to (know|be)|proficien|certif|fluent|must know|tools? (like|such)|experience with|good at)"),
    ("outlook", r"(outlook|future|demand|growing|shortage|layoffs?|market|automation|\bai\b|retir(e|ing)|hiring (is|has)|competitive|trend|long run|"
                r"long[- ]term|next (few|couple( of)?|five|5|ten|10) years)"),
    ("how_to_get_in", r"(get (in|hired)|apply (through|on|to|via)|entry[- ]level|internship|posting|pipeline|hiring manager|the way in|foot in the door|recruit)"),
    ("advice", r"(advice|recommend|suggest|you should|don't |do not |make sure|try to|focus on|lean into|start (by|with))"),
    ("day_in_life", r"(typical|day|morning|afternoon|week|meetings?|spends?|hours|schedule|shift|rounds|calls with|reviews?|writes?|runs?)"),
]
_CONTACT_VERB = re.compile(r"(?:^\W*(?:i'?ll |i will |need to |then |and |also )?)?(?:\b(?:e-?mail|call|text|message|msg|contact|reach out to|ask|ping|dm|write to|follow up with|connect with|meet|find|linkedin)\b)[^.]{0,25}$", re.I)
_PROMISE = re.compile(r"(\bi'?ll (send|email|e-mail|call|text|apply|reach|follow|write|get|sign|register|finish|update|ask|look|read|check|do|take|put|message|connect)|"
                      r"\bi will (send|email|e-mail|call|apply|reach|follow|write|get|sign|register|finish|update|ask|look|read|check|do|take)|"
                      r"\bi promised\b|\bas promised\b|\bi need to (send|email|call|apply|reach|follow|write|get|sign|register|finish|update|ask|look|check)|"
                      r"\bi'm going to (send|email|call|apply|reach|write|get|sign|register|finish|update|ask)|\bi owe (him|her|them)\b)", re.I)
_POSITIVE = re.compile(r"(\bgood\b|\bgreat\b|strong|growing|growth|demand|shortage|\bhiring\b|stable|steady|excellent|always (openings|short|need)|"
                       r"not going away|not dying|hopeful|optimistic|bright|\bbusy\b|picking up|\bfine\b|plenty|more (jobs|trials|openings|work)|"
                       r"short on|can't hire|cannot hire|secure|positive|booming|retir(e|ing|ement) wave)", re.I)
_NEGATIVE = re.compile(r"(rough|layoffs?|\bcuts?\b|competitive|scarce|\bhard\b|tough|\bslow|bumpy|decline|shrink|low pay|not great|"
                       r"downside|pressure|saturated|crowded|fewer|replac|paused|cooled|burn ?out|underpaid|uncertain|risk|worse|"
                       r"struggl|closures?|freeze|precarious|brutal|oversupply)", re.I)


_NEUTRAL = re.compile(r"\b(even-handed|neutral|middle of the road|neither (?:good|great) nor (?:bad|terrible)|(?:steady|stable) but not (?:booming|growing)|"
                      r"not booming,? not (?:dying|collapsing|shrinking))\b", re.I)
_MIXED = re.compile(r"\bmixed\b|\bmeh\b|so-so|mixed bag|(?:good|bright|up) ?side\b.{0,80}\b(?:other|flip|down) ?side\b|on the other hand|cautiously (optimistic|positive)|double-edged|\bbumpy\b|both ways|ups and downs|(worried|nervous|anxious)\W+(\+|and|but)\W+hopeful|"
                    r"hopeful\W+(\+|and|but)\W+(worried|nervous)", re.I)
_STRONG_VERDICT = re.compile(r"\b(?P<not>not (?:very |that |too |a |an |one of the )?)?(?:(?P<pos>positive|optimistic|upbeat|bullish|bright)|"
                             r"(?P<neg>negative|pessimistic|bleak|grim|sobering)|(?<!your )(?<!the )(?P<bet>(?:one of the )?(?:better|best|good|safe|solid) bets?))\b", re.I)
_WEAK_VERDICT = re.compile(r"(?:^\W*|\b(?:it'?s|its|it is|pretty|very|super|really|quite|honestly|mostly|overall|looks|call it|"
                           r"(?:outlook|market|field|future|industry|prospects|demand) (?:is|was|looks|seems)(?: pretty| very| really| quite)?)\s+)"
                           r"(?:(?P<pos>good|great|strong|solid|healthy)|(?P<neg>rough|tough|not great|bad|weak|brutal))\b", re.I)
_NOT_A_VERDICT = re.compile(r"\b(good luck|good question|great question|thanks?|thank you|good news)\b", re.I)


@dataclass
class Decider:
    """Model decisions with contextual calibration, logging every raw answer for provenance."""

    model: Model | None
    raw: list[dict[str, Any]] = field(default_factory=list)

    def ask(self, prompt: str, **values: str) -> dict[str, float] | None:
        """Calibrated log-probabilities per option, or None without a model."""
        if self.model is None or prompt not in getattr(self.model, "decisions", {prompt}):
            return None
        tpl = load_prompt(prompt)
        style = self.model.prompt_style
        opts = tpl.option_strings(style)
        scores = self.model.choose(tpl.render(style, **values), opts, prefix=tpl.prefix(style))
        base = self._calibration(prompt, tpl, style, opts, values) if tpl.calibrate else {s: 0.0 for s in opts}
        out = {o: scores[s] - tpl.calibrate * base[s] for o, s in zip(tpl.options, opts)}
        self.raw.append({"prompt": tpl.version, "input": values, "scores": {o: round(scores[s], 4) for o, s in zip(tpl.options, opts)}})
        return out

    def _calibration(self, prompt: str, tpl, style: str, opts: list[str], values: dict[str, str]) -> dict[str, float]:
        """Scores for a content-free input, computed once per model and prompt for the whole run."""
        cache = self.model.__dict__.setdefault("calibration_baselines", {})
        if tpl.version not in cache:
            blank = {k: "N/A" for k in values}
            cache[tpl.version] = self.model.choose(tpl.render(style, **blank), opts, prefix=tpl.prefix(style))  # type: ignore[union-attr]
        return cache[tpl.version]


def extract_record(note: Note, model: Model | None = None) -> tuple[Record, list[dict[str, Any]]]:
    """Extract a grounded Record from `note`; also returns the raw model answers."""
    started = time.perf_counter()
    decider = Decider(model)
    layout = structure_note(note.text)
    anchor = _anchor_year(note)
    contact, writer = extract_contact(note, layout)
    when = extract_interview_date(note, layout, anchor)
    assign_topics(layout, decider)
    rec = Record(source=note.source, sha256=note.sha256, contact=contact, interview_date=when.isoformat() if when else None)
    for topic in _ITEM_TOPICS:
        segs = [s for s in layout.segments if s.topic == topic and s.kind not in ("heading", "header")]
        setattr(rec, topic, extract_skills(note.text, segs) if topic == "skills" else [_item(note.text, s) for s in segs])
    rec.outlook = Outlook(points=[_item(note.text, s) for s in layout.segments if s.topic == "outlook" and s.kind not in ("heading", "header")])
    rec.outlook.sentiment = extract_sentiment(rec.outlook.points, decider)
    rec.referrals = extract_referrals(note.text, layout, contact, writer, decider)
    rec.job_leads = extract_job_leads(note.text, layout, contact, decider, anchor, when)
    rec.promises = extract_promises(note.text, layout, when, next(iter(writer), None))
    rec.field = _field(note, contact)
    name = model.name if model else "none (--no-llm)"
    rec.extraction = Extraction(model=name, prompt_version=prompt_versions(), seconds=round(time.perf_counter() - started, 3))
    return rec, decider.raw


# --- contact and date ------------------------------------------------------------------------

def extract_contact(note: Note, layout: Layout) -> tuple[Contact, set[str]]:
    """The interviewee and the set of names that belong to the note's writer."""
    meta = note.metadata
    writer = _writer_names(note, layout)
    if meta.get("contact"):
        title = meta.get("role") or meta.get("position") or meta.get("job_title") or _title_key(meta.get("title"))
        name = _without_credentials(_meta_text(meta["contact"]) or "")  # "Imani Okafor-Reyes, CNM"
        return Contact(name=name or None, title=_meta_text(title),
                       organization=_meta_text(next((meta[k] for k in _ORG_KEYS if meta.get(k)), None))), writer
    if layout.is_transcript:
        c = _transcript_contact(note.text, layout, writer)
        if c:
            return c, writer
    emails = _email_people(note.text)
    if emails:
        met = _met_name(note.text, min(len(note.text), 1500), writer, only_met=True)
        if met and not re.search(r"\binterview|\binformational", note.text[max(0, met.start - 70):met.start], re.I):
            met = None  # a reply saying "since then I spoke with Dana in HR" still comes from the contact
        c = _email_contact(note.text, emails, writer)
        if met and not any(P.same_person(met.name, n) or _first_of(n, met.name) for n, _ in emails):
            return _named_contact(note.text, met, 1500), writer  # a seeker's write-up mailed to an adviser
        if c:
            return _full_name(note.text, c), writer
    return _header_contact(note.text, layout, writer), writer


def _full_name(text: str, c: Contact) -> Contact:
    """"From: Lorna" signs off as "Lorna Ní Bhriain, CPO" with her title and clinic below."""
    if not c.name or " " in c.name.strip():
        return c
    full = re.search(rf"^({re.escape(c.name)}(?: [^\W\d_][\w'’-]*){{1,3}})(?:,\s*[A-Z][A-Za-z.-]{{1,9}})*\s*$", text, re.M)
    if not full or not all(w[:1].isupper() for w in full.group(1).split()):
        return c  # "Lorna said thanks" is a sentence, not her signature
    title, org = _signature(text, full.group(1))
    return c.model_copy(update={"name": full.group(1), "title": c.title or title, "organization": c.organization or org})


def _without_credentials(name: str) -> str:
    """'Imani Okafor-Reyes, CNM, MSN' -> 'Imani Okafor-Reyes' (split, so no regex backtracking on long values)."""
    parts = name.split(",")
    while len(parts) > 1 and re.fullmatch(r"\s*[A-Z][A-Za-z.-]{1,9}\s*", parts[-1]):
        parts.pop()
    return ",".join(parts).strip()


_ORG_KEYS = ("company", "organization", "organisation", "org", "employer", "workplace", "institution", "agency", "firm")


def _title_key(value: Any) -> Any:
    """Front matter `title:` is the contact's job title only when it reads like one (not "Coffee chat w/ Jo")."""
    return value if isinstance(value, str) and ROLE.search(value) and not re.search(r"chat|interview|notes?|call|coffee|meeting", value, re.I) else None


def _meta_text(value: Any) -> str | None:
    """A front-matter value as text: the first item of a list, wiki-link brackets removed."""
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value).strip("[] ") or None if value is not None else None


def extract_interview_date(note: Note, layout: Layout, anchor: int) -> date | None:
    """Front matter, an e-mail header, or the first date near the top of the note."""
    meta_date = note.metadata.get("date")
    if meta_date:
        try:
            return date.fromisoformat(str(meta_date)[:10])
        except ValueError:
            pass
    head = note.text[: max(400, layout.body_start + 300)]
    dates = find_dates(head, anchor)
    return dates[0].value if dates else None


# --- topics ----------------------------------------------------------------------------------

def assign_topics(layout: Layout, decider: Decider) -> None:
    """Give a topic to every segment the structure left open: a keyword cue, else the topic of
    the sentence before it in the same paragraph or turn, else a model decision."""
    first = layout.body_start
    prev: Segment | None = None
    for seg in layout.segments:
        before, prev = prev, seg
        if seg.topic or seg.kind in ("heading", "header"):
            continue
        if seg.start < first or len(seg.text.split()) < 3:
            seg.topic, seg.topic_source = "other", "preamble"
            continue
        cue = cue_topic(seg.text)
        if cue:
            seg.topic, seg.topic_source = cue, "keyword"
        elif _continues(seg, before):
            seg.topic, seg.topic_source = before.topic, "paragraph"  # type: ignore[union-attr]
        else:
            scores = decider.ask("topic", text=seg.text[:400])
            label = max(scores, key=scores.get) if scores else None
            confident = label is not None and _prob(scores, label) >= MIN_TOPIC_CONFIDENCE  # type: ignore[arg-type]
            seg.topic, seg.topic_source = (_LABEL_TOPIC[label] if confident else "other"), ("model" if scores else "keyword")


def _continues(seg: Segment, before: Segment | None) -> bool:
    """A prose sentence carries on the topic of the sentence before it in its paragraph or turn."""
    return (before is not None and seg.kind in ("sentence", "turn") and before.kind == seg.kind and before.block == seg.block
            and before.speaker == seg.speaker and before.topic not in (None, "other", "todo", "people"))


def cue_topic(text: str) -> str | None:
    """The first keyword rule that matches a sentence, or None."""
    for topic, pattern in _CUES:
        if re.search(pattern, text, re.I if topic != "people" else 0):
            return topic
    return None


# --- items -----------------------------------------------------------------------------------

def extract_skills(text: str, segs: list[Segment]) -> list[Item]:
    """Short skill phrases split out of skill lines, each grounded at its own offsets."""
    items: list[Item] = []
    for seg in segs:
        for a, b in skill_spans(seg.text, prose=seg.kind in ("sentence", "turn")):
            items.append(Item(text=seg.text[a:b], evidence=Span(start=seg.start + a, end=seg.start + b, quote=seg.text[a:b])))
    return _dedupe_items(items)


def extract_sentiment(points: list[Item], decider: Decider) -> str | None:
    """Overall outlook: model choice over the outlook text, else a word count rule."""
    if not points:
        return None
    joined = " ".join(p.text for p in points)[:1200]
    scores = decider.ask("sentiment", text=joined)
    if scores:
        return max(scores, key=scores.get)
    return lexicon_sentiment(joined)


def lexicon_sentiment(text: str) -> str:
    """Word-count rule after two explicit signals: a verdict ("Overall she sounded upbeat",
    "Pretty positive.", "Sobering.", "So it's mixed") wins, then any 'mixed'-like phrase;
    otherwise the clearly larger side of the positive/negative word counts, else mixed."""
    pos, neg = len(_POSITIVE.findall(text)), len(_NEGATIVE.findall(text))
    first = re.match(r"\W*(?:yes|absolutely|definitely)\W*(?:[.!]\s|$)", text, re.I)
    if first and neg <= pos:  # "Yes." answering "Is it a good field to get into?"
        return "positive"  # ("No." may answer "Will AI wipe it out?", so it says nothing alone)
    for sentence in _verdict_sentences(text):
        if _NEUTRAL.search(sentence):
            return "neutral"  # "Marcus was pretty even-handed about it", "steady but not booming"
        if _MIXED.search(sentence):
            return "mixed"
        verdict = _STRONG_VERDICT.search(sentence) or _WEAK_VERDICT.search(sentence)
        if verdict and not _NOT_A_VERDICT.search(sentence) and not re.search(r"\b(but|however|though|although|yet)\b", sentence, re.I):
            positive = bool(verdict.group("pos") or verdict.groupdict().get("bet"))  # "one of the better bets in the trades"
            return "positive" if positive != bool(verdict.groupdict().get("not")) else "negative"
    if _MIXED.search(text):
        return "mixed"
    if _NEUTRAL.search(text):
        return "neutral"
    if not pos and not neg:
        return "neutral"
    if pos >= 2 * max(neg, 0.5) + 1 or not neg:
        return "positive"
    return "negative" if neg >= 2 * max(pos, 0.5) + 1 or not pos else "mixed"


def _verdict_sentences(text: str) -> list[str]:
    """Sentences that state an overall view: a summary ('overall', 'I'd call it'), the
    one-to-four-word sentences such as 'Sobering.' or 'So it's mixed.', and the first sentence."""
    sentences = [t for t in re.split(r"(?<=[.!?])\s+", text.strip()) if t]
    summary = [t for t in sentences if re.search(r"\b(overall|i'?d call it|all in all|bottom line|in short|on balance)\b", t, re.I)]
    short = [t for t in sentences[1:] if len(t.split()) <= 4]
    closing = sentences[-1:] if len(sentences) > 2 else []  # "Honestly it's one of the better bets in the trades right now."
    return summary + short + sentences[:2] + closing  # the second: in a transcript the answer often follows the seeker's own line


def extract_promises(text: str, layout: Layout, when: date | None, seeker: str | None = None) -> list[Promise]:
    """The seeker's own to-dos: todo-section lines and "I'll ..." sentences (in a transcript, the
    asker's own turns), one promise per action when a sentence lists several."""
    out: list[Promise] = []
    others = _messages_by_others(text, seeker)
    asker = _asker(layout)
    for seg in layout.segments:
        if seg.kind in ("heading", "header"):
            continue
        mine = seg.speaker in (None, asker) and not any(a <= seg.start < b for a, b in others)
        structural_todo = seg.topic == "todo" and seg.topic_source in ("heading", "label")
        if structural_todo or mine and (seg.topic == "todo" or _PROMISE.search(seg.text)):
            for a, b in _action_parts(seg.text):
                out.append(Promise(action=seg.text[a:b], done=bool(seg.checked), due=_due(seg.text[a:b], when),
                                   evidence=Span(start=seg.start + a, end=seg.start + b, quote=seg.text[a:b])))
    return out


_ACTION_VERBS = (r"send|apply|email|e-mail|call|text|message|ask|join|sign up|register|finish|update|look|read|check|order|buy|start|make|"
                 r"get|write|follow up|reach out|connect|enroll|schedule|set up|watch|find|practice|research|build|visit|book|submit|"
                 r"thank|reply|download|take|talk to|meet|print|redo|rewrite|clean up|pull together|drop off|request|review")
_CONDITION = re.compile(r"[^,.;]{0,60}\b(?:if|when|unless|in case)\b", re.I)  # "call Tina, text her if she doesn't pick up" is one action
_NEXT_TODO = re.compile(r"(?<=\w)(?<!e\.g)(?<!i\.e)(?<!etc)(?<!vs)(?<!approx)(?<!incl)(?<!\ba\.m)(?<!\bp\.m)(?<!Ph\.D)(?<!\bno)[.;!]+\s+(?=[a-z])")
_NEXT_ACTION = re.compile(rf",\s*(?:and\s+|then\s+|also\s+)*(?=(?:{_ACTION_VERBS})\b)")  # lower-case verbs only: ", Start With Why," is a title


def _action_parts(sentence: str) -> list[tuple[int, int]]:
    """"I'll send you my sample by Thursday, apply before May 1st, and email Farah" is three
    promises, and so is "call Dale next week. thank you email. apply by 2/28" typed in lower
    case; each part keeps its own words (and so its own due date)."""
    run_together = len(_NEXT_TODO.findall(sentence)) >= 2 or sentence[:1].islower()  # a to-do list typed on one line
    cuts = sorted([m for m in _NEXT_ACTION.finditer(sentence) if not _CONDITION.match(sentence, m.end())]
                  + ([m for m in _NEXT_TODO.finditer(sentence)] if run_together else []), key=lambda m: m.start())
    bounds = [0] + [x for m in cuts for x in (m.start(), m.end())] + [len(sentence)]
    parts = [(a, b) for a, b in zip(bounds[::2], bounds[1::2])]
    parts = [(a, b - (len(sentence[a:b]) - len(sentence[a:b].rstrip(" .;!")))) for a, b in parts]
    return [(a, b) for a, b in parts if len(sentence[a:b].split()) >= 2] or [(0, len(sentence))]


def _asker(layout: Layout) -> str | None:
    """The transcript speaker who asks the questions (the structure marks their questions "seeker")."""
    return next((s.speaker for s in layout.segments if s.topic_source == "seeker"), None)


def _messages_by_others(text: str, seeker: str | None) -> list[tuple[int, int]]:
    """Character ranges of e-mail messages in the note not sent by the seeker ("I'll..." there is not theirs)."""
    starts = [(m.start(), m.group(1).strip()) for m in re.finditer(r"^From:\s*\"?([^<\"\n]*)", text, re.M)]
    bounds = [s for s, _ in starts[1:]] + [len(text)]
    return [(s, e) for (s, who), e in zip(starts, bounds) if seeker and who and who != seeker]


# --- referrals -------------------------------------------------------------------------------

def extract_referrals(text: str, layout: Layout, contact: Contact, writer: set[str], decider: Decider) -> list[Referral]:
    """People the interviewee suggested contacting, decided per name mention in context."""
    found: list[Referral] = []
    excluded = {n for n in writer | {contact.name or ""} if n}
    blocks = _block_texts(layout)
    mentions = [(m, seg) for seg in layout.segments if seg.kind not in ("heading", "header") and not P.INJECTION.search(seg.text)
                for m in P.find_names(seg.text, seg.start, line_start=seg.kind in ("bullet", "turn"))]
    mentions = [(m, seg) for m, seg in mentions
                if not any(P.same_person(m.name, x) or _first_of(m.name, x) for x in excluded) and m.name not in layout.speakers]
    per_segment = Counter(id(seg) for _, seg in mentions)
    only_mentioned = {m.name for m, seg in mentions if _only_mentioned_near(m, seg)
                      or per_segment[id(seg)] == 1 and P.GONE_CUES.search(seg.text) or P.INTRO_LINE.match(_line_of(text, seg))}
    for m, seg in mentions:
        if any(_same(m.name, x) for x in only_mentioned):
            continue
        if _is_referral(m, seg, blocks.get(seg.block, ""), decider):
            _add_referral(found, _referral(text, m, seg, contact))
    return found


def _line_of(text: str, seg: Segment) -> str:
    """The whole line a segment sits on (a label such as "Intro:" may precede the segment's text)."""
    start = text.rfind("\n", 0, seg.start) + 1
    end = text.find("\n", seg.start)
    return text[start:end if end >= 0 else len(text)]


def _same(a: str, b: str) -> bool:
    return P.same_person(a, b) or _first_of(a, b) or _first_of(b, a)


def referral_evidence(m: P.Mention, seg: Segment, block: str) -> int:
    """Deterministic evidence that a named person is someone to contact. Mentions with an
    only-mentioned cue nearby never get here: `extract_referrals` drops those people first."""
    at = m.start - seg.start
    structural = seg.topic_source in ("heading", "label", "question")
    score = 2 * (seg.topic == "people" and structural) + (seg.topic == "how_to_get_in" and structural)
    score += 2 if _first_match(P.REFERRAL_CUES, seg.text) else (1 if _first_match(P.REFERRAL_CUES, block) else 0)
    score += bool(_first_match(P.EMAIL_RE, seg.text) or _first_match(P.PHONE_RE, seg.text))
    lead_in = at <= 2 or re.fullmatch(r"\W*(?:also|and|plus|then|maybe|oh,? and|\+)\W*", seg.text[:at], re.I)
    if seg.kind == "bullet" and lead_in and re.match(r"\**\]*\**\s*[-–—,(:]", seg.text[at + len(m.name):]):
        score += 2
    before = seg.text[:at]
    if re.search(r"\babout\s+(?:Dr\.?\s+|Mr\.?\s+|Ms\.?\s+)?$", before):
        return 0  # "ask any librarian about Dewey": the person is the subject, not someone to contact
    imperative = _CONTACT_VERB.match(before) is not None
    if _CONTACT_VERB.search(before) and (imperative or seg.topic == "todo" or seg.speaker is None and _PROMISE.search(seg.text)):
        score += 3
    return score


def _is_referral(m: P.Mention, seg: Segment, block: str, decider: Decider) -> bool:
    rule = referral_evidence(m, seg, block)
    scores = decider.ask("referral", name=m.name, text=seg.text[:400]) if 1 <= rule <= 3 else None
    if scores is None:
        return rule >= 2
    return _prob(scores, "yes") + 0.2 * rule >= 0.9


def _block_texts(layout: Layout) -> dict[int, str]:
    out: dict[int, str] = {}
    for seg in layout.segments:
        out[seg.block] = out.get(seg.block, "") + " " + seg.text
    return out


def _only_mentioned_near(m: P.Mention, seg: Segment) -> bool:
    """A cue next to the name says the person is only talked about ("my friend", "his book", "Kojima games").
    The speaker's own friend or colleague whom they tell the seeker to e-mail is a lead, though."""
    near, a = _near(seg.text, m, seg), m.start - seg.start
    send = _SEND_TO_MY.search(seg.text[max(0, a - 60):a])
    if send and (send.group("whose").lower() != "my" or seg.speaker and not _SELF_SPEAKER.match(seg.speaker)):
        near = near[near.find(m.name):]  # "suggested I talk to his former colleague Jamal Whitley"
    if _SAID_TO_CONTACT.search(seg.text[a + len(m.name):]) and not P.GONE_CUES.search(seg.text):
        return False  # "Shreya = Adaeze's former coworker, now in-house; Adaeze said to talk to her"
    return bool(P.NEGATIVE_CUES.search(near) or _WORK_OF.match(seg.text[a + len(m.name):]))


_SAID_TO_CONTACT = re.compile(r"\b(?:(?:said|says|told me|suggested|wants me) to|you should|you could|you'?d want to) (?:talk to|contact|email|e-mail|call|"
                              r"reach out to|text|message|meet) (?:her|him|them)\b", re.I)


_SEND_TO_MY = re.compile(r"\b(?:talk to|speak (?:to|with)|e-?mail|call|contact|reach out to|ask|text|message|ping|meet)\s+(?P<whose>my|his|her|their)\s+(?:\w+\s+)?"
                         r"(?:friend|colleague|coworker|co-worker|old colleague|former student|mentee|buddy)\s+(?:(?:Dr|Mr|Ms|Mrs|Prof)\.?\s+)?$", re.I)
_SELF_SPEAKER = re.compile(r"(me|i|myself|my notes?|notes?)$", re.I)
_WORK_OF = re.compile(r"(?:['’]s\s+(?:games?|books?|novels?|films?|movies?|shows?|songs?|albums?|podcasts?|videos?|ted talks?|documentar(?:y|ies)|"
                      r"paintings?|method|quotes?)|\s+(?:games|novels|films|movies|albums|podcasts|documentaries|paintings|ted talks))\b", re.I)


def _near(window: str, m: P.Mention, seg: Segment) -> str:
    a = m.start - seg.start
    return window[max(0, a - 30): a + len(m.name) + 45]


def _referral(text: str, m: P.Mention, seg: Segment, contact: Contact) -> Referral:
    after = seg.text[m.end - seg.start:m.end - seg.start + MAX_CLAUSE]  # a window: a line of many names stays linear
    email = P.EMAIL_RE.search(after) or _first_match(P.EMAIL_RE, seg.text)
    phone = P.PHONE_RE.search(after) or _first_match(P.PHONE_RE, seg.text)
    title, org = appositive(after)
    if not title:
        title, prose_org = prose_role(after[:300], [])
        org = org or prose_org
    org = org or _colleague_org(seg.text, email.group(0) if email else None, contact)
    why = referral_reason(seg.text, m.start - seg.start, m.end - seg.start)
    return Referral(name=m.name, title=title, organization=org or None, email=email.group(0) if email else None,
                    phone=phone.group(0) if phone else None, context=seg.text[:300], reason=seg.text[why[0]:why[1]] if why else None,
                    evidence=Span(start=m.start, end=m.end, quote=text[m.start:m.end]))


_COLLEAGUE = re.compile(r"\b(in (?:her|his|their|my|our) (?:group|team|department|unit|office|lab)|(?:her|his|their|my|our) "
                        r"(?:manager|boss|colleague|coworker|co-worker|team ?mate|director|supervisor|lead)|on (?:her|his|their|my|our) team|"
                        r"colleague|coworker|co-worker|works with (?:her|him|them)|down the hall)\b", re.I)


def _colleague_org(line: str, email: str | None, contact: Contact) -> str | None:
    """The contact's organisation for a colleague: the e-mail domain spells it, or the note says so."""
    org = contact.organization
    if not org:
        return None
    squashed = re.sub(r"[^a-z0-9]", "", org.lower())
    domain = email.split("@", 1)[1].split(".")[0].lower() if email else ""
    same_domain = len(domain) >= 4 and (domain in squashed or squashed.startswith(domain[:8]))
    return org if same_domain or _first_match(_COLLEAGUE, line) else None


@lru_cache(maxsize=1024)
def _first_match(rx: re.Pattern, text: str) -> re.Match | None:
    """Segment- and block-wide searches, once per segment rather than once per name in it."""
    return rx.search(text)


def _add_referral(found: list[Referral], new: Referral) -> None:
    for i, old in enumerate(found):
        if _same(old.name, new.name):
            merged = old.model_copy(update={k: getattr(old, k) or getattr(new, k) for k in ("title", "organization", "email", "phone")})
            if len(P.strip_title(new.name)) > len(P.strip_title(old.name)):
                merged = merged.model_copy(update={"name": new.name, "evidence": new.evidence})
            found[i] = merged
            return
    found.append(new)


# --- job leads -------------------------------------------------------------------------------

def extract_job_leads(text: str, layout: Layout, contact: Contact, decider: Decider, anchor: int, when: date | None = None) -> list[JobLead]:
    """Specific openings: opening-cue lines, with a title span, URL and deadline."""
    leads: list[JobLead] = []
    prev: Segment | None = None
    for seg in layout.segments:
        if seg.kind in ("heading", "header") or seg.checked or P.INJECTION.search(seg.text):
            continue
        seg_prev, prev = prev, seg
        op, base, line = _opening_in(text, seg, seg_prev, when, anchor)
        if op is None:
            continue
        scores = decider.ask("job_lead", text=line[:400]) if op.strength == 1 else None
        keep = op.strength >= 2 or (scores is not None and _prob(scores, "yes") >= 0.5)
        if keep:
            a = base + op.start
            _add_lead(leads, JobLead(title=op.title, organization=contact.organization, url=op.url, deadline=op.deadline,
                                     evidence=Span(start=a, end=a + len(op.title), quote=text[a:a + len(op.title)])))
    return leads


def _opening_in(text: str, seg: Segment, prev: Segment | None, when: date | None, anchor: int) -> tuple[Any, int, str]:
    """The opening a segment names, or one the previous sentence names when this one only
    says "Applications open in January" (the title must lie inside that previous sentence)."""
    op = find_opening(seg.text, when, anchor, seg.topic)
    if op is None and seg.kind == "bullet" and _JOBS_HEADING.search(seg.heading or ""):
        op = listed_opening(seg.text, when, anchor)  # "jobs:" / "- WI DNR seasonal naturalist, apps due Feb 28"
    if op is not None and op.start >= 0:
        return op, seg.start, seg.text
    if prev is None or prev.block != seg.block or prev.kind != seg.kind or not OPENING_CUE.search(seg.text):
        return None, 0, ""
    pair = text[prev.start:seg.end]
    op = find_opening(pair, when, anchor, seg.topic)
    if op is None or not (0 <= op.start and op.start + len(op.title) <= prev.end - prev.start):
        return None, 0, ""
    return op, prev.start, pair


_JOBS_HEADING = re.compile(r"^\W*(?:(?:current|open|possible|potential|upcoming|specific|the)\s+)?(?:jobs?|openings?|postings?|positions|job leads|"
                           r"job (?:postings|openings)|opportunit(?:y|ies)|roles|roles to apply for|where to apply)\W*$", re.I)


def _add_lead(leads: list[JobLead], new: JobLead) -> None:
    nw = set(new.title.lower().split())
    for i, old in enumerate(leads):
        ow = set(old.title.lower().split())
        same_cycle = bool(new.deadline) and new.deadline == old.deadline and bool(nw & ow)  # "CPE residency" / "ACPE-accredited residency", both due 3/31
        if same_cycle or len(nw & ow) / max(1, min(len(nw), len(ow))) >= 0.6:
            leads[i] = old.model_copy(update={k: getattr(old, k) or getattr(new, k) for k in ("url", "deadline")})
            return
    leads.append(new)


def _item(text: str, seg: Segment) -> Item:
    return Item(text=seg.text, evidence=Span(start=seg.start, end=seg.end, quote=text[seg.start:seg.end]))


def _dedupe_items(items: list[Item]) -> list[Item]:
    seen, out = set(), []
    for it in items:
        key = it.text.lower()
        if key not in seen:
            seen.add(key)
            out.append(it)
    return out


def _prob(scores: dict[str, float], option: str) -> float:
    import math

    total = sum(math.exp(v) for v in scores.values())
    return math.exp(scores[option]) / total


def _first_of(short: str, full: str) -> bool:
    """'Tomás' refers to 'Tomás Echeverría' (a first name alone)."""
    s, f = P.strip_title(short).split(), P.strip_title(full).split()
    return len(s) == 1 and len(f) > 1 and s[0].lower() in (f[0].lower(), f[-1].lower())


def _anchor_year(note: Note) -> int:
    """The year for dates written without one: front matter or e-mail date, else the year the
    file was last written (notes are written around the interview), else this year."""
    for key in ("date", "file_mtime"):
        try:
            return int(str(note.metadata.get(key))[:4])
        except (TypeError, ValueError):
            continue
    return date.today().year


def _due(sentence: str, when: date | None) -> str | None:
    if when is None:
        return None
    from pipeline.followups import resolve_due

    d = resolve_due(sentence, when)
    return d.isoformat() if d else None


def _field(note: Note, contact: Contact) -> str | None:
    """A 'career/...' front-matter tag, else the field the contact's title names, else the title itself."""
    tags = note.metadata.get("tags")
    if isinstance(tags, list):
        for t in tags:
            if str(t).startswith("career/"):
                return str(t).split("/", 1)[1].replace("-", " ")
    return field_from_title(contact.title) or contact.title


def _writer_names(note: Note, layout: Layout) -> set[str]:
    names: set[str] = set(_byline_names(note.text))
    emails = _email_people(note.text)
    if emails:
        names.add(_email_seeker(note.text, emails))
    if layout.is_transcript and _asker(layout):
        names.add(_asker(layout))
    return {n for n in names if n}


_BYLINE = r"(?:student|by|author|written by|name|submitted by)"  # labels of the note's author line


def _byline_names(text: str) -> list[str]:
    """'Student: Alex Moreno', 'By: ...' near the top, and the subject of 'Alex Moreno interviewed ...'."""
    head = text[:1500]
    lines = re.findall(rf"^\s*{_BYLINE}\s*:\s*([^\n]{{3,60}})$", head, re.I | re.M)
    lines += re.findall(r"([A-Z][\w'’\-]+(?: [A-Z][\w'’\-]+){0,2}) (?:interviewed|met with|spoke with|talked with) (?:Dr\.? |Mr\.? |Ms\.? )?[A-Z]", head)
    return [m.name for line in lines for m in P.find_names(line, header=True)[:1]]


_GRATITUDE = re.compile(r"\b(thank you|thanks)( so much| again)? (for|to you for) (taking|your time|the time|talking|chatting|meeting|the call|speaking|making time)", re.I)


def _email_seeker(text: str, people: list[tuple[str, str]]) -> str:
    """The note's writer in an e-mail thread: the sender of the first message if it thanks the
    other person for their time, else its recipient (the seeker saved a mail they received)."""
    first_from = people[0][0]
    to = next((n for n, _ in people[1:] if n != first_from), "")
    body = text.split("\n\n", 1)[-1][:1500]
    return first_from if _GRATITUDE.search(body) or not to else to


def _email_people(text: str) -> list[tuple[str, str]]:
    out = []
    for m in re.finditer(r"^(From|To):\s*\"?([^<\"\n]*?)\"?\s*<([^>]+)>", text, re.M):
        out.append((m.group(2).strip(), m.group(3)))
    return out


def _email_contact(text: str, people: list[tuple[str, str]], writer: set[str]) -> Contact | None:
    for name, email in people:
        if name and name not in writer:
            sig = _signature(text, name)
            return Contact(name=name, email=email, title=sig[0], organization=sig[1])
    return None


def _signature(text: str, name: str) -> tuple[str | None, str | None]:
    for m in re.finditer(rf"^{re.escape(name)}(?:,\s*[A-Z][\w.-]{{1,10}})*\s*\n([^\n]+)\n([^\n]+)", text, re.M):
        title = m.group(1).split("|")[0].strip()
        org = m.group(2).split("|")[0].strip()
        if 1 < len(title.split()) <= 10:
            return title.split(",")[0].strip() if "," in title else title, org
    return None, None


_ROLE_LABELS = {"q", "a", "me", "i", "interviewer", "interviewee", "student", "host", "guest", "speaker 1", "speaker 2"}


def _transcript_contact(text: str, layout: Layout, writer: set[str]) -> Contact | None:
    others = [s for s in layout.speakers if s not in writer]
    if not others or others[0].lower() in _ROLE_LABELS:
        return None
    label = others[0]
    name = _surname_from_title(text, label) or label
    if label.isupper() or len(label.split()) == 1:
        for m in P.find_names(text):
            if m.name.split()[-1].lower() == label.lower() or P.strip_title(m.name).split()[0].lower() == label.split()[0].lower():
                if len(P.strip_title(m.name).split()) > 1:
                    name = P.strip_title(m.name)  # "AN:" introduces herself as "Nguyễn Văn An"
                    break
    if name == label and (label.isupper() or len(label) <= 2):
        spelled = (m.group(1) for m in re.finditer(rf"((?:(?<![\w.])[^\W\d_][\w'’-]*\s+){{1,3}}{re.escape(label.title())})\b", text[:3000]))
        name = next((n for n in spelled if all(w[:1].isupper() for w in n.split())), name)
    if name == label and len(label) <= 2:
        return None  # "A:", "Q:"-like labels name nobody
    title, org = _intro_title_org(text, layout, label, name)
    return Contact(name=name, title=title, organization=org)


def _surname_from_title(text: str, label: str) -> str | None:
    """Speaker 'Ray' addressed as 'Mr. Dombrowski' -> 'Ray Dombrowski'."""
    if len(label.split()) != 1:
        return None
    m = re.search(r"\b(?:Mr|Ms|Mrs|Dr|Prof|Professor|Captain|Capt)\.? ([A-Z][\w'’\-]+)", text[:3000])
    return f"{label.title() if label.isupper() else label} {m.group(1)}" if m and m.group(1).lower() != label.lower() else None


def _intro_title_org(text: str, layout: Layout, speaker: str, name: str) -> tuple[str | None, str | None]:
    """A transcript's contact: "(CRC II, oncology, Lakeshore ...)" in the heading note, else the
    words after their name ("Nguyễn Văn An, senior producer at Tidewater Audio"), else the
    speaker's own "I'm an associate in the healthcare group at Whitmore Castell"."""
    paren = re.search(r"\(([^()]{5,120})\)", text[:600])
    if paren:
        title, org = appositive(paren.group(1))
        if title:
            return title, org
    at = text.find(name + ",")
    if at >= 0:
        title, org = appositive(text[at + len(name):])
        if title:
            return title, org
    for seg in layout.segments:
        if seg.speaker == speaker:
            title, org = prose_role(seg.text, [])
            if title:
                return title, org
    return None, None


def _header_contact(text: str, layout: Layout, writer: set[str]) -> Contact:
    """The person the note's opening names: preferably after "met with", "coffee w/", "interviewed"."""
    head_end = max(layout.body_start, 200)
    m = (_met_name(text, head_end, writer, only_met=True) or _lower_case_name(text[:300]) or _met_name(text, head_end, writer)
         or _met_name(text, 800, writer, only_met=True))
    if m is None:
        return Contact()
    return _named_contact(text, m, head_end)


def _named_contact(text: str, m: P.Mention, head_end: int) -> Contact:
    name = re.sub(r"(\s+(?:[A-Z]{2,}[a-z]?|PharmD|PhD|MD|RN|FSA))+$", "", m.name)
    title, org = _role_near(text, m, max(head_end, 600))
    return Contact(name=P.strip_title(name) if P.strip_title(name).count(" ") else name, title=title, organization=org)


def _met_name(text: str, head_end: int, writer: set[str], only_met: bool = False) -> P.Mention | None:
    """The first name in the opening after "met with", "**Who:**", "coffee w/"..., else (unless
    `only_met`) the first name there that is not a possessive ("Dana's team")."""
    cands = [m for m in P.find_names(text[:head_end], header=True) if m.name not in writer and not _writer_line(text, m)]
    met = next((c for c in cands if _MET.search(text[max(0, c.start - 70):c.start])), None)
    return met if met or only_met else next((c for c in cands if text[c.end:c.end + 2] not in ("'s", "’s")), None)


def _lower_case_name(head: str) -> P.Mention | None:
    """Notes typed on a phone: "call w/ dale kerrigan (owner, ...)" names the contact in lower case."""
    m = re.search(r"\b(?:call|chat|coffee|convo|meeting|talk|interview|zoom|met|notes from call)\s+(?:w/|with|w)\s*"
                  r"(?P<n>[a-z][\w'’-]+(?: [a-z][\w'’-]+)?)(?=\s*[(,\-–—:]|\s*$)", head, re.M)
    if not m or not P.known_first_name(m.group("n").split()[0]):
        return None
    return P.Mention(m.group("n"), m.start("n"), m.end("n"))


_MET = re.compile(r"(interviewed|met with|\bmet\b|talked (to|with|w/)|spoke (to|with)|speaking with|(chat|call|coffee|interview|intvw|meeting|lunch|"
                  r"conversation|phone|zoom)\s*(with|w/|-|—|:)?|informational( interview)?\s*(with|w/|-|—|:)?|interview[^.\n]{0,40}?\bwith|"
                  r"(?:^|\n)\W*(who|contact|interviewee|person|with|guest)\s*(\*\*|__)?\s*:\s*(\*\*|__)?)\s*((dr|mr|mrs|ms|mx|rev|prof|fr|sr)\.?\s+)*$", re.I)


def _writer_line(text: str, m: P.Mention) -> bool:
    """'Student: Alex Moreno', 'By: ...': the note's author, not the contact."""
    line_start = text.rfind("\n", 0, m.start) + 1
    return bool(re.match(rf"\s*(?:from|{_BYLINE})\s*:", text[line_start:m.start], re.I))


def _role_near(text: str, m: P.Mention, head_end: int) -> tuple[str | None, str | None]:
    """Title and organisation of the contact: after any mention of the name in the note's
    opening ("**Who:** Aaron Whitcomb, Development Manager @ Larkspur"), then in a sentence
    about them ("She's a ... at ..."), then on the line under the first mention."""
    words = P.strip_title(m.name).split()
    names = [words[0], words[-1]] if len(words) > 1 else words
    ends = sorted({m.end} | {x.end() for x in re.finditer(rf"\b{re.escape(words[-1])}\b\W*?(?:\*\*|__)?", text[:head_end])})
    title = org = loose_org = None
    for end in ends:
        line_end = text.find("\n", end)
        t, o = appositive(text[end:min(end + MAX_CLAUSE, len(text) if line_end < 0 else line_end)])
        if t and not title:
            title, org = t, o
        loose_org = loose_org or o
        if title and org:
            return title, org
    if not title:
        t, o = prose_role(text[m.start:m.start + 1500], names)
        title, org = t, org or o
    if not title:
        line_end = text.find("\n", m.end)
        nxt = re.match(r"\n+([^\n]{3,})", text[line_end:]) if line_end >= 0 else None
        for sentence in re.split(r"(?<=[.!?])\s+", nxt.group(1))[:3] if nxt else []:  # "Fri Feb 27, 30 min, phone. Senior Epidemiologist, ..."
            t, o = appositive(sentence)
            if t:
                title, org = t, org or o
                break
    org = org or loose_org
    if not org:
        before = text[text.rfind("\n", 0, m.start) + 1:m.start].strip(" #*-–—|:")
        org = before if before and P.ORG_WORDS.search(before) and len(before.split()) <= 6 else None
    return title, org
