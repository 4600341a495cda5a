"""CLI: exit codes, exact output, the export contract, docs coverage, fast --help."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli

from conftest import NOTES

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDNOTES_DB", str(tmp_path / "cli.db"))
    return CliRunner()


def test_help_does_not_import_llama_cpp():
    code = "import sys; from pipeline.cli import cli; cli(['--help'], standalone_mode=False); print('llama_cpp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("False")


def test_every_command_is_documented_in_readme():
    readme = (ROOT / "README.md").read_text()
    for name, cmd in cli.commands.items():
        assert f"fieldnotes {name}" in readme, name
        assert "Example:" in (cmd.help or ""), name


def test_run_json_summary_and_exit_codes(runner, tmp_path):
    notes = tmp_path / "n"
    notes.mkdir()
    (notes / "a.txt").write_text((NOTES / "traps.txt").read_text())
    r = runner.invoke(cli, ["run", str(notes), "--no-llm", "--json"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["processed"] == 1 and summary["failed"] == [] and summary["skipped"] == 0
    (notes / "empty.txt").write_text("")
    r = runner.invoke(cli, ["run", str(notes), "--no-llm", "--json"])
    assert r.exit_code == 1
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["skipped"] == 1 and summary["failed"][0]["path"].endswith("empty.txt")
    assert "empty.txt: " in r.stderr


def test_usage_error_exit_2(runner):
    assert runner.invoke(cli, ["run"]).exit_code == 2


def test_export_contract(runner, tmp_path):
    runner.invoke(cli, ["run", str(NOTES / "traps.txt"), "--no-llm"])
    r = runner.invoke(cli, ["export", "--format", "jsonl"])
    assert r.exit_code == 0
    rec = json.loads(r.stdout.splitlines()[0])
    for key in ("source", "sha256", "contact", "interview_date", "field", "day_in_life", "skills", "advice",
                "how_to_get_in", "fit", "outlook", "referrals", "job_leads", "follow_ups", "extraction"):
        assert key in rec
    assert set(rec["contact"]) >= {"name", "title", "organization", "email", "phone"}
    assert set(rec["extraction"]) >= {"model", "prompt_version", "seconds"}
    item = rec["skills"][0]
    assert set(item) == {"text", "evidence"} and set(item["evidence"]) == {"start", "end", "quote"}
    assert set(rec["follow_ups"][0]) == {"id", "action", "due", "person", "kind", "status"}
    text = (NOTES / "traps.txt").read_text()
    assert text[item["evidence"]["start"]:item["evidence"]["end"]] == item["evidence"]["quote"]


def test_show_unknown_source_is_one_line_error(runner):
    r = runner.invoke(cli, ["show", "nope.txt"])
    assert r.exit_code == 1
    assert r.output.strip() == "Error: no note 'nope.txt' in the database (see `fieldnotes export` for stored sources)"


def test_followups_done_and_formats(runner):
    runner.invoke(cli, ["run", str(NOTES / "traps.txt"), "--no-llm"])
    data = json.loads(runner.invoke(cli, ["followups", "--format", "json"]).stdout)
    assert {"id", "action", "due", "person", "kind", "status", "source"} <= set(data[0])
    tid = data[0]["id"]
    r = runner.invoke(cli, ["followups", "done", tid])
    assert r.exit_code == 0 and r.output.startswith("done: ")
    md = runner.invoke(cli, ["followups", "--status", "all", "--format", "md"]).stdout
    assert "- [x]" in md
    assert "BEGIN:VTODO" in runner.invoke(cli, ["followups", "--format", "ics"]).stdout
    assert runner.invoke(cli, ["followups", "done", "zzzz"]).exit_code == 1


def test_leads_and_search_cli(runner):
    runner.invoke(cli, ["run", str(NOTES / "traps.txt"), "--no-llm"])
    leads = json.loads(runner.invoke(cli, ["leads", "--json"]).stdout)
    assert {"id", "name", "title", "organization", "email", "phone", "status", "referred_by", "sources"} <= set(leads[0])
    assert runner.invoke(cli, ["leads", "--format", "csv"]).stdout.startswith("id,name,title")
    r = runner.invoke(cli, ["search", 'C++ "AND', "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout) == []
    r = runner.invoke(cli, ["leads", "mark", "999", "met"])
    assert r.exit_code == 1 and "no lead with id 999" in r.output


def test_missing_model_file_is_one_line_error(runner, tmp_path):
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"not a model")
    r = runner.invoke(cli, ["run", str(NOTES / "traps.txt"), "--model", str(bad)])
    assert r.exit_code == 1
    assert "not a valid GGUF model file" in r.output and "Traceback" not in r.output
    r = runner.invoke(cli, ["run", str(NOTES / "traps.txt"), "--model", "nope"])
    assert "unknown model 'nope'" in r.output


def test_models_lists_registry(runner):
    r = runner.invoke(cli, ["models"])
    assert r.exit_code == 0
    assert re.search(r"^\* smollm2 ", r.output, re.M)
