"""Shell completion through click's `_FIELDNOTES_COMPLETE` in real bash, fish and zsh (docs/cli.md),
and colour only on a terminal: checked in a pseudo-terminal, piped, and with NO_COLOR."""
from __future__ import annotations

import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SAMPLE
from pipeline.cli import cli

BIN = Path(sys.executable).parent
FIELDNOTES = BIN / "fieldnotes"
ESC = "\x1b["


def shell_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", TERM="xterm-256color", **extra)
    return env


def run(args: list[str], **extra: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, env=shell_env(**extra), timeout=60, check=True).stdout


def test_completion_docs_name_each_shells_line():
    doc = (Path(__file__).parent.parent / "docs" / "cli.md").read_text()
    for line in ('eval "$(_FIELDNOTES_COMPLETE=bash_source fieldnotes)"', 'eval "$(_FIELDNOTES_COMPLETE=zsh_source fieldnotes)"',
                 "_FIELDNOTES_COMPLETE=fish_source fieldnotes \\| source"):
        assert line in doc, line


def test_bash_completes_commands_options_and_choices():
    script = 'eval "$(_FIELDNOTES_COMPLETE=bash_source fieldnotes)"; COMP_WORDS=({words}); COMP_CWORD={cword}; ' \
             '_fieldnotes_completion fieldnotes; printf "%s\\n" "${{COMPREPLY[@]}}"'
    commands = run(["bash", "-c", script.format(words="fieldnotes pe", cword=1)]).split()
    assert commands == ["people"]
    choices = run(["bash", "-c", script.format(words='fieldnotes leads --format ""', cword=3)]).split()
    assert choices == ["text", "json", "csv", "vcard"]


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed (apt-get install fish)")
def test_fish_completes_commands():
    out = run(["fish", "-c", '_FIELDNOTES_COMPLETE=fish_source fieldnotes | source; complete -C "fieldnotes imp"'])
    assert out.split("\t")[0] == "import"
    out = run(["fish", "-c", '_FIELDNOTES_COMPLETE=fish_source fieldnotes | source; complete -C "fieldnotes import "'])
    assert out.split("\t")[0] == "linkedin"


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed (apt-get install zsh)")
def test_zsh_loads_the_completion_and_click_answers_its_protocol():
    out = run(["zsh", "-c", 'autoload -U compinit; compinit -u; eval "$(_FIELDNOTES_COMPLETE=zsh_source fieldnotes)"; '
                            "whence -w _fieldnotes_completion"])
    assert out.strip() == "_fieldnotes_completion: function"
    answer = run([str(FIELDNOTES)], COMP_WORDS="fieldnotes datas", COMP_CWORD="1", _FIELDNOTES_COMPLETE="zsh_complete")
    assert answer.splitlines()[:2] == ["plain", "datasette"]


@pytest.fixture(scope="module")
def colour_db(tmp_path_factory):
    """The sample notes (new leads) and one open task due long ago (overdue)."""
    db = tmp_path_factory.mktemp("colour") / "f.db"
    assert CliRunner().invoke(cli, ["run", str(SAMPLE), "--db", str(db), "--no-llm"]).exit_code == 0
    assert CliRunner().invoke(cli, ["followups", "add", "Call Dana", "--due", "2020-01-06", "--db", str(db)]).exit_code == 0
    return db


def in_terminal(args: list[str], **extra: str) -> str:
    """What a command writes to a real (pseudo-)terminal."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=shell_env(**extra), close_fds=True)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed with the command
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=60)
    os.close(master)
    return out.decode("utf-8")


def test_overdue_tasks_and_new_leads_are_coloured_on_a_terminal(colour_db):
    tasks = in_terminal([str(FIELDNOTES), "followups", "--db", str(colour_db)])
    assert "\x1b[31m2020-01-06 (overdue)\x1b[0m" in tasks
    leads = in_terminal([str(FIELDNOTES), "leads", "--db", str(colour_db)])
    assert "\x1b[1;32mnew" in leads


def test_no_colour_when_piped_or_with_no_color(colour_db):
    for args in ([str(FIELDNOTES), "followups", "--db", str(colour_db)], [str(FIELDNOTES), "leads", "--db", str(colour_db)]):
        assert ESC not in run(args)
        assert ESC not in in_terminal(args, NO_COLOR="1")
    assert "2020-01-06 (overdue)" in run([str(FIELDNOTES), "followups", "--db", str(colour_db)])
