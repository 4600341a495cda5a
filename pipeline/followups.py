"""Follow-up stage: turn one extracted `Record` into a dated, explained task list.

Every task is produced by a fixed rule (thank-you, referral outreach, job lead, the seeker's
own promises, closing the loop) and carries a one-sentence `why` naming that rule. Task ids
are stable hashes of (source, kind, normalised subject), so re-extracting a note keeps the
user's done/snoozed state (see `merge_task_state`). Exports to Markdown, CSV, iCalendar and
JSON are pure functions of the task list.

Everything here is pure: no database, no CLI, no printing, no clock except where a caller
omits an explicit `stamp`/`today`.
"""
from __future__ import annotations

import calendar
import csv
import hashlib
import io
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any, Optional

from dateutil.relativedelta import relativedelta
from icalendar import Calendar, Todo
from rapidfuzz import fuzz

from pipeline.schema import JobLead, Promise, Record, Referral, Span

NO_DUE_LABEL = "No due date"
CSV_COLUMNS = ("id", "action", "due", "person", "kind", "status", "source", "why")

THANK_YOU_DAYS = 1
REFERRAL_DAYS = 3
LEAD_DEFAULT_DAYS = 7
LEAD_DEADLINE_MARGIN_DAYS = 2
PROMISE_DEFAULT_DAYS = 7
CLOSE_LOOP_DAYS = 21
THANK_REFERRER_DAYS = 2
TITLE_OVERLAP_MIN = 0.5


@dataclass(kw_only=True)
class Task:
    """One follow-up action. `due` and `snoozed_until` are YYYY-MM-DD strings or None."""

    id: str
    action: str
    due: Optional[str]
    person: Optional[str]
    kind: str
    status: str = "open"
    source: str
    evidence: Optional[Span]
    why: str
    snoozed_until: Optional[str] = None


# --------------------------------------------------------------------------------------------
# Public API: building tasks
# --------------------------------------------------------------------------------------------


def build_tasks(record: Record, today: date | None = None) -> list[Task]:
    """Build the follow-up tasks for one record, in a fixed order.

    Order: thank_you, one referral task per referral, one job_lead task per lead, the open
    promises that do not duplicate a generated task, close_loop. Due dates are relative to
    `record.interview_date`; without it they stay None (except promise/lead dates that are
    explicit). `today` is only used as the anchor for a promise due or lead deadline written
    as a phrase ("Friday") when the record has no interview date.
    """
    interview = _parse_iso(record.interview_date)
    anchor = interview or today
    source = record.source
    generated: list[Task] = []

    thank = _thank_you_task(record, interview)
    generated.append(thank)
    referral_tasks = [_referral_task(record, ref, interview) for ref in record.referrals]
    lead_tasks = [_job_lead_task(record, lead, interview, anchor) for lead in record.job_leads]
    generated.extend(referral_tasks)
    generated.extend(lead_tasks)

    promise_tasks: list[Task] = []
    for promise in record.promises:
        if promise.done:
            continue
        target = _duplicate_target(promise.action, record, thank, referral_tasks, lead_tasks)
        if target is not None:
            _absorb_promise(target, promise, anchor)
        else:
            promise_tasks.append(_promise_task(record, promise, interview, anchor))

    close = _close_loop_task(record, interview)
    tasks = generated + promise_tasks + [close]
    _disambiguate_ids(tasks, source)
    return tasks


def referrer_thanks(lead_name: str, referrer_name: str, met_on: str, source: str) -> Task:
    """Task to thank the person who introduced you to `lead_name`, due 2 days after meeting."""
    met = _parse_iso(met_on)
    due = _iso(met + timedelta(days=THANK_REFERRER_DAYS)) if met else None
    when = f"on {met_on}" if met else "(meeting date unknown)"
    return Task(
        id=task_id(source, "thank_referrer", f"{_person_subject(referrer_name)} {_person_subject(lead_name)}"),
        action=f"Thank {referrer_name} for the introduction to {lead_name}",
        due=due,
        person=referrer_name,
        kind="thank_referrer",
        source=source,
        evidence=None,
        why=f"Thank the referrer within {THANK_REFERRER_DAYS} days of meeting {lead_name} {when}.",
    )


def task_id(source_key: str, kind: str, subject: str) -> str:
    """Stable 10-hex-char id: sha1 of source_key, kind and the normalised subject.

    The subject is lowercased, accents/punctuation/extra whitespace removed; for kind
    "promise" digits and date words (weekdays, months, today/tonight/tomorrow) are removed
    too, so "send resume by Friday" and "send resume by 3/20" share an id.
    """
    norm = _normalise(subject)
    if kind == "promise":
        norm = _strip_dates(norm)
    payload = "\x1f".join((source_key, kind, norm))
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:10]


