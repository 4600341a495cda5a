"""The store: one note per file whatever path names it, atomic saves, corrections and states that
survive re-processing, and databases opened only the way they should be."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat

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


    fks = {(t, fk.other_table) for t in ("items", "referrals", "job_leads", "records", "edits") for fk in db[t].foreign_keys}
    assert ("items", "notes") in fks and ("referrals", "people") in fks


def test_a_record_reads_back_exactly_as_saved_though_stored_compactly(db):
    from pipeline.dev.bench.build import synthetic_record
    from pipeline.dev.generate import generate_corpus
    from pipeline.schema import Item, Span
    from pipeline.store import load_record_by_id, save_note

    note, rec, provenance = synthetic_record(generate_corpus(1)[0], 0)
    first = rec.advice[0].evidence
    rec.advice.append(Item(text="its own words", evidence=Span(start=first.start, end=first.end, quote="a quote unlike the text")))
    note_id = save_note(db, note, rec, provenance, "h")
    back = load_record_by_id(db, note_id, corrected=False)
    assert back.model_dump() == dict(rec.model_dump(), follow_ups=[])
    stored = db.execute("SELECT length(record), length(provenance) FROM records").fetchone()
    assert stored[0] < len(rec.model_dump_json()) / 4 and stored[1] < len(json.dumps(provenance)) / 2


def test_records_stored_as_plain_json_by_an_earlier_version_still_read(tmp_path, db):
    from pipeline.store import load_record_by_id

    path = write(tmp_path / "dana.txt", NOTE)
    run_notes(db, [path])
    rec = load_record_by_id(db, 1, corrected=False)
    db.execute("UPDATE records SET record = ?", [rec.model_dump_json()])
    assert load_record_by_id(db, 1, corrected=False) == rec


def test_lead_counts_follow_reprocessing_and_corrections(tmp_path, db):
    from pipeline.actions import edit_record
    from pipeline.query import iter_leads

    path = write(tmp_path / "dana.txt", NOTE)
    run_notes(db, [path])
    assert [lead["name"] for lead in iter_leads(db)] == ["Gabe Moreno"]
    day = db.execute("SELECT interview_date FROM records").fetchone()[0]
    assert db.execute("SELECT referred, first_referred FROM people WHERE name = 'Gabe Moreno'").fetchone() == (1, day)
    edit_record(db, str(path), ops=[{"op": "referral", "path": "referrals", "value": json.dumps({"name": "Gabe Moreno", "referral": False})}])
    assert list(iter_leads(db)) == [] and db.execute("SELECT referred FROM people WHERE name = 'Gabe Moreno'").fetchone() == (0,)
    write(path, NOTE.replace("Gabe Moreno", "Lena Park"))
    run_notes(db, [path])
    assert [lead["name"] for lead in iter_leads(db)] == ["Lena Park"]


def test_a_version_2_database_gets_its_lead_counts(tmp_path):
    path = tmp_path / "old.db"
    db = open_db(path, create=True)
    run_notes(db, [SAMPLE])
    leads = db.execute("SELECT id, referred, first_referred FROM people WHERE referred > 0 ORDER BY id").fetchall()
    db.execute("DROP INDEX people_leads_order")
    db.execute("UPDATE people SET referred = NULL, first_referred = NULL")
    db.execute("PRAGMA user_version = 2")
    db.conn.close()
    again = open_db(path)
    assert leads and again.execute("SELECT id, referred, first_referred FROM people WHERE referred > 0 ORDER BY id").fetchall() == leads
    assert again.execute("SELECT 1 FROM sqlite_master WHERE name = 'people_leads_order'").fetchone()


def test_a_note_is_found_by_the_end_of_its_path_even_with_like_wildcards(tmp_path, db):
    from pipeline.store import resolve_note

    a, b = write(tmp_path / "x" / "a_1%.txt", NOTE), write(tmp_path / "y" / "ab1x.txt", NOTE.replace("Dana", "Ana"))
    run_notes(db, [a, b])
    assert resolve_note(db, "a_1%.txt")[1].endswith("a_1%.txt")
    with pytest.raises(FieldnotesError, match="no stored note"):
        resolve_note(db, "A_1%.TXT")


def fts_intact(db) -> bool:
    """FTS5's own check that the items' index matches their text (raises when it does not)."""
    db.execute("INSERT INTO items_fts(items_fts, rank) VALUES ('integrity-check', 1)")
    return True


def test_items_keep_only_the_text_the_note_does_not_hold(tmp_path, db):
    from pipeline.actions import edit_record
    from pipeline.query import search

    path = write(tmp_path / "dana.txt", NOTE)
    run_notes(db, [path])
    stored = db.execute("SELECT COUNT(*), COUNT(text) FROM items").fetchone()
    assert stored[0] > 0 and stored[1] == 0 and fts_intact(db)  # every item is the note's words: none stored twice
    assert all(r["kind"] != "note" and "[SQL]" in r["snippet"] for r in search(db, "SQL", kind="advice"))
    start = NOTE.index("data analyst")
    edit_record(db, str(path), ops=[{"op": "add_item", "path": "skills", "value": json.dumps(
        {"kind": "skills", "start": start, "end": start + 12, "text": "Data  analysis"})}])
    assert db.execute("SELECT text FROM items WHERE text IS NOT NULL").fetchall() == [("Data  analysis",)] and fts_intact(db)
    write(path, NOTE.replace("learn SQL now", "learn SQL and Python now") + "More text.\n")
    run_notes(db, [path])  # the note's text changes under its items: they are dropped and rebuilt
    assert fts_intact(db) and search(db, "Python", kind="advice")
    db.execute("UPDATE notes SET text = 'something else entirely'")
    assert db.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 0 and fts_intact(db)


def test_a_version_2_items_index_becomes_the_view_backed_one(tmp_path):
    from pipeline.query import search

    path = tmp_path / "old.db"
    db = open_db(path, create=True)
    run_notes(db, [SAMPLE])
    hits = search(db, "hospice")
    for sql in ("DROP TRIGGER items_fts_ai", "DROP TRIGGER items_fts_ad", "DROP TRIGGER items_fts_au", "DROP TABLE items_fts",
                "UPDATE items SET text = (SELECT text FROM items_text t WHERE t.id = items.id)"):
        db.execute(sql)
    db["items"].enable_fts(["text"], create_triggers=True, tokenize="porter")  # as version 2 made it
    db.execute("PRAGMA user_version = 2")
    db.conn.close()
    again = open_db(path)
    assert again.execute("SELECT COUNT(text) FROM items").fetchone()[0] == 0 and fts_intact(again)
    assert search(again, "hospice") == hits
    assert not again.execute("SELECT 1 FROM sqlite_master WHERE name = 'items_ai'").fetchone()
