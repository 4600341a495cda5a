"""Synthetic informational-interview notes, deterministic from a seed, for the benchmarks and
the scale and insights tests (not for training: they all come from a few templates)."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

SEED = 20240611


@dataclass
class GeneratedNote:
    """One synthetic note: its file name, text, word count, the facts it was written from and
    (kind, text) lines for search rows. `referrals` are (name, role, organisation, e-mail) of
    the people to contact; `job_leads` (title, organisation, url, deadline) of the openings."""

    name: str
    text: str
    words: int
    contact: str
    organization: str
    title: str
    date: str
    items: list[tuple[str, str]] = field(default_factory=list)
    career_field: str = ""
    referrals: list[tuple[str, str, str, str]] = field(default_factory=list)
    job_leads: list[tuple[str, str, str, str]] = field(default_factory=list)


# --- corpus ----------------------------------------------------------------------------------

def generate_corpus(n: int, seed: int = SEED, lengths: Sequence[int] | None = None) -> list[GeneratedNote]:
    """`n` deterministic informational-interview notes; lengths 150-2,500 words, every 3rd ~500."""
    return list(iter_corpus(n, seed, lengths))


def iter_corpus(n: int, seed: int = SEED, lengths: Sequence[int] | None = None) -> Iterator[GeneratedNote]:
    """The notes of `generate_corpus`, one at a time (a 50,000-note corpus never sits in memory)."""
    rng = random.Random(seed)
    plan = list(lengths) if lengths is not None else note_lengths(n, rng)
    for i, words in enumerate(plan):
        yield generate_note(rng, i, words)


def note_lengths(n: int, rng: random.Random) -> list[int]:
    """Word targets: ~500 for every 3rd note (from the first), 150 for the 2nd, 2,500 for the 6th,
    log-uniform in 150-2,500 otherwise; small runs stay dominated by the ~500-word target case."""
    out = []
    for i in range(n):
        if i % 3 == 0:
            out.append(rng.randint(480, 520))
        elif i == 1:
            out.append(150)
        elif i == 5:
            out.append(2500)
        else:
            out.append(int(math.exp(rng.uniform(math.log(150), math.log(2500)))))
    return out


def generate_note(rng: random.Random, index: int, words: int) -> GeneratedNote:
    """One note of about `words` words: contact line, date, headed sections, bullets and prose."""
    p = _persona(rng)
    head = [_contact_line(rng, p), _date_line(rng, p), ""]
    sections = _sections(rng, p, words - sum(len(h.split()) for h in head))
    body, items = _render_sections(rng, sections)
    text = "\n".join(head + body).rstrip() + "\n"
    ext = ".md" if index % 3 == 1 else ".txt"
    slug = f"{index + 1:05d}_{p['last'].lower()}_{p['field'].replace(' ', '_')}{ext}"
    return GeneratedNote(name=slug, text=text, words=len(text.split()), contact=p["name"], organization=p["org"],
                         title=p["title"], date=p["date"], items=items, career_field=p["field"], referrals=p["referrals"],
                         job_leads=p["job_leads"])


def write_corpus(notes: Sequence[GeneratedNote], folder: Path) -> list[Path]:
    """Write the notes as .txt/.md files under `folder`; returns their paths in order."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for note in notes:
        path = folder / note.name
        path.write_text(note.text, encoding="utf-8")
        paths.append(path)
    return paths



_FIRST = ["Dana", "Ravi", "Maria", "Jamal", "Priya", "Tomás", "Keiko", "Owen", "Aisha", "Marcus", "Lena", "Diego",
          "Hannah", "Wei", "Fatima", "Caleb", "Noor", "Grace", "Mateo", "Ingrid", "Samir", "Renee", "Jonah", "Yuki"]
_LAST = ["Ruiz", "Patel", "Lopez", "Okafor", "Nguyen", "Echeverría", "Tanaka", "Brennan", "Haddad", "Hill", "Fischer",
         "Morales", "Kowalski", "Chen", "Rahman", "Whitfield", "Sato", "Adeyemi", "Larsen", "Castillo", "Novak", "Reyes"]
