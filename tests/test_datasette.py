"""The store is Datasette-ready: `fieldnotes datasette` writes metadata.json and prints the command;
a real Datasette started on 127.0.0.1 serves a table page, facets, labelled foreign keys and FTS5
queries in raw mode. `runs` holds the real model name and JSON."""
from __future__ import annotations

import json
import shlex
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
from click.testing import CliRunner

from conftest import SAMPLE
from pipeline.cli import cli

pytest.importorskip("datasette", reason="Datasette is in the test extra: pip install -e '.[test]'")


def invoke(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The sample notes in fieldnotes.db, served by `python -m datasette` with the written metadata."""
    folder = tmp_path_factory.mktemp("ds")
    db = folder / "fieldnotes.db"
    invoke("run", SAMPLE, "--db", db, "--no-llm")
    command = shlex.split(invoke("datasette", "--db", db).stdout.strip())
    assert command == ["datasette", str(db), "--metadata", str(folder / "metadata.json")]
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "datasette", *command[1:], "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base, proc)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _wait(base: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"datasette stopped: {proc.stdout.read().decode()[-2000:]}")
        try:
            urllib.request.urlopen(f"{base}/-/versions.json", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("datasette did not start in time")


def fetch(base: str, path: str, **params) -> str:
    url = f"{base}{path}" + ("?" + urllib.parse.urlencode(params) if params else "")
    with urllib.request.urlopen(url, timeout=20) as r:
        assert r.status == 200
        return r.read().decode("utf-8")


def test_a_table_page_shows_the_description_facets_and_rows(served):
    page = fetch(served, "/fieldnotes/followups")
    assert "Follow-up tasks (thank-yous, introductions, promises)" in page
    assert "Send a thank-you note to Renee Castillo" in page
    data = json.loads(fetch(served, "/fieldnotes/followups.json", _shape="objects"))
    assert set(data["facet_results"]) == {"status", "kind", "person"}
    refs = json.loads(fetch(served, "/fieldnotes/referrals.json", _labels="on", _shape="objects", _size="1"))["rows"]
    assert refs[0]["person_id"]["label"] == refs[0]["name"] and refs[0]["note_id"]["label"].endswith(".txt")


def test_fts_queries_take_fts5_syntax(served):
    notes = json.loads(fetch(served, "/fieldnotes/notes.json", _search="hosp*", _shape="array", _col="source"))
    assert any(n["source"].endswith("01_hospice_nurse.txt") for n in notes)
    assert all("hosp" in fetch(served, f"/fieldnotes/notes/{n['id']}.json", _shape="array").lower() for n in notes)
    tasks = json.loads(fetch(served, "/fieldnotes/followups.json", _search='"thank you" OR thank*', _shape="array"))
    assert tasks and all("thank" in (t["action"] + t["why"]).lower() for t in tasks)
    people = json.loads(fetch(served, "/fieldnotes/people.json", _search="NEAR(Collections Manager, 1)", _shape="array"))
    assert "Hannah Greer" in {p["name"] for p in people}
    assert all("collections manager" in " ".join(str(p[c] or "") for c in ("name", "title", "organization")).lower() for p in people)
    items = json.loads(fetch(served, "/fieldnotes/items_text.json", _search="portfolio", _shape="array"))
    assert items and all("portfolio" in i["text"].lower() for i in items)  # the items' text through the view, searchable


def test_canned_query_and_runs_table(served):
    leads = json.loads(fetch(served, "/fieldnotes/next_leads.json", _shape="array"))
    assert leads and all(lead["status"] in ("new", "contacted") for lead in leads)
    runs = json.loads(fetch(served, "/fieldnotes/runs.json", _shape="array"))
    assert runs[0]["model"] == "none (--no-llm)" and json.loads(runs[0]["failed"]) == []
    assert runs[0]["processed"] == 8 and runs[0]["unchanged"] == 0


def test_runs_record_the_resolved_model_name_even_when_it_never_loads(tmp_path):
    from pipeline.batch import LazyDecider, run_batch
    from pipeline.decide.registry import default_model_name
    from pipeline.store import open_db

    db = open_db(tmp_path / "f.db", create=True)
    (tmp_path / "empty").mkdir()
    summary = run_batch(db, [str(tmp_path / "empty")], LazyDecider(None, use_model=True))  # no note: the model never loads
    assert summary.model == default_model_name() != "default"
    model, failed = db.execute("SELECT model, failed FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    assert model == default_model_name() and json.loads(failed)[0]["path"].endswith("empty")  # proper JSON, not a repr
