"""Nothing lost: SIGKILL and Ctrl-C at random points of a batch, two runs at once with a reader,
then every note stored once, nothing duplicated, the database intact and the user's edits and
statuses kept. Default runs do 3 kill trials; `pytest -m slow` does 12."""
from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.dev.generate import generate_corpus, write_corpus

N_NOTES = 44


def fieldnotes(*args, **kw):
    return subprocess.Popen([sys.executable, "-m", "pipeline", *map(str, args)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)


@pytest.fixture(scope="module")
def notes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("batch")
    write_corpus(generate_corpus(N_NOTES, seed=7, lengths=[300] * N_NOTES), folder)
    return folder


def check(db_path: Path, n_files: int) -> sqlite3.Connection:
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT key) FROM notes").fetchone() == (n_files, n_files)
    assert conn.execute("SELECT COUNT(*) FROM records WHERE complete = 1").fetchone()[0] == n_files
    assert conn.execute("SELECT COUNT(*) - COUNT(DISTINCT key) FROM people").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM (SELECT note_id, person_id FROM referrals GROUP BY 1, 2 HAVING COUNT(*) > 1)").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM items WHERE note_id NOT IN (SELECT id FROM notes)").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM followups WHERE note_id IS NOT NULL AND note_id NOT IN (SELECT id FROM notes)").fetchone()[0] == 0
    return conn


def seed_user_state(db_path: Path, notes: Path) -> tuple[str, str]:
    """A correction and a done task on one note, before the trials."""
    subprocess.run([sys.executable, "-m", "pipeline", "run", sorted(notes.iterdir())[0], "--db", db_path, "--no-llm"], check=True, capture_output=True)
    first = sorted(notes.iterdir())[0]
    subprocess.run([sys.executable, "-m", "pipeline", "edit", first, "--db", db_path, "--set", "contact.title=Corrected Title"], check=True, capture_output=True)
    conn = sqlite3.connect(db_path)
    task = conn.execute("SELECT id FROM followups WHERE kind = 'thank_you'").fetchone()[0]
    conn.close()
    subprocess.run([sys.executable, "-m", "pipeline", "followups", "done", task, "--db", db_path], check=True, capture_output=True)
    return str(first), task


def assert_user_state(conn: sqlite3.Connection, task: str) -> None:
    assert conn.execute("SELECT status FROM followups WHERE id = ?", [task]).fetchone()[0] == "done"
    assert conn.execute("SELECT COUNT(*) FROM edits").fetchone()[0] == 1
    assert conn.execute("SELECT contact_title FROM records r JOIN notes n ON n.id = r.note_id WHERE n.id = (SELECT note_id FROM edits)").fetchone()[0] == "Corrected Title"


def kill_trials(notes: Path, tmp_path: Path, trials: int, sig: int) -> None:
    rng = random.Random(20261201 + trials + sig)
    db_path = tmp_path / "k.db"
    _, task = seed_user_state(db_path, notes)
    for trial in range(trials):
        changed = rng.random() < 0.5
        if changed:  # half the trials kill a re-run over changed notes
            for p in rng.sample(sorted(notes.iterdir()), 6):
                p.write_text(p.read_text() + f"\nEdit {trial}: also ask about mentoring.\n")
        proc = fieldnotes("run", notes, "--db", db_path, "--no-llm")
        time.sleep(rng.uniform(0.3, 3.0))
        proc.send_signal(sig)
        proc.wait(timeout=60)
        check_partial(db_path)
    done = subprocess.run([sys.executable, "-m", "pipeline", "run", notes, "--db", db_path, "--no-llm"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    conn = check(db_path, N_NOTES)
    assert_user_state(conn, task)


def check_partial(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*) - COUNT(DISTINCT key) FROM notes").fetchone()[0] == 0
    conn.close()


def test_sigkill_at_random_points(notes, tmp_path):
    kill_trials(notes, tmp_path, 3, signal.SIGKILL)


@pytest.mark.slow
def test_sigkill_at_random_points_many(notes, tmp_path):
    kill_trials(notes, tmp_path, 12, signal.SIGKILL)


def test_ctrl_c_says_how_to_continue_and_keeps_everything(notes, tmp_path):
    db_path = tmp_path / "c.db"
    proc = fieldnotes("run", notes, "--db", db_path, "--no-llm")
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode in (0, 130)
    if proc.returncode == 130:
        assert b"run the same command again to continue" in err and b"Traceback" not in err
    check_partial(db_path)
    subprocess.run([sys.executable, "-m", "pipeline", "run", notes, "--db", db_path, "--no-llm"], check=True, capture_output=True)
    check(db_path, N_NOTES)


def test_two_runs_at_once_with_a_reader(notes, tmp_path):
    db_path = tmp_path / "two.db"
    subprocess.run([sys.executable, "-m", "pipeline", "run", sorted(notes.iterdir())[0], "--db", db_path, "--no-llm"], check=True, capture_output=True)
    a, b = fieldnotes("run", notes, "--db", db_path, "--no-llm"), fieldnotes("run", notes, "--db", db_path, "--no-llm")
    reads = 0
    while a.poll() is None or b.poll() is None:
        r = subprocess.run([sys.executable, "-m", "pipeline", "leads", "--db", db_path, "--json"], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        reads += 1
    assert a.returncode == 0 and b.returncode == 0, (a.stderr.read(), b.stderr.read())
    assert reads >= 1
    check(db_path, N_NOTES)


def test_two_runs_on_different_folders_lose_nothing(notes, tmp_path):
    db_path = tmp_path / "split.db"
    files = sorted(notes.iterdir())
    left, right = tmp_path / "left", tmp_path / "right"
    for folder, chunk in ((left, files[: N_NOTES // 2]), (right, files[N_NOTES // 2:])):
        folder.mkdir()
        for f in chunk:
            (folder / f.name).write_text(f.read_text())
    subprocess.run([sys.executable, "-m", "pipeline", "run", files[0], "--db", db_path, "--no-llm"], check=True, capture_output=True)
    procs = [fieldnotes("run", left, "--db", db_path, "--no-llm"), fieldnotes("run", right, "--db", db_path, "--no-llm")]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0 and b"locked" not in err, err
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT COUNT(*) FROM records WHERE complete = 1").fetchone()[0] == N_NOTES + 1
