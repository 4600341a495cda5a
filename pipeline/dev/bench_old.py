"""Benchmark: how fast the pipeline is, measured against the physical floor of the model here.

`run_bench()` (the `fieldnotes bench` command) does four things in one run and writes the
numbers as JSON and a Markdown table (`docs/performance.json`, `docs/performance.md`):

1. Pipeline: a generated corpus of realistic informational-interview notes (fixed seed,
   150-2,500 words, several of ~500 words) or a folder goes through the real `run_batch` with
   the real embedded model into a temporary database. Each note is timed, and its time is
   split by stage (ingest, model prefill, model decode, model-call overhead, grounding and
   extraction logic, storage) by wrapping the stage functions of `pipeline.batch` for the
   duration of the run. Token counts come from the model's `ModelStats`.
2. Floor: a separate process loads the same GGUF file with the same llama.cpp model and
   context parameters (threads, context, batch) and, right after each note (so both see the
   same machine load), evaluates as many prompt tokens as that note evaluated — in batches of
   up to `n_batch`, fresh KV cache per batch — and decodes as many tokens one at a time, through
   llama_cpp's low-level API (`llama_decode`). It also replays the pipeline's exact calls with
   the same KV-cache prefix reuse but no Python pipeline around them ("replay floor"), which
   separates the cost of many small calls from the cost of the pipeline's own code.
   The second floor is in tokens: the minimum the design needs (every fixed prompt prefix and
   every calibration prompt evaluated once per run, plus each call's own tail) against the
   tokens actually evaluated.
3. Search: p50/p95 latency of `pipeline.query.search` over ~50 varied queries on a generated
   10,000-note database (rows inserted directly, FTS kept in sync by the store's triggers).
4. Start-up: median wall time of `fieldnotes --help` in a fresh process.
"""
from __future__ import annotations

import json
import math
import os
import platform
import random
import resource
import shlex
import statistics
import string
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from pipeline.llm import common_prefix

SEED = 20240611
SEARCH_QUERIES = 50
STARTUP_RUNS = 5
TARGETS: dict[str, tuple[str, float]] = {
    "floor_ratio": ("<=", 1.25),
    "token_ratio": ("<=", 1.2),
    "notes_per_minute_500w": (">=", 6.0),
    "peak_rss_mb": ("<=", 1536.0),
    "search_p50_ms": ("<=", 20.0),
    "help_seconds": ("<=", 0.3),
}
STAGES = ("ingest", "model_prefill", "model_decode", "model_call_overhead", "logic", "storage", "other")
STAGE_LABELS = {
    "model_load": "model load (once per run)",
    "ingest": "ingest (read + decode file)",
    "model_prefill": "model prefill (llama.cpp eval)",
    "model_decode": "model decode (generation)",
    "model_call_overhead": "model-call overhead (tokenise, logits, Python)",
    "logic": "structure, grounding and extraction logic",
    "storage": "storage (SQLite, FTS)",
    "other": "other (follow-up planning, bookkeeping)",
}


@dataclass
class GeneratedNote:
    """One synthetic note: its file name, text, word count and (kind, text) lines for search rows."""

    name: str
    text: str
    words: int
    contact: str
    organization: str
    title: str
    date: str
    items: list[tuple[str, str]] = field(default_factory=list)


# --- entry point -----------------------------------------------------------------------------

def run_bench(notes: int, folder: str | None, model_name: str | None, search_notes: int, out_path: Path) -> str:
    """Run the whole benchmark, write `out_path` (Markdown) and its `.json` twin; return the Markdown."""
    started = time.perf_counter()
    result: dict[str, Any] = {"machine": machine_info(), "command": exact_command(), "seed": SEED,
                              "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    with tempfile.TemporaryDirectory(prefix="fieldnotes-bench-") as tmp:
        work = Path(tmp)
        paths = [folder] if folder else [str(p) for p in write_corpus(generate_corpus(notes, SEED), work / "corpus")]
        result["input"] = {"folder": folder} if folder else {"generated_notes": notes, "seed": SEED}
        result["pipeline"] = bench_pipeline(paths, model_name, work / "bench.db")
        result["search"] = bench_search(search_notes, SEED, work / "search.db")
    result["startup"] = bench_startup(STARTUP_RUNS)
    result["machine"]["load_average_end"] = _loadavg()
    result["bench_seconds"] = round(time.perf_counter() - started, 1)
    result["targets"] = evaluate_targets(result)
    result["shortfalls"] = shortfalls(result)
    return write_results(result, out_path)


# --- corpus ----------------------------------------------------------------------------------

def generate_corpus(n: int, seed: int = SEED, lengths: Sequence[int] | None = None) -> list[GeneratedNote]:
    """`n` deterministic informational-interview notes; lengths 150-2,500 words, every 3rd ~500."""
    rng = random.Random(seed)
    plan = list(lengths) if lengths is not None else note_lengths(n, rng)
    return [generate_note(rng, i, words) for i, words in enumerate(plan)]


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
                         title=p["title"], date=p["date"], items=items)


