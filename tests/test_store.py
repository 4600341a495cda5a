"""The store: one note per file whatever path names it, atomic saves, corrections and states that
survive re-processing, and databases opened only the way they should be."""
from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from conftest import SAMPLE, run_notes, write
from pipeline.errors import FieldnotesError, StoreError
from pipeline.store import load_record, open_db
from pipeline.store.shape import SCHEMA_VERSION

NOTE = "Coffee with Dana Ruiz, data analyst at Acme Health, on 2026-03-03.\nShe said I should talk to Gabe Moreno about the internship.\nAdvice: learn SQL now.\n"


def counts(db) -> dict[str, int]:
    return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("notes", "records", "items", "referrals", "followups", "people")}


def test_same_file_by_relative_absolute_and_linked_path_is_one_note(tmp_path, monkeypatch, db):
    path = write(tmp_path / "notes" / "dana.txt", NOTE)
    (tmp_path / "link.txt").symlink_to(path)
    monkeypatch.chdir(tmp_path)
    run_notes(db, ["notes/dana.txt"])
    s = run_notes(db, [str(path), "link.txt", "notes"])
    assert counts(db)["notes"] == 1 and s.processed == 0 and s.unchanged == 1
    for name in ("notes/dana.txt", str(path), "link.txt", "dana.txt"):  # any path, or a unique end of one
        assert load_record(db, name).sha256


def test_two_files_with_the_same_content_are_two_notes_and_neither_reprocesses(tmp_path, db):
    a, b = write(tmp_path / "a.txt", NOTE), write(tmp_path / "b.txt", NOTE)
    run_notes(db, [a, b])
    again = run_notes(db, [a, b])
    assert counts(db)["notes"] == 2 and again.unchanged == 2 and again.processed == 0


def test_a_moved_file_keeps_its_note_corrections_and_task_states(tmp_path, db):
    from pipeline.actions import edit_record, set_task_status

    path = write(tmp_path / "dana.txt", NOTE)
    run_notes(db, [path])
    edit_record(db, str(path), [["contact.title", "Senior Data Analyst"]])
    task = db.execute("SELECT id FROM followups WHERE kind = 'thank_you'").fetchone()[0]
    set_task_status(db, task, "done")
    moved = tmp_path / "archive" / "2026-dana.txt"
    moved.parent.mkdir()
    shutil.move(path, moved)
    s = run_notes(db, [moved])
    assert s.moved == 1 and counts(db)["notes"] == 1
    rec = load_record(db, str(moved))
    assert rec.contact.title == "Senior Data Analyst" and rec.source == str(moved)
    assert db.execute("SELECT status FROM followups WHERE id = ?", [task]).fetchone()[0] == "done"


def test_corrections_and_states_survive_forced_reprocessing(tmp_path, db):
    from pipeline.actions import edit_record, mark_lead_status, set_task_status

    path = write(tmp_path / "dana.txt", NOTE)
    run_notes(db, [path])
    edit_record(db, str(path), [["contact.name", "Dana Ruiz-Ortega"]])
    tasks = [r[0] for r in db.execute("SELECT id FROM followups")]
    set_task_status(db, tasks[0], "done")
    lead = db.execute("SELECT id FROM people LIMIT 1").fetchone()
    if lead:
        mark_lead_status(db, lead[0], "contacted")
    run_notes(db, [path], force=True)
    assert load_record(db, str(path)).contact.name == "Dana Ruiz-Ortega"
    assert db.execute("SELECT status FROM followups WHERE id = ?", [tasks[0]]).fetchone()[0] == "done"
    if lead:
        assert db.execute("SELECT status FROM people WHERE id = ?", [lead[0]]).fetchone()[0] == "contacted"


def test_a_failed_save_leaves_nothing_and_the_next_run_does_the_note(tmp_path, db, monkeypatch):
    import pipeline.store.notes as notes

    path = write(tmp_path / "dana.txt", NOTE)
    real = notes._save_tasks

    def boom(*a, **k):
        raise sqlite3.OperationalError("simulated crash in the middle of a save")

    monkeypatch.setattr(notes, "_save_tasks", boom)
    s = run_notes(db, [path])
    assert s.failed and counts(db) == {t: 0 for t in counts(db)}
    monkeypatch.setattr(notes, "_save_tasks", real)
    s = run_notes(db, [path])
    assert s.processed == 1 and counts(db)["records"] == 1