_ORGS = [("Acme Health", "acmehealth.org"), ("Northwind Logistics", "northwind.com"), ("Bright Harbor Hospice", "brightharbor.org"),
         ("Cedar County Schools", "cedark12.org"), ("Meridian Bank", "meridianbank.com"), ("Local 46 IBEW", "ibew46.org"),
         ("Riverside Public Library", "rpl.org"), ("Tessellate Games", "tessellate.gg"), ("GreenGrid Energy", "greengrid.com"),
         ("Harbor City Hospital", "harborcity.org"), ("Lumen Analytics", "lumen.io"), ("State Parks Dept", "parks.gov")]
_FIELDS = [("data analytics", "Senior Data Analyst", ["SQL", "Python", "Tableau", "Excel", "dbt"]),
           ("nursing", "RN Case Manager", ["EPIC charting", "IV starts", "wound care", "triage"]),
           ("supply chain", "Supply Chain Analyst", ["SAP", "Excel", "forecasting", "Power BI"]),
           ("teaching", "Middle School Science Teacher", ["lesson planning", "Google Classroom", "classroom management"]),
           ("electrical trades", "Journeyman Electrician", ["conduit bending", "NEC code", "blueprint reading"]),
           ("game design", "Systems Designer", ["Unity", "spreadsheets", "C++", "playtesting"]),
           ("finance", "Equity Research Associate", ["financial modeling", "Excel", "Bloomberg", "accounting"]),
           ("library science", "Archivist", ["metadata", "ArchivesSpace", "digitization", "grant writing"]),
           ("renewable energy", "Wind Turbine Technician", ["climbing certification", "hydraulics", "OSHA 30"]),
           ("user research", "UX Researcher", ["interviewing", "Figma", "survey design", "synthesis"])]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
_DAY = ["Most mornings {she} starts with {tool} and a standup at {hour}.", "A typical day is about {h} hours of {task} and the rest meetings.",
        "Mondays start with a planning meeting, then {task} until lunch.", "{She} checks {tool} first thing and triages what came in overnight.",
        "Late afternoons go to {task2}, which {she} says nobody warns you about.", "Maybe {n} percent of the job is {task2}, the rest is people.",
        "{She} spends a lot of time on {task}, maybe {n} percent of the week.", "Afternoons are usually {task} with the team.",
        "There is an on-call rotation about once a month, which can be rough.", "Fridays are for {task} and catching up on email."]
_SKILLS = ["You need to be really comfortable with {tool}.", "{tool} every single day, {tool2} less often.",
           "{She} said {tool} matters more than any degree.", "A certification in {tool} helps but is not required.",
           "Communication is underrated, you explain {task} to people who do not care about the details.",
           "Get good at {tool2} early, it shows up in every interview.", "{She} learned {tool} on the job, nobody expects it on day one.",
           "Being organised matters, {task} falls apart without a system.", "Knowing {tool} and {tool2} together is rare and valued."]
_OUTLOOK = ["Demand is growing, lots of places hiring because people are retiring.", "Hiring slowed after the layoffs last year but should pick up.",
            "AI is changing the {task} part of the job, not replacing it yet.", "Pay is ok, not great, entry level is around ${k},000.",
            "Budgets are tight this year so {org} froze two positions.", "There is a shortage of people who can do {task}, so demand is strong.",
            "{She} expects the field to grow steadily for the next decade.",
            "The market is competitive for remote roles, much easier if you can be on site."]
_ADVICE = ["Start a portfolio now with {n} small projects, do not wait for a class.", "{She} said to volunteer first to get a foot in the door.",
           "Make sure you ask about caseload and on-call in every interview.", "Focus on {tool} before anything else.",
           "Go to the monthly meetup, people there actually hire.", "Read the job posting closely and mirror its words in your resume.",
           "Ask every person you meet for one more name, that is how {she} found {her} job.", "Do not apply cold, get an intro first if you can.",
           "Take the {tool} course at the community college, it is cheap and respected.", "Keep a log of what you learn from each conversation."]
_ENTRY = ["Most people start as interns or in customer support and move over.", "They recruit from the apprenticeship program every spring, apply there.",
          "The hiring manager reads every cover letter, so write a real one.",
          "Entry-level openings go up on the {org} careers page in the fall.", "Temp and contract roles are the usual way in, then they convert you.",
          "Referrals matter a lot, most of the team got in through someone."]