def write_corpus(notes: Sequence[GeneratedNote], folder: Path) -> list[Path]:
    """Write the notes as .txt/.md files under `folder`; returns their paths in order."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for note in notes:
        path = folder / note.name
        path.write_text(note.text, encoding="utf-8")
        paths.append(path)
    return paths


# --- pipeline and floor ----------------------------------------------------------------------

def bench_pipeline(paths: list[str], model_name: str | None, db_path: Path, floor: bool = True,
                   loader: Callable[[str | None], Any] | None = None) -> dict[str, Any]:
    """Run the real batch over `paths` with per-note, per-stage timing; pair each note with its floor."""
    from pipeline.batch import LazyModel, run_batch
    from pipeline.store import open_db

    rec = _Recorder()
    lazy = LazyModel(model_name, loader=lambda name: rec.instrument((loader or _default_loader)(name)))
    db = open_db(db_path)
    worker = _FloorClient() if floor else None
    rec.on_note_done = worker.pair if worker else None
    try:
        with rec.patched():
            summary = run_batch(db, paths, lazy, progress=rec.progress)
            rec.finish()
        peak_rss_mb = _peak_rss_mb()
        model = rec.model  # None when no note needed the model
        result = _pipeline_result(rec, summary, model, peak_rss_mb)
        if worker and model is not None:
            result["floor"] = worker.summary(result, rec)
    finally:
        if worker:
            worker.close()
    return result


def token_accounting(calls: list[dict[str, Any]], tokenize: Callable[[str], list[int]], style: str) -> dict[str, Any]:
    """Tokens the design needs against the tokens evaluated, and where the difference went.

    The minimum: each template's fixed part (its instructions and examples, plus whatever text
    every one of its prompts starts with) once per run, each calibration prompt (the template
    with blank inputs, identical in every note) once per run, and every other call's own tail."""
    from pipeline.prompts import load_prompt

    templates = _choice_templates(load_prompt, style, tokenize)
    tagged = [(c, *_template_of(c["prompt"], templates), tokenize(c["prompt"])) for c in calls]
    fixed = _fixed_lengths(tagged)
    seen_prefix: set[str] = set()
    seen_blank: set[str] = set()
    need = prefix_redo = calib_redo = switches = 0
    last: str | None = None
    for call, name, tpl, toks in tagged:
        p = fixed.get(name, 0) if name else 0
        redo = max(0, p - call["reused"]) if name in seen_prefix else 0
        prefix_redo += redo
        if name and name not in seen_prefix:
            seen_prefix.add(name)
            need += p
        switches += int(last is not None and name != last)
        last = name
        blank = tpl is not None and call["prompt"] == tpl["blank"]
        if blank and name in seen_blank:
            calib_redo += call["evaluated"] - redo
            continue
        if blank:
            seen_blank.add(name)
        need += max(1, len(toks) - p)
    evaluated = sum(c["evaluated"] for c in calls)
    return {"evaluated_tokens": evaluated, "minimum_tokens": need, "ratio": _ratio(evaluated, need),
            "prefix_reevaluated_tokens": prefix_redo, "calibration_repeat_tokens": calib_redo,
            "other_extra_tokens": evaluated - need - prefix_redo - calib_redo, "template_switches": switches,
            "prefix_tokens": {k: fixed.get(k, v["prefix_len"]) for k, v in templates.items()}}


# --- search and start-up ---------------------------------------------------------------------

def bench_search(n_notes: int, seed: int, db_path: Path, n_queries: int = SEARCH_QUERIES, repeats: int = 3) -> dict[str, Any]:
    """Build an `n_notes` database without the model, then time `search()` over varied queries."""
    from pipeline.query import search
    from pipeline.store import open_db

    started = time.perf_counter()
    build_search_db(db_path, n_notes, seed)
    build_seconds = time.perf_counter() - started
    db = open_db(db_path)
    queries = search_queries(n_queries, seed)
    for q, kw in queries:
        search(db, q, **kw)  # warm the page cache once
    times, hits = [], []
    for _ in range(repeats):
        for q, kw in queries:
            t = time.perf_counter()
            hits.append(len(search(db, q, **kw)))
            times.append((time.perf_counter() - t) * 1000)
    worst: dict[str, tuple[float, tuple[str, dict[str, str]]]] = {}
    for t, q in zip(times, [q for _ in range(repeats) for q in queries]):
        key = json.dumps(q)
        worst[key] = max(worst.get(key, (0.0, q)), (t, q), key=lambda x: x[0])
    slow = sorted(worst.values(), key=lambda x: -x[0])[:3]
    return {"notes": n_notes, "items": db["items"].count, "queries": len(queries), "repeats": repeats,
            "p50_ms": round(_percentile(times, 50), 2), "p95_ms": round(_percentile(times, 95), 2),
            "max_ms": round(max(times), 2), "median_hits": statistics.median(hits) if hits else 0,
            "slowest": [{"query": q[0], "filters": q[1], "ms": round(t, 1)} for t, q in slow],
            "db_mb": round(db_path.stat().st_size / 1e6, 1), "build_seconds": round(build_seconds, 1)}


def build_search_db(db_path: Path, n_notes: int, seed: int, chunk: int = 500) -> None:
    """Insert `n_notes` generated notes with records and items straight into the store's tables."""
    from pipeline.store import open_db

    db = open_db(db_path)
    rng = random.Random(seed + 1)
    lengths = note_lengths(n_notes, rng)
    for start in range(0, n_notes, chunk):
        batch = [generate_note(rng, i, lengths[i]) for i in range(start, min(n_notes, start + chunk))]
        with db.conn:
            _insert_search_rows(db, batch, start)


def search_queries(n: int, seed: int) -> list[tuple[str, dict[str, str]]]:
    """`n` varied queries: common and rare words, phrases, names, some with kind/org/date filters."""
    rng = random.Random(seed + 2)
    words = ["portfolio", "hiring manager", "SQL", "certification", "internship", "layoffs", "mentor", "union",
             "spreadsheet", "on-call", "networking", "apprenticeship", "resume", "budget", "night shift",
             "demand", "licensing exam", "Python", "salary", "burnout", "volunteer", "grant", "customer",
             "AI", "remote", "fellowship", "C++", "travel", "clinical", "deadline"]
    out: list[tuple[str, dict[str, str]]] = []
    for i in range(n):
        q = words[i % len(words)] if i < len(words) else f"{rng.choice(words)} {rng.choice(words)}"
        kw: dict[str, str] = {}
        if i % 5 == 1:
            kw["kind"] = rng.choice(["advice", "skills", "day_in_life", "outlook"])
        if i % 7 == 3:
            kw["org"] = rng.choice(_ORGS)[0].split()[0]
        if i % 9 == 4:
            kw["since"] = "2024-06-01"
        if i % 11 == 6:
            q = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        out.append((q, kw))
    return out


def bench_startup(runs: int = STARTUP_RUNS) -> dict[str, Any]:
    """Median wall seconds of `fieldnotes --help` (console script, else `python -m pipeline`)."""
    out: dict[str, Any] = {"runs": runs}
    script = Path(sys.executable).parent / "fieldnotes"
    commands = {"python_m": [sys.executable, "-m", "pipeline", "--help"]}
    if script.exists():
        commands["console_script"] = [str(script), "--help"]
    for key, cmd in commands.items():
        out[key] = round(statistics.median(_time_command(cmd) for _ in range(runs)), 3)
    out["seconds"] = out.get("console_script", out["python_m"])
    out["command"] = "fieldnotes --help" if "console_script" in out else "python -m pipeline --help"
    return out


# --- results ---------------------------------------------------------------------------------

