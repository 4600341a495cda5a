"""Follow-up tasks: the product rules, stable ids, promises that repeat a task, state carried over."""
from __future__ import annotations

from pipeline.followups import build_tasks, merge_task_state
from pipeline.followups.ids import task_id
from pipeline.schema import Contact, JobLead, Promise, Record, Referral, Span


def span(a=0, b=4):
    return Span(start=a, end=b, quote="x" * (b - a))


def record(**kw) -> Record:
    base = dict(source="n.txt", sha256="s", contact=Contact(name="Dana Ruiz", title="Analyst", organization="Acme"), interview_date="2026-04-09")
    base.update(kw)
    return Record(**base)


def test_thank_you_referrals_leads_promises_close_loop_in_order():
    rec = record(referrals=[Referral(name="Gabe Moreno", email="g@x.org", evidence=span())],
                 job_leads=[JobLead(title="Data Intern", deadline="2026-05-01", evidence=span())],
                 promises=[Promise(action="update my resume by Friday", due="Friday", evidence=span()),
                           Promise(action="sent the thank-you", done=True, evidence=span())])
    tasks = build_tasks(rec)
    assert [t.kind for t in tasks] == ["thank_you", "referral", "job_lead", "promise", "close_loop"]
    assert tasks[0].due == "2026-04-10" and tasks[0].action.startswith("Send a thank-you note to Dana Ruiz (Analyst, Acme)")
    assert tasks[1].action.startswith("E-mail Gabe Moreno") and "mention Dana Ruiz" in tasks[1].action and tasks[1].due == "2026-04-12"
    assert tasks[2].due == "2026-04-29"  # two days before the deadline
    assert tasks[3].due == "2026-04-10"  # "by Friday" from the interview date
    assert tasks[4].due == "2026-04-30"


def test_a_promise_that_repeats_a_task_is_absorbed_and_its_channel_wins():
    rec = record(referrals=[Referral(name="Gabe Moreno", context="she said talk to Gabe", evidence=span())],
                 promises=[Promise(action="text Gabe this week", due="this week", evidence=span()),
                           Promise(action="write the thank you note", evidence=span())])
    tasks = build_tasks(rec)
    assert [t.kind for t in tasks] == ["thank_you", "referral", "close_loop"]
    assert tasks[1].action.startswith("Text Gabe Moreno") and tasks[1].due == "2026-04-10"


def test_event_leads_are_attended_on_their_day():
    rec = record(job_leads=[JobLead(title="spring info session", deadline="2026-04-20", evidence=span())])
    lead = [t for t in build_tasks(rec) if t.kind == "job_lead"][0]
    assert lead.action.startswith("Attend") and lead.due == "2026-04-20"


def test_ids_are_stable_and_promise_ids_ignore_dates():
    assert task_id("uid", "promise", "send resume by Friday") == task_id("uid", "promise", "Send résumé by 3/20")
    assert task_id("uid", "referral", "gabe moreno") != task_id("other", "referral", "gabe moreno")
    assert [t.id for t in build_tasks(record(), note_key="k")] == [t.id for t in build_tasks(record(), note_key="k")]


def test_state_carries_over_and_nothing_is_dropped():
    tasks = build_tasks(record(), note_key="k")
    old = [{"id": tasks[0].id, "status": "done"}, {"id": "gone", "status": "open", "kind": "promise"},
           {"id": "mine", "status": "open", "kind": "manual"}, {"id": "kept", "status": "snoozed", "kind": "promise"}]
    merged, left = merge_task_state(tasks, old)
    assert merged[0].status == "done"
    assert {r["id"]: r["status"] for r in left} == {"gone": "orphaned", "mine": "open", "kept": "snoozed"}