_FIT = ["My {tool} background is a plus for the reporting side.", "I'm not sure the on-call schedule works for me.",
        "Honestly this felt right, I liked how {she} talked about the work.",
        "My experience with {task} is relevant to me here, more than I expected.", "The travel part worries me a bit for my situation."]
_PROSE = ["We talked for a while about how {she} got into {field} after a few years doing something else.",
          "{She} was very candid about the downsides and the budget pressure this year.",
          "At one point {she} pulled up the team calendar and showed me what a week of {task} looks like.",
          "I asked whether a master's degree is worth it and {she} said experience with {tool} counts for more.",
          "There was a long tangent about the new building and the commute, which I will skip.",
          "{She} thinks the next two years will bring more openings as the older staff retire.",
          "We compared notes on {task2} and {she} laughed about the first year on the job.", "{She} told a story about a project on {task} that went badly and what {she} learned.",
          "Most of the conversation was about {tool} and whether I should learn it before applying."]
_TASKS = ["reporting", "data cleanup", "patient visits", "vendor calls", "lesson prep", "site inspections", "code review", "scheduling", "quality checks", "budget reviews", "site visits", "case notes", "customer escalations",
          "grant reports", "client meetings", "inventory checks", "documentation", "training new hires"]
_TODOS = ["- [ ] send a thank-you email by Friday", "- [ ] update resume with the {tool} project", "- [ ] look up the {org} careers page",
          "I'll send {She_obj} my portfolio link next week.", "- [ ] sign up for the {tool} course"]
_LEADS = ["Also,", "Again,", "On a related note,", "Separately,", "Later on,", "To be fair,", "Worth noting:", "In other words,",
          "Side note:", "Then again,", "Interesting:", "Related:", "Funny enough,", "Note to self:", "Either way,"]
_NON_REFERRALS = ["- {her} old boss {first} {last} retired last year and moved to Florida",
                  "- {her} husband {first} is an engineer too, not a contact"]
_HEADINGS = {"day": ["DAY", "## Typical day", "typical day"], "skills": ["SKILLS", "## Skills", "skills she said matter"],
             "outlook": ["OUTLOOK", "## Outlook", "outlook"], "advice": ["ADVICE", "## Advice", "advice:"],
             "entry": ["HOW TO GET IN", "## Getting in", "how to get in"], "fit": ["ME", "## Fit for me", "my thoughts"],
             "people": ["PEOPLE", "## People", "people to contact"], "todo": ["TODO", "## Next steps", "to do"]}
_POOLS = {"day": _DAY, "skills": _SKILLS, "outlook": _OUTLOOK, "advice": _ADVICE, "entry": _ENTRY, "fit": _FIT}
_ITEM_KIND = {"day": "day_in_life", "skills": "skills", "outlook": "outlook", "advice": "advice", "entry": "how_to_get_in",
              "fit": "fit", "todo": "promise", "prose": "advice"}


def _persona(rng: random.Random) -> dict[str, Any]:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    org, domain = rng.choice(_ORGS)
    fld, title, tools = rng.choice(_FIELDS)
    she = rng.choice([("she", "She", "her", "her"), ("he", "He", "his", "him"), ("they", "They", "their", "them")])
    d = f"{rng.randint(2024, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return {"first": first, "last": last, "name": f"{first} {last}", "org": org, "domain": domain, "field": fld,
            "title": title, "tools": tools, "she": she[0], "She": she[1], "her": she[2], "She_obj": she[3], "date": d,
            "referrals": [], "job_leads": []}


def _contact_line(rng: random.Random, p: dict[str, Any]) -> str:
    forms = ["Informational interview — {name}, {title} at {org}", "info interview w/ {name} ({title}, {org})",
             "# Coffee chat: {name} - {title} @ {org}"]
    return rng.choice(forms).format(**p)


def _date_line(rng: random.Random, p: dict[str, Any]) -> str:
    y, m, d = (int(x) for x in p["date"].split("-"))
    forms = [f"Date: {p['date']}", f"{_MONTHS[m - 1]} {d}, {y} · video call · {rng.choice([30, 40, 45, 60])} min",
             f"{m}/{d}/{y}, phone, ~{rng.choice([25, 40, 50])} min"]
    return rng.choice(forms)


