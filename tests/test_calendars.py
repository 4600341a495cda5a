"""Follow-ups in calendars: the vdir read by todoman's own CLI, the single calendar by a second
parser (`ics`), done tasks COMPLETED with COMPLETED:, snoozed tasks with DTSTART."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SAMPLE
from pipeline.cli import cli

TODO = Path(sys.executable).parent / "todo"


def invoke(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def tasks_db(tmp_path_factory):
    """The sample notes with one task done and one snoozed; returns (db, done task, snoozed task)."""
    db = tmp_path_factory.mktemp("cal") / "f.db"
    invoke("run", SAMPLE, "--db", db, "--no-llm")
    tasks = json.loads(invoke("followups", "--db", db, "--json").output)
    done, snoozed = tasks[0], next(t for t in tasks[1:] if t["due"])
    invoke("followups", "done", done["id"], "--db", db)
    invoke("followups", "snooze", snoozed["id"], "--until", "2027-01-10", "--db", db)
    return db, done, snoozed


def todoman(config: Path, *args: str) -> list[dict]:
    env = dict(os.environ, TZ="UTC", XDG_CACHE_HOME=str(config.parent))
    out = subprocess.run([str(TODO), "--config", str(config), "--porcelain", *args], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def day_of(stamp: int | None) -> str | None:
    return datetime.fromtimestamp(stamp, timezone.utc).date().isoformat() if stamp is not None else None


def test_todoman_reads_the_vdir_done_and_snoozed_tasks(tasks_db, tmp_path):
    db, done, snoozed = tasks_db
    every = json.loads(invoke("followups", "--db", db, "--status", "all", "--json").output)
    out = invoke("followups", "--db", db, "--status", "all", "--vdir", tmp_path / "lists" / "fieldnotes").output
    assert out.startswith(f"{len(every)} tasks written")
    assert len(list((tmp_path / "lists" / "fieldnotes").glob("*.ics"))) == len(every)
    config = tmp_path / "todoman.py"
    config.write_text(f'path = "{tmp_path / "lists"}/*"\ncache_path = "{tmp_path / "cache.sqlite3"}"\ndate_format = "%Y-%m-%d"\n')

    todos = {t["summary"]: t for t in todoman(config, "list", "--status", "ANY")}
    assert len(todos) == len({t["action"] for t in every}) and all(t["list"] == "fieldnotes" for t in todos.values())
    finished = todos[done["action"]]
    assert finished["completed"] is True and finished["percent"] == 100 and finished["completed_at"] is not None
    later = todos[snoozed["action"]]
    assert later["completed"] is False and day_of(later["start"]) == "2027-01-10"
    open_ = next(t for t in every if t["status"] == "open" and t["due"])
    assert day_of(todos[open_["action"]]["due"]) == open_["due"]
    assert done["action"] not in {t["summary"] for t in todoman(config, "list")}  # todoman hides what is done


def test_a_second_parser_reads_the_single_calendar(tasks_db):
    import ics

    db, done, snoozed = tasks_db
    text = invoke("followups", "--db", db, "--status", "all", "--format", "ics").stdout_bytes.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    todos = {t.uid: t for t in ics.Calendar(text).todos}
    every = json.loads(invoke("followups", "--db", db, "--status", "all", "--json").output)
    assert set(todos) == {f"{t['id']}@fieldnotes.local" for t in every}
    finished = todos[f"{done['id']}@fieldnotes.local"]
    assert finished.status == "COMPLETED" and finished.completed is not None and finished.percent == 100
    later = todos[f"{snoozed['id']}@fieldnotes.local"]
    assert later.status == "NEEDS-ACTION" and later.begin.date() == date(2027, 1, 10)
    assert later.name == snoozed["action"]
