"""The command line: thin commands, exit codes, one output convention, clear one-line errors."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import SAMPLE, write
from pipeline.cli import cli


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    db = tmp_path_factory.mktemp("cli") / "f.db"
    result = CliRunner().invoke(cli, ["run", str(SAMPLE), "--db", str(db), "--no-llm"])
    assert result.exit_code == 0, result.output
    return db


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_help_is_fast_and_never_imports_the_model():
    code = "import sys; sys.argv=['fieldnotes','--help']\ntry:\n from pipeline.cli import cli; cli()\nexcept SystemExit: pass\nprint('llama_cpp' in sys.modules, 'numpy' in sys.modules, 'sqlite_utils' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False False False"


def test_every_command_has_an_example_and_is_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for name, cmd in cli.commands.items():
        assert "Example:" in (cmd.help or ""), name
        assert f"fieldnotes {name}" in readme, name


def test_run_summary_and_json(sample):
    out = invoke("--db", sample, "run", SAMPLE, "--no-llm", "--json")  # --db before the subcommand works too
    data = json.loads(out.output)
    assert out.exit_code == 0 and data["unchanged"] == 8 and data["processed"] == 0 and data["skipped"] == []


def test_bad_files_are_one_line_each_and_the_batch_goes_on(tmp_path):
    write(tmp_path / "good.txt", "Coffee with Dana Ruiz at Acme. She said learn SQL.")
    write(tmp_path / "empty.txt", "")
    write(tmp_path / "old.doc", "binary")
    result = CliRunner().invoke(cli, ["run", str(tmp_path), "--db", str(tmp_path / "f.db"), "--no-llm", "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["processed"] == 1 and len(data["failed"]) == 1 and "empty" in data["failed"][0]["error"]
    assert data["skipped"][0]["reason"].startswith("old Word format")
    assert "Traceback" not in result.output


def test_query_on_a_missing_database_is_an_error_not_a_new_file(tmp_path):
    result = invoke("leads", "--db", tmp_path / "typo.db")
    assert result.exit_code == 1 and "no such database" in result.output and not (tmp_path / "typo.db").exists()


@pytest.mark.parametrize("fmt", ["--json", "--nl", "--csv", "--tsv"])
def test_output_convention_on_query_commands(sample, fmt):
    for cmd in (["leads"], ["followups"], ["search", "hospice"], ["models"]):
        result = invoke(*cmd, "--db", sample, fmt) if cmd != ["models"] else invoke(*cmd, fmt)
        assert result.exit_code == 0, (cmd, result.output)
        if fmt == "--json":
            assert isinstance(json.loads(result.output), list)
        if fmt == "--nl":
            [json.loads(line) for line in result.output.splitlines() if line.strip()]


def test_leads_chain_json(sample):
    first = json.loads(invoke("leads", "--db", sample, "--json").output)[0]["name"]
    chain = json.loads(invoke("leads", "--db", sample, "--chain", first, "--json").output)
    assert chain[-1]["name"] == first


def test_show_takes_any_path_and_escapes_control_characters(tmp_path):
    db = tmp_path / "f.db"
    write(tmp_path / "n.txt", "Coffee with Dana Ruiz at Acme.\nAdvice: learn \x1b[31mSQL\x1b[0m now.\n")
    invoke("run", tmp_path / "n.txt", "--db", db, "--no-llm")
    out = invoke("show", "n.txt", "--db", db)
    assert out.exit_code == 0 and "\x1b" not in out.output


def test_search_error_says_what_to_try(sample):
    result = invoke("search", 'AND OR "x', "--db", sample)
    assert result.exit_code == 1 and "--quote" in result.output and "Traceback" not in result.output


def test_followups_formats(sample):
    assert invoke("followups", "--db", sample, "--format", "md").output.startswith("# Follow-ups")
    assert "BEGIN:VCALENDAR" in invoke("followups", "--db", sample, "--format", "ics").output
    assert invoke("followups", "--db", sample, "--csv").output.startswith("\ufeff")


def test_edit_and_snooze_usage_errors(sample):
    assert invoke("edit", "01_hospice_nurse.txt", "--db", sample, "--set", "nonsense").exit_code == 2
    bad = invoke("followups", "snooze", "zzz", "--until", "someday maybe", "--db", sample)
    assert bad.exit_code == 1


def all_commands(group=cli, prefix="fieldnotes"):
    import click

    for name, cmd in group.commands.items():
        yield f"{prefix} {name}", cmd
        if isinstance(cmd, click.Group):
            yield from all_commands(cmd, f"{prefix} {name}")


def test_short_flags_are_llm_and_sqlite_utils_ones():
    seen = {"--db": 0, "--model": 0}
    for name, cmd in [("fieldnotes", cli), *all_commands()]:
        for p in cmd.params:
            for long, short in (("--db", "-d"), ("--model", "-m")):
                if long in p.opts:
                    seen[long] += 1
                    assert short in p.opts, (name, long)
    assert seen["--db"] >= 15 and seen["--model"] >= 5


def test_short_db_flag_before_and_after_the_command(sample):
    assert json.loads(invoke("-d", sample, "leads", "--json").output) == json.loads(invoke("leads", "-d", sample, "--json").output)


@pytest.mark.parametrize("fmt", ["--json", "--nl", "--csv", "--tsv"])
def test_show_follows_the_output_convention(sample, fmt):
    import csv
    import io

    out = invoke("show", "01_hospice_nurse.txt", "--db", sample, fmt)
    assert out.exit_code == 0, out.output
    exported = next(r for r in map(json.loads, invoke("export", "--db", sample).output.splitlines()) if r["source"].endswith("01_hospice_nurse.txt"))
    if fmt == "--json":
        assert json.loads(out.output) == exported  # the record in the export contract, one object
    elif fmt == "--nl":
        assert len(out.output.splitlines()) == 1 and json.loads(out.output) == exported
    else:
        rows = list(csv.DictReader(io.StringIO(out.output.lstrip("\ufeff")), delimiter="," if fmt == "--csv" else "\t"))
        assert list(rows[0]) == ["section", "n", "text", "start", "end", "quote"]
        assert rows[0]["section"] == "contact.name" and rows[0]["text"] == exported["contact"]["name"]
        skills = [(int(r["start"]), int(r["end"]), r["quote"]) for r in rows if r["section"] == "skills"]
        assert skills and skills == [(s["evidence"]["start"], s["evidence"]["end"], s["evidence"]["quote"]) for s in exported["skills"]]
        assert sum(r["section"] == "follow_ups" for r in rows) == len(exported["follow_ups"])
    assert invoke("show", "01_hospice_nurse.txt", "--db", sample, "--limit", "2").exit_code == 2  # one record: no --limit


def test_export_json_and_nl_say_the_same_as_format(sample):
    assert invoke("export", "--db", sample, "--json").output == invoke("export", "--db", sample, "--format", "json").output
    assert invoke("export", "--db", sample, "--nl", "--limit", "2").output.splitlines() == \
        invoke("export", "--db", sample).output.splitlines()[:2]
