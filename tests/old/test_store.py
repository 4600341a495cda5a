"""Store and batch: skip/replace/rename, corrections and states surviving re-processing, resume."""
from __future__ import annotations

import json
import shutil

import pytest

from pipeline.actions import add_task, edit_record, list_tasks, mark_lead_status, set_task_status
from pipeline.query import export_records, list_leads, referral_chain, search
from pipeline.store import load_record

from conftest import NOTES, run_notes


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "notes"
    d.mkdir()
    shutil.copy(NOTES / "traps.txt", d / "traps.txt")
    return d


def test_unchanged_files_are_skipped(db, folder):
    assert run_notes(db, [folder]).processed == 1
    again = run_notes(db, [folder])
    assert (again.processed, again.skipped) == (0, 1)
    assert run_notes(db, [folder], force=True).processed == 1


def test_changed_file_replaces_its_record(db, folder):
    run_notes(db, [folder])
    p = folder / "traps.txt"
    p.write_text(p.read_text().replace("Zoë Ødegaard", "Ingrid Berg"))
    assert run_notes(db, [folder]).processed == 1
    assert db["notes"].count == 1
    assert load_record(db, str(p)).contact.name == "Ingrid Berg"


def test_renamed_file_keeps_its_record_without_reprocessing(db, folder):
    run_notes(db, [folder])
    old = folder / "traps.txt"
    new = folder / "renamed.txt"
    old.rename(new)
    s = run_notes(db, [folder])
    assert (s.processed, s.skipped) == (0, 1)
    assert load_record(db, str(new)).contact.name == "Zoë Ødegaard"


def test_corrections_survive_reprocessing(db, folder):
    run_notes(db, [folder])
    src = str(folder / "traps.txt")
    edit_record(db, src, [["contact.organization", "Nordlys Health AS"]])
    run_notes(db, [folder], force=True)
    assert load_record(db, src).contact.organization == "Nordlys Health AS"
    exported = next(export_records(db))
    assert exported["contact"]["organization"] == "Nordlys Health AS"


def test_unknown_edit_path_is_a_clear_error(db, folder):
    run_notes(db, [folder])
    with pytest.raises(ValueError, match="unknown field"):
        edit_record(db, str(folder / "traps.txt"), [["contact.nickname", "Z"]])


def test_task_state_survives_reprocessing(db, folder):
    run_notes(db, [folder])
    tasks = list_tasks(db, "open")
    thank = next(t for t in tasks if t.kind == "thank_you")
    set_task_status(db, thank.id, "done")
    run_notes(db, [folder], force=True)
    assert next(t for t in list_tasks(db, "all") if t.id == thank.id).status == "done"


def test_manual_task_and_lead_status(db, folder):
    run_notes(db, [folder])
    add_task(db, "Buy interview shoes", "2026-04-10")
    assert any(t.action == "Buy interview shoes" for t in list_tasks(db, "open"))
    leads = list_leads(db)
    assert leads, "the traps note has a referral"
    mark_lead_status(db, leads[0]["id"], "met")
    run_notes(db, [folder], force=True)
    assert list_leads(db)[0]["status"] == "met"
    assert any(t.kind == "thank_referrer" for t in list_tasks(db, "open"))


def test_interrupted_batch_keeps_finished_notes_and_resumes(db, tmp_path, monkeypatch):
    d = tmp_path / "many"
    d.mkdir()
    for i in range(3):
        (d / f"n{i}.txt").write_text(f"Chat with Ana Lima #{i}\n\nSKILLS\n- Excel\n- SQL number {i}\n")
    import pipeline.batch as batch
    real = batch.process_note
    calls = {"n": 0}

    def flaky(*a, **k):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(batch, "process_note", flaky)
    with pytest.raises(KeyboardInterrupt):
        run_notes(db, [d])
    assert db["notes"].count == 1
    monkeypatch.setattr(batch, "process_note", real)
    s = run_notes(db, [d])
    assert (s.processed, s.skipped) == (2, 1)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_bad_files_are_listed_and_do_not_stop_the_batch(db, folder):
    (folder / "empty.txt").write_text("")
    (folder / "bin.txt").write_bytes(b"\x00\x01\x02" * 100)
    s = run_notes(db, [folder, folder / "missing.md"])
    assert s.processed == 1
    paths = sorted(f["path"] for f in s.failed)
    assert len(paths) == 3
    assert all(": " in f["error"] and "(" in f["error"] for f in s.failed)


def test_search_ranks_and_quotes_user_input(db, folder):
    run_notes(db, [folder])
    assert search(db, 'C++ "AND') == [] or isinstance(search(db, 'C++ "AND'), list)
    hits = search(db, "usability testing")
    assert hits and hits[0]["kind"] == "skills"
    assert all(a["rank"] <= b["rank"] for a, b in zip(hits, hits[1:]))
    assert search(db, "usability", kind="advice") == []


def test_people_merge_across_notes_and_chain(db, tmp_path):
    d = tmp_path / "chain"
    d.mkdir()
    (d / "a.txt").write_text("Call with Priya Shah, PM at Lumen\n\nPEOPLE\n- Dan Reyes - research ops manager at Lumen, dan@lumen.io\n")
    (d / "b.txt").write_text("Coffee with Dan Reyes, research ops at Lumen\n\nPEOPLE\n- Carla Mendes - UX lead at Orbit, talk to her\n")
    (d / "c.txt").write_text("Chat with Maya Chen\n\nPEOPLE\n- Daniel Reyes - Lumen research ops, reach out\n")
    run_notes(db, [d])
    names = [l["name"] for l in list_leads(db)]
    assert sum("Reyes" in n for n in names) == 1
    dan = next(l for l in list_leads(db) if "Reyes" in l["name"])
    assert len(dan["sources"]) == 2 and dan["interviewed"]
    chain = referral_chain(db, "Carla Mendes")
    assert chain[0] == "Priya Shah" and chain[1] in ("Dan Reyes", "Daniel Reyes") and chain[2] == "Carla Mendes"