def test_an_incomplete_record_is_never_unchanged(tmp_path, db):
    path = write(tmp_path / "dana.txt", NOTE)
    run_notes(db, [path])
    db.execute("UPDATE records SET complete = 0")
    assert run_notes(db, [path]).processed == 1


def test_query_commands_never_create_a_database(tmp_path):
    with pytest.raises(StoreError, match="no such database"):
        open_db(tmp_path / "typo.db")
    assert not (tmp_path / "typo.db").exists()


def test_another_applications_database_is_refused_untouched(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="another application"):
        open_db(path, create=True)
    assert path.read_bytes() == before


def test_a_file_that_is_not_sqlite_is_a_clear_error(tmp_path):
    path = write(tmp_path / "notes.db", "just some text, not a database " * 100)
    with pytest.raises(StoreError, match="not a SQLite database"):
        open_db(path)


def test_a_read_only_database_can_still_be_queried(tmp_path):
    from pipeline.query import iter_tasks, search

    folder = tmp_path / "ro"
    folder.mkdir()
    db = open_db(folder / "f.db", create=True)
    run_notes(db, [SAMPLE / "01_hospice_nurse.txt"])
    db.conn.close()
    os.chmod(folder / "f.db", stat.S_IRUSR)
    os.chmod(folder, stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.access(folder / "f.db", os.W_OK):
            pytest.skip("running as a user who can write anywhere (root); read-only cannot be simulated")
        ro = open_db(folder / "f.db")
        assert list(iter_tasks(ro, "all"))
        assert search(ro, "hospice")
        with pytest.raises(FieldnotesError, match="read-only"):
            from pipeline.actions import add_task

            add_task(ro, "call Dana")
    finally:
        os.chmod(folder, stat.S_IRWXU)
        os.chmod(folder / "f.db", stat.S_IRUSR | stat.S_IWUSR)


def test_database_carries_the_marker_and_foreign_keys(db):
    from pipeline.store.shape import APPLICATION_ID

    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    fks = {(t, fk.column, fk.other_table) for t in db.table_names() for fk in db[t].foreign_keys}
    assert fks == {("records", "note_id", "notes"), ("items", "note_id", "notes"), ("people", "interview_note_id", "notes"),
                   ("referrals", "note_id", "notes"), ("referrals", "person_id", "people"), ("job_leads", "note_id", "notes"),
                   ("followups", "note_id", "notes"), ("edits", "note_id", "notes"), ("connections", "person_id", "people")}


def test_an_older_database_gains_foreign_keys_contact_columns_and_keeps_its_search(tmp_path):
    """A version-2 database (no follow-up and people foreign keys, no contact e-mail column) is brought up to date."""
    from pipeline.actions import add_task, edit_record
    from pipeline.query import list_people

    db = open_db(tmp_path / "old.db", create=True)
    run_notes(db, [write(tmp_path / "dana.txt", NOTE.replace("Acme Health,", "Acme Health (dana@acme.org),"))])
    edit_record(db, "dana.txt", [["contact.email", "dana.ruiz@acme.org"]])
    db["followups"].transform(drop_foreign_keys=["note_id"])
    db["people"].transform(drop_foreign_keys=["interview_note_id"])
    db["records"].transform(drop={"contact_email", "contact_phone"})
    db["runs"].transform(drop={"unchanged", "moved", "seconds"})
    db.execute("UPDATE runs SET skipped = 5")  # version 2 kept the unchanged count there
    for table in ("followups", "people"):
        db[table].enable_fts(["action", "person", "why"] if table == "followups" else ["name", "title", "organization"],
                             create_triggers=True, tokenize="porter", replace=True)
    for table in ("connections_fts", "connections"):
        db[table].drop()
    db.execute("PRAGMA user_version = 2")
    db.conn.close()

    db = open_db(tmp_path / "old.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert {fk.other_table for fk in db["followups"].foreign_keys} == {"notes"} and db["people"].foreign_keys
    assert db["connections"].exists()
    assert db.execute("SELECT unchanged, skipped FROM runs").fetchone() == (5, None)
    assert [p["email"] for p in list_people(db, "contact")] == ["dana.ruiz@acme.org"]  # the correction wins
    add_task(db, "Send the portfolio to Gabe")
    assert db.execute("SELECT COUNT(*) FROM followups_fts WHERE followups_fts MATCH 'portfolio'").fetchone()[0] == 1
    assert db.execute("SELECT COUNT(*) FROM people_fts WHERE people_fts MATCH 'Moreno'").fetchone()[0] == 1
