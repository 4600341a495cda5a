"""Tests for the follow-up stage (pipeline.followups): rules, ids, state, dates, exports."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, timezone

import pytest
from icalendar import Calendar

from pipeline.followups import (
    Task,
    build_tasks,
    filter_tasks,
    group_by_due,
    merge_task_state,
    referrer_thanks,
    resolve_due,
    task_from_dict,
    task_id,
    task_to_dict,
    to_csv,
    to_ics,
    to_json,
    to_markdown,
)
from pipeline.schema import Contact, JobLead, Promise, Record, Referral, Span

SOURCE = "notes/2026-03-12-ochoa.md"


def span(start: int, quote: str = "quote") -> Span:
    """A span at `start` whose end matches the quote length."""
    return Span(start=start, end=start + len(quote), quote=quote)


def make_record(**overrides) -> Record:
    """A realistic record; keyword overrides replace top-level fields."""
    fields = dict(
        source=SOURCE,
        sha256="a" * 64,
        contact=Contact(name="Marisol Ochoa", title="clinical pharmacist", organization="Mercy Valley Regional"),
        interview_date="2026-03-12",
        field="pharmacy",
        referrals=[
            Referral(name="Dan Reyes", title="research ops manager", organization="Lumen",
                     email="dan@lumen.example", evidence=span(100, "talk to Dan Reyes")),
            Referral(name="Dr. Kwame Asante", title="residency director", organization="Mercy",
                     phone="555-0100", evidence=span(200, "Dr. Asante")),
            Referral(name="Lena Park", evidence=span(300, "Lena Park")),
        ],
        job_leads=[
            JobLead(title="PRN inpatient pharmacy tech", organization="Mercy Valley Regional",
                    url="https://jobs.example/prn", deadline="2026-03-20", evidence=span(400, "PRN posting")),
            JobLead(title="Pharmacy residency open house", organization="Mercy",
                    deadline="2026-03-25", evidence=span(500, "open house")),
            JobLead(title="Clinical research coordinator", organization="Lumen", evidence=span(600, "CRC")),
        ],
        promises=[
            Promise(action="read the ASHP career guide", evidence=span(700, "ASHP")),
            Promise(action="send Marisol my resume", due="2026-03-16", evidence=span(720, "resume")),
            Promise(action="already updated LinkedIn", done=True, evidence=span(740, "LinkedIn")),
        ],
    )
    fields.update(overrides)
    return Record(**fields)


def by_kind(tasks: list[Task], kind: str) -> list[Task]:
    """Tasks of one kind, in order."""
    return [t for t in tasks if t.kind == kind]


def make_task(**overrides) -> Task:
    """A minimal task for export tests."""
    fields = dict(id="0123456789", action="Do the thing", due="2026-03-13", person="Ann Lee",
                  kind="promise", source=SOURCE, evidence=None, why="Because.")
    fields.update(overrides)
    return Task(**fields)


# ------------------------------------------------------------------ rules


def test_thank_you_due_next_day_with_contact_details():
    (task,) = by_kind(build_tasks(make_record()), "thank_you")
    assert task.action == "Send a thank-you note to Marisol Ochoa (clinical pharmacist, Mercy Valley Regional)"
    assert task.due == "2026-03-13"
    assert task.person == "Marisol Ochoa"
    assert task.status == "open"
    assert task.why == "Thank-you within 24 hours of the interview on 2026-03-12."


def test_no_interview_date_leaves_relative_dues_empty():
    tasks = build_tasks(make_record(interview_date=None, job_leads=[]), today=date(2026, 3, 12))
    for kind in ("thank_you", "referral", "close_loop"):
        assert all(t.due is None for t in by_kind(tasks, kind)), kind
    promises = {t.action: t.due for t in by_kind(tasks, "promise")}
    assert promises == {"read the ASHP career guide": None, "send Marisol my resume": "2026-03-16"}


def test_referral_verb_mention_due_and_evidence():
    record = make_record()
    tasks = by_kind(build_tasks(record), "referral")
    assert [t.action for t in tasks] == [
        "E-mail Dan Reyes, research ops manager at Lumen — mention Marisol Ochoa",
        "Call Dr. Kwame Asante, residency director at Mercy — mention Marisol Ochoa",
        "Reach out to Lena Park — mention Marisol Ochoa",
    ]
    assert [t.person for t in tasks] == ["Dan Reyes", "Dr. Kwame Asante", "Lena Park"]
    assert {t.due for t in tasks} == {"2026-03-15"}
    assert [t.evidence for t in tasks] == [r.evidence for r in record.referrals]
    assert "Marisol Ochoa suggested Dan Reyes" in tasks[0].why


def test_job_lead_rules():
    tasks = by_kind(build_tasks(make_record(promises=[])), "job_lead")
    apply, event, no_deadline = tasks
    assert apply.action == "Apply to PRN inpatient pharmacy tech at Mercy Valley Regional — https://jobs.example/prn"
    assert apply.due == "2026-03-18"  # deadline 03-20 minus 2 days
    assert "2026-03-20 deadline" in apply.why
    assert event.action == "Attend Pharmacy residency open house at Mercy"
    assert event.due == "2026-03-25"  # events are due on the event day
    assert no_deadline.action == "Apply to Clinical research coordinator at Lumen"
    assert no_deadline.due == "2026-03-19"  # interview + 7
    assert no_deadline.evidence == span(600, "CRC")


def test_job_lead_due_never_before_interview():
    lead = JobLead(title="Pharmacy intern", deadline="2026-03-13", evidence=span(1))
    (task,) = by_kind(build_tasks(make_record(job_leads=[lead])), "job_lead")
    assert task.due == "2026-03-12"
    assert task.action == "Apply to Pharmacy intern"


@pytest.mark.parametrize("title", ["Spring info session", "Virtual webinar: careers in pharmacy", "Hospital career fair"])
def test_job_lead_events_say_attend(title):
    lead = JobLead(title=title, evidence=span(1))
    (task,) = by_kind(build_tasks(make_record(job_leads=[lead])), "job_lead")
    assert task.action.startswith("Attend ")


def test_promises_open_only_with_due_or_default():
    tasks = by_kind(build_tasks(make_record()), "promise")
    assert [(t.action, t.due) for t in tasks] == [
        ("read the ASHP career guide", "2026-03-19"),
        ("send Marisol my resume", "2026-03-16"),
    ]
    assert tasks[1].person == "Marisol Ochoa"  # names the contact
    assert tasks[0].person is None
    assert tasks[0].evidence == span(700, "ASHP")


def test_promise_due_phrase_resolved_against_interview():
    record = make_record(promises=[Promise(action="send writing sample", due="by Friday", evidence=span(1))])
    (task,) = by_kind(build_tasks(record), "promise")
    assert task.due == "2026-03-13"  # 2026-03-12 is a Thursday


def test_close_loop_three_weeks_later():
    (task,) = by_kind(build_tasks(make_record()), "close_loop")
    assert task.action == "Tell Marisol Ochoa how their advice turned out"
    assert task.due == "2026-04-02"


def test_order_and_unique_ids():
    tasks = build_tasks(make_record())
    kinds = [t.kind for t in tasks]
    assert kinds == ["thank_you"] + ["referral"] * 3 + ["job_lead"] * 3 + ["promise"] * 2 + ["close_loop"]
    assert len({t.id for t in tasks}) == len(tasks)
    assert all(re.fullmatch(r"[0-9a-f]{10}", t.id) for t in tasks)
    assert all(t.why and t.source == SOURCE for t in tasks)


def test_duplicate_promises_merge_into_generated_tasks():
    promises = [
        Promise(action="email Dr. Asante re shadowing", due="2026-03-13", evidence=span(1)),
        Promise(action="thank you email TONIGHT", due="2026-03-12", evidence=span(2)),
        Promise(action="apply PRN tech posting", due="2026-03-30", evidence=span(3)),
        Promise(action="read the ASHP career guide", evidence=span(4)),
    ]
    tasks = build_tasks(make_record(promises=promises))
    assert [t.action for t in by_kind(tasks, "promise")] == ["read the ASHP career guide"]

    thank = by_kind(tasks, "thank_you")[0]
    assert thank.due == "2026-03-12"  # promise was earlier than interview + 1
    assert 'thank you email TONIGHT' in thank.why
    assert thank.evidence == span(2)  # thank-you had no evidence of its own

    asante = next(t for t in tasks if t.person == "Dr. Kwame Asante")
    assert asante.due == "2026-03-13"
    assert "email Dr. Asante re shadowing" in asante.why
    assert asante.evidence == span(200, "Dr. Asante")  # generated task keeps its evidence

    prn = by_kind(tasks, "job_lead")[0]
    assert prn.due == "2026-03-18"  # the promise's later date does not push it back
    assert "apply PRN tech posting" in prn.why


def test_preparing_for_an_opening_is_its_own_task():
    promises = [Promise(action="Build 2 practice pro formas before the PRN tech posting goes up", evidence=span(1))]
    tasks = build_tasks(make_record(promises=promises))
    assert [t.action for t in by_kind(tasks, "promise")] == [promises[0].action]


def test_unrelated_promise_is_not_merged():
    promises = [Promise(action="email Dana about volunteering", evidence=span(1))]
    tasks = build_tasks(make_record(promises=promises))
    assert [t.action for t in by_kind(tasks, "promise")] == ["email Dana about volunteering"]
    assert all("volunteering" not in t.why for t in tasks if t.kind != "promise")


def test_referrer_thanks():
    task = referrer_thanks("Dan Reyes", "Marisol Ochoa", "2026-03-20", SOURCE)
    assert task.kind == "thank_referrer"
    assert task.action == "Thank Marisol Ochoa for the introduction to Dan Reyes"
    assert task.due == "2026-03-22"
    assert task.person == "Marisol Ochoa"
    assert task.id == referrer_thanks("dan reyes", "Marisol  Ochoa.", "2026-03-21", SOURCE).id
    assert referrer_thanks("Dan Reyes", "Marisol Ochoa", "unknown", SOURCE).due is None


# ------------------------------------------------------------------ ids


def test_task_id_normalises_subject():
    assert task_id("a.md", "referral", "Dan Reyes") == task_id("a.md", "referral", "  dan   REYES. ")
    assert task_id("a.md", "referral", "Dan Reyes") != task_id("b.md", "referral", "Dan Reyes")
    assert task_id("a.md", "referral", "Dan Reyes") != task_id("a.md", "thank_you", "Dan Reyes")
    assert task_id("a.md", "promise", "send resume by Friday") == task_id("a.md", "promise", "Send resume by 3/20!")
    assert task_id("a.md", "job_lead", "Tech 1") != task_id("a.md", "job_lead", "Tech 2")  # digits only dropped for promises
    assert re.fullmatch(r"[0-9a-f]{10}", task_id("a.md", "promise", "x"))


def test_ids_stable_across_re_extraction():
    first = make_record()
    again = make_record(
        sha256="b" * 64,
        field="hospital pharmacy",
        contact=Contact(name="Marisol Ochoa, PharmD", organization="Mercy Valley"),
        referrals=[
            Referral(name="Dan Reyes", email="dan@lumen.example", evidence=span(130, "Dan")),
            Referral(name="Kwame Asante", title="director", evidence=span(260, "Kwame Asante")),
            Referral(name="Lena Park", context="alumni", evidence=span(330, "Lena")),
        ],
        job_leads=[
            JobLead(title="PRN Inpatient Pharmacy Tech", url="https://jobs.example/prn", evidence=span(444, "PRN")),
            JobLead(title="Pharmacy residency open house", evidence=span(555, "house")),
            JobLead(title="Clinical research coordinator", deadline="2026-04-01", evidence=span(666, "CRC")),
        ],
        promises=[
            Promise(action="Read the ASHP career guide.", evidence=span(777, "ASHP")),
            Promise(action="send Marisol my resume", due="2026-03-17", evidence=span(790, "resume")),
        ],
    )
    ids = lambda record: [(t.kind, t.id) for t in build_tasks(record)]
    assert ids(first) == ids(again)


def test_same_title_leads_get_distinct_stable_ids():
    leads = [JobLead(title="Pharmacy tech", organization=org, evidence=span(i)) for i, org in enumerate(["A", "B"])]
    one = [t.id for t in by_kind(build_tasks(make_record(job_leads=leads)), "job_lead")]
    two = [t.id for t in by_kind(build_tasks(make_record(job_leads=leads)), "job_lead")]
    assert one[0] != one[1] and one == two


# ------------------------------------------------------------------ state


def test_merge_task_state_keeps_user_state_and_orphans():
    tasks = build_tasks(make_record())
    thank, dan = tasks[0], tasks[1]
    old = [
        {"id": thank.id, "status": "done", "due": thank.due, "kind": "thank_you"},
        {"id": dan.id, "status": "snoozed", "due": dan.due, "snoozed_until": "2026-03-30", "kind": "referral"},
        {"id": "deadbeef00", "status": "open", "due": "2026-03-14", "kind": "referral", "action": "Call Old Name"},
        {"id": "deadbeef01", "status": "done", "due": None, "kind": "job_lead"},
        {"id": "manual0001", "status": "open", "due": "2026-04-01", "kind": "manual", "action": "Buy ink"},
        {"id": "manual0002", "status": "open", "due": None, "kind": "promise", "user_added": True},
    ]
    snapshot = json.dumps(old, sort_keys=True)
    merged, leftovers = merge_task_state(tasks, old)

    assert [t.id for t in merged] == [t.id for t in tasks]
    assert merged[0].status == "done"
    assert (merged[1].status, merged[1].snoozed_until) == ("snoozed", "2026-03-30")
    assert all(t.status == "open" for t in merged[2:])
    assert tasks[0].status == "open"  # inputs untouched
    assert json.dumps(old, sort_keys=True) == snapshot

    by_id = {row["id"]: row for row in leftovers}
    assert set(by_id) == {"deadbeef00", "deadbeef01", "manual0001", "manual0002"}
    assert by_id["deadbeef00"]["status"] == "orphaned"
    assert by_id["deadbeef00"]["action"] == "Call Old Name"
    assert by_id["deadbeef01"]["status"] == "done"  # a checked-off task stays checked off
    assert by_id["manual0001"] == old[4]
    assert by_id["manual0002"]["status"] == "open"


def test_merge_task_state_reappearing_orphan_reopens():
    tasks = build_tasks(make_record())
    merged, leftovers = merge_task_state(tasks, [{"id": tasks[0].id, "status": "orphaned", "due": None}])
    assert merged[0].status == "open" and leftovers == []


# ------------------------------------------------------------------ dates

ANCHOR = date(2026, 3, 11)  # a Wednesday


@pytest.mark.parametrize(
    "phrase, anchor, expected",
    [
        ("tonight", ANCHOR, date(2026, 3, 11)),
        ("thank you email TONIGHT", ANCHOR, date(2026, 3, 11)),
        ("today", ANCHOR, date(2026, 3, 11)),
        ("tomorrow", ANCHOR, date(2026, 3, 12)),
        ("by Friday", ANCHOR, date(2026, 3, 13)),
        ("this Friday", ANCHOR, date(2026, 3, 13)),
        ("send her my resume by Friday", ANCHOR, date(2026, 3, 13)),
        ("Friday", date(2026, 3, 13), date(2026, 3, 20)),  # strictly after the anchor
        ("next Friday", ANCHOR, date(2026, 3, 20)),  # only 2 days away -> following week
        ("next Friday", date(2026, 3, 9), date(2026, 3, 13)),  # Monday: 4 days away
        ("on Tues", ANCHOR, date(2026, 3, 17)),
        ("this weekend", ANCHOR, date(2026, 3, 14)),
        ("this weekend", date(2026, 3, 15), date(2026, 3, 15)),  # already the weekend
        ("next week", ANCHOR, date(2026, 3, 18)),
        ("in two weeks", ANCHOR, date(2026, 3, 25)),
        ("in 2 weeks", ANCHOR, date(2026, 3, 25)),
        ("within a week", ANCHOR, date(2026, 3, 18)),
        ("in 3 days", ANCHOR, date(2026, 3, 14)),
        ("in a couple of weeks", ANCHOR, date(2026, 3, 25)),
        ("end of the month", ANCHOR, date(2026, 3, 31)),
        ("end of the month", date(2026, 2, 3), date(2026, 2, 28)),
        ("by March 31", ANCHOR, date(2026, 3, 31)),
        ("March 31st", ANCHOR, date(2026, 3, 31)),
        ("31 March", ANCHOR, date(2026, 3, 31)),
        ("3/31", ANCHOR, date(2026, 3, 31)),
        ("by 3/31/2027", ANCHOR, date(2027, 3, 31)),
        ("2026-04-02", ANCHOR, date(2026, 4, 2)),
        ("by the 20th", ANCHOR, date(2026, 3, 20)),
        ("by the 5th", ANCHOR, date(2026, 4, 5)),
        # year rollover: an early-year date written in December is next year's
        ("by Jan 5", date(2026, 12, 20), date(2027, 1, 5)),
        ("1/15", date(2026, 11, 2), date(2027, 1, 15)),
        ("in two weeks", date(2026, 12, 24), date(2027, 1, 7)),
        ("end of the month", date(2026, 12, 24), date(2026, 12, 31)),
        # a date a few weeks back stays in the anchor's year (a deadline just missed)
        ("by March 1", ANCHOR, date(2026, 3, 1)),
    ],
)
def test_resolve_due(phrase, anchor, expected):
    assert resolve_due(phrase, anchor) == expected


@pytest.mark.parametrize("phrase", ["", "soon", "when I can", "sat down with her", "2/30", "may want to"])
def test_resolve_due_unrecognised(phrase):
    assert resolve_due(phrase, ANCHOR) is None


# ------------------------------------------------------------------ grouping and filters


def test_group_by_due_orders_dates_and_no_due_last():
    tasks = [make_task(id="a", due=None), make_task(id="b", due="2026-03-20"),
             make_task(id="c", due="2026-03-13"), make_task(id="d", due="2026-03-20")]
    groups = group_by_due(tasks)
    assert [(label, [t.id for t in group]) for label, group in groups] == [
        ("2026-03-13", ["c"]), ("2026-03-20", ["b", "d"]), ("No due date", ["a"]),
    ]


def test_filter_tasks():
    tasks = [
        make_task(id="open1", due="2026-03-10", person="Dan Reyes"),
        make_task(id="done1", due="2026-03-10", status="done"),
        make_task(id="open2", due="2026-03-20", person="Marisol Ochoa"),
        make_task(id="open3", due=None, person=None),
    ]
    ids = lambda selected: [t.id for t in selected]
    assert ids(filter_tasks(tasks)) == ["open1", "open2", "open3"]
    assert ids(filter_tasks(tasks, status="done")) == ["done1"]
    assert ids(filter_tasks(tasks, status="all")) == ["open1", "done1", "open2", "open3"]
    assert ids(filter_tasks(tasks, status="all", due_before=date(2026, 3, 20))) == ["open1", "done1"]
    assert ids(filter_tasks(tasks, status="all", overdue_on=date(2026, 3, 15))) == ["open1"]
    assert ids(filter_tasks(tasks, overdue_on=date(2026, 3, 10))) == []  # due today is not overdue
    assert ids(filter_tasks(tasks, person="reyes")) == ["open1"]


# ------------------------------------------------------------------ exports


def test_markdown_groups_by_due_with_checkboxes():
    tasks = [
        make_task(id="a", action="Later", due="2026-03-20", person=None),
        make_task(id="b", action="Someday", due=None),
        make_task(id="c", action="Sent thanks", due="2026-03-13", status="done", person="Marisol Ochoa"),
        make_task(id="d", action="Reply", due="2026-03-13", person="Dan Reyes"),
    ]
    md = to_markdown(tasks)
    headings = re.findall(r"^## (.+)$", md, flags=re.M)
    assert headings == ["2026-03-13", "2026-03-20", "No due date"]
    section = md.split("## 2026-03-13")[1].split("## 2026-03-20")[0]
    assert f"- [x] Sent thanks (Marisol Ochoa) — {SOURCE}" in section
    assert f"- [ ] Reply (Dan Reyes) — {SOURCE}" in section
    assert f"- [ ] Later — {SOURCE}" in md.split("## 2026-03-20")[1]
    assert f"- [ ] Someday (Ann Lee) — {SOURCE}" in md.split("## No due date")[1]


def test_markdown_of_built_tasks_has_every_task():
    tasks = build_tasks(make_record())
    md = to_markdown(tasks)
    assert md.count("- [ ] ") == len(tasks)
    assert "## 2026-03-13" in md


@pytest.mark.parametrize("evil", ["=HYPERLINK(\"http://x\",\"y\")", "@SUM(1)", "+1+1", "-2+3", "\tcmd", "\rcmd"])
def test_csv_neutralises_formula_cells(evil):
    tasks = [make_task(action=evil, person=evil, why=evil)]
    rows = list(csv.reader(io.StringIO(to_csv(tasks))))
    assert rows[0] == ["id", "action", "due", "person", "kind", "status", "source", "why"]
    row = dict(zip(rows[0], rows[1]))
    assert row["action"] == "'" + evil
    assert row["person"] == "'" + evil
    assert row["why"] == "'" + evil


def test_csv_round_trip_of_normal_cells():
    tasks = build_tasks(make_record())
    rows = list(csv.DictReader(io.StringIO(to_csv(tasks))))
    assert [r["id"] for r in rows] == [t.id for t in tasks]
    assert [r["action"] for r in rows] == [t.action for t in tasks]
    assert [r["due"] for r in rows] == [t.due or "" for t in tasks]
    assert rows[4]["person"] == ""  # job leads have no person
    assert rows[0]["why"] == tasks[0].why


def test_csv_example_from_brief():
    tasks = [make_task(action='=HYPERLINK("http://evil","click")', person="@SUM(1)")]
    out = to_csv(tasks)
    row = list(csv.DictReader(io.StringIO(out)))[0]
    assert row["action"].startswith("'=HYPERLINK(")
    assert row["person"] == "'@SUM(1)"


def test_ics_round_trip():
    tasks = build_tasks(make_record())
    tasks[0].status = "done"
    tasks.append(make_task(id="nodue00000", due=None, action="Someday, maybe; really"))
    stamp = datetime(2026, 3, 12, 18, 30, tzinfo=timezone.utc)
    text = to_ics(tasks, stamp=stamp)
    assert text == to_ics(tasks, stamp=stamp)  # deterministic for a fixed stamp
    cal = Calendar.from_ical(text)
    assert str(cal["PRODID"]) == "-//Fieldnotes//EN"
    assert str(cal["VERSION"]) == "2.0"
    todos = list(cal.walk("VTODO"))
    assert len(todos) == len(tasks)
    for task, todo in zip(tasks, todos):
        assert str(todo["UID"]) == f"{task.id}@fieldnotes.local"
        assert str(todo["SUMMARY"]) == task.action
        assert todo.decoded("DTSTAMP") == stamp
        assert task.why in str(todo["DESCRIPTION"]) and task.source in str(todo["DESCRIPTION"])
        if task.due:
            assert todo.decoded("DUE") == date.fromisoformat(task.due)
            assert type(todo.decoded("DUE")) is date
            assert todo["DUE"].params.get("VALUE") == "DATE"
        else:
            assert "DUE" not in todo
        expected_status = "COMPLETED" if task.status == "done" else "NEEDS-ACTION"
        assert str(todo["STATUS"]) == expected_status


def test_ics_uid_stable_across_exports_and_naive_stamp_is_utc():
    tasks = build_tasks(make_record())
    first = Calendar.from_ical(to_ics(tasks, stamp=datetime(2026, 1, 1)))
    second = Calendar.from_ical(to_ics(build_tasks(make_record()), stamp=datetime(2026, 2, 1)))
    uids = lambda cal: [str(t["UID"]) for t in cal.walk("VTODO")]
    assert uids(first) == uids(second)
    assert next(iter(first.walk("VTODO"))).decoded("DTSTAMP") == datetime(2026, 1, 1, tzinfo=timezone.utc)
    default = Calendar.from_ical(to_ics(tasks))
    assert next(iter(default.walk("VTODO"))).decoded("DTSTAMP").tzinfo is not None


def test_json_export_and_dict_round_trip():
    tasks = build_tasks(make_record())
    data = json.loads(to_json(tasks))
    assert len(data) == len(tasks)
    required = {"id", "action", "due", "person", "kind", "status", "source", "why", "evidence"}
    assert all(required <= set(row) for row in data)
    referral = data[1]
    assert referral["evidence"] == {"start": 100, "end": 117, "quote": "talk to Dan Reyes"}
    assert [task_from_dict(row) for row in data] == tasks
    assert task_from_dict(task_to_dict(tasks[0])) == tasks[0]


def test_repeated_promise_gets_distinct_stable_ids_without_hanging():
    from pipeline.schema import Promise, Record, Span

    span = Span(start=0, end=5, quote="x")
    rec = Record(source="n.txt", sha256="0", interview_date="2026-03-01",
                 promises=[Promise(action="I should update my resume", evidence=span),
                           Promise(action="I should update my resume", evidence=span)])
    ids = [t.id for t in build_tasks(rec) if t.kind == "promise"]
    assert len(ids) == 2 and len(set(ids)) == 2
    assert ids == [t.id for t in build_tasks(rec) if t.kind == "promise"]


def test_referral_task_says_why_in_the_notes_words():
    refs = [Referral(name="Priscilla Vaughn", title="field education director", reason="about the part-time MSW", evidence=span(1)),
            Referral(name="Jen", title="pharmacy ops mgr", phone="ext 4410", reason="does all tech hiring", evidence=span(2))]
    actions = [t.action for t in by_kind(build_tasks(make_record(referrals=refs)), "referral")]
    assert actions == ["Reach out to Priscilla Vaughn, field education director, about the part-time MSW — mention Marisol Ochoa",
                       "Call Jen, pharmacy ops mgr (does all tech hiring) — mention Marisol Ochoa"]


def test_an_absorbed_promise_brings_its_own_channel_and_timing():
    promises = [Promise(action="text Lena Park this week", due="2026-03-13", evidence=span(1)),
                Promise(action="message Dan Reyes on LinkedIn", evidence=span(2))]
    tasks = build_tasks(make_record(promises=promises))
    lena = next(t for t in tasks if t.person == "Lena Park")
    dan = next(t for t in tasks if t.person == "Dan Reyes")
    assert lena.action == "Text Lena Park — mention Marisol Ochoa" and lena.due == "2026-03-13"
    assert dan.action == "Message Dan Reyes, research ops manager at Lumen on LinkedIn — mention Marisol Ochoa"
    assert dan.id == task_id(SOURCE, "referral", "dan reyes")  # the id (and any status) stays with the person


def test_applying_for_jobs_in_general_is_not_the_specific_lead():
    promises = [Promise(action="apply for part-time pharmacy jobs for fall", evidence=span(1))]
    tasks = build_tasks(make_record(promises=promises))
    assert [t.action for t in by_kind(tasks, "promise")] == [promises[0].action]


def test_an_absorbed_promise_brings_its_purpose():
    promises = [Promise(action="email Lena Park re: the in-house route", evidence=span(1)),
                Promise(action="Student to call Dr. Asante to set up a shadow day", evidence=span(2))]
    tasks = build_tasks(make_record(promises=promises))
    actions = {t.person: t.action for t in tasks if t.kind == "referral"}
    assert actions["Lena Park"] == "E-mail Lena Park re: the in-house route — mention Marisol Ochoa"
    assert actions["Dr. Kwame Asante"] == "Call Dr. Kwame Asante, residency director at Mercy to set up a shadow day — mention Marisol Ochoa"


def test_a_purpose_that_only_names_the_referral_adds_nothing():
    promises = [Promise(action="Ping Marisol in 2 wks re: Lena", evidence=span(1))]
    lena = next(t for t in build_tasks(make_record(promises=promises)) if t.person == "Lena Park")
    assert lena.action == "Reach out to Lena Park — mention Marisol Ochoa"
