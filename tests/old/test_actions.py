"""Follow-up actions (filters, snooze, add, done, orphaned tasks, exports through the CLI),
corrections with --set and $EDITOR, and drafted e-mails."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

import click
import pytest
from click.testing import CliRunner
from icalendar import Calendar

from pipeline.actions import add_task, draft_email, edit_record, list_tasks, set_task_status
from pipeline.cli import cli
from pipeline.drafts import compose_draft
from pipeline.errors import FieldnotesError
from pipeline.query import list_leads
from pipeline.store import load_record

from conftest import FakeModel, run_notes

ANA = """Coffee with Ana Lima, data analyst at Lumen Health
2026-03-02

WHAT SHE DOES
- pulls weekly sales numbers for the regional managers every Monday

ADVICE
- build a portfolio of small dashboards with real public data
- learn forecasting basics before applying anywhere

PEOPLE
- Dan Reyes - analytics manager at Lumen Health, dan@lumen.io, talk to him
- Carla Mendes - UX lead at Orbit, reach out
"""
BEN = """Chat with Ben Okafor, hydrologist at Riverbend Water District
2026-04-10

ADVICE
- volunteer for stream surveys every spring
"""
BEFORE_REFERRALS = date(2026, 3, 4)


@pytest.fixture
def notes(tmp_path):
    d = tmp_path / "notes"
    d.mkdir()
    (d / "ana.txt").write_text(ANA, encoding="utf-8")
    (d / "ben.txt").write_text(BEN, encoding="utf-8")
    return d


@pytest.fixture
def filled(db, notes):
    assert run_notes(db, [notes / "ana.txt", notes / "ben.txt"]).processed == 2
    return db


@pytest.fixture
def runner(tmp_path, monkeypatch, notes):
    monkeypatch.setenv("FIELDNOTES_DB", str(tmp_path / "cli.db"))
    r = CliRunner()
    out = r.invoke(cli, ["run", str(notes), "--no-llm"])
    assert out.exit_code == 0, out.output
    return r


def _task(db, kind, person=None):
    return next(t for t in list_tasks(db, "all") if t.kind == kind and (person is None or t.person == person))


# ------------------------------------------------------------------ follow-up filters


def test_tasks_are_built_and_sorted_by_due(filled, notes):
    tasks = list_tasks(filled, "open")
    assert [(t.kind, t.due) for t in tasks] == [
        ("thank_you", "2026-03-03"), ("referral", "2026-03-05"), ("referral", "2026-03-05"),
        ("close_loop", "2026-03-23"), ("thank_you", "2026-04-11"), ("close_loop", "2026-05-01")]
    assert {t.person for t in tasks if t.kind == "referral"} == {"Dan Reyes", "Carla Mendes"}


def test_due_before_is_strict(filled):
    assert [t.kind for t in list_tasks(filled, due_before="2026-03-05")] == ["thank_you"]
    assert len(list_tasks(filled, due_before="2026-03-06")) == 3
    with pytest.raises(FieldnotesError, match=r"--due-before 'next week' is not a date; use YYYY-MM-DD"):
        list_tasks(filled, due_before="next week")


def test_overdue_uses_today_and_skips_done(filled):
    overdue = list_tasks(filled, overdue=True, today=date(2026, 3, 6))
    assert [t.kind for t in overdue] == ["thank_you", "referral", "referral"]
    set_task_status(filled, overdue[0].id, "done")
    assert [t.kind for t in list_tasks(filled, "all", overdue=True, today=date(2026, 3, 6))] == ["referral", "referral"]
    assert list_tasks(filled, overdue=True, today=date(2026, 3, 1)) == []


def test_status_filter(filled):
    thank = _task(filled, "thank_you", "Ana Lima")
    set_task_status(filled, thank.id[:6], "done")  # a unique prefix is enough
    assert [t.id for t in list_tasks(filled, "done")] == [thank.id]
    assert thank.id not in {t.id for t in list_tasks(filled, "open")}
    assert len(list_tasks(filled, "all")) == 6


def test_person_filter(filled):
    assert [t.person for t in list_tasks(filled, person="dan")] == ["Dan Reyes"]
    assert {t.kind for t in list_tasks(filled, person="Ana Lima")} == {"thank_you", "close_loop"}
    assert list_tasks(filled, person="Nobody") == []


def test_snooze_hides_a_task_until_its_date(filled):
    dan = _task(filled, "referral", "Dan Reyes")
    set_task_status(filled, dan.id, "snoozed", "2026-03-10")
    assert dan.id not in {t.id for t in list_tasks(filled, "open", today=BEFORE_REFERRALS)}
    assert [t.id for t in list_tasks(filled, "snoozed", today=BEFORE_REFERRALS)] == [dan.id]
    assert dan.id not in {t.id for t in list_tasks(filled, "open", today=date(2026, 3, 9))}
    back = [t for t in list_tasks(filled, "open", today=date(2026, 3, 10)) if t.id == dan.id]
    assert back and back[0].status == "open"
    with pytest.raises(FieldnotesError, match="use YYYY-MM-DD"):
        set_task_status(filled, dan.id, "snoozed", "10/3")


def test_add_and_done_and_manual_tasks_survive_reprocessing(filled, notes):
    row = add_task(filled, "Buy interview shoes", "2026-03-04", "Ana Lima")
    assert (row["kind"], row["source"], row["status"], row["due"]) == ("manual", "(manual)", "open", "2026-03-04")
    assert [t.action for t in list_tasks(filled, due_before="2026-03-05")] == [
        "Send a thank-you note to Ana Lima (data analyst, Lumen Health)", "Buy interview shoes"]
    set_task_status(filled, row["id"], "done")
    run_notes(filled, [notes / "ana.txt"], force=True)
    mine = [t for t in list_tasks(filled, "all") if t.id == row["id"]]
    assert mine and mine[0].status == "done"
    with pytest.raises(FieldnotesError, match="use YYYY-MM-DD"):
        add_task(filled, "x", "2026-02-30")
    with pytest.raises(FieldnotesError, match="needs some text"):
        add_task(filled, "   ")


def test_lost_referral_task_is_orphaned_not_deleted(filled, notes):
    carla = _task(filled, "referral", "Carla Mendes")
    path = notes / "ana.txt"
    path.write_text(ANA.replace("- Carla Mendes - UX lead at Orbit, reach out\n", ""), encoding="utf-8")
    assert run_notes(filled, [path]).processed == 1
    assert carla.id not in {t.id for t in list_tasks(filled, "open")}
    kept = [t for t in list_tasks(filled, "all") if t.id == carla.id]
    assert kept and kept[0].status == "orphaned" and kept[0].action == carla.action
    assert [t.id for t in list_tasks(filled, "orphaned")] == [carla.id]
    assert _task(filled, "referral", "Dan Reyes").status == "open"
    assert [lead["name"] for lead in list_leads(filled)] == ["Dan Reyes"]


# ------------------------------------------------------------------ follow-ups through the CLI


def test_cli_json_items_carry_the_contract(runner):
    data = json.loads(runner.invoke(cli, ["followups", "--format", "json"]).stdout)
    assert len(data) == 6
    for item in data:
        assert {"id", "action", "due", "person", "kind", "status", "source"} <= set(item)
    assert {item["kind"] for item in data} == {"thank_you", "referral", "close_loop"}


def test_cli_text_is_grouped_by_due_date(runner, notes):
    lines = runner.invoke(cli, ["followups", "--due-before", "2026-03-06"]).stdout.splitlines()
    assert lines[0] == "2026-03-03"
    assert lines[1].startswith("  [ ] ") and lines[1].endswith(f"Send a thank-you note to Ana Lima (data analyst, Lumen Health)  ({notes / 'ana.txt'})")
    assert lines[2] == "2026-03-05" and len(lines) == 5


def test_cli_ics_parses_back_with_every_uid_and_due(runner):
    tasks = json.loads(runner.invoke(cli, ["followups", "--status", "all", "--format", "json"]).stdout)
    r = runner.invoke(cli, ["followups", "--status", "all", "--format", "ics"])
    assert r.exit_code == 0
    todos = Calendar.from_ical(r.stdout).walk("VTODO")
    got = {str(t["UID"]): t.decoded("DUE").isoformat() for t in todos}
    assert got == {f"{t['id']}@fieldnotes.local": t["due"] for t in tasks}


def test_cli_csv_neutralises_formulas(runner):
    r = runner.invoke(cli, ["followups", "add", '=HYPERLINK("x")', "--due", "2026-03-04"])
    assert r.exit_code == 0
    tid = r.stdout.strip()
    rows = list(csv.DictReader(io.StringIO(runner.invoke(cli, ["followups", "--format", "csv"]).stdout)))
    mine = next(row for row in rows if row["id"] == tid)
    assert mine["action"] == "'=HYPERLINK(\"x\")"
    assert all(not row["action"].startswith(("=", "+", "-", "@")) for row in rows)


def test_cli_done_snooze_add(runner):
    tid = json.loads(runner.invoke(cli, ["followups", "--format", "json"]).stdout)[0]["id"]
    r = runner.invoke(cli, ["followups", "snooze", tid, "--until", "2999-01-01"])
    assert r.exit_code == 0 and r.stdout.startswith("snoozed until 2999-01-01: ")
    assert tid not in runner.invoke(cli, ["followups"]).stdout
    assert "snoozed until 2999-01-01" in runner.invoke(cli, ["followups", "--status", "snoozed"]).stdout
    r = runner.invoke(cli, ["followups", "done", tid])
    assert r.exit_code == 0 and r.stdout.startswith("done: ")
    assert f"[x] {tid}" in runner.invoke(cli, ["followups", "--status", "done"]).stdout
    r = runner.invoke(cli, ["followups", "add", "Call Dan about the SQL test", "--due", "2026-03-04", "--person", "Dan Reyes"])
    assert r.exit_code == 0
    assert "Call Dan about the SQL test" in runner.invoke(cli, ["followups", "--person", "dan"]).stdout


@pytest.mark.parametrize("args", [["followups", "--due-before", "tomorrow"], ["followups", "snooze", "x", "--until", "2026/03/01"],
                                  ["followups", "add", "x", "--due", "March 3"]])
def test_cli_bad_dates_are_one_line_errors(runner, args):
    r = runner.invoke(cli, args)
    assert r.exit_code == 1
    assert r.output.count("\n") == 1 and r.output.startswith("Error: ") and "use YYYY-MM-DD" in r.output


def test_cli_orphaned_task_listed_with_status_all(runner, notes):
    (notes / "ana.txt").write_text(ANA.replace("- Carla Mendes - UX lead at Orbit, reach out\n", ""), encoding="utf-8")
    runner.invoke(cli, ["run", str(notes), "--no-llm"])
    assert "Carla Mendes" not in runner.invoke(cli, ["followups"]).stdout
    line = next(x for x in runner.invoke(cli, ["followups", "--status", "all"]).stdout.splitlines() if "Carla Mendes" in x)
    assert line.endswith("— orphaned: the note no longer mentions this")


# ------------------------------------------------------------------ corrections


def test_set_corrections_survive_run_force_everywhere(runner, notes):
    src = str(notes / "ana.txt")
    r = runner.invoke(cli, ["edit", src, "--set", "contact.organization=Lumen Analytics", "--set", "contact.phone=5551234"])
    assert r.exit_code == 0 and r.stdout == f"2 correction(s) saved for {src}\n"
    assert runner.invoke(cli, ["run", str(notes), "--no-llm", "--force"]).exit_code == 0
    rec = json.loads(runner.invoke(cli, ["show", src, "--json"]).stdout)
    assert rec["contact"]["organization"] == "Lumen Analytics" and rec["contact"]["phone"] == "5551234"
    hits = json.loads(runner.invoke(cli, ["search", "portfolio", "--org", "Lumen Analytics", "--json"]).stdout)
    assert hits and {h["source"] for h in hits} == {src}


def test_set_errors_are_one_line(runner, notes):
    src = str(notes / "ana.txt")
    r = runner.invoke(cli, ["edit", src, "--set", "contact.nickname=Z"])
    assert r.exit_code == 1 and r.output.count("\n") == 1 and "unknown field 'contact.nickname'" in r.output
    r = runner.invoke(cli, ["edit", src, "--set", "advice.7.text=x"])
    assert r.exit_code == 1 and "not an index from 0 to 1" in r.output
    r = runner.invoke(cli, ["edit", src, "--set", "advice=[1]"])
    assert r.exit_code == 1 and r.output.count("\n") == 1 and r.output.startswith("Error: advice.0")
    assert runner.invoke(cli, ["edit", src, "--set", "contact.name"]).exit_code == 2


def test_editor_corrections_survive_run_force(runner, notes, monkeypatch):
    src = str(notes / "ana.txt")
    seen = {}

    def fake_edit(text, extension=None, **kw):
        seen["text"], seen["extension"] = text, extension
        data = json.loads(text)
        data["contact"]["name"] = "Ana M. Lima"
        data["advice"][1]["text"] = "learn forecasting basics first"
        return json.dumps(data)

    monkeypatch.setattr(click, "edit", fake_edit)
    r = runner.invoke(cli, ["edit", src])
    assert r.exit_code == 0, r.output
    assert r.stdout == f"2 correction(s) saved for {src}\n"
    assert json.loads(seen["text"])["contact"]["name"] == "Ana Lima" and seen["extension"] == ".json"
    assert {lead["referred_by"] for lead in json.loads(runner.invoke(cli, ["leads", "--json"]).stdout)} == {"Ana M. Lima"}
    assert runner.invoke(cli, ["run", str(notes), "--no-llm", "--force"]).exit_code == 0
    rec = json.loads(runner.invoke(cli, ["show", src, "--json"]).stdout)
    assert rec["contact"]["name"] == "Ana M. Lima"
    assert rec["advice"][1]["text"] == "learn forecasting basics first"
    assert rec["advice"][0]["text"] == "build a portfolio of small dashboards with real public data"
    assert {lead["referred_by"] for lead in json.loads(runner.invoke(cli, ["leads", "--json"]).stdout)} == {"Ana M. Lima"}
    assert json.loads(runner.invoke(cli, ["search", "sales", "--person", "Ana M.", "--json"]).stdout)


def test_editor_cancel_and_bad_json(runner, notes, monkeypatch):
    src = str(notes / "ana.txt")
    monkeypatch.setattr(click, "edit", lambda text, **kw: None)
    assert runner.invoke(cli, ["edit", src]).stdout == "No changes.\n"
    monkeypatch.setattr(click, "edit", lambda text, **kw: text[:-5])
    r = runner.invoke(cli, ["edit", src])
    assert r.exit_code == 1 and r.output.count("\n") == 1 and "not valid JSON" in r.output


def test_stale_index_correction_does_not_break_the_record(filled, notes):
    src = str(notes / "ana.txt")
    edit_record(filled, src, [["advice.1.text", "learn forecasting first"]])
    (notes / "ana.txt").write_text(ANA.replace("- learn forecasting basics before applying anywhere\n", ""), encoding="utf-8")
    assert run_notes(filled, [notes / "ana.txt"]).processed == 1
    assert [a.text for a in load_record(filled, src).advice] == ["build a portfolio of small dashboards with real public data"]


# ------------------------------------------------------------------ drafts


def _row(db, kind, person):
    return db["followups"].get(_task(db, kind, person).id)


def test_referral_draft_uses_only_note_facts(filled, notes):
    model = FakeModel()
    model.enqueue(" I would love to hear how your team uses dashboards.\n\nBest,")
    rec = load_record(filled, str(notes / "ana.txt"))
    text = compose_draft(rec, _row(filled, "referral", "Dan Reyes"), model)
    lines = text.splitlines()
    assert lines[0] == "[DRAFT — edit before sending] To: Dan Reyes"
    assert lines[1] == "Subject: Ana Lima suggested I reach out"
    assert "Hi Dan,\n\nAna Lima suggested I reach out to you. I would love to hear how your team uses dashboards.\n\nBest," in text
    prompt = model.history[-1][0]
    assert "Ana Lima" in prompt and "Dan Reyes" in prompt
    assert '"build a portfolio of small dashboards with real public data"' in prompt
    assert '"learn forecasting basics before applying anywhere"' in prompt
    assert "Carla" not in prompt


def test_thank_you_draft_goes_to_the_contact(filled, notes):
    model = FakeModel()
    model.enqueue(" Your advice about dashboards was great. Your advice about dashboards was great. I will start this week and")
    text = compose_draft(load_record(filled, str(notes / "ana.txt")), _row(filled, "thank_you", "Ana Lima"), model)
    assert text.startswith("[DRAFT — edit before sending] To: Ana Lima\nSubject: Thank you for your time\n\n")
    assert text.count("Your advice about dashboards was great.") == 1  # repeats and the cut-off end are removed
    assert "I will start this week" not in text and text.endswith("Best,")
    assert '"build a portfolio of small dashboards with real public data"' in model.history[-1][0]


def test_draft_falls_back_to_a_plain_email_when_the_model_says_nothing(filled, notes):
    model = FakeModel()
    model.enqueue("")
    text = compose_draft(load_record(filled, str(notes / "ana.txt")), _row(filled, "referral", "Carla Mendes"), model)
    assert text.startswith("[DRAFT")
    assert "Hi Carla,\n\nAna Lima suggested I reach out to you." in text
    assert '"build a portfolio of small dashboards with real public data"' in text


def test_draft_refuses_tasks_without_an_email(filled, monkeypatch):
    row = add_task(filled, "Buy interview shoes")
    with pytest.raises(FieldnotesError, match="your own task"):
        draft_email(filled, row["id"], None)


def test_draft_without_model_is_one_line_error(runner):
    tid = json.loads(runner.invoke(cli, ["followups", "--format", "json"]).stdout)[0]["id"]
    r = runner.invoke(cli, ["draft", tid, "--model", "/nonexistent.gguf"])
    assert r.exit_code == 1
    assert r.output.count("\n") == 1 and "Traceback" not in r.output
    assert r.output.startswith("Error: cannot draft without the local model: /nonexistent.gguf")