def _sections(rng: random.Random, p: dict[str, Any], budget: int) -> list[tuple[str, list[str]]]:
    """Section name -> lines, filled round-robin (with prose paragraphs) until `budget` words."""
    order = ["day", "skills", "outlook", "advice", "entry", "fit"]
    rng.shuffle(order)
    content: dict[str, list[str]] = {k: [] for k in order}
    people, todo = _people_lines(rng, p), _todo_lines(rng, p)
    words = sum(len(x.split()) for x in people + todo)
    used = {x.removeprefix("- ") for x in people + todo}
    i = 0
    while words < budget:
        key = order[i % len(order)]
        line = _fresh_line(rng, _PROSE if rng.random() < 0.25 else _POOLS[key], p, used)
        if rng.random() < 0.6:
            line = "- " + line
        content[key].append(line)
        words += len(line.split())
        i += 1
    return [(k, content[k]) for k in order] + [("people", people), ("todo", todo)]


def _fresh_line(rng: random.Random, pool: list[str], p: dict[str, Any], used: set[str]) -> str:
    """A filled template not yet used in this note (real notes rarely repeat a sentence verbatim)."""
    line = _fill(rng, rng.choice(pool), p)
    for attempt in range(20):
        if line not in used:
            break
        line = _fill(rng, rng.choice(pool), p)
        if attempt >= 5:
            line = f"{rng.choice(_LEADS)} {line[0].lower()}{line[1:]}"
    used.add(line)
    return line


def _people_lines(rng: random.Random, p: dict[str, Any]) -> list[str]:
    lines = []
    for _ in range(rng.randint(0, 3)):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        org, domain = rng.choice(_ORGS)
        role = rng.choice(["hiring manager", "program lead", "recruiter", "senior analyst", "apprenticeship coordinator"])
        lines.append(f"- {first} {last} - {role} at {org.split()[0]}, {first.lower()}@{domain}")
        p["referrals"].append((f"{first} {last}", role, org.split()[0], f"{first.lower()}@{domain}"))
    if rng.random() < 0.4:
        lines.append(_fill(rng, rng.choice(_NON_REFERRALS), p))
    if rng.random() < 0.5:
        title = rng.choice(["Junior Analyst", "Summer Internship", "Apprenticeship", "Associate Designer", "Fellowship"])
        month, day, post = rng.choice(_MONTHS), rng.randint(1, 28), rng.randint(1000, 9999)
        url = f"https://{p['domain']}/careers/{post}"
        lines.append(f"- {p['org']} has a {title} opening posted, closes {month} {day}: {url}")
        p["job_leads"].append((title, p["org"], url, f"{month} {day}"))
    return lines


def _todo_lines(rng: random.Random, p: dict[str, Any]) -> list[str]:
    return [_fill(rng, t, p) for t in rng.sample(_TODOS, rng.randint(1, 3))]


def _fill(rng: random.Random, template: str, p: dict[str, Any]) -> str:
    tools = p["tools"]
    return template.format(she=p["she"], She=p["She"], her=p["her"], She_obj=p["She_obj"], tool=rng.choice(tools),
                           tool2=rng.choice(tools), task=rng.choice(_TASKS), task2=rng.choice(_TASKS), n=rng.randint(5, 60), h=rng.randint(2, 6),
                           k=rng.randint(38, 75), hour=f"{rng.randint(7, 10)}:{rng.choice(['00', '30'])}",
                           field=p["field"], org=p["org"], first=rng.choice(_FIRST), last=rng.choice(_LAST))


def _render_sections(rng: random.Random, sections: list[tuple[str, list[str]]]) -> tuple[list[str], list[tuple[str, str]]]:
    body: list[str] = []
    items: list[tuple[str, str]] = []
    for key, lines in sections:
        if not lines:
            continue
        body.append(rng.choice(_HEADINGS[key]))
        prose: list[str] = []
        for line in lines:
            if line.startswith("- "):
                body.extend(_flush(prose))
                body.append(line)
            else:
                prose.append(line)
            items.append((_ITEM_KIND.get(key, "other"), line.removeprefix("- ").removeprefix("[ ] ")))
        body.extend(_flush(prose))
        body.append("")
    return body, items


def _flush(prose: list[str]) -> list[str]:
    """Pending prose sentences as one paragraph between blank lines (then cleared)."""
    if not prose:
        return []
    out = ["", " ".join(prose), ""]
    prose.clear()
    return out

