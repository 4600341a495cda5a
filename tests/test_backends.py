"""Backends: the in-process model and the OpenAI-compatible client give the same records; the
client survives servers that fail, answer garbage, answer slowly or die mid-batch (nothing
lost or duplicated, the batch goes on, a re-run completes); `--jobs` spreads notes over
several servers; settings live in the user's config file.

The fast tests use a stub server (tests/stub_server.py); the `model` tests start llama-cpp-python's
real server with the embedded model on 127.0.0.1 and stop it afterwards.
"""
from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import SAMPLE, make_vector_heads, use_heads_from
from pipeline.backends.config import BackendSettings
from pipeline.batch import LazyDecider, run_batch
from pipeline.cli import cli
from pipeline.store import load_record_by_id
from stub_server import DIM, StubModel, StubServer

NOTES = sorted(SAMPLE.iterdir())


@pytest.fixture
def stub_heads(tmp_path, monkeypatch):
    """Vector-reading heads for the stub's 16-dimensional states, filed under the smollm2 alias."""
    use_heads_from(monkeypatch, make_vector_heads(tmp_path / "data", "smollm2", DIM))


def remote(*urls: str, **kw) -> LazyDecider:
    settings = BackendSettings(kind="openai", base_url=list(urls), model="smollm2", retries=kw.pop("retries", 2), **kw)
    return LazyDecider("smollm2", backend=settings)


def records(db) -> dict[str, dict]:
    """Every stored record by file name, without the run's own facts (timing, backend label)."""
    out = {}
    for source, note_id in db.execute("SELECT n.source, n.id FROM notes n JOIN records r ON r.note_id = n.id WHERE r.complete = 1").fetchall():
        data = load_record_by_id(db, note_id, corrected=False).model_dump()
        data.pop("extraction")
        out[source.rsplit("/", 1)[-1]] = data
    return out


def counts(db) -> tuple[int, int, int]:
    return tuple(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("notes", "records", "items"))  # type: ignore[return-value]


# -- the client against a stub server ------------------------------------------------------

def test_client_gives_the_same_states_and_records_as_in_process(tmp_path, stub_heads):
    from pipeline.store import open_db

    local = open_db(tmp_path / "local.db", create=True)
    run_batch(local, [str(p) for p in NOTES[:4]], LazyDecider("smollm2", loader=lambda name: StubModel()))
    with StubServer() as server:
        http = open_db(tmp_path / "http.db", create=True)
        summary = run_batch(http, [str(p) for p in NOTES[:4]], remote(server.url))
        text = NOTES[0].read_text()
        a, b = StubModel().token_vectors(text), LazyDecider("smollm2", backend=remote(server.url).settings).model().token_vectors(text)
    assert summary.processed == 4 and not summary.failed and summary.model == "smollm2 (openai backend)"
    assert np.array_equal(a.spans, b.spans) and np.array_equal(a.states, b.states)
    assert records(http) == records(local) and len(records(http)) == 4


def test_a_server_without_token_states_falls_back_to_labelled_lexical_heads(db, stub_heads):
    with StubServer(pooled_only=True) as server:
        summary = run_batch(db, [str(NOTES[0])], remote(server.url))
    model = load_record_by_id(db, db.execute("SELECT note_id FROM records").fetchone()[0]).extraction.model_dump()
    assert summary.processed == 1 and "lexical heads: the server gives no per-token states" in model["model"]
    assert model["prompt_version"].endswith(":lexical")


def test_flaky_server_is_retried_and_nothing_is_lost(db, stub_heads):
    with StubServer(mode="flaky", every=2) as server:
        summary = run_batch(db, [str(p) for p in NOTES], remote(server.url, retries=3))
        assert server.calls["/embeddings"] > len(NOTES)  # some answers were 500s and were asked again
    assert summary.processed == len(NOTES) and not summary.failed
    assert counts(db)[:2] == (len(NOTES), len(NOTES))


@pytest.mark.parametrize("mode", ["500", "garbage"])
def test_a_broken_server_beside_a_good_one_costs_nothing(db, stub_heads, mode):
    with StubServer(mode=mode) as bad, StubServer() as good:
        summary = run_batch(db, [str(p) for p in NOTES], remote(bad.url, good.url), jobs=2)
        assert bad.calls  # it was asked, and each note went on to the good one
    assert summary.processed == len(NOTES) and not summary.failed


@pytest.mark.parametrize("mode", ["500", "garbage"])
def test_a_broken_server_alone_fails_the_run_in_one_line(db, stub_heads, mode):
    from pipeline.errors import BackendError

    with StubServer(mode=mode) as bad, pytest.raises(BackendError, match="after 2 tries"):
        run_batch(db, [str(NOTES[0])], remote(bad.url, retries=1))