def merge_task_state(new: list[Task], old: list[dict]) -> tuple[list[Task], list[dict]]:
    """Carry the user's state from stored rows onto freshly built tasks, matched by id.

    Returns (tasks, leftovers). Each new task whose id is in `old` takes over the old
    `status` when it is a user decision (anything but "open"/"orphaned", e.g. "done",
    "snoozed") and the old `snoozed_until`. Old rows whose id is gone come back in
    `leftovers`: user-added rows (kind "manual" or a truthy `user_added`) unchanged, all
    others as copies with status "orphaned". Nothing is dropped; inputs are not mutated.
    """
    old_by_id = {row["id"]: row for row in old if row.get("id")}
    merged = [_carry_state(task, old_by_id.get(task.id)) for task in new]
    new_ids = {task.id for task in new}
    leftovers: list[dict] = []
    for row in old:
        if row.get("id") in new_ids:
            continue
        if _is_user_added(row) or row.get("status") in ("done", "snoozed"):
            leftovers.append(dict(row))  # the user's own task or their decision: never overwritten
        else:
            leftovers.append({**row, "status": "orphaned"})
    return merged, leftovers


def resolve_due(phrase: str, anchor: date) -> date | None:
    """Resolve a due-date phrase relative to `anchor` (the interview date); None if unknown.

    Rules, first match wins:
    - explicit dates: "2026-03-31", "3/31", "3/31/26", "March 31(st)", "31 March", "by the
      15th" (this month, or next month if already past). Without a year the anchor's year is
      used, or the next year when that date is more than 60 days before the anchor.
    - "today"/"tonight"/"this evening"/"end of day"/"asap" -> anchor; "tomorrow" -> +1;
      "day after tomorrow" -> +2.
    - "in/within N days|weeks|months" (N a digit, a word up to twelve, "a", "a couple of",
      "a few") -> anchor + N units; "N weeks from now" likewise.
    - "end of the month" -> last day of the anchor's month; "end of next month"; "next
      month" -> anchor + 1 month.
    - "this weekend"/"weekend" -> anchor if it is a Saturday/Sunday, else the next Saturday;
      "next weekend" -> like "next <weekday>" for Saturday.
    - "next week" -> anchor + 7; "end of the week"/"this week" -> first Friday on/after anchor.
    - "<weekday>" ("by Friday", "this Friday", "on Fri") -> first such weekday strictly after
      anchor; "next <weekday>" -> the same day if it is more than 2 days away, else 7 days
      later (on a Wednesday "next Friday" is the Friday of the following week).
    """
    text = " ".join(phrase.lower().split())
    if not text:
        return None
    for rule in _DATE_RULES:
        result = rule(text, anchor)
        if result is not None:
            return result
    return None


# --------------------------------------------------------------------------------------------
# Public API: filtering and exports
# --------------------------------------------------------------------------------------------


def group_by_due(tasks: list[Task]) -> list[tuple[str, list[Task]]]:
    """Group tasks by due date (ascending), "No due date" last; input order kept in groups."""
    groups: dict[str, list[Task]] = {}
    for task in tasks:
        groups.setdefault(task.due or NO_DUE_LABEL, []).append(task)
    dated = sorted(key for key in groups if key != NO_DUE_LABEL)
    keys = dated + ([NO_DUE_LABEL] if NO_DUE_LABEL in groups else [])
    return [(key, groups[key]) for key in keys]


def filter_tasks(
    tasks: list[Task],
    status: str = "open",
    due_before: date | None = None,
    overdue_on: date | None = None,
    person: str | None = None,
) -> list[Task]:
    """Select tasks. `status` is "all" or an exact status ("open", "done", "snoozed", ...).

    `due_before` keeps tasks due strictly before that day; `overdue_on` keeps tasks not done
    whose due date is strictly before that day; `person` is a case-insensitive substring of
    the task's person. Tasks without a due date never pass the two date filters.
    """
    selected = []
    for task in tasks:
        if status != "all" and task.status != status:
            continue
        due = _parse_iso(task.due)
        if due_before is not None and (due is None or due >= due_before):
            continue
        if overdue_on is not None and (due is None or due >= overdue_on or task.status == "done"):
            continue
        if person and (not task.person or person.casefold() not in task.person.casefold()):
            continue
        selected.append(task)
    return selected


