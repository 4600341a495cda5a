"""Hostile and odd inputs (tests/hostile/, README.md there): every file is stored or reported in
one line that names it and says what to do, never a traceback or "please report this", and the
batch goes on. Outputs never pass control sequences to a terminal, raw HTML or links to
Markdown, or formulas to a spreadsheet; databases that are not Fieldnotes' are refused untouched,
a read-only one can be queried, a full disk stops a run in one line with every finished note
stored, and searches are bounded."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import SAMPLE, write
from hostile.corpus import ANSI, big_note, build_corpus, remove_deep_folders
from pipeline.ingest import display_path, note_key, read_note

FORBIDDEN = ("Traceback", "please report", "Fieldnotes bug", "FIELDNOTES_DEBUG")
ADVICE = re.compile(r"\([^()]*(\([^()]*\)[^()]*)*\)$|; [a-z]")  # ends "(what to do)", or "...; what to do"
UNSAFE_TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def fieldnotes(*args, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    """The command line in a child process, output as bytes (names may hold any byte)."""
    argv = [sys.executable, "-m", "pipeline", *[a if isinstance(a, bytes) else str(a) for a in args]]
    return subprocess.run(argv, capture_output=True, timeout=timeout, **kw)


def lines_of(data: bytes) -> list[str]:
    text = data.decode("utf-8")  # strict: no raw bytes reach the terminal
    return [line for line in text.splitlines() if line.strip()]


def assert_terminal_safe(data: bytes) -> None:
    text = data.decode("utf-8")
    assert not UNSAFE_TERMINAL.search(text), repr(UNSAFE_TERMINAL.search(text).group())
    assert not any(word in text for word in FORBIDDEN), text


# --- the corpus through one batch --------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    expect = build_corpus(root / "notes")
    started = time.perf_counter()
    first = fieldnotes("run", root / "notes", "--db", root / "f.db", "--no-llm", "--json", cwd=root)
    seconds = time.perf_counter() - started
    again = fieldnotes("run", root / "notes", "--db", root / "f.db", "--no-llm", cwd=root)
    conn = sqlite3.connect(root / "f.db")
    notes = dict(conn.execute("SELECT n.key, n.text FROM notes n JOIN records r ON r.note_id = n.id WHERE r.complete = 1"))
    conn.close()
    yield SimpleNamespace(root=root, expect=expect, first=first, again=again, notes=notes, seconds=seconds)
    remove_deep_folders(root / "notes")


def test_every_hostile_file_is_stored_or_reported_in_one_line(hostile):
    assert hostile.first.returncode == 1, hostile.first.stderr
    assert_terminal_safe(hostile.first.stderr)
    lines = lines_of(hostile.first.stderr)
    claimed = set()
    for raw, expect in hostile.expect.items():
        shown = display_path(os.fsdecode(raw))
        mine = [line for line in lines if line.startswith(shown + ": ")]
        stored = note_key(os.fsdecode(raw)) in hostile.notes
        where = f"{shown}: {mine}"
        assert len(mine) + stored == 1, where  # stored, or one line, never both or neither
        if expect.stored is not None:
            assert stored == expect.stored, where
        for line in mine:
            assert ADVICE.search(line) and (expect.says or "") in line, line
            claimed.add(line)
        for kept in expect.keeps if stored else []:
            assert kept in hostile.notes[note_key(os.fsdecode(raw))], (shown, kept)
    assert set(lines) == claimed  # no line that names no file
    summary = json.loads(hostile.first.stdout)
    assert summary["processed"] == len(hostile.notes) and summary["stopped"] is None


def test_the_corpus_runs_in_bounded_time_and_a_second_run_redoes_nothing(hostile):
    assert hostile.seconds < 120
    out = lines_of(hostile.again.stdout)
    assert out[0].startswith(f"0 processed, {len(hostile.notes)} unchanged"), out[0]
    assert_terminal_safe(hostile.again.stdout)
    assert "\\x1b[31mred\\x1b[0m_\\x07bell.txt" in hostile.again.stdout.decode() and "new\\x0aline.txt" in hostile.again.stdout.decode()


def test_a_note_inside_symlink_loops_is_stored_once(hostile):
    assert sum("Priya Patel" in text for text in hostile.notes.values()) == 1


def test_a_glob_over_a_symlink_loop_terminates(tmp_path):
    note = write(tmp_path / "dir" / "a" / "n.txt", "Call with Priya Patel, nurse at Mercy.\n")
    (tmp_path / "dir" / "a" / "loop").symlink_to("..")
    (tmp_path / "dir" / "self").symlink_to(".")
    r = fieldnotes("run", "dir/**/*.txt", "--db", tmp_path / "f.db", "--no-llm", "--json", cwd=tmp_path, timeout=60)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["processed"] == 1 and note.exists()


def test_a_fifo_named_on_the_command_line_never_blocks(tmp_path):
    os.mkfifo(tmp_path / "pipe.md")
    r = fieldnotes("run", tmp_path / "pipe.md", "--db", tmp_path / "f.db", "--no-llm", timeout=60)
    assert r.returncode == 1 and lines_of(r.stderr) == [f"{tmp_path / 'pipe.md'}: is not a regular file (a pipe, device or socket) "
                                                        "(pass a note file such as .txt or .md)"]


def test_a_file_named_with_bytes_that_are_not_utf8_or_a_newline_can_be_shown(hostile):
    for raw in (b"not_utf8_\xff\xfe.txt", b"new\nline.txt", b"latin1_caf\xe9.txt"):
        path = os.path.join(os.fsencode(hostile.root / "notes"), raw)
        r = fieldnotes("show", path, "--db", hostile.root / "f.db")
        assert r.returncode == 0, r.stderr
        assert_terminal_safe(r.stdout)
        assert "Lena Fischer" in r.stdout.decode()


def test_every_cue_of_a_transcript_with_broken_timestamps_keeps_its_text():
    from hostile.corpus import HERE

    note = read_note(HERE / "files" / "broken_timestamps.vtt")
    assert note.text.count("\n") == 5 and "-->" not in note.text and "00:00:09" not in note.text
    assert [s["start"] for s in note.metadata["timestamps"]] == ["00:00:01.000", None, None, None, None, "00:00:20.000"]
    assert note.metadata["speakers"] == ["Jamal Price", "Dana Li"]
    srt = read_note(HERE / "files" / "broken_timestamps.srt")
    assert "no timing at all" in srt.text and "timing is junk" in srt.text


# --- outputs ---------------------------------------------------------------------------------

EVIL_NAME = f"{ANSI}<b onmouseover=alert(1)>=cmd|' x\u202e.md"


@pytest.fixture(scope="module")
def evil(tmp_path_factory):
    from hostile.corpus import HERE

    root = tmp_path_factory.mktemp("evil")
    (root / "notes").mkdir()
    note = root / "notes" / EVIL_NAME
    note.write_bytes((HERE / "files" / "escapes_and_html.md").read_bytes())
    run = fieldnotes("run", root / "notes", "--db", root / "f.db", "--no-llm", cwd=root)
    assert run.returncode == 0, run.stderr
    return SimpleNamespace(root=root, note=note, db=root / "f.db", run=run)


TERMINAL_COMMANDS = [["show", "{note}"], ["show", "{note}", "--json"], ["leads"], ["leads", "--chain", "Gabe Moreno"], ["followups"],
                     ["followups", "--all", "--status", "all"], ["search", "learn"], ["search", "portfolio", "--kind", "note"], ["export"],
                     ["leads", "--json"], ["followups", "--nl"], ["search", "learn", "--json"], ["followups", "--format", "ics"],
                     ["people"], ["coverage"], ["coverage", "{note}"], ["insights"], ["plan"], ["plan", "--format", "md"],
                     ["leads", "--format", "vcard"], ["show", "{note}", "--csv"]]


@pytest.mark.parametrize("args", TERMINAL_COMMANDS, ids=lambda a: " ".join(a).replace("{note}", "NOTE"))
def test_no_terminal_output_carries_control_sequences(evil, args):
    r = fieldnotes(*[evil.note if a == "{note}" else a for a in args], "--db", evil.db)
    assert r.returncode == 0, r.stderr
    assert_terminal_safe(r.stdout.replace(b"\r\n", b"\n"))
    assert r.stdout.strip()


def test_the_run_summary_and_every_error_line_echoing_a_name_are_safe(evil):
    assert_terminal_safe(evil.run.stdout) and "\\x1b[31m" in evil.run.stdout.decode()
    for args in (["show", f"missing{ANSI}.md"], ["search", f'"{ANSI} AND ('], ["leads", "--chain", f"No{ANSI}Body"],
                 ["followups", "done", f"zz{ANSI}"], ["run", evil.root / f"gone{ANSI}.txt", "--no-llm"]):
        r = fieldnotes(*args, "--db", evil.db)
        assert r.returncode == 1
        assert_terminal_safe(r.stderr + r.stdout)
        assert len(lines_of(r.stderr)) == 1, r.stderr


def test_task_and_lead_actions_echo_safely(evil):
    conn = sqlite3.connect(evil.db)
    task = conn.execute("SELECT id FROM followups WHERE kind = 'thank_you'").fetchone()[0]
    lead = conn.execute("SELECT id FROM people").fetchone()[0]
    conn.execute("UPDATE people SET name = ? WHERE id = ?", [f"Gabe {ANSI}Moreno", lead])
    conn.commit()
    conn.close()
    for args in (["followups", "done", task], ["followups", "reopen", task], ["followups", "snooze", task, "--until", "+3d"],
                 ["leads", "mark", str(lead), "contacted"], ["leads"], ["leads", "--chain", "Gabe"]):
        r = fieldnotes(*args, "--db", evil.db)
        assert r.returncode == 0, (args, r.stderr)
        assert_terminal_safe(r.stdout)


def test_markdown_passes_no_raw_html_and_no_links(evil):
    r = fieldnotes("followups", "--format", "md", "--status", "all", "--db", evil.db)
    md = r.stdout.decode()
    assert r.returncode == 0 and "Dana Ruiz" in md
    assert_terminal_safe(r.stdout)
    assert "<" not in md and ">" not in md and "](" not in md


def test_csv_and_tsv_cells_start_no_formula_and_hold_no_controls(evil):
    for args in (["followups", "--csv"], ["leads", "--csv"], ["search", "learn", "--csv"], ["search", "portfolio", "--tsv"]):
        r = fieldnotes(*args, "--db", evil.db)
        assert r.returncode == 0, r.stderr
        assert_terminal_safe(r.stdout.replace(b"\r\n", b"\n").replace(b"\t", b" "))
        text = r.stdout.decode().lstrip("\ufeff")
        rows = list(csv.reader(io.StringIO(text), delimiter="\t" if "--tsv" in args else ","))
        assert len(rows) > 1
        for cell in (c for row in rows[1:] for c in row):
            if not re.fullmatch(r"-?\d+(\.\d+)?(e-?\d+)?", cell):  # numbers stay numbers
                assert not cell.lstrip().startswith(("=", "+", "-", "@", "|", "%")), cell


@pytest.mark.parametrize("cell", [" =1+1", "  @SUM(A1)", "\u00a0=1", "\n=1", "\t=1", "\r=1", "\u3000+1", "＝1+1", "\0=1", "-2"])
def test_spreadsheet_cells_after_any_leading_white_space_are_neutralised(cell):
    from pipeline.export.safe import spreadsheet

    out = spreadsheet(cell)
    assert out.startswith("'") or out.startswith("\\x"), repr(out)
    assert not UNSAFE_TERMINAL.search(out.replace("\t", " ").replace("\n", " "))


def test_json_output_escapes_c1_controls_and_bidi_marks():
    from pipeline.export.safe import json_text

    text = json_text({"a": "x\x9b31m\u202ey\x1b"})
    assert json.loads(text) == {"a": "x\x9b31m\u202ey\x1b"} and not UNSAFE_TERMINAL.search(text)


# --- databases -------------------------------------------------------------------------------

def other_apps_database(path: Path) -> bytes:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")  # a table name we use too
    conn.execute("INSERT INTO invoices (total) VALUES (12.5)")
    conn.commit()
    conn.close()
    return path.read_bytes()


QUERY_COMMANDS = [["run", str(SAMPLE / "01_hospice_nurse.txt"), "--no-llm"], ["leads"], ["followups"], ["search", "hospice"], ["export"],
                  ["show", "01_hospice_nurse.txt"], ["followups", "add", "call Dana"]]


@pytest.mark.parametrize("args", QUERY_COMMANDS, ids=lambda a: a[0] + (" " + a[1] if a[0] == "followups" and len(a) > 1 else ""))
def test_another_applications_sqlite_file_is_refused_untouched(tmp_path, args):
    path = tmp_path / "other.db"
    before = other_apps_database(path)
    r = fieldnotes(*args, "--db", path)
    assert r.returncode == 1 and len(lines_of(r.stderr)) == 1 and "another application's database" in r.stderr.decode()
    assert path.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["other.db"]
    assert_terminal_safe(r.stderr)


@pytest.mark.parametrize("args", QUERY_COMMANDS[:4], ids=lambda a: a[0])
@pytest.mark.parametrize("content", [b"just some text, not a database " * 100, b"SQLite format 3\x00" + b"\xff" * 4000],
                         ids=["text", "damaged-header"])
def test_a_database_file_that_is_not_sqlite_is_refused_untouched(tmp_path, args, content):
    path = write(tmp_path / "notes.db", content)
    r = fieldnotes(*args, "--db", path)
    assert r.returncode == 1 and len(lines_of(r.stderr)) == 1 and "pick another --db" in r.stderr.decode(), r.stderr
    assert path.read_bytes() == content and sorted(os.listdir(tmp_path)) == ["notes.db"]


@pytest.mark.parametrize("args", QUERY_COMMANDS[:2], ids=lambda a: a[0])
def test_a_fifo_or_a_device_as_the_database_is_refused_at_once(tmp_path, args):
    os.mkfifo(tmp_path / "pipe.db")
    (tmp_path / "zero.db").symlink_to("/dev/zero")
    for db in ("pipe.db", "zero.db"):
        r = fieldnotes(*args, "--db", tmp_path / db, timeout=30)
        assert r.returncode == 1 and lines_of(r.stderr) == [f"Error: {tmp_path / db}: not a regular file (a folder, pipe or device); "
                                                            "pick another --db"]


def test_an_empty_file_is_no_database_to_query(tmp_path):
    path = write(tmp_path / "typo.db", b"")
    r = fieldnotes("leads", "--db", path)
    assert r.returncode == 1 and "fieldnotes run" in r.stderr.decode() and path.read_bytes() == b""


def test_a_database_in_a_read_only_folder_can_still_be_queried(tmp_path):
    folder = Path(tempfile.mkdtemp(prefix="fieldnotes-ro-"))  # outside pytest's private tmp, so another user can reach it
    try:
        db = folder / "f.db"
        assert fieldnotes("run", SAMPLE / "01_hospice_nurse.txt", "--db", db, "--no-llm").returncode == 0
        assert sorted(os.listdir(folder)) == ["f.db"]  # a clean close leaves no -wal/-shm
        results = {name: run_read_only(folder, args) for name, args in (
            ("leads", ["leads"]), ("search", ["search", "hospice"]), ("followups", ["followups", "--json"]),
            ("show", ["show", str(SAMPLE / "01_hospice_nurse.txt")]), ("export", ["export"]), ("write", ["followups", "add", "call Dana"]))}
        for name in ("leads", "search", "followups", "show", "export"):
            code, out = results[name]
            assert code == 0 and out.strip(), (name, out)
        code, out = results["write"]
        assert code == 1 and "read-only" in out and len(lines_of(out.encode())) == 1
        assert sorted(os.listdir(folder)) == ["f.db"]
    finally:
        os.chmod(folder, 0o700)
        for name in os.listdir(folder):
            os.remove(folder / name)
        os.rmdir(folder)


def run_read_only(folder: Path, args: list[str]) -> tuple[int, str]:
    """Run a command on folder/f.db when neither the file nor its folder can be written: as
    uid 65534 (nobody) in a forked child when the tests run as root (root may write anywhere),
    else with the write bits taken away."""
    from click.testing import CliRunner

    from pipeline.cli import cli

    db = str(folder / "f.db")
    if os.geteuid() != 0:
        os.chmod(folder / "f.db", 0o444)
        os.chmod(folder, 0o555)
        try:
            result = CliRunner().invoke(cli, [*args, "--db", db])
            return result.exit_code, result.output
        finally:
            os.chmod(folder, 0o755)
            os.chmod(folder / "f.db", 0o644)
    os.chmod(folder, 0o755)  # readable by others; writable only by root
    os.chmod(folder / "f.db", 0o644)
    _preload_for(args)
    read, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop to nobody, run the command in-process, report, exit at once
        os.close(read)
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            result = CliRunner().invoke(cli, [*args, "--db", db])
            payload = json.dumps([result.exit_code, result.output])
        except BaseException as e:  # noqa: BLE001 - reported to the parent
            payload = json.dumps([-1, repr(e)])
        os.write(write_end, payload.encode())
        os._exit(0)
    os.close(write_end)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.close(read)
    os.waitpid(pid, 0)
    code, out = json.loads(data)
    return code, out


def _preload_for(args: list[str]) -> None:
    """Import what the command imports lazily, while the interpreter's files can still be read
    (the interpreter lives under /root, which nobody cannot enter)."""
    import dateparser  # noqa: F401
    import sqlite_utils  # noqa: F401

    import pipeline.actions  # noqa: F401
    import pipeline.export.tables  # noqa: F401
    import pipeline.export.tasks  # noqa: F401
    import pipeline.export.text  # noqa: F401
    import pipeline.query  # noqa: F401
    import pipeline.store  # noqa: F401
    from pipeline import rules

    for name in ("dates", "followups", "names", "cues"):
        rules.load(name)


def test_a_full_disk_stops_the_run_in_one_line_and_keeps_every_finished_note(tmp_path):
    from pipeline.dev.generate import generate_corpus, write_corpus

    if os.geteuid() != 0:
        pytest.skip("a full disk needs a small tmpfs, and mounting one needs root; not simulated here")
    mnt = tmp_path / "small"
    mnt.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a 2 MB tmpfs here ({mounted.stderr.strip()}); a full disk is not simulated")
    try:
        notes = tmp_path / "notes"
        write_corpus(generate_corpus(24, seed=5, lengths=[2500] * 24), notes)
        r = fieldnotes("run", notes, "--db", mnt / "f.db", "--no-llm")
        assert r.returncode == 1
        assert_terminal_safe(r.stderr)
        [line] = lines_of(r.stderr)
        assert "the disk is full" in line and "free some space" in line and line.startswith(str(notes)), line
        again = fieldnotes("run", notes, "--db", mnt / "f.db", "--no-llm")
        assert again.returncode == 1 and len(lines_of(again.stderr)) == 1 and "disk is full" in again.stderr.decode()
        conn = sqlite3.connect(mnt / "f.db")
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = conn.execute("SELECT COUNT(*) FROM records WHERE complete = 1").fetchone()[0]
        assert 0 < stored < 24 and conn.execute("SELECT COUNT(*) FROM notes").fetchone()[0] == stored
        conn.execute(f"VACUUM INTO '{tmp_path / 'moved.db'}'")
        conn.close()
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)
    done = fieldnotes("run", notes, "--db", tmp_path / "moved.db", "--no-llm", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["unchanged"] == stored


# --- size and time ---------------------------------------------------------------------------

def test_a_5_mb_note_is_reported_at_once_under_the_default_limit(tmp_path):
    path = write(tmp_path / "huge.txt", big_note(5_000_000))
    started = time.perf_counter()
    r = fieldnotes("run", path, "--db", tmp_path / "f.db", "--no-llm")
    assert time.perf_counter() - started < 30
    assert r.returncode == 1 and lines_of(r.stderr) == [f"{path}: file is 5 MB, over the 1 MB limit (raise it with --max-bytes or split the file)"]


def child_cpu_seconds(args: list, **kw) -> tuple[float, subprocess.CompletedProcess]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = fieldnotes(*args, **kw)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, r


@pytest.mark.slow
def test_a_note_at_the_default_limit_runs_in_under_a_minute(tmp_path):
    path = write(tmp_path / "big.txt", big_note(999_000))
    cpu, r = child_cpu_seconds(["run", path, "--db", tmp_path / "f.db", "--no-llm"], timeout=600)
    assert r.returncode == 0, r.stderr
    assert cpu < 60, f"{cpu:.1f} s of CPU for a 1 MB note"


@pytest.mark.slow
@pytest.mark.xfail(reason="extraction stages grow faster than the note (decide person/segment features, fields.job_leads._near, "
                          "fields.interview_date, annotate dates and contact details); see test_stage_growth_* below", strict=False)
def test_the_pipeline_grows_linearly_from_1_to_4_mb(tmp_path):
    small, large = write(tmp_path / "1mb.txt", big_note(1_000_000)), write(tmp_path / "4mb.txt", big_note(4_000_000))
    cpu_small, r1 = child_cpu_seconds(["run", small, "--db", tmp_path / "a.db", "--no-llm", "--max-bytes", "5000000"], timeout=1200)
    cpu_large, r4 = child_cpu_seconds(["run", large, "--db", tmp_path / "b.db", "--no-llm", "--max-bytes", "5000000"], timeout=3600)
    assert r1.returncode == 0 and r4.returncode == 0
    assert cpu_large / cpu_small < 4.8, f"1 MB: {cpu_small:.1f} s, 4 MB: {cpu_large:.1f} s"


# --- search ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("search") / "f.db"
    assert fieldnotes("run", SAMPLE, "--db", db, "--no-llm").returncode == 0
    return db


@pytest.mark.parametrize("query,quote", [(" ".join(["hospice"] * 5000), False), (" ".join(["the"] * 5000), True),
                                         ("-".join(["the"] * 5000), True), (".".join(["the"] * 5000), False),
                                         ('"' + " ".join(["the"] * 5000) + '"', False), (" OR ".join(["nurse"] * 2500), False)])
def test_a_search_of_5000_repeated_words_is_one_line_at_once(sample_db, query, quote):
    started = time.perf_counter()
    r = fieldnotes("search", query, "--db", sample_db, *(["--quote"] if quote else []))
    assert time.perf_counter() - started < 30
    assert r.returncode == 1 and len(lines_of(r.stderr)) == 1 and len(r.stderr) < 300, r.stderr[:300]
    assert_terminal_safe(r.stderr)


def test_a_word_repeated_within_the_limit_costs_what_it_costs_once(sample_db):
    from pipeline.query import search
    from pipeline.store import open_db

    db = open_db(sample_db)
    assert search(db, " ".join(["hospice"] * 60)) == search(db, "hospice")
    assert search(db, " ".join(["hospice"] * 60), quote=True) == search(db, "hospice", quote=True)


def test_a_slow_search_is_stopped_with_one_line_that_says_what_to_do(sample_db):
    from pipeline.errors import QueryError
    from pipeline.query import search
    from pipeline.store import open_db

    with pytest.raises(QueryError, match="was stopped; use fewer or more specific words") as info:
        search(open_db(sample_db), " ".join(f"{c}*" for c in "abcdefghijklmnopqrst"), seconds=0.0)
    assert "\n" not in str(info.value)


def test_an_aes_pdf_without_the_cryptography_package_says_how_to_read_it(tmp_path):
    from hostile.corpus import _pdf

    _pdf(tmp_path / "aes.pdf", "Coffee with Dana Ruiz.", "owner", "", "AES_256")
    code = "import sys; sys.modules['cryptography'] = None\nfrom pipeline.ingest import read_note\nread_note(sys.argv[1])"
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path / "aes.pdf")], capture_output=True, text=True)
    assert r.returncode == 1 and "needs the cryptography package (pip install cryptography" in r.stderr.splitlines()[-1]