def test_slow_server_times_out_notes_fail_and_a_rerun_completes(tmp_path, db, stub_heads):
    with StubServer() as server:  # the probe is answered quickly ...
        decider = remote(server.url, retries=1, timeout=0.3)
        decider.get()
        server.delay = 0.5  # ... then every answer comes too late
        slow = run_batch(db, [str(p) for p in NOTES[:3]], decider, jobs=2)
    assert slow.processed == 0 and len(slow.failed) == 3 and all("no answer within 0.3s" in f["error"] for f in slow.failed)
    with StubServer() as server:
        again = run_batch(db, [str(p) for p in NOTES[:3]], remote(server.url), jobs=2)
    assert again.processed == 3 and not again.failed and counts(db)[:2] == (3, 3)


def test_server_dying_mid_batch_loses_nothing_and_a_rerun_completes(db, stub_heads):
    """The server dies after two notes: those are stored, the rest fail fast, the re-run does only the rest."""
    with StubServer(die_after=3) as server:  # the probe and two notes
        first = run_batch(db, [str(p) for p in NOTES], remote(server.url, retries=1))
    assert first.processed == 2 and len(first.failed) == len(NOTES) - 2 and counts(db)[:2] == (2, 2)
    assert all("cannot connect" in f["error"] and "run the same command again" in f["error"] for f in first.failed)
    with StubServer() as fresh:
        second = run_batch(db, [str(p) for p in NOTES], remote(fresh.url))
    assert second.unchanged == 2 and second.processed == len(NOTES) - 2 and not second.failed
    assert counts(db)[:2] == (len(NOTES), len(NOTES))


def test_jobs_spread_notes_over_several_servers_at_once(db, stub_heads):
    with StubServer(delay=0.05) as a, StubServer(delay=0.05) as b:
        summary = run_batch(db, [str(p) for p in NOTES], remote(a.url, b.url), jobs=4)
        assert a.calls.get("/embeddings", 0) >= 2 and b.calls.get("/embeddings", 0) >= 2
        assert max(a.max_in_flight, b.max_in_flight) >= 2
    assert summary.processed == len(NOTES) and counts(db)[:2] == (len(NOTES), len(NOTES))
    again = run_batch(db, [str(p) for p in NOTES], LazyDecider("smollm2", loader=lambda n: StubModel()))
    assert again.unchanged == len(NOTES) and again.processed == 0  # same heads: nothing to redo