def to_markdown(tasks: list[Task]) -> str:
    """Markdown checklist: one `## <due>` section per date, "## No due date" last."""
    lines = ["# Follow-ups", ""]
    if not tasks:
        lines.append("No follow-ups.")
    for label, group in group_by_due(tasks):
        lines.append(f"## {label}")
        lines.append("")
        lines.extend(_markdown_line(task) for task in group)
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def to_csv(tasks: list[Task]) -> str:
    """CSV with header id,action,due,person,kind,status,source,why (every cell quoted).

    Cells starting with = + - @ tab or CR get a leading `'` so spreadsheets do not run them
    as formulas (OWASP CSV injection guidance). Lines end with "\\n".
    """
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for task in tasks:
        writer.writerow([csv_safe(getattr(task, column)) for column in CSV_COLUMNS])
    return out.getvalue()


def to_ics(tasks: list[Task], stamp: datetime | None = None) -> str:
    """RFC 5545 calendar with one VTODO per task (UID `<id>@fieldnotes.local`).

    DUE is a DATE value when set; STATUS is COMPLETED for done tasks, CANCELLED for orphaned
    ones and NEEDS-ACTION otherwise. `stamp` (DTSTAMP) defaults to now in UTC; a naive
    stamp is taken as UTC. Same tasks + same stamp give byte-identical output.
    """
    stamp = stamp or datetime.now(timezone.utc)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    cal = Calendar()
    cal.add("prodid", "-//Fieldnotes//EN")
    cal.add("version", "2.0")
    for task in tasks:
        cal.add_component(_ics_todo(task, stamp))
    return cal.to_ical().decode("utf-8")


def to_json(tasks: list[Task]) -> str:
    """JSON array of `task_to_dict` objects (UTF-8 kept, indented)."""
    return json.dumps([task_to_dict(task) for task in tasks], ensure_ascii=False, indent=2)


def task_to_dict(task: Task) -> dict[str, Any]:
    """Plain dict of a task; evidence becomes {start, end, quote} or None."""
    row = asdict(replace(task, evidence=None))
    row["evidence"] = task.evidence.model_dump() if task.evidence else None
    return row


def task_from_dict(row: dict[str, Any]) -> Task:
    """Inverse of `task_to_dict`; unknown keys are ignored, missing optional keys are None."""
    evidence = row.get("evidence")
    return Task(
        id=row["id"],
        action=row["action"],
        due=row.get("due"),
        person=row.get("person"),
        kind=row.get("kind", "manual"),
        status=row.get("status") or "open",
        source=row.get("source", ""),
        evidence=Span(**evidence) if isinstance(evidence, dict) else evidence,
        why=row.get("why") or "",
        snoozed_until=row.get("snoozed_until"),
    )


# --------------------------------------------------------------------------------------------
# Private helpers: task rules
# --------------------------------------------------------------------------------------------


def _thank_you_task(record: Record, interview: date | None) -> Task:
    """Thank-you note to the contact, due the day after the interview."""
    name = record.contact.name
    due = _plus(interview, THANK_YOU_DAYS)
    if interview:
        why = f"Thank-you within 24 hours of the interview on {_iso(interview)}."
    else:
        why = "Thank-you within 24 hours of the interview (no interview date recorded)."
    return Task(
        id=task_id(record.source, "thank_you", _person_subject(name) or "contact"),
        action=f"Send a thank-you note to {_contact_label(record)}",
        due=due,
        person=name,
        kind="thank_you",
        source=record.source,
        evidence=None,
        why=why,
    )


def _referral_task(record: Record, ref: Referral, interview: date | None) -> Task:
    """Reach out to one referral, due 3 days after the interview, naming who referred you."""
    verb = _asked_channel(ref) or ("E-mail" if ref.email else "Call" if ref.phone else "Reach out to")
    described = ref.name + _role_suffix(ref.title, ref.organization) + _reason_suffix(ref.reason)
    referrer = record.contact.name
    action = f"{verb} {described}" + (f" — mention {referrer}" if referrer else "")
    who = f"{referrer} suggested {ref.name}" if referrer else f"{ref.name} was suggested"
    when = f"the interview on {_iso(interview)}" if interview else "the interview"
    return Task(
        id=task_id(record.source, "referral", _person_subject(ref.name)),
        action=action,
        due=_plus(interview, REFERRAL_DAYS),
        person=ref.name,
        kind="referral",
        source=record.source,
        evidence=ref.evidence,
        why=f"{who}; contact referrals within {REFERRAL_DAYS} days of {when}.",
    )


