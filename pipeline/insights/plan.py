"""`fieldnotes plan`: today's (or with `week`, the next seven days') plan — overdue and due
follow-ups, the leads to contact next (more referrers first, then the longest waiting), and the
questions to ask them, for the topics the interviews in that field most often missed — as text,
Markdown, iCalendar or JSON."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from pipeline.export.safe import markdown
from pipeline.export.safe import terminal as t
from pipeline.export.tasks import to_ics
from pipeline.insights.coverage import TOPICS, extract_coverage, load_questions
from pipeline.insights.data import Interview, load_interviews
from pipeline.insights.network import build_network
from pipeline.query import iter_tasks

LEADS = 5
QUESTIONS_EACH = 3
WEEK_DAYS = 7


def build_plan(db: Any, today: date | None = None, week: bool = False, leads: int = LEADS) -> dict[str, Any]:
    """Overdue and due open follow-ups, the next leads and the questions to ask (`today` fixes the clock)."""
    today = today or date.today()
    until = today + timedelta(days=WEEK_DAYS - 1 if week else 0)
    tasks = list(iter_tasks(db, "open", today=today))
    interviews = load_interviews(db)
    people = build_network(db, interviews)["people"]
    waiting = rank_leads([p for p in people if not p["interviewed"] and p["status"] == "new"], today)[:leads]
    scheduled = [p for p in people if not p["interviewed"] and p["status"] == "scheduled"]
    return {"today": today.isoformat(), "until": until.isoformat(),
            "overdue": [x for x in tasks if x["due"] and x["due"] < today.isoformat()],
            "due": [x for x in tasks if x["due"] and today.isoformat() <= x["due"] <= until.isoformat()],
            "leads": waiting, "questions": next_questions(interviews, scheduled + waiting)}


def rank_leads(leads: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """Leads with the most referrers first, then the one referred longest ago, then by name; each with `why`."""
    out = []
    for p in leads:
        days = (today - date.fromisoformat(p["first_referred"][:10])).days if _is_day(p["first_referred"]) else None
        when = f", {days} days ago" if days is not None else ""
        out.append(dict(p, days_ago=days, why=f"referred by {', '.join(p['referred_by'])}{when}"))
    return sorted(out, key=lambda p: (-len(p["referred_by"]), -(p["days_ago"] if p["days_ago"] is not None else -1), p["name"].casefold()))


def next_questions(interviews: list[Interview], people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each person: questions on the topics the interviews in their field (their referrer's) missed most."""
    missed: dict[str | None, Counter] = {}
    for iv in interviews:
        cov = extract_coverage(iv)
        for key in (iv.record.field, None):
            missed.setdefault(key, Counter()).update(cov["missing"])
    tpl, out = load_questions(), []
    for p in people:
        field = _field_of(p, interviews)
        counts = missed.get(field) or missed.get(None) or Counter()
        topics = sorted((x for x in TOPICS if counts[x]), key=lambda x: (-counts[x], TOPICS.index(x)))[:QUESTIONS_EACH]
        out.append({"person": p["name"], "field": field, "questions": [
            {"topic": x, "missing_in": counts[x], "question": tpl.question(x, p.get("title"), p.get("organization"), field)} for x in topics]})
    return out


def plan_text(plan: dict[str, Any]) -> str:
    """The plan for the terminal."""
    lines = [f"Plan for {plan['today']}" + (f" to {plan['until']}" if plan["until"] != plan["today"] else "")]
    for key, label in (("overdue", "Overdue"), ("due", "Due")):
        lines += ["", f"{label} ({len(plan[key])})"] + [f"  [ ] {x['id']}  {x['due']}  {t(x['action'])}" for x in plan[key]]
    lines += ["", f"Leads to contact next ({len(plan['leads'])})"] + [f"  {t(p['name'])} — {t(p['why'])}" for p in plan["leads"]]
    lines += ["", "Questions to ask next"]
    for q in plan["questions"]:
        lines += [f"  {t(q['person'])}:"] + [f"    - {t(x['question'])}" for x in q["questions"]]
    return "\n".join(lines)


def plan_markdown(plan: dict[str, Any]) -> str:
    """The plan as a Markdown checklist (note text neutralised)."""
    lines = [f"# Plan for {plan['today']}" + (f" to {plan['until']}" if plan["until"] != plan["today"] else ""), ""]
    for key, label in (("overdue", "Overdue"), ("due", "Due")):
        lines += [f"## {label}", ""] + [f"- [ ] {markdown(x['action'])} — due {x['due']} ({markdown(x['source'])})" for x in plan[key]]
        lines += ["_Nothing._"] if not plan[key] else []
        lines.append("")
    lines += ["## Leads to contact next", ""] + [f"- [ ] {markdown(p['name'])} — {markdown(p['why'])}" for p in plan["leads"]]
    lines += ["", "## Questions to ask next", ""]
    for q in plan["questions"]:
        lines += [f"**{markdown(q['person'])}**", ""] + [f"- {markdown(x['question'])}" for x in q["questions"]] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


def plan_ics(plan: dict[str, Any], stamp: datetime | None = None) -> str:
    """The plan as VTODOs: the follow-ups, and one 'Contact ...' per lead (its questions in the description)."""
    asks = {q["person"]: q["questions"] for q in plan["questions"]}
    leads = [{"id": f"lead-{p['name']}", "action": f"Contact {p['name']}", "due": plan["until"], "status": "open", "source": ", ".join(p["sources"]),
              "why": "\n".join([p["why"].capitalize() + "."] + [f"Ask: {x['question']}" for x in asks.get(p["name"], [])])}
             for p in plan["leads"]]
    return to_ics(plan["overdue"] + plan["due"] + leads, stamp)


def _field_of(person: dict[str, Any], interviews: list[Interview]) -> str | None:
    if person.get("field"):
        return person["field"]
    sources = set(person.get("sources") or [])
    return next((iv.record.field for iv in interviews if iv.source in sources and iv.record.field), None)


def _is_day(value: str | None) -> bool:
    try:
        date.fromisoformat((value or "")[:10])
        return True
    except ValueError:
        return False