def machine_info() -> dict[str, Any]:
    """CPU count, platform, Python and llama-cpp-python versions, load average at start."""
    from importlib import metadata

    try:
        llama_version = metadata.version("llama_cpp_python")
    except metadata.PackageNotFoundError:
        llama_version = None
    return {"cpu_count": os.cpu_count(), "cpu_model": _cpu_model(), "platform": platform.platform(),
            "python": platform.python_version(), "llama_cpp_python": llama_version, "load_average_start": _loadavg()}


def exact_command() -> str:
    """The command line that produced the results, with the script path relative to the cwd."""
    argv = list(sys.argv)
    if argv:
        arg0 = Path(argv[0])
        try:
            argv[0] = str(arg0.resolve().relative_to(Path.cwd()))
        except ValueError:
            argv[0] = arg0.name
    return shlex.join(argv)


def evaluate_targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of (metric, value, target, met) for the issue's targets; `met` is None when unmeasured."""
    p = result.get("pipeline", {})
    values = {
        "floor_ratio": p.get("floor", {}).get("ratio_end_to_end"),
        "token_ratio": p.get("tokens", {}).get("ratio"),
        "notes_per_minute_500w": p.get("notes_per_minute_500w"),
        "peak_rss_mb": p.get("peak_rss_mb"),
        "search_p50_ms": result.get("search", {}).get("p50_ms"),
        "help_seconds": result.get("startup", {}).get("seconds"),
    }
    rows = []
    for key, (op, limit) in TARGETS.items():
        v = values.get(key)
        met = None if v is None else (v <= limit if op == "<=" else v >= limit)
        rows.append({"metric": key, "value": v, "target": f"{op} {limit:g}", "met": met})
    return rows


def shortfalls(result: dict[str, Any]) -> list[str]:
    """One sentence per missed target, naming the cause from the measured numbers."""
    p = result.get("pipeline", {})
    out = []
    for row in result.get("targets", evaluate_targets(result)):
        if row["met"] is False:
            out.append(_CAUSES[row["metric"]](result, p, row))
    return out


def render_markdown(result: dict[str, Any]) -> str:
    """The Markdown report: targets table, per-note numbers, stage split, floor, tokens, search."""
    p = result.get("pipeline", {})
    parts = [_md_header(result), _md_targets(result), _md_throughput(p), _md_stages(p), _md_floor(p),
             _md_tokens(p), _md_search(result.get("search", {}), result.get("startup", {})), _md_shortfalls(result)]
    return "\n\n".join(x for x in parts if x).rstrip() + "\n"