def _job_lead_task(record: Record, lead: JobLead, interview: date | None, anchor: date | None) -> Task:
    """Apply to (or attend) one job lead; due rule in `_lead_due`."""
    is_event = bool(_EVENT_RE.search(lead.title))
    verb = "Attend" if is_event else "Apply to"
    action = f"{verb} {lead.title}" + (f" at {lead.organization}" if lead.organization else "")
    if lead.url:
        action += f" — {lead.url}"
    deadline = _parse_date_text(lead.deadline, anchor)
    due, why = _lead_due(deadline, interview, is_event)
    return Task(
        id=task_id(record.source, "job_lead", lead.title),
        action=action,
        due=_iso(due) if due else None,
        person=None,
        kind="job_lead",
        source=record.source,
        evidence=lead.evidence,
        why=why,
    )


def _lead_due(deadline: date | None, interview: date | None, is_event: bool) -> tuple[date | None, str]:
    """Due date and reason for a lead.

    Applications: deadline - 2 days, never before the interview; no deadline: interview + 7.
    Events (info session, open house, webinar, fair): the event date itself, since the
    "deadline" of an event is the day it happens.
    """
    if deadline and is_event:
        return deadline, f"Attend the event on {_iso(deadline)}."
    if deadline:
        due = deadline - timedelta(days=LEAD_DEADLINE_MARGIN_DAYS)
        if interview and due < interview:
            return interview, f"Deadline {_iso(deadline)} is close to the interview, so act on the interview day."
        return due, f"Apply {LEAD_DEADLINE_MARGIN_DAYS} days before the {_iso(deadline)} deadline."
    if interview:
        due = interview + timedelta(days=LEAD_DEFAULT_DAYS)
        return due, f"No deadline given: act within a week of the interview on {_iso(interview)}."
    return None, "No deadline or interview date given."


def _promise_task(record: Record, promise: Promise, interview: date | None, anchor: date | None) -> Task:
    """A seeker's own open promise, due as written or a week after the interview."""
    due = _parse_date_text(promise.due, anchor)
    if due:
        why = f"You wrote you would do this by {_iso(due)}."
    elif interview:
        due = interview + timedelta(days=PROMISE_DEFAULT_DAYS)
        why = f"You wrote you would do this; no date given, so within a week of the interview on {_iso(interview)}."
    else:
        why = "You wrote you would do this; no date given."
    contact = record.contact.name
    person = contact if contact and _mentions_person(promise.action, contact) else None
    return Task(
        id=task_id(record.source, "promise", promise.action),
        action=promise.action,
        due=_iso(due) if due else None,
        person=person,
        kind="promise",
        source=record.source,
        evidence=promise.evidence,
        why=why,
    )


def _close_loop_task(record: Record, interview: date | None) -> Task:
    """Tell the contact what came of their advice, three weeks after the interview."""
    name = record.contact.name
    when = f"the interview on {_iso(interview)}" if interview else "the interview"
    return Task(
        id=task_id(record.source, "close_loop", _person_subject(name) or "contact"),
        action=f"Tell {name or 'your contact'} how their advice turned out",
        due=_plus(interview, CLOSE_LOOP_DAYS),
        person=name,
        kind="close_loop",
        source=record.source,
        evidence=None,
        why=f"Close the loop {CLOSE_LOOP_DAYS // 7} weeks after {when}: people like to hear what their advice led to.",
    )


def _disambiguate_ids(tasks: list[Task], source: str) -> None:
    """Give repeated ids (e.g. two leads with the same title) a stable ordinal-based id."""
    seen: set[str] = set()
    for task in tasks:
        n = 1
        base = task.id
        while task.id in seen:
            n += 1
            task.id = hashlib.sha1(f"{base}\x1f{n}".encode("utf-8")).hexdigest()[:10]
        seen.add(task.id)


# --------------------------------------------------------------------------------------------
# Private helpers: promise de-duplication
# --------------------------------------------------------------------------------------------

_THANK_RE = re.compile(r"\bthank")
_STOPWORDS = frozenset(
    "a an the at for of to and or in on with my me her his him their them re about by i will "
    "send email e mail call apply".split()
)
# First names that are also common words: matched only via the last name.
_WORDLIKE_FIRST_NAMES = frozenset(
    "will may mark bill pat rob sue art dean rose hope grace joy june april august chase drew "
    "jack ray faith summer sky".split()
)
_HONORIFICS = frozenset("dr mr mrs ms mx miss prof professor sir dame".split())
_CREDENTIALS = frozenset("phd md rn pharmd mba np dds dvm esq".split())