def test_run_command_with_the_openai_backend(tmp_path, stub_heads):
    with StubServer() as server:
        out = CliRunner().invoke(cli, ["run", str(NOTES[0]), str(NOTES[1]), "--db", str(tmp_path / "f.db"), "--backend", "openai",
                                       "--base-url", server.url + "/v1", "-m", "smollm2", "--jobs", "2", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["processed"] == 2 and json.loads(out.output)["model"] == "smollm2 (openai backend)"


def test_draft_through_the_server(tmp_path, stub_heads):
    db = tmp_path / "f.db"
    CliRunner().invoke(cli, ["run", str(NOTES[0]), "--db", str(db), "--no-llm"])
    task = sqlite3.connect(db).execute("SELECT id FROM followups WHERE kind = 'thank_you'").fetchone()[0]
    with StubServer() as server:
        out = CliRunner().invoke(cli, ["draft", task, "--db", str(db), "--backend", "openai", "--base-url", server.url, "-m", "smollm2"])
        assert server.calls.get("/v1/completions") == 1
    assert out.exit_code == 0 and out.output.startswith("[DRAFT") and "Thank you so much for your time." in out.output


# -- settings ------------------------------------------------------------------------------

def test_config_set_list_unset(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDNOTES_CONFIG", str(tmp_path / "cfg" / "config.yaml"))
    run = CliRunner().invoke
    assert run(cli, ["config", "set", "backend.base_url", "http://127.0.0.1:8080/v1,http://127.0.0.1:8081/"]).exit_code == 0
    assert run(cli, ["config", "set", "run.jobs", "3"]).exit_code == 0
    rows = {r["key"]: r for r in json.loads(run(cli, ["config", "list", "--json"]).output)}
    assert rows["backend.base_url"]["value"] == ["http://127.0.0.1:8080", "http://127.0.0.1:8081"] and rows["backend.base_url"]["set"]
    assert rows["run.jobs"]["value"] == 3 and not rows["backend.kind"]["set"]
    from pipeline.backends import resolve_settings

    assert resolve_settings().kind == "local"  # a saved URL alone does not send notes anywhere
    assert resolve_settings(kind="openai").base_url == ["http://127.0.0.1:8080", "http://127.0.0.1:8081"]
    assert resolve_settings(base_urls=["http://127.0.0.1:9999"]).kind == "openai"
    bad = run(cli, ["config", "set", "backend.base_url", "ftp://x"])
    assert bad.exit_code == 1 and "not an http:// or https:// URL" in bad.output
    assert "unknown setting 'backend.colour'" in run(cli, ["config", "set", "backend.colour", "red"]).output
    assert run(cli, ["config", "unset", "run.jobs"]).exit_code == 0
    assert "jobs" not in (tmp_path / "cfg" / "config.yaml").read_text()


def test_api_key_comes_from_the_named_variable(monkeypatch):
    from pipeline.backends.remote import OpenAIBackend
    from pipeline.errors import BackendError

    settings = BackendSettings(kind="openai", base_url=["http://127.0.0.1:9"], api_key_env="FIELDNOTES_TEST_KEY")
    monkeypatch.delenv("FIELDNOTES_TEST_KEY", raising=False)
    with pytest.raises(BackendError, match=r"\$FIELDNOTES_TEST_KEY is not set"):
        OpenAIBackend(settings)
    monkeypatch.setenv("FIELDNOTES_TEST_KEY", "sekret")
    assert OpenAIBackend(settings).http._client.headers["authorization"] == "Bearer sekret"


def test_piece_lengths_fill_tokens_that_split_a_character():
    from pipeline.backends.remote import _piece_lengths
    from pipeline.errors import BackendError

    data = "café ☕ ok".encode()
    assert _piece_lengths(data, [b"caf", None, b" ", None, None, b" ok"]) == [3, 2, 1, 2, 1, 3]
    assert _piece_lengths(b"hi", [b"", b"hi"]) == [0, 2]  # a control token (BOS) has no bytes
    with pytest.raises(BackendError, match="do not add up"):
        _piece_lengths(b"hi there", [b"hi", b" you"])


# -- in-process --jobs ---------------------------------------------------------------------

def test_local_jobs_use_worker_processes_only_with_a_model():
    from pipeline.batch.parallel import parallel_jobs

    assert parallel_jobs(LazyDecider(None, use_model=False), 4, 10) == 1
    assert parallel_jobs(remote("http://127.0.0.1:9"), 4, 10) == 4
    assert parallel_jobs(remote("http://127.0.0.1:9"), 4, 1) == 1


# -- real server ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def gguf():
    from pipeline.decide.registry import resolve_model

    return resolve_model("smollm2").ensure_file()


@pytest.fixture(scope="module")
def real_server(gguf, tmp_path_factory):
    pytest.importorskip("uvicorn", reason="llama-cpp-python[server] is in the test extra")
    from pipeline.dev.servers import LocalServer

    with LocalServer(gguf, log=tmp_path_factory.mktemp("srv") / "server.log") as server:
        yield server


@pytest.fixture
def model_heads(tmp_path, monkeypatch):
    use_heads_from(monkeypatch, make_vector_heads(tmp_path / "data", "smollm2", 576))


@pytest.mark.model
def test_real_server_gives_the_in_process_token_states(real_server):
    from pipeline.backends import load_backend
    from pipeline.decide.runtime import load_model

    local, http = load_model("smollm2"), load_backend(remote(real_server.url).settings, "smollm2")
    assert http.probe().protocol == "llama-cpp-python" and http.dim == local.dim == 576
    for path in (NOTES[0], NOTES[4]):
        text = path.read_text()
        a, b = local.token_vectors(text), http.token_vectors(text)
        assert np.array_equal(a.spans, b.spans) and np.array_equal(a.states, b.states), path.name


@pytest.mark.model
def test_real_server_records_equal_in_process_records(tmp_path, real_server, model_heads):
    from pipeline.store import open_db

    notes = [str(p) for p in NOTES[:3]]
    local, http = open_db(tmp_path / "l.db", create=True), open_db(tmp_path / "h.db", create=True)
    a = run_batch(local, notes, LazyDecider("smollm2"))
    b = run_batch(http, notes, remote(real_server.url), jobs=2)
    assert a.processed == b.processed == 3 and not b.failed
    assert records(http) == records(local)


@pytest.mark.model
def test_real_server_killed_mid_batch(tmp_path, gguf, model_heads):
    """Two servers, one killed after the first note: every note is stored once, through the other."""
    import threading

    from pipeline.dev.servers import LocalServer
    from pipeline.store import open_db

    db = open_db(tmp_path / "k.db", create=True)
    notes = [str(p) for p in NOTES[:4]]
    with LocalServer(gguf) as a, LocalServer(gguf) as b:
        decider = remote(a.url, b.url, retries=2)
        decider.get()
        timer = threading.Timer(2.0, a.kill)
        timer.start()
        summary = run_batch(db, notes, decider, jobs=2)
        timer.cancel()
        assert a.proc.poll() is not None  # it really died during the batch
        assert summary.processed == 4 and not summary.failed and counts(db)[:2] == (4, 4)
        again = run_batch(db, notes, remote(b.url))
    assert again.unchanged == 4 and again.processed == 0
