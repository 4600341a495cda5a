"""Follow-up tasks from one record, by fixed product rules, each with a one-sentence `why`:

a thank-you to the contact, one outreach per referral (naming who referred you), one task per
job lead (apply before the deadline, or attend an event), the seeker's own open promises that
do not repeat one of those, and closing the loop three weeks later. Pure: no database, no clock
unless the caller leaves out `today`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

from pipeline import rules
from pipeline.annotate.dates import resolve_phrase
from pipeline.followups.ids import disambiguate, normalise, person_subject, task_id
from pipeline.schema import JobLead, Promise, Record, Referral, Span


@dataclass(kw_only=True)
class Task:
    """One follow-up action. `due` and `snoozed_until` are YYYY-MM-DD or None."""

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


def build_tasks(record: Record, today: date | None = None, note_key: str | None = None) -> list[Task]:
    """The record's tasks in a fixed order: thank-you, referrals, job leads, own promises, close the loop.

    `note_key` names the note for task ids (default: the record's source)."""
    key = note_key or record.source
    interview = _iso_date(record.interview_date)
    anchor = interview or today
    thank = _thank_you(record, key, interview)
    refs = [_referral(record, key, r, interview) for r in record.referrals]
    leads = [_job_lead(record, key, lead, interview, anchor) for lead in record.job_leads]
    promises = []
    duplicates = _Duplicates(record, thank, refs, leads)
    for p in record.promises:
        if p.done:
            continue
        target = duplicates.of(p.action)
        if target is not None:
            _absorb(target, p, anchor)
        else:
            promises.append(_promise(record, key, p, interview, anchor))
    tasks = [thank, *refs, *leads, *promises, _close_loop(record, key, interview)]
    for task, new_id in zip(tasks, disambiguate([t.id for t in tasks])):
        task.id = new_id
    return tasks


def referrer_thanks(lead_name: str, referrer_name: str, met_on: str, note_key: str) -> Task:
    """Thank the person who introduced you, two days after meeting the lead."""
    met = _iso_date(met_on)
    days = _days("thank_referrer")
    return Task(id=task_id(note_key, "thank_referrer", f"{person_subject(referrer_name)} {person_subject(lead_name)}"),
                action=f"Thank {referrer_name} for the introduction to {lead_name}", due=_plus(met, days), person=referrer_name,
                kind="thank_referrer", source=note_key, evidence=None,
                why=f"Thank the referrer within {days} days of meeting {lead_name} {'on ' + met_on if met else '(meeting date unknown)'}.")


def _days(kind: str) -> int:
    return int(rules.load("followups")["days"][kind])


def _thank_you(record: Record, key: str, interview: date | None) -> Task:
    name = record.contact.name
    days = _days("thank_you")
    why = f"Thank-you within 24 hours of the interview on {interview.isoformat()}." if interview else \
        "Thank-you within 24 hours of the interview (no interview date recorded)."
    return Task(id=task_id(key, "thank_you", person_subject(name) or "contact"), action=f"Send a thank-you note to {_contact_label(record)}",
                due=_plus(interview, days), person=name, kind="thank_you", source=record.source, evidence=None, why=why)


def _referral(record: Record, key: str, ref: Referral, interview: date | None) -> Task:
    verb = _asked_channel(ref) or ("E-mail" if ref.email else "Call" if ref.phone else "Reach out to")
    described = ref.name + _role_suffix(ref.title, ref.organization) + _reason_suffix(ref.reason)
    referrer = record.contact.name
    days = _days("referral")
    when = f"the interview on {interview.isoformat()}" if interview else "the interview"
    return Task(id=task_id(key, "referral", person_subject(ref.name)), action=f"{verb} {described}" + (f" — mention {referrer}" if referrer else ""),
                due=_plus(interview, days), person=ref.name, kind="referral", source=record.source, evidence=ref.evidence,
                why=f"{referrer + ' suggested ' + ref.name if referrer else ref.name + ' was suggested'}; contact referrals within {days} days of {when}.")


def _job_lead(record: Record, key: str, lead: JobLead, interview: date | None, anchor: date | None) -> Task:
    event = rules.lexicon("followups", "event_words").search(lead.title) is not None
    action = f"{'Attend' if event else 'Apply to'} {lead.title}" + (f" at {lead.organization}" if lead.organization else "")
    if lead.url:
        action += f" — {lead.url}"
    deadline = _iso_date(lead.deadline) or (resolve_phrase(lead.deadline, anchor) if lead.deadline and anchor else None)
    due, why = _lead_due(deadline, interview, event)
    return Task(id=task_id(key, "job_lead", lead.title), action=action, due=due.isoformat() if due else None, person=None,
                kind="job_lead", source=record.source, evidence=lead.evidence, why=why)


def _lead_due(deadline: date | None, interview: date | None, event: bool) -> tuple[date | None, str]:
    """Applications: two days before the deadline (never before the interview); events: their day;
    no deadline: a week after the interview."""
    margin = _days("lead_margin")
    if deadline and event:
        return deadline, f"Attend the event on {deadline.isoformat()}."
    if deadline:
        due = deadline - timedelta(days=margin)
        if interview and due < interview:
            return interview, f"Deadline {deadline.isoformat()} is close to the interview, so act on the interview day."
        return due, f"Apply {margin} days before the {deadline.isoformat()} deadline."
    if interview:
        return interview + timedelta(days=_days("job_lead")), f"No deadline given: act within a week of the interview on {interview.isoformat()}."
    return None, "No deadline or interview date given."


def _promise(record: Record, key: str, promise: Promise, interview: date | None, anchor: date | None) -> Task:
    due = _iso_date(promise.due) or (resolve_phrase(promise.due, anchor) if promise.due and anchor else None)
    if due:
        why = f"You wrote you would do this by {due.isoformat()}."
    elif interview:
        due = interview + timedelta(days=_days("promise"))
        why = f"You wrote you would do this; no date given, so within a week of the interview on {interview.isoformat()}."
    else:
        why = "You wrote you would do this; no date given."
    contact = record.contact.name
    person = contact if contact and mentions_person(promise.action, contact) else None
    return Task(id=task_id(key, "promise", promise.action), action=promise.action, due=due.isoformat() if due else None, person=person,
                kind="promise", source=record.source, evidence=promise.evidence, why=why)


def _close_loop(record: Record, key: str, interview: date | None) -> Task:
    name = record.contact.name
    days = _days("close_loop")
    when = f"the interview on {interview.isoformat()}" if interview else "the interview"
    return Task(id=task_id(key, "close_loop", person_subject(name) or "contact"), action=f"Tell {name or 'your contact'} how their advice turned out",
                due=_plus(interview, days), person=name, kind="close_loop", source=record.source, evidence=None,
                why=f"Close the loop {days // 7} weeks after {when}: people like to hear what their advice led to.")


class _Duplicates:
    """Which generated task a promise repeats: a thank-you, the one referral it names, or the
    job lead whose title it covers; None when unclear. Name and title words are indexed once,
    so a note with thousands of referrals and promises costs time in proportion to its size."""

    def __init__(self, record: Record, thank: Task, refs: list[Task], leads: list[Task]) -> None:
        self.thank, self.refs, self.leads = thank, refs, leads
        self.by_name_word: dict[str, list[int]] = {}
        for i, task in enumerate(refs):
            for word in _name_words(task.person):
                self.by_name_word.setdefault(word, []).append(i)
        self.titles = [[w for w in normalise(lead.title).split() if len(w) > 2] for lead in record.job_leads]
        self.thank_words = set(rules.words("followups", "thank_words"))

    def of(self, text: str) -> Task | None:
        words = set(normalise(text).split())
        named = sorted({i for w in words if len(w) >= 2 for i in self.by_name_word.get(w, ())})
        if words & self.thank_words and not named:
            return self.thank
        if len(named) == 1:
            return self.refs[named[0]]
        if not rules.lexicon("followups", "apply_words").search(text):
            return None
        best, best_score = None, 0.0
        for title, task in zip(self.titles, self.leads):
            score = sum(w in words for w in title) / len(title) if title else 0.0
            if score >= 0.5 and score > best_score:
                best, best_score = task, score
        return best


def _absorb(target: Task, promise: Promise, anchor: date | None) -> None:
    """A promise that repeats a task: its earlier due date and its own channel win; its words go to `why`."""
    due = _iso_date(promise.due) or (resolve_phrase(promise.due, anchor) if promise.due and anchor else None)
    current = _iso_date(target.due)
    if due and (current is None or due < current):
        target.due = due.isoformat()
    if target.evidence is None:
        target.evidence = promise.evidence
    if target.kind == "referral":
        channel = _channel(promise.action)
        if channel:
            verbs = ["Reach out to", *set(rules.table("followups", "contact_verbs").values())]
            old = next((v for v in sorted(verbs, key=len, reverse=True) if target.action.startswith(v + " ")), None)
            if old:
                target.action = channel + target.action[len(old):]
    target.why = f'{target.why} You also wrote: "{promise.action}".'


def mentions_person(text: str, name: str) -> bool:
    """A name word of `name` (the last name; the first name unless it is also a common word) in `text`."""
    wanted = _name_words(name)
    return bool(wanted) and any(w in wanted for w in normalise(text).split() if len(w) >= 2)


def _name_words(name: str | None) -> set[str]:
    """The words that name a person in a task's text: the last name, and the first name unless it is a common word."""
    tokens = person_subject(name).split()
    if not tokens:
        return set()
    wanted = {tokens[-1]}
    if len(tokens) > 1 and tokens[0] not in rules.words("followups", "wordlike_first_names"):
        wanted.add(tokens[0])
    return wanted


def _asked_channel(ref: Referral) -> str | None:
    """How the note says to reach them ('text him', 'call Tina'): the verb just before the name or a pronoun."""
    context = normalise(ref.context)
    first = person_subject(ref.name).split()[:1]
    words = context.split()
    for i, w in enumerate(words[:-1]):
        if w in rules.table("followups", "contact_verbs") and (words[i + 1] in ("him", "her", "them") or words[i + 1:i + 2] == first):
            return rules.table("followups", "contact_verbs")[w]
    return None


def _channel(action: str) -> str | None:
    for w in normalise(action).split()[:4]:
        if w in rules.table("followups", "contact_verbs"):
            return rules.table("followups", "contact_verbs")[w]
    return None


def _reason_suffix(reason: str | None) -> str:
    if not reason:
        return ""
    if reason.lower().startswith(("about", "re ", "re:", "regarding", "for ")):
        return f", {reason[0].lower()}{reason[1:]}"
    return f" ({reason})"


def _role_suffix(title: str | None, organization: str | None) -> str:
    if title and organization and organization.lower() in title.lower():
        return f", {title}"
    if title and organization:
        return f", {title} at {organization}"
    if title:
        return f", {title}"
    return f" at {organization}" if organization else ""


def _contact_label(record: Record) -> str:
    c = record.contact
    details = ", ".join(part for part in (c.title, c.organization) if part)
    name = c.name or "your contact"
    return f"{name} ({details})" if details else name


def _iso_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _plus(base: date | None, days: int) -> str | None:
    return (base + timedelta(days=days)).isoformat() if base else None