def _duplicate_target(
    text: str, record: Record, thank: Task, referrals: list[Task], leads: list[Task]
) -> Task | None:
    """The generated task a promise duplicates, or None.

    Rules, in order: (1) the promise says "thank..." and names no referral -> thank_you;
    (2) it names exactly one referral (first or last name token, see `_mentions_person`)
    -> that referral task; (3) it starts with applying or watching for something and its words
    cover at least half of a job-lead title's words (best overlap wins) -> that job_lead task.
    Ambiguous matches are not merged.
    """
    named = [task for task in referrals if task.person and _mentions_person(text, task.person)]
    if _THANK_RE.search(text.lower()) and not named:
        return thank
    if len(named) == 1:
        return named[0]
    if not _LEAD_ACTION.match(text) or _ANY_OPENINGS.search(text):
        return None  # "Build 2 practice pro formas before the analyst posting goes up", "apply for part-time library jobs"
    best, best_score = None, 0.0
    for lead, task in zip(record.job_leads, leads):
        score = _title_overlap(text, lead.title)
        if score >= TITLE_OVERLAP_MIN and score > best_score:
            best, best_score = task, score
    return best


_ANY_OPENINGS = re.compile(r"\b(jobs|positions|roles|openings|postings|internships|programs)\b", re.I)  # plural: not one specific lead
_PROMISE_START = r"^\W*(?:(?:todo|to do|next)\W+)?(?:i'?ll\s+|i will\s+|need to\s+|then\s+)?"  # "TODO: I'll ...", "need to ..."
_LEAD_ACTION = re.compile(_PROMISE_START + r"(?:apply|submit|send (?:in|my)|watch|check|look (?:for|out)|"
                          r"keep an eye|set (?:up )?(?:an? )?(?:alert|reminder)|bookmark|track|follow|ask about|email|e-mail|call|"
                          r"sign up|register|get (?:my )?application)\b", re.I)


def _absorb_promise(target: Task, promise: Promise, anchor: date | None) -> None:
    """Merge a duplicate promise into a generated task: earlier due wins, text goes to why."""
    due = _parse_date_text(promise.due, anchor)
    current = _parse_iso(target.due)
    if due and (current is None or due < current):
        target.due = _iso(due)
    if target.evidence is None:
        target.evidence = promise.evidence
    verb = _CONTACT_VERB.match(promise.action)
    if target.kind == "referral":
        _adopt_channel_and_purpose(target, promise, verb)
    target.why = f'{target.why} You also wrote: "{promise.action}".'


def _adopt_channel_and_purpose(target: Task, promise: Promise, verb: re.Match | None) -> None:
    """The seeker's own words win: "text Gabriela this week", "email Shreya re: in-house route"."""
    if verb:
        channel = _CONTACT_VERBS[verb.group(1).lower()]
        target.action = re.sub(r"^(E-mail|Call|Text|Message|Write to|Meet|Reach out to) ", f"{channel} ", target.action)
    head, sep, tail = target.action.partition(" — mention")
    if re.search(r"linked\s?in", promise.action, re.I) and "LinkedIn" not in head:
        head += " on LinkedIn"
    purpose = _PROMISE_PURPOSE.search(promise.action)
    if purpose and target.person and _mentions_person(purpose.group(0), target.person):
        purpose = None  # "Ping Devon in 2 wks re: Kristin" says nothing new about Kristin
    if purpose and not re.search(r", (?:about|for|re\b|regarding)| \(", head):
        head += f" {purpose.group(0).strip()}"
    target.action = head + sep + tail


_PROMISE_PURPOSE = re.compile(r"(?<=\w)\s+(?:re:?|about|regarding|to (?:set up|ask|discuss|talk about|learn|hear)|for (?:a|an|the) "
                              r"(?:shadow|informational|intro|chat|call|coffee))\s+[^.;()\n]{3,80}", re.I)


_CONTACT_VERBS = {"email": "E-mail", "e-mail": "E-mail", "call": "Call", "phone": "Call", "text": "Text", "message": "Message",
                  "msg": "Message", "dm": "Message", "linkedin": "Message", "write": "Write to", "meet": "Meet"}
_CONTACT_VERB = re.compile(_PROMISE_START + "(" + "|".join(_CONTACT_VERBS) + r")\b", re.I)


