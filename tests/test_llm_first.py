"""LLM-first mode: the model's answers become items only where they are found in the note (exact,
then fuzzy); the rest is dropped and counted; a failed section keeps the heads' items; the prompt
file is versioned and its few-shot examples come from the corpus."""
from __future__ import annotations

import json

import pytest

from conftest import FakeModel, write
from pipeline.llmfirst import extract_record_llm
from pipeline.llmfirst.ground import ground
from pipeline.llmfirst.prompt import load_record_prompt
from pipeline.store import load_provenance

NOTE = """Coffee with Dana Ruiz, Senior Data Analyst at Acme Health, on 3 March.

Her day: cleaning claims data and building dashboards for the care teams.
Skills: SQL, Tableau, and explaining numbers to nurses.
Advice: learn SQL window functions; bring a portfolio project to interviews.
Outlook: hiring is steady, pay is good.
She said to talk to Priya Natarajan about the analytics fellowship.
"""


def test_ground_exact_case_fuzzy_and_not_found():
    text = "Advice: learn SQL window functions; bring a portfolio project."
    assert ground("learn SQL window functions", text).how == "exact"
    g = ground("Learn sql WINDOW functions", text)
    assert g.how == "case" and text[g.start:g.end] == "learn SQL window functions"
    g = ground("bring a portfolio projects", text)
    assert g.how == "fuzzy" and text[g.start:g.end].startswith("bring a portfolio project")
    assert ground("become a pilot", text) is None
    assert ground("SQ", "no such") is None  # short items must be exact


def test_prompt_file_is_versioned_and_every_section_has_corpus_examples():
    prompt = load_record_prompt()
    assert prompt.version.startswith("record-llm-v")
    for section in prompt.sections:
        messages = prompt.messages("a note", section)
        assert messages[0]["role"] == "system" and messages[-1]["content"].endswith(prompt.sections[section].ask)
        assert len(messages) == 2 + 2 * prompt.examples, section
        json.loads(messages[2]["content"])  # an example answer is the schema's JSON


def answers(**sections) -> list[str]:
    """Queued chat answers in the prompt's section order (an Exception string to make a call fail)."""
    order = list(load_record_prompt().sections)
    return [json.dumps(sections[s]) if s in sections else "not json" for s in order]


def test_grounded_items_replace_the_heads_and_the_rest_falls_back(tmp_path):
    from pipeline.batch import LazyDecider
    from pipeline.decide import Decider
    from pipeline.ingest import read_note
    from pipeline.run import extract_record

    note = read_note(write(tmp_path / "n.txt", NOTE))
    heads_record, _ = extract_record(note, Decider.load(None))
    model = FakeModel()
    model.enqueue(*answers(contact={"name": "Dana Ruiz", "title": "Senior Data Analyst", "organization": "Acme Health"},
                           skills={"items": ["SQL", "Tableau", "explaining numbers to nurses", "Kubernetes"]},
                           advice={"items": ["Learn SQL window functions", "bring a portfolio projekt to interviews"]},
                           outlook={"sentiment": "positive", "points": ["hiring is steady", "pay is good"]},
                           referrals={"items": [{"name": "Priya Natarajan", "reason": "about the analytics fellowship"},
                                                {"name": "Dana Ruiz", "reason": None}, {"name": "Bob Nobody", "reason": None}]}))
    rec, prov = extract_record_llm(note, Decider.load(None), model)
    text = note.text
    for item in rec.skills + rec.advice + rec.outlook.points:
        assert text[item.evidence.start:item.evidence.end] == item.text == item.evidence.quote
    assert [s.text for s in rec.skills] == ["SQL", "Tableau", "explaining numbers to nurses"]
    assert rec.advice[0].text == "learn SQL window functions" and rec.advice[1].text.startswith("bring a portfolio project")
    assert rec.contact.title == "Senior Data Analyst" and rec.outlook.sentiment == "positive"
    assert [r.name for r in rec.referrals] == ["Priya Natarajan"] and rec.referrals[0].reason == "about the analytics fellowship"
    llm = prov["llm"]
    assert llm["dropped"] == 2 and llm["fuzzy"] == 1  # Kubernetes and Bob Nobody are not in the note
    assert llm["sections"]["day_in_life"].startswith("heads (answer is not JSON")
    assert [i.text for i in rec.day_in_life] == [i.text for i in heads_record.day_in_life]
    assert rec.extraction.prompt_version.startswith(load_record_prompt().version + "+heads-1:")
    assert LazyDecider("smollm2", backend=None).mode == "heads"


def test_a_section_whose_items_are_all_invented_keeps_the_heads_items(tmp_path):
    from pipeline.decide import Decider
    from pipeline.ingest import read_note
    from pipeline.run import extract_record

    note = read_note(write(tmp_path / "n.txt", NOTE))
    heads_record, _ = extract_record(note, Decider.load(None))
    model = FakeModel()
    model.enqueue(*answers(skills={"items": ["Kubernetes", "welding"]}))
    rec, prov = extract_record_llm(note, Decider.load(None), model)
    assert prov["llm"]["sections"]["skills"] == "heads (no item found in the note)" and prov["llm"]["dropped"] == 2
    assert [s.text for s in rec.skills] == [s.text for s in heads_record.skills]


def test_run_mode_llm_through_the_cli(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from pipeline.cli import cli

    write(tmp_path / "n.txt", NOTE)
    out = CliRunner().invoke(cli, ["run", str(tmp_path / "n.txt"), "--db", str(tmp_path / "f.db"), "--no-llm", "--mode", "llm"])
    assert out.exit_code == 2 and "--mode llm needs a model" in out.output


@pytest.mark.model
def test_llm_mode_against_the_real_server(tmp_path):
    """The embedded model is far too small for this mode, but the whole path runs: schema-constrained
    chat through llama_cpp.server, grounding, fallback, and the record is stored."""
    from pipeline.backends.config import BackendSettings
    from pipeline.batch import LazyDecider, run_batch
    from pipeline.decide.registry import resolve_model
    from pipeline.dev.servers import LocalServer
    from pipeline.store import open_db

    write(tmp_path / "n.txt", NOTE)
    db = open_db(tmp_path / "f.db", create=True)
    with LocalServer(resolve_model("smollm2").ensure_file()) as server:
        settings = BackendSettings(kind="openai", base_url=[server.url], model="smollm2", mode="llm")
        summary = run_batch(db, [str(tmp_path / "n.txt")], LazyDecider("smollm2", backend=settings))
    assert summary.processed == 1 and not summary.failed
    prov = load_provenance(db, db.execute("SELECT note_id FROM records").fetchone()[0])["llm"]
    assert set(prov["sections"]) == set(load_record_prompt().sections) and prov["exact"] + prov["fuzzy"] + prov["dropped"] >= 0