def write_results(result: dict[str, Any], out_path: Path) -> str:
    """Write `out_path` (Markdown) and `out_path.with_suffix('.json')`; return the Markdown."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    md = render_markdown(result)
    out_path.write_text(md, encoding="utf-8")
    out_path.with_suffix(".json").write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    return md


# =============================================================================================
# private helpers
# =============================================================================================

# --- corpus pools ----------------------------------------------------------------------------

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
            "title": title, "tools": tools, "she": she[0], "She": she[1], "her": she[2], "She_obj": she[3], "date": d}


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
    if rng.random() < 0.4:
        lines.append(_fill(rng, rng.choice(_NON_REFERRALS), p))
    if rng.random() < 0.5:
        title = rng.choice(["Junior Analyst", "Summer Internship", "Apprenticeship", "Associate Designer", "Fellowship"])
        lines.append(f"- {p['org']} has a {title} opening posted, closes {rng.choice(_MONTHS)} {rng.randint(1, 28)}: "
                     f"https://{p['domain']}/careers/{rng.randint(1000, 9999)}")
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


def _insert_search_rows(db: Any, notes: list[GeneratedNote], offset: int) -> None:
    from pipeline.store import now

    stamp = now()
    note_rows = [{"id": offset + i + 1, "source": f"/bench/{n.name}", "sha256": f"{offset + i:064x}", "format": "txt",
                  "text": n.text, "metadata": "{}", "ingested_at": stamp} for i, n in enumerate(notes)]
    db["notes"].insert_all(note_rows, batch_size=200)
    db["records"].insert_all([{"note_id": r["id"], "contact_name": n.contact, "contact_title": n.title, "contact_org": n.organization,
                               "interview_date": n.date, "field": n.title, "sentiment": None, "record": "{}", "raw_answers": "[]",
                               "model": "bench", "prompt_version": "bench", "seconds": 0.0, "extracted_at": stamp}
                              for r, n in zip(note_rows, notes)], batch_size=500)
    db["items"].insert_all([{"note_id": r["id"], "kind": kind, "text": text, "start": None, "end": None}
                            for r, n in zip(note_rows, notes) for kind, text in n.items], batch_size=1000)


# --- pipeline instrumentation ----------------------------------------------------------------

class _Recorder:
    """Per-note, per-stage timers around `pipeline.batch`'s stage functions and the model's calls."""

    def __init__(self) -> None:
        self.notes: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        self.model: Any = None
        self.paused = 0.0
        self.on_note_done: Callable[[dict[str, Any], Any], None] | None = None
        self._cur: dict[str, Any] | None = None

    def instrument(self, model: Any) -> Any:
        """Wrap this model instance's choose/complete to time each call and log its prompt."""
        self.model = model
        for name in ("choose", "complete"):
            setattr(model, name, self._timed_call(getattr(model, name)))
        return model

    @contextmanager
    def patched(self) -> Iterator[None]:
        import pipeline.batch as batch

        names = {"read_note": "ingest", "extract_record": "extract", "find_note": "storage", "move_note": "storage",
                 "save_record": "storage"}
        saved = {n: getattr(batch, n) for n in names}
        try:
            for n, stage in names.items():
                setattr(batch, n, self._timed(saved[n], stage))
            yield
        finally:
            for n, fn in saved.items():
                setattr(batch, n, fn)

    def progress(self, label: str, index: int, total: int) -> None:
        """run_batch calls this before each note: close the previous note (and pair its floor), open the next.
        Time spent here is subtracted from the run's end-to-end time."""
        entered = time.perf_counter()
        self._close(entered)
        self._cur = {"label": label, "stats0": self._stats(), "calls0": len(self.calls),
                     "t": {"ingest": 0.0, "extract": 0.0, "storage": 0.0, "choose": 0.0}}
        self._cur["start"] = time.perf_counter()
        self.paused += self._cur["start"] - entered

    def finish(self) -> None:
        """Close the last note (after run_batch returned, so its floor is outside the run's time)."""
        self._close(time.perf_counter())

    def _close(self, t_end: float) -> None:
        if self._cur is None:
            return
        cur, self._cur = self._cur, None
        note = _note_metrics(cur, t_end - cur["start"], self._stats(), self.calls[cur["calls0"]:])
        self.notes.append(note)
        if self.on_note_done and self.model is not None:
            self.on_note_done(note, self.model)

    def _stats(self) -> dict[str, float]:
        return self.model.stats.snapshot() if self.model is not None else {}

    def _timed(self, fn: Callable[..., Any], stage: str) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                out = fn(*args, **kwargs)
            finally:
                if self._cur is not None:
                    self._cur["t"][stage] += time.perf_counter() - t
            if stage == "ingest" and self._cur is not None:
                self._cur["words"] = len(out.text.split())
            return out
        return wrapper

    def _timed_call(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(prompt: str, *args: Any, **kwargs: Any) -> Any:
            before = self.model.stats.snapshot()
            t = time.perf_counter()
            try:
                return fn(prompt, *args, **kwargs)
            finally:
                dt = time.perf_counter() - t
                after = self.model.stats.snapshot()
                if self._cur is not None:
                    self._cur["t"]["choose"] += dt
                self.calls.append({"prompt": prompt, "evaluated": after["evaluated_tokens"] - before["evaluated_tokens"],
                                   "reused": after["reused_tokens"] - before["reused_tokens"], "seconds": dt})
        return wrapper


def _note_metrics(cur: dict[str, Any], seconds: float, stats1: dict[str, float], calls: list[dict[str, Any]]) -> dict[str, Any]:
    s0, t = cur["stats0"], cur["t"]
    d = {k: stats1.get(k, 0) - s0.get(k, 0) for k in stats1}
    load = stats1.get("load_seconds", 0.0) if not s0 else 0.0
    prefill, decode = d.get("prefill_seconds", 0.0), d.get("decode_seconds", 0.0)
    stages = {"ingest": t["ingest"], "model_prefill": prefill, "model_decode": decode,
              "model_call_overhead": max(0.0, t["choose"] - prefill - decode),
              "logic": max(0.0, t["extract"] - t["choose"]), "storage": t["storage"]}
    stages["other"] = max(0.0, seconds - load - sum(stages.values()))
    return {"label": cur["label"], "words": cur.get("words"), "extracted": t["extract"] > 0, "seconds": seconds - load,
            "model_load_seconds": load,
            "calls": int(d.get("calls", 0)), "prompt_tokens": int(d.get("prompt_tokens", 0)),
            "evaluated_tokens": int(d.get("evaluated_tokens", 0)), "reused_tokens": int(d.get("reused_tokens", 0)),
            "generated_tokens": int(d.get("generated_tokens", 0)), "stages": stages, "prompts": [c["prompt"] for c in calls]}


def _default_loader(name: str | None) -> Any:
    from pipeline.llm import load_model

    return load_model(name)


def _pipeline_result(rec: _Recorder, summary: Any, model: Any, peak_rss_mb: float) -> dict[str, Any]:
    notes = [n for n in rec.notes if n["extracted"]]  # skipped (unchanged) and failed notes excluded
    secs = [n["seconds"] for n in notes]
    end_to_end = summary.seconds - rec.paused
    mid = [n["seconds"] for n in notes if n["words"] and 400 <= n["words"] <= 600]
    stages = {k: sum(n["stages"][k] for n in notes) for k in STAGES}
    stages = {"model_load": sum(n["model_load_seconds"] for n in notes), **stages}
    out: dict[str, Any] = {
        "model": getattr(model, "name", None), "n_threads": _threads(model), "processed": summary.processed,
        "skipped": summary.skipped, "failed": summary.failed, "end_to_end_seconds": round(end_to_end, 3),
        "notes_per_minute": round(60 * len(notes) / end_to_end, 2) if end_to_end > 0 and notes else None,
        "notes_per_minute_500w": round(60 / statistics.median(mid), 2) if mid else None, "notes_500w": len(mid),
        "median_seconds_per_note": _r(statistics.median(secs)) if secs else None,
        "p90_seconds_per_note": _r(_percentile(secs, 90)) if secs else None,
        "words_per_note": _r(statistics.median([n["words"] or 0 for n in notes])) if notes else None,
        "evaluated_tokens_per_call": _ratio(sum(n["evaluated_tokens"] for n in notes), sum(n["calls"] for n in notes)),
        "per_note_median": {k: _r(statistics.median([n[k] for n in notes])) if notes else None
                            for k in ("prompt_tokens", "evaluated_tokens", "reused_tokens", "generated_tokens", "calls")},
        "per_note_mean": {k: _r(statistics.fmean([n[k] for n in notes])) if notes else None
                          for k in ("prompt_tokens", "evaluated_tokens", "reused_tokens", "generated_tokens", "calls")},
        "stage_seconds": {k: round(v, 3) for k, v in stages.items()},
        "peak_rss_mb": peak_rss_mb,
        "notes": [{k: (round(v, 3) if isinstance(v, float) else v) for k, v in n.items() if k not in ("prompts", "stages")}
                  | {"stages": {k: round(v, 3) for k, v in n["stages"].items()}} for n in notes],
    }
    if model is not None and hasattr(model, "tokenize"):
        out["tokens"] = token_accounting(rec.calls, model.tokenize, model.prompt_style)
    return out


# --- floor (separate process, llama_cpp low-level API) ---------------------------------------

class _FloorClient:
    """Parent side: a child process holding the same model; asked for a floor after every note.

    A plain subprocess speaking JSON lines (not multiprocessing), so it works however the
    parent was started (console script, `python -m pipeline`, pytest)."""

    def __init__(self) -> None:
        self._log = tempfile.TemporaryFile()
        self._proc: subprocess.Popen[str] | None = None
        self._ready = False
        self.pairs: list[dict[str, float]] = []

    def start(self, model: Any) -> None:
        """Start the child (after the first note, so it never competes with it) and load the model there."""
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(Path(__file__).resolve().parent.parent),
                                                                          os.environ.get("PYTHONPATH")])))
        self._proc = subprocess.Popen([sys.executable, "-c", "from pipeline.bench import _floor_serve; _floor_serve()"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True, env=env)
        self._ask({"op": "init", **_model_params(model)})
        self._ready = True

    def pair(self, note: dict[str, Any], model: Any) -> None:
        """Measure the floor for the tokens this note used, right after the note (same load)."""
        if not self._ready:
            self.start(model)
        floor = self._ask({"op": "floor", "prefill": note["evaluated_tokens"], "decode": note["generated_tokens"],
                           "tokens": _sample_tokens(model, note)})
        replay = self._ask({"op": "replay", "calls": [model.tokenize(p) for p in note["prompts"]]})
        self.pairs.append({**floor, "replay_seconds": replay["seconds"]})

    def summary(self, result: dict[str, Any], rec: _Recorder) -> dict[str, Any]:
        """Totals and ratios: pipeline / floor, for end-to-end and for model + logic."""
        probe = self._ask({"op": "probe"}) if self._ready else {}
        prefill = sum(x["prefill_seconds"] for x in self.pairs)
        decode = sum(x["decode_seconds"] for x in self.pairs)
        replay = sum(x["replay_seconds"] for x in self.pairs)
        floor = prefill + decode
        st = result["stage_seconds"]
        model_logic = sum(st[k] for k in ("model_prefill", "model_decode", "model_call_overhead", "logic"))
        return {"prefill_seconds": _r(prefill), "decode_seconds": _r(decode), "seconds": _r(floor),
                "prefill_tokens": sum(n["evaluated_tokens"] for n in rec.notes),
                "decode_tokens": sum(n["generated_tokens"] for n in rec.notes),
                "prefill_tokens_per_second": _r(sum(n["evaluated_tokens"] for n in rec.notes) / prefill) if prefill else None,
                "replay_seconds": _r(replay), "ratio_end_to_end": _ratio(result["end_to_end_seconds"], floor),
                "ratio_model_and_logic": _ratio(model_logic, floor), "ratio_replay": _ratio(replay, floor),
                "ratio_llama_calls_vs_replay": _ratio(st["model_prefill"] + st["model_decode"], replay),
                "threads_probe": probe}

    def close(self) -> None:
        if self._proc is None:
            self._log.close()
            return
        try:
            self._proc.stdin.write("null\n")
            self._proc.stdin.close()
            self._proc.wait(timeout=20)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            self._proc.kill()
        self._log.close()

    def _ask(self, msg: dict[str, Any]) -> dict[str, Any]:
        from pipeline.errors import ModelError

        try:
            self._proc.stdin.write(json.dumps(msg) + "\n")
            self._proc.stdin.flush()
            line = self._proc.stdout.readline()
        except OSError:
            line = ""
        reply = json.loads(line) if line else {"error": f"exited with code {self._proc.poll()}: {self._stderr_tail()}"}
        if "error" in reply:
            raise ModelError(f"benchmark floor process failed ({reply['error']}); check that llama-cpp-python loads the model")
        return reply

    def _stderr_tail(self) -> str:
        self._log.seek(0)
        lines = self._log.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else "no output"


def _sample_tokens(model: Any, note: dict[str, Any]) -> list[int]:
    """Real tokens to feed the floor: the note's own prompts (any text tokenises the same way)."""
    text = "\n".join(note["prompts"][:40]) or "informational interview notes " * 64
    return model.tokenize(text)


def _model_params(model: Any) -> dict[str, Any]:
    """The pipeline's exact llama.cpp model/context parameters (simple fields) and GGUF path."""
    llm = getattr(model, "_llm", None)
    path = str(model.spec.ensure_file())
    if llm is None:
        n = os.cpu_count() or 2
        return {"path": path, "model_params": {}, "context_params": {"n_ctx": model.spec.n_ctx, "n_batch": 512,
                                                                      "n_threads": n, "n_threads_batch": n}}
    return {"path": path, "model_params": _simple_fields(llm.model_params), "context_params": _simple_fields(llm.context_params)}


def _simple_fields(struct: Any) -> dict[str, Any]:
    import ctypes

    simple = (ctypes.c_int, ctypes.c_uint, ctypes.c_float, ctypes.c_bool, ctypes.c_int32, ctypes.c_uint32)
    return {name: getattr(struct, name) for name, typ in struct._fields_ if typ in simple}


def _threads(model: Any) -> int | None:
    llm = getattr(model, "_llm", None)
    return int(llm.context_params.n_threads) if llm is not None else None


def _floor_serve() -> None:
    """Child process: JSON requests (init / floor / replay / probe) on stdin, one JSON reply per line.
    C-level output is moved to stderr so stdout carries only replies."""
    import logging

    logging.getLogger("llama-cpp-python").setLevel(logging.ERROR)
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    engine: _FloorEngine | None = None
    for line in sys.stdin:
        msg = json.loads(line)
        if msg is None:
            break
        try:
            if msg["op"] == "init":
                engine = _FloorEngine(msg["path"], msg["model_params"], msg["context_params"])
                reply: dict[str, Any] = {"ok": True}
            else:
                reply = getattr(engine, msg["op"])(msg)
        except Exception as e:  # noqa: BLE001 - reported to the parent as one line
            reply = {"error": f"{type(e).__name__}: {e}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()
    if engine:
        engine.free()


class _FloorEngine:
    """llama.cpp through llama_cpp's low-level API only: llama_decode on hand-filled batches."""

    def __init__(self, path: str, model_params: dict[str, Any], context_params: dict[str, Any]) -> None:
        import llama_cpp as L

        self.L = L
        L.llama_backend_init()
        mp = L.llama_model_default_params()
        for k, v in model_params.items():
            setattr(mp, k, v)
        self.model = L.llama_model_load_from_file(path.encode(), mp)
        if not self.model:
            raise RuntimeError(f"could not load {path}")
        self.cparams = context_params
        self.ctx = self._context(context_params)
        self.replay_ctx = self._context(context_params)
        self.n_batch = int(context_params.get("n_batch", 512))
        self.n_ctx = int(context_params.get("n_ctx", 2048))
        self.batch = L.llama_batch_init(self.n_batch, 0, 1)
        self.cache: list[int] = []

    def floor(self, msg: dict[str, Any]) -> dict[str, float]:
        """Prefill msg['prefill'] tokens in batches of n_batch (fresh cache each), decode msg['decode'] one by one."""
        tokens = msg["tokens"] or [1]
        return {"prefill_seconds": self._prefill(self.ctx, msg["prefill"], tokens),
                "decode_seconds": self._decode(self.ctx, msg["decode"], tokens)}

    def replay(self, msg: dict[str, Any]) -> dict[str, float]:
        """The pipeline's calls with the same prefix reuse as LlamaModel._eval_prompt, nothing else."""
        L, total = self.L, 0.0
        mem = L.llama_get_memory(self.replay_ctx)
        for toks in msg["calls"]:
            common = min(common_prefix(self.cache, toks), len(toks) - 1)
            t = time.perf_counter()
            L.llama_memory_seq_rm(mem, -1, common, -1)
            for i in range(common, len(toks), self.n_batch):
                chunk = toks[i: i + self.n_batch]
                self._run(self.replay_ctx, chunk, i, last_logits=i + len(chunk) == len(toks))
            L.llama_get_logits_ith(self.replay_ctx, -1)
            total += time.perf_counter() - t
            self.cache = list(toks)
        return {"seconds": total}

    def probe(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Tokens/s for a 128-token prefill and 16 decode steps at 1 thread and at the pipeline's threads."""
        tokens = list(range(100, 228))
        out = {}
        threads = int(self.cparams.get("n_threads", 1))
        for n in sorted({1, threads}):
            ctx = self._context({**self.cparams, "n_threads": n, "n_threads_batch": n})
            pre, dec = self._prefill(ctx, 128, tokens), self._decode(ctx, 16, tokens)
            out[str(n)] = {"prefill_tok_s": round(128 / pre, 1), "decode_tok_s": round(16 / dec, 1)}
            self.L.llama_free(ctx)
        return out

    def free(self) -> None:
        L = self.L
        L.llama_batch_free(self.batch)
        for ctx in (self.ctx, self.replay_ctx):
            L.llama_free(ctx)
        L.llama_model_free(self.model)

    def _context(self, params: dict[str, Any]) -> Any:
        cp = self.L.llama_context_default_params()
        for k, v in params.items():
            setattr(cp, k, v)
        ctx = self.L.llama_init_from_model(self.model, cp)
        if not ctx:
            raise RuntimeError("could not create a llama.cpp context")
        return ctx

    def _prefill(self, ctx: Any, n: int, tokens: list[int]) -> float:
        L, total, done = self.L, 0.0, 0
        mem = L.llama_get_memory(ctx)
        while done < n:
            size = min(self.n_batch, n - done, self.n_ctx)
            chunk = [tokens[(done + j) % len(tokens)] for j in range(size)]
            L.llama_memory_clear(mem, True)
            t = time.perf_counter()
            self._run(ctx, chunk, 0, last_logits=True)
            total += time.perf_counter() - t
            done += size
        return total

    def _decode(self, ctx: Any, n: int, tokens: list[int]) -> float:
        L, total = self.L, 0.0
        mem = L.llama_get_memory(ctx)
        L.llama_memory_clear(mem, True)
        for i in range(n):
            pos = i % self.n_ctx
            if pos == 0:
                L.llama_memory_clear(mem, True)
            t = time.perf_counter()
            self._run(ctx, [tokens[i % len(tokens)]], pos, last_logits=True)
            total += time.perf_counter() - t
        return total

    def _run(self, ctx: Any, chunk: list[int], pos0: int, last_logits: bool) -> None:
        b = self.batch
        b.n_tokens = len(chunk)
        for j, tok in enumerate(chunk):
            b.token[j], b.pos[j], b.n_seq_id[j] = tok, pos0 + j, 1
            b.seq_id[j][0] = 0
            b.logits[j] = 1 if (last_logits and j == len(chunk) - 1) else 0
        rc = self.L.llama_decode(ctx, b)
        if rc != 0:
            raise RuntimeError(f"llama_decode returned {rc}")
        self.L.llama_synchronize(ctx)


# --- token accounting helpers ----------------------------------------------------------------

def _choice_templates(load_prompt: Callable[[str], Any], style: str, tokenize: Callable[[str], list[int]]) -> dict[str, dict[str, Any]]:
    from pipeline.errors import FieldnotesError
    from pipeline.prompts import PROMPT_DIR

    out = {}
    for path in sorted(PROMPT_DIR.glob("*.yaml")):
        try:
            tpl = load_prompt(path.stem)
        except FieldnotesError:
            continue  # not a choice template (e.g. example banks)
        if not tpl.options:
            continue
        names = [f for _, f, _, _ in string.Formatter().parse(tpl.input_template) if f]
        prefix = tpl.prefix(style)
        toks = tokenize(prefix)
        out[path.stem] = {"prefix": prefix, "prefix_tokens": toks, "prefix_len": len(toks),
                          "blank": tpl.render(style, **{n: "N/A" for n in names})}
    return out


def _fixed_lengths(tagged: list[tuple[dict[str, Any], str | None, dict[str, Any] | None, list[int]]]) -> dict[str, int]:
    """Per template: the token prefix all its distinct prompts share (at least its fixed text),
    leaving every prompt at least one token of its own."""
    groups: dict[str, dict[str, list[int]]] = {}
    for call, name, tpl, toks in tagged:
        if name:
            groups.setdefault(name, {})[call["prompt"]] = toks
    out = {}
    for name, prompts in groups.items():
        lists = list(prompts.values())
        shortest = min(len(t) for t in lists) - 1
        if len(lists) == 1:
            out[name] = max(0, shortest)
            continue
        out[name] = min(shortest, min(common_prefix(lists[0], t) for t in lists[1:]))
    return out


def _template_of(prompt: str, templates: dict[str, dict[str, Any]]) -> tuple[str | None, dict[str, Any] | None]:
    best = None
    for name, tpl in templates.items():
        if prompt.startswith(tpl["prefix"]) and (best is None or len(tpl["prefix"]) > len(templates[best]["prefix"])):
            best = name
    return best, templates.get(best) if best else None


# --- Markdown --------------------------------------------------------------------------------

_METRIC_LABELS = {"floor_ratio": "end-to-end time / llama.cpp floor (same tokens)",
                  "token_ratio": "tokens evaluated / minimum the design needs",
                  "notes_per_minute_500w": "notes per minute, ~500-word notes",
                  "peak_rss_mb": "peak memory (RSS), MB", "search_p50_ms": "search p50 on the generated database, ms",
                  "help_seconds": "`fieldnotes --help` start-up, s"}


def _md_header(result: dict[str, Any]) -> str:
    m, p = result.get("machine", {}), result.get("pipeline", {})
    inp = result.get("input", {})
    corpus = f"folder `{inp['folder']}`" if inp.get("folder") else f"{inp.get('generated_notes')} generated notes (seed {inp.get('seed')})"
    return "\n".join([
        "# Performance", "",
        "Generated by `fieldnotes bench`; do not edit by hand (numbers also in `performance.json`).", "",
        f"- Command: `{result.get('command')}` (run from the repository root; took {result.get('bench_seconds')} s)",
        f"- Date: {result.get('date')}; machine: {m.get('cpu_count')} CPUs ({m.get('cpu_model')}), {m.get('platform')}, "
        f"Python {m.get('python')}, llama-cpp-python {m.get('llama_cpp_python')}",
        f"- Load average (1 min) at start / end: {m.get('load_average_start')} / {m.get('load_average_end')} "
        "(other processes share the CPUs; per-note numbers are medians)",
        f"- Model: `{p.get('model')}`, {p.get('n_threads')} threads; input: {corpus}, median {p.get('words_per_note')} words"])


def _md_targets(result: dict[str, Any]) -> str:
    rows = ["## Targets", "", "| metric | value | target | met? |", "|---|---|---|---|"]
    for r in result.get("targets", []):
        met = "n/a" if r["met"] is None else ("yes" if r["met"] else "**no**")
        rows.append(f"| {_METRIC_LABELS.get(r['metric'], r['metric'])} | {_fmt(r['value'])} | {r['target']} | {met} |")
    return "\n".join(rows)


def _md_throughput(p: dict[str, Any]) -> str:
    if not p:
        return ""
    med, mean = p.get("per_note_median", {}), p.get("per_note_mean", {})
    rows = [("notes processed", p.get("processed")), ("end-to-end seconds (incl. model load)", p.get("end_to_end_seconds")),
            ("notes per minute, all notes", p.get("notes_per_minute")),
            (f"notes per minute, ~500-word notes (400-600 words: {p.get('notes_500w')} of them)", p.get("notes_per_minute_500w")),
            ("median seconds per note", p.get("median_seconds_per_note")), ("p90 seconds per note", p.get("p90_seconds_per_note")),
            ("prompt tokens per note (median / mean)", f"{_fmt(med.get('prompt_tokens'))} / {_fmt(mean.get('prompt_tokens'))}"),
            ("evaluated prompt tokens per note (median / mean)", f"{_fmt(med.get('evaluated_tokens'))} / {_fmt(mean.get('evaluated_tokens'))}"),
            ("generated tokens per note (median / mean)", f"{_fmt(med.get('generated_tokens'))} / {_fmt(mean.get('generated_tokens'))}"),
            ("model calls per note (median / mean)", f"{_fmt(med.get('calls'))} / {_fmt(mean.get('calls'))}"),
            ("peak RSS, MB", p.get("peak_rss_mb"))]
    return "\n".join(["## Throughput", "", "| metric | value |", "|---|---|"] + [f"| {k} | {_fmt(v)} |" for k, v in rows])


def _md_stages(p: dict[str, Any]) -> str:
    st = p.get("stage_seconds")
    if not st:
        return ""
    total = sum(st.values()) or 1.0
    rows = ["## Time by stage (all notes)", "", "| stage | seconds | share |", "|---|---|---|"]
    rows += [f"| {STAGE_LABELS.get(k, k)} | {v:.2f} | {100 * v / total:.1f}% |" for k, v in st.items()]
    return "\n".join(rows)


def _md_floor(p: dict[str, Any]) -> str:
    f = p.get("floor")
    if not f:
        return ""
    rows = [("floor: prefill of the same number of prompt tokens, s", f"{_fmt(f['prefill_seconds'])} ({f['prefill_tokens']} tokens, "
             f"{_fmt(f['prefill_tokens_per_second'])} tok/s)"),
            ("floor: decode of the same number of generated tokens, s", f"{_fmt(f['decode_seconds'])} ({f['decode_tokens']} tokens)"),
            ("floor total, s", f["seconds"]), ("pipeline end-to-end, s", p.get("end_to_end_seconds")),
            ("**end-to-end / floor**", f["ratio_end_to_end"]), ("model + logic / floor", f["ratio_model_and_logic"]),
            ("replay of the exact calls in llama.cpp (same prefix reuse, no pipeline), s", f["replay_seconds"]),
            ("replay / floor (cost of many small calls)", f["ratio_replay"]),
            ("pipeline's llama.cpp time / replay (binding overhead; machine-load noise is ± tens of %)", f["ratio_llama_calls_vs_replay"])]
    for n, v in (f.get("threads_probe") or {}).items():
        rows.append((f"probe at {n} thread(s): prefill / decode tok/s", f"{v['prefill_tok_s']} / {v['decode_tok_s']}"))
    return "\n".join(["## The llama.cpp floor (measured in the same run, paired note by note)", "",
                      "| measure | value |", "|---|---|"] + [f"| {k} | {_fmt(v)} |" for k, v in rows])


def _md_tokens(p: dict[str, Any]) -> str:
    t = p.get("tokens")
    if not t:
        return ""
    rows = [("tokens evaluated (prefill)", t["evaluated_tokens"]),
            ("minimum the design needs (prefixes and calibration once per run + call tails)", t["minimum_tokens"]),
            ("**ratio**", t["ratio"]), ("prefix tokens re-evaluated after a template switch", t["prefix_reevaluated_tokens"]),
            ("calibration prompts re-evaluated (once per note instead of once per run)", t["calibration_repeat_tokens"]),
            ("other difference (negative: consecutive inputs that happened to start with the same tokens)", t["other_extra_tokens"]), ("template switches between consecutive calls", t["template_switches"]),
            ("fixed tokens per template (shared by all its prompts)", ", ".join(f"{k} {v}" for k, v in t["prefix_tokens"].items()))]
    return "\n".join(["## Second floor: tokens the pipeline did not need", "", "| measure | value |", "|---|---|"]
                     + [f"| {k} | {_fmt(v)} |" for k, v in rows])


def _md_search(s: dict[str, Any], up: dict[str, Any]) -> str:
    rows = []
    if s:
        rows += [("database", f"{s['notes']} notes, {s['items']} items, {s['db_mb']} MB (built in {s['build_seconds']} s)"),
                 ("queries", f"{s['queries']} varied queries × {s['repeats']}"), ("p50 / p95 / max, ms", f"{s['p50_ms']} / {s['p95_ms']} / {s['max_ms']}"),
                 ("slowest", "; ".join(f"`{x['query']}`{_filters_text(x['filters'])} {x['ms']} ms" for x in s["slowest"]))]
    if up:
        rows += [(f"`{up['command']}`, median of {up['runs']}, s", up["seconds"])]
        if "python_m" in up and "console_script" in up:
            rows += [("`python -m pipeline --help`, s", up["python_m"])]
    return "\n".join(["## Search and start-up", "", "| measure | value |", "|---|---|"] + [f"| {k} | {_fmt(v)} |" for k, v in rows]) if rows else ""


def _md_shortfalls(result: dict[str, Any]) -> str:
    items = result.get("shortfalls") or []
    body = "\n".join(f"- {x}" for x in items) if items else "- None: every measured target is met."
    return "## Shortfalls and causes\n\n" + body


# --- shortfall causes ------------------------------------------------------------------------

def _cause_floor(result: dict[str, Any], p: dict[str, Any], row: dict[str, Any]) -> str:
    f, st = p.get("floor", {}), p.get("stage_seconds", {})
    top = max(st, key=st.get) if st else "?"
    parts = [f"End-to-end is {row['value']}× the llama.cpp floor (target ≤ 1.25)."]
    if f.get("ratio_replay") and f["ratio_replay"] > 1.25:
        parts.append(f"Replaying the same calls in llama.cpp alone already takes {f['ratio_replay']}× the floor: "
                     f"the pipeline makes many small calls ({_fmt(p.get('evaluated_tokens_per_call'))} new tokens each on average, after "
                     "a long cached prefix), and small batches use the CPU far less efficiently than 512-token batches.")
    tok = p.get("tokens", {})
    if tok.get("ratio") and tok["ratio"] > 1.2:
        parts.append(f"The floor is for the tokens actually evaluated, which are {tok['ratio']}× what the design needs (see tokens).")
    if st:
        parts.append(f"Largest stage: {STAGE_LABELS.get(top, top)} ({100 * st[top] / (sum(st.values()) or 1):.0f}% of the time).")
    probe = f.get("threads_probe") or {}
    if len(probe) == 2:
        one, many = probe["1"], probe[max(probe, key=int)]
        if one["decode_tok_s"] > many["decode_tok_s"] or one["prefill_tok_s"] > many["prefill_tok_s"]:
            parts.append(f"On this shared machine one thread beats {max(probe, key=int)} (prefill {one['prefill_tok_s']} vs "
                         f"{many['prefill_tok_s']} tok/s, decode {one['decode_tok_s']} vs {many['decode_tok_s']}): llama.cpp's threads "
                         "wait on each other while other processes hold a core, so every small call pays a synchronisation penalty.")
    return " ".join(parts)


def _cause_tokens(result: dict[str, Any], p: dict[str, Any], row: dict[str, Any]) -> str:
    t = p["tokens"]
    return (f"Tokens evaluated are {row['value']}× the minimum (target ≤ 1.2): {t['prefix_reevaluated_tokens']} prefix tokens are "
            f"re-evaluated because the KV cache holds only the last prompt and calls alternate between templates "
            f"({t['template_switches']} switches), and {t['calibration_repeat_tokens']} tokens re-evaluate the fixed calibration "
            "prompts once per note (Decider is created per note) instead of once per run.")


def _cause_speed(result: dict[str, Any], p: dict[str, Any], row: dict[str, Any]) -> str:
    st = {k: v for k, v in p.get("stage_seconds", {}).items() if k != "model_load"}
    top = max(st, key=st.get) if st else "?"
    share = 100 * st.get(top, 0) / (sum(st.values()) or 1)
    med, f = p.get("per_note_median", {}), p.get("floor", {})
    text = (f"{row['value']} notes/min on ~500-word notes (target ≥ 6, i.e. ≤ 10 s a note): {STAGE_LABELS.get(top, top)} takes "
            f"{share:.0f}% of the time; a note makes about {_fmt(med.get('calls'))} model calls that evaluate "
            f"{_fmt(med.get('evaluated_tokens'))} prompt tokens (median).")
    tps = f.get("prefill_tokens_per_second")
    if tps and med.get("evaluated_tokens"):
        floor_s = med["evaluated_tokens"] / tps
        text += (f" llama.cpp itself evaluates only {_fmt(tps)} tokens/s on this machine in this run, so even at the floor "
                 f"those tokens take {floor_s:.1f} s a note ({60 / floor_s:.1f} notes/min).")
    return text


def _cause_rss(result: dict[str, Any], p: dict[str, Any], row: dict[str, Any]) -> str:
    return f"Peak RSS {row['value']} MB exceeds 1.5 GB; the model weights, KV cache and logits buffers dominate."


def _cause_search(result: dict[str, Any], p: dict[str, Any], row: dict[str, Any]) -> str:
    s = result["search"]
    slow = "; ".join(f"`{x['query']}` {x['ms']} ms" for x in s["slowest"])
    return (f"Search p50 is {s['p50_ms']} ms (target ≤ 20): each query ranks every match in items and notes (bm25 + snippet "
            f"for all matching rows before ORDER BY ... LIMIT), so common words over {s['notes']} notes cost most; slowest: {slow}.")


def _cause_help(result: dict[str, Any], p: dict[str, Any], row: dict[str, Any]) -> str:
    up = result["startup"]
    return (f"`{up['command']}` takes {up['seconds']} s (target ≤ 0.3): Python start-up plus importing click and the CLI module; "
            "measured under the machine's background load.")


_CAUSES: dict[str, Callable[[dict[str, Any], dict[str, Any], dict[str, Any]], str]] = {
    "floor_ratio": _cause_floor, "token_ratio": _cause_tokens, "notes_per_minute_500w": _cause_speed,
    "peak_rss_mb": _cause_rss, "search_p50_ms": _cause_search, "help_seconds": _cause_help}


# --- small utilities -------------------------------------------------------------------------

def _time_command(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t


def _percentile(values: Sequence[float], pct: float) -> float:
    """Linear-interpolated percentile (numpy's default) without numpy."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * pct / 100
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def _peak_rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(kb / 1024 / (1024 if sys.platform == "darwin" else 1), 1)


def _loadavg() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _filters_text(filters: dict[str, str]) -> str:
    return "".join(f" --{k} {v}" for k, v in filters.items())


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), 3)


def _fmt(v: Any) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:,.3f}".rstrip("0").rstrip(".") if abs(v) < 100 else f"{v:,.1f}"
    return str(v)