def _mentions_person(text: str, name: str) -> bool:
    """True when a name token of `name` appears in `text` (last name; first name unless wordlike)."""
    tokens = _person_subject(name).split()
    if not tokens:
        return False
    candidates = {tokens[-1]}
    if len(tokens) > 1 and tokens[0] not in _WORDLIKE_FIRST_NAMES:
        candidates.add(tokens[0])
    words = _normalise(text).split()
    return any(_tokens_match(c, w) for c in candidates if len(c) >= 2 for w in words)


def _title_overlap(text: str, title: str) -> float:
    """Share of the title's content words that (fuzzily) appear in `text`."""
    title_words = _content_words(title)
    if not title_words:
        return 0.0
    words = _content_words(text)
    hits = sum(1 for t in title_words if any(_tokens_match(t, w) for w in words))
    return hits / len(title_words)


def _content_words(text: str) -> list[str]:
    """Normalised words minus stopwords, unique, in order."""
    return list(dict.fromkeys(w for w in _normalise(text).split() if w not in _STOPWORDS))


def _tokens_match(a: str, b: str) -> bool:
    """Equal, or both 5+ chars with rapidfuzz ratio >= 85 (plurals, one-letter typos)."""
    if a == b:
        return True
    return len(a) >= 5 and len(b) >= 5 and fuzz.ratio(a, b) >= 85


# --------------------------------------------------------------------------------------------
# Private helpers: text and dates
# --------------------------------------------------------------------------------------------

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9,
    "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12,
    "december": 12,
}
_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6,
}
_FULL_WEEKDAYS = [name for name in _WEEKDAYS if name.endswith("day")]
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a couple of": 2,
    "a couple": 2, "couple of": 2, "a few": 3, "few": 3,
}
_DATE_WORDS = frozenset(_MONTHS) | frozenset(_WEEKDAYS) | {"today", "tonight", "tomorrow"}
_MONTH_RE = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_NUM_RE = "(" + "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True)) + r"|\d{1,3})"
_EVENT_RE = re.compile(r"\b(info(rmation)?[\s-]+sessions?|open[\s-]+house|webinars?|fairs?)\b", re.I)
ROLLOVER_DAYS = 60


def _normalise(text: str | None) -> str:
    """Lowercase, strip accents and punctuation, collapse whitespace."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w\s]|_", " ", plain.lower()).split())


def _strip_dates(norm: str) -> str:
    """Drop digits and date words from an already normalised string."""
    words = re.sub(r"\d+(st|nd|rd|th)?", " ", norm).split()
    return " ".join(w for w in words if w not in _DATE_WORDS)


def _person_subject(name: str | None) -> str:
    """Normalised person name without honorifics ("Dr.") or trailing credentials ("PharmD")."""
    tokens = _normalise(name).split()
    while tokens and tokens[0] in _HONORIFICS:
        tokens.pop(0)
    while tokens and tokens[-1] in _CREDENTIALS:
        tokens.pop()
    return " ".join(tokens)


def _asked_channel(ref: Referral) -> str | None:
    """The way the note says to reach them: "call Tina at the hall", "text him first", "message Ben on LinkedIn"."""
    first = re.escape(ref.name.split()[-1] if ref.name.split()[0].rstrip(".").lower() in _HONORIFICS else ref.name.split()[0])
    m = re.search(rf"\b({'|'.join(_CONTACT_VERBS)})\s+(?:(?:him|her|them)\b|(?:dr\.?\s+|mr\.?\s+|ms\.?\s+)?{first})", ref.context or "", re.I)
    return _CONTACT_VERBS[m.group(1).lower()] if m else None


def _reason_suffix(reason: str | None) -> str:
    """" about the part-time MSW" / " for the corporate side" / " (runs the co-op program)" / ""."""
    if not reason:
        return ""
    if re.match(r"(about|re\b|regarding|for)\b", reason, re.I):
        return f", {reason[0].lower()}{reason[1:]}"
    return f" ({reason})"


def _role_suffix(title: str | None, organization: str | None) -> str:
    """", title at org" / ", title" / " at org" / ""."""
    if title and organization and organization.lower() in title.lower():
        return f", {title}"
    if title and organization:
        return f", {title} at {organization}"
    if title:
        return f", {title}"
    if organization:
        return f" at {organization}"
    return ""


def _contact_label(record: Record) -> str:
    """"Name (title, org)" with whatever parts are known; "your contact" without a name."""
    c = record.contact
    details = ", ".join(part for part in (c.title, c.organization) if part)
    name = c.name or "your contact"
    return f"{name} ({details})" if details else name


def _parse_iso(value: str | None) -> date | None:
    """Date from a YYYY-MM-DD string (a longer ISO datetime is cut to its date), else None."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _parse_date_text(value: str | None, anchor: date | None) -> date | None:
    """ISO date, else a phrase resolved against `anchor` (if any), else None."""
    parsed = _parse_iso(value)
    if parsed or not value or anchor is None:
        return parsed
    return resolve_due(value, anchor)


