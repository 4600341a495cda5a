"""Query latency: `search`, `leads` and `followups` inside the process (the core functions) and
as commands (a fresh process each time, imports included), and `--all --nl`, which streams
every lead or task, with its peak memory."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Callable

from pipeline.dev.bench.common import fieldnotes_cmd, run_command, summary, time_command, timed

# (query, options): the generator's tools and tasks, prefixes, phrases, boolean queries, names, filters
SEARCH_QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("SQL", {}), ("Tableau", {}), ("Excel", {}), ("dbt", {}), ("EPIC charting", {}), ("wound care", {}), ("triage", {}),
    ("forecasting", {}), ("Power BI", {}), ("lesson planning", {}), ("conduit", {}), ("Unity", {}), ("playtesting", {}),
    ("Bloomberg", {}), ("grant writing", {}), ("hydraulics", {}), ("Figma", {}), ("portfolio", {}), ("volunteer", {}),
    ("certification", {}), ("on-call", {"quote": True}), ("budget", {}), ("layoffs", {}), ("apprenticeship", {}), ("mentor", {}),
    ("retire*", {}), ("certif*", {}), ("intern*", {}), ('"foot in the door"', {}), ('"hiring manager"', {}), ('"cover letter"', {}),
    ("SQL OR Python", {}), ("Excel NOT Tableau", {}), ("NEAR(portfolio projects, 5)", {}), ("Dana", {}), ("Okafor", {}),
    ("portfolio", {"kind": "advice"}), ("Excel", {"kind": "skills"}), ("hospital", {"kind": "note"}), ("budget", {"since": "2025-01-01"}),
    ("interview", {"org": "Acme Health"}), ("caseload", {"field": "nursing"}), ("meetings", {"skill": "Excel"}),
]
COMMON_QUERIES = ("the", "job", "people")  # words in nearly every note: the most a search can cost
SEARCH_REPEATS = 3


def bench_queries(db_path: Path, repeats: int) -> dict[str, Any]:
    """In-process and command latencies on one database, and the streaming commands' memory."""
    return {"in_process": bench_in_process(db_path), "commands": bench_commands(db_path, repeats), "streams": bench_streams(db_path)}


def bench_in_process(db_path: Path) -> dict[str, Any]:
    """Milliseconds per call of the core query functions (medians over repeats)."""
    from pipeline.query import iter_leads, iter_tasks, search
    from pipeline.store import open_db

    db = open_db(db_path)
    per_query = [_median_ms(lambda q=q, kw=kw: search(db, q, **kw)) for q, kw in SEARCH_QUERIES]
    common = {q: _median_ms(lambda q=q: search(db, q)) for q in COMMON_QUERIES}
    calls: dict[str, Callable[[], Any]] = {
        "leads (first 50)": lambda: list(iter_leads(db, None, 50)),
        "leads --status contacted": lambda: list(iter_leads(db, "contacted", 50)),
        "followups (first 100 open)": lambda: list(iter_tasks(db, "open", limit=100)),
        "followups --overdue": lambda: list(iter_tasks(db, "open", overdue=True, limit=100)),
        "followups --status done": lambda: list(iter_tasks(db, "done", limit=100)),
    }
    out = {"search": dict(summary(per_query), queries=len(per_query), slowest=_slowest(per_query)),
           "search_common": {q: round(ms, 2) for q, ms in common.items()}}
    out.update({name: summary(timed(fn, SEARCH_REPEATS * 3), scale=1000, digits=2) for name, fn in calls.items()})
    db.conn.close()
    return out


def bench_commands(db_path: Path, repeats: int) -> dict[str, Any]:
    """Wall seconds of each query command in a fresh process (as a user types it, output piped)."""
    commands = {"search portfolio": ["search", "portfolio"], "search job": ["search", "job"], "leads": ["leads"],
                "followups": ["followups"], "followups --overdue": ["followups", "--overdue"]}
    return {name: time_command(fieldnotes_cmd(*args, "--db", str(db_path)), repeats) for name, args in commands.items()}


def bench_streams(db_path: Path) -> dict[str, Any]:
    """`leads --all --nl` and `followups --all --nl`: seconds, peak RSS, lines and bytes written."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="fieldnotes-stream-") as tmp:
        for name in ("leads", "followups"):
            path = Path(tmp) / f"{name}.ndjson"
            run = run_command(fieldnotes_cmd(name, "--all", "--nl", "--db", str(db_path)), stdout=path)
            with path.open("rb") as fh:
                run["lines"] = sum(1 for _ in fh)
            run["seconds"] = round(run["seconds"], 3)
            out[f"{name} --all --nl"] = run
    return out


def _median_ms(fn: Callable[[], Any]) -> float:
    fn()  # warm: the first call reads the pages from disk
    return summary(timed(fn, SEARCH_REPEATS), scale=1000, digits=2)["median"]


def _slowest(per_query: list[float]) -> list[list[Any]]:
    ranked = sorted(zip(per_query, SEARCH_QUERIES), key=lambda x: -x[0])[:3]
    return [[q + "".join(f" --{k} {v}" if v is not True else f" --{k}" for k, v in kw.items()), ms] for ms, (q, kw) in ranked]