def _iso(value: date) -> str:
    """YYYY-MM-DD."""
    return value.isoformat()


def _plus(base: date | None, days: int) -> str | None:
    """ISO date `days` after `base`, or None without a base."""
    return _iso(base + timedelta(days=days)) if base else None


def _safe_date(year: int, month: int, day: int) -> date | None:
    """date() or None for impossible dates like 2/30."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _with_rollover(month: int, day: int, year: int | None, anchor: date) -> date | None:
    """Date with explicit year, or the anchor's year rolled to next year when far in the past."""
    if year is not None:
        return _safe_date(year + 2000 if year < 100 else year, month, day)
    result = _safe_date(anchor.year, month, day)
    if result is None and (month, day) == (2, 29):
        result = _safe_date(anchor.year + 1, month, day)
    if result is not None and (anchor - result).days > ROLLOVER_DAYS:
        result = _safe_date(anchor.year + 1, month, day)
    return result


def _next_weekday(anchor: date, weekday: int) -> date:
    """First date strictly after `anchor` falling on `weekday` (Mon=0)."""
    return anchor + timedelta(days=(weekday - anchor.weekday() - 1) % 7 + 1)


def _next_weekday_next(anchor: date, weekday: int) -> date:
    """"next <weekday>": `_next_weekday`, pushed a week when it is 2 days away or less."""
    result = _next_weekday(anchor, weekday)
    return result + timedelta(days=7) if (result - anchor).days <= 2 else result


def _rule_iso(text: str, anchor: date) -> date | None:
    """"2026-03-31"."""
    m = re.search(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", text)
    return _safe_date(int(m[1]), int(m[2]), int(m[3])) if m else None


def _rule_numeric(text: str, anchor: date) -> date | None:
    """"3/31" or "3/31/2026" (US month/day)."""
    m = re.search(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?(?![\d/])", text)
    if not m:
        return None
    return _with_rollover(int(m[1]), int(m[2]), int(m[3]) if m[3] else None, anchor)


def _rule_month_name(text: str, anchor: date) -> date | None:
    """"March 31st, 2026", "Mar 31" or "31 March"."""
    m = re.search(rf"\b{_MONTH_RE}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}})\b)?", text)
    if m:
        return _with_rollover(_MONTHS[m[1]], int(m[2]), int(m[3]) if m[3] else None, anchor)
    m = re.search(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_RE}(?:,?\s+(\d{{4}})\b)?", text)
    if m:
        return _with_rollover(_MONTHS[m[2]], int(m[1]), int(m[3]) if m[3] else None, anchor)
    return None


def _rule_day_of_month(text: str, anchor: date) -> date | None:
    """"by the 15th": this month, or next month when that day has passed."""
    m = re.search(r"\b(?:by|before|on|until|till)\s+the\s+(\d{1,2})(?:st|nd|rd|th)\b", text)
    if not m:
        return None
    day = int(m[1])
    if day >= anchor.day:
        return _safe_date(anchor.year, anchor.month, day)
    nxt = anchor + relativedelta(months=1)
    return _safe_date(nxt.year, nxt.month, day)


def _rule_day_words(text: str, anchor: date) -> date | None:
    """"day after tomorrow", "tomorrow", "today"/"tonight"/"this evening"/"eod"/"asap"."""
    if re.search(r"\bday after tomorrow\b", text):
        return anchor + timedelta(days=2)
    if re.search(r"\btomorrow\b", text):
        return anchor + timedelta(days=1)
    if re.search(r"\b(today|tonight|this (morning|afternoon|evening)|end of (the )?day|eod|asap)\b", text):
        return anchor
    return None


def _rule_count(text: str, anchor: date) -> date | None:
    """"in two weeks", "within a week", "in 3 days", "2 weeks from now"."""
    m = re.search(rf"\b(?:in|within|after)\s+(?:the\s+next\s+)?{_NUM_RE}\s+(day|week|month)s?\b", text)
    if not m:
        m = re.search(rf"\b{_NUM_RE}\s+(day|week|month)s?\s+from\s+(?:now|today)\b", text)
    if not m:
        return None
    count = int(m[1]) if m[1].isdigit() else _NUMBER_WORDS[m[1]]
    unit = {"day": "days", "week": "weeks", "month": "months"}[m[2]]
    return anchor + relativedelta(**{unit: count})


def _rule_month_words(text: str, anchor: date) -> date | None:
    """"end of the month", "end of next month", "next month"."""
    if re.search(r"\b(end of (the |this )?month|month end|eom)\b", text):
        return _month_end(anchor)
    if re.search(r"\bend of next month\b", text):
        return _month_end(anchor + relativedelta(months=1))
    if re.search(r"\bnext month\b", text):
        return anchor + relativedelta(months=1)
    return None


def _month_end(day: date) -> date:
    """Last day of `day`'s month."""
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def _rule_weekend(text: str, anchor: date) -> date | None:
    """"next weekend" and "this weekend"/"the weekend"/"weekend"."""
    if re.search(r"\bnext weekend\b", text):
        return _next_weekday_next(anchor, 5)
    if re.search(r"\bweekend\b", text):
        return anchor if anchor.weekday() >= 5 else _next_weekday(anchor, 5)
    return None


def _rule_week(text: str, anchor: date) -> date | None:
    """"next week" -> +7; "end of the week"/"this week" -> first Friday on/after anchor."""
    if re.search(r"\bnext week\b", text):
        return anchor + timedelta(days=7)
    if re.search(r"\b(end of (the |this )?week|this week|eow)\b", text):
        return anchor + timedelta(days=(4 - anchor.weekday()) % 7)
    return None


def _rule_weekday(text: str, anchor: date) -> date | None:
    """"next Friday", "by/this/on Friday", bare "Friday"; abbreviations need a lead word."""
    names = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
    m = re.search(rf"\bnext\s+({names})\b\.?", text)
    if m:
        return _next_weekday_next(anchor, _WEEKDAYS[m[1]])
    m = re.search(rf"\b(?:by|on|this|before|until|till)\s+({names})\b\.?", text)
    if not m:
        m = re.search(rf"\b({'|'.join(_FULL_WEEKDAYS)})\b", text)
    return _next_weekday(anchor, _WEEKDAYS[m[1]]) if m else None


_DATE_RULES = (
    _rule_iso,
    _rule_numeric,
    _rule_month_name,
    _rule_day_of_month,
    _rule_day_words,
    _rule_count,
    _rule_month_words,
    _rule_weekend,
    _rule_week,
    _rule_weekday,
)


# --------------------------------------------------------------------------------------------
# Private helpers: state and exports
# --------------------------------------------------------------------------------------------


def _carry_state(task: Task, row: dict | None) -> Task:
    """Copy of `task` with the user's status / snooze date from the stored row, if any."""
    if not row:
        return replace(task)
    status = row.get("status")
    keep = status if status and status not in ("open", "orphaned") else task.status
    return replace(task, status=keep, snoozed_until=row.get("snoozed_until") or task.snoozed_until)


def _is_user_added(row: dict) -> bool:
    """A stored row the user created by hand (never orphaned)."""
    return row.get("kind") == "manual" or bool(row.get("user_added"))


def _one_line(text: str | None) -> str:
    """Collapse newlines and runs of whitespace so a value fits on one Markdown line."""
    return " ".join((text or "").split())


def _markdown_line(task: Task) -> str:
    """"- [ ] action (person) — source", "[x]" when done, other statuses noted."""
    box = "[x]" if task.status == "done" else "[ ]"
    line = f"- {box} {_one_line(task.action)}"
    if task.person and task.person not in task.action:
        line += f" ({_one_line(task.person)})"
    line += f" — {_one_line(task.source)}"
    if task.status == "snoozed" and task.snoozed_until:
        line += f" _(snoozed until {task.snoozed_until})_"
    elif task.status not in ("open", "done"):
        line += f" _({task.status})_"
    return line


_CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> str:
    """Cell text with a leading `'` when it could start a spreadsheet formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_CSV_TRIGGERS) else text


def _ics_todo(task: Task, stamp: datetime) -> Todo:
    """One VTODO for a task."""
    todo = Todo()
    todo.add("uid", f"{task.id}@fieldnotes.local")
    todo.add("dtstamp", stamp)
    todo.add("summary", task.action)
    due = _parse_iso(task.due)
    if due:
        todo.add("due", due)
    todo.add("status", _ICS_STATUS.get(task.status, "NEEDS-ACTION"))
    todo.add("description", f"{task.why}\nSource: {task.source}".strip())
    return todo


_ICS_STATUS = {"done": "COMPLETED", "orphaned": "CANCELLED"}
