"""Search filters and ranking, referral leads (one person, one lead), chains and lead statuses."""
from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.errors import FieldnotesError
from pipeline.query import list_leads, mark_lead, quote_fts, referral_chain, search
from pipeline.render import leads_text

from conftest import run_notes

ANA = """---
date: 2026-02-10
contact: Ana Lima
company: Lumen Health
title: Data Analyst
---

# Ana Lima (Lumen Health)

## Skills
- SQL every day
- Tableau

## Advice
- build a portfolio of small dashboards
- learn forecasting basics

## People
- Dan R. - analytics manager at Lumen Health, dan@lumen.io, talk to him
"""
BEN = """Coffee with Ben Okafor, hydrologist at Riverbend Water District
2026-03-20

SKILLS
- GIS mapping
- some SQL for the sensor database

ADVICE
- volunteer for stream surveys
- take the field hydrology course

PEOPLE
- Dan Reyes - analytics manager at Lumen Health, reach out
"""
CARA = """Chat with Cara Singh, UX researcher at Orbit
2026-04-15

SKILLS
- usability testing
- interviewing

ADVICE
- publish a portfolio case study on usability testing
"""
DAN = """Call with Dan Reyes, analytics manager at Lumen Health
2026-03-25

PEOPLE
- Carla Mendes - UX lead at Orbit, talk to her
"""



@pytest.fixture
def notes(tmp_path):
    """Four notes; Dan's own interview comes first, before anyone refers him."""
    d = tmp_path / "notes"
    d.mkdir()
    files = {"dan": d / "dan.txt", "ana": d / "ana.md", "ben": d / "ben.txt", "cara": d / "cara.txt"}
    for key, text in (("dan", DAN), ("ana", ANA), ("ben", BEN), ("cara", CARA)):
        files[key].write_text(text, encoding="utf-8")
    return files


@pytest.fixture
def filled(db, notes):
    summary = run_notes(db, list(notes.values()))
    assert summary.processed == 4 and not summary.failed
    return db


def _sources(hits):
    return {h["source"] for h in hits}


# ------------------------------------------------------------------ search


def test_search_returns_items_and_notes_with_highlighted_snippets(filled, notes):
    hits = search(filled, "portfolio")
    assert _sources(hits) == {str(notes["ana"]), str(notes["cara"])}
    assert {h["kind"] for h in hits} == {"advice", "note"}
    assert all("[portfolio]" in h["snippet"] and "\n" not in h["snippet"] for h in hits)
    item = next(h for h in hits if h["kind"] == "advice" and h["source"] == str(notes["ana"]))
    assert notes["ana"].read_text()[item["start"]:item["end"]] == "build a portfolio of small dashboards"


def test_search_matches_text_only_not_item_kind_or_path(filled):
    assert all(h["kind"] == "note" for h in search(filled, "skills"))  # the SKILLS headings, no item is about "skills"
    assert search(filled, "txt") == []  # file names are not note text


def test_kind_filter(filled):
    assert {h["kind"] for h in search(filled, "portfolio", kind="advice")} == {"advice"}
    assert search(filled, "portfolio", kind="skills") == []
    assert {h["kind"] for h in search(filled, "portfolio", kind="note")} == {"note"}
    with pytest.raises(FieldnotesError, match="unknown kind 'bogus'"):
        search(filled, "portfolio", kind="bogus")


def test_org_filter(filled, notes):
    assert _sources(search(filled, "sql", org="lumen")) == {str(notes["ana"])}
    assert _sources(search(filled, "sql", org="Riverbend")) == {str(notes["ben"])}
    assert search(filled, "sql", org="Orbit") == []


def test_person_filter(filled, notes):
    hits = search(filled, "sql", person="Ben")
    assert hits and _sources(hits) == {str(notes["ben"])}
    assert {h["contact_name"] for h in hits} == {"Ben Okafor"}


def test_field_filter(filled, notes):
    assert _sources(search(filled, "portfolio", field="UX")) == {str(notes["cara"])}
    assert _sources(search(filled, "field OR stream", field="hydrolog")) <= {str(notes["ben"])}
    assert search(filled, "portfolio", field="hydrologist") == []


def test_skill_filter(filled, notes):
    assert _sources(search(filled, "portfolio", skill="usability")) == {str(notes["cara"])}
    assert _sources(search(filled, "portfolio", skill="tableau")) == {str(notes["ana"])}
    assert search(filled, "portfolio", skill="welding") == []


def test_since_until_filter_on_interview_date(filled, notes):
    assert _sources(search(filled, "sql", since="2026-03-01")) == {str(notes["ben"])}
    assert _sources(search(filled, "sql", until="2026-03-01")) == {str(notes["ana"])}
    assert _sources(search(filled, "sql", since="2026-02-10", until="2026-02-10")) == {str(notes["ana"])}
    assert _sources(search(filled, "portfolio", since="2026-04-01", until="2026-04-30")) == {str(notes["cara"])}
    with pytest.raises(FieldnotesError, match="use YYYY-MM-DD"):
        search(filled, "sql", since="March")


def test_filters_combine(filled, notes):
    assert _sources(search(filled, "portfolio", kind="advice", org="Orbit", since="2026-04-01")) == {str(notes["cara"])}
    assert search(filled, "portfolio", kind="advice", org="Orbit", until="2026-04-01") == []


def test_ranking_best_first(db, tmp_path):
    d = tmp_path / "rank"
    d.mkdir()
    many, once = d / "many.txt", d / "once.txt"
    many.write_text("Chat with Ana Lima\n2026-03-01\n\nADVICE\n- write SQL and read SQL and review SQL daily\n")
    once.write_text("Chat with Ben Okafor\n2026-03-02\n\nADVICE\n- write SQL and read books and review notes daily\n")
    run_notes(db, [once, many])
    hits = search(db, "sql")
    assert [h["rank"] for h in hits] == sorted(h["rank"] for h in hits)
    assert hits[0]["source"] == str(many)
    items = [h["source"] for h in hits if h["kind"] == "advice"]
    assert items == [str(many), str(once)]
    notes_only = [h["source"] for h in hits if h["kind"] == "note"]
    assert notes_only == [str(many), str(once)]


@pytest.mark.parametrize("query", ['C++ "AND', "NEAR(", "sql*", "-sql", "sql OR", '"', "col:sql", "^sql", "a AND NOT b"])
def test_user_input_is_never_fts_syntax(filled, query):
    assert isinstance(search(filled, query), list)


def test_quote_fts_quotes_every_word():
    assert quote_fts('C++ "AND') == '"C++" "AND"'
    assert quote_fts("  ") == ""


def test_search_cli_json_and_text(filled, notes, monkeypatch):
    monkeypatch.setenv("FIELDNOTES_DB", filled.conn.execute("PRAGMA database_list").fetchone()[2])
    runner = CliRunner()
    r = runner.invoke(cli, ["search", "portfolio", "--kind", "advice", "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert rows and all({"source", "kind", "snippet", "rank"} <= set(x) for x in rows)
    r = runner.invoke(cli, ["search", "portfolio", "--org", "Orbit"])
    assert r.stdout.splitlines()[0] == f"{notes['cara']} [advice] publish a [portfolio] case study on usability testing"
    r = runner.invoke(cli, ["search", "sql", "--since", "03/01/2026"])
    assert r.exit_code == 1 and r.output.strip().count("\n") == 0 and "use YYYY-MM-DD" in r.output


# ------------------------------------------------------------------ leads


def test_dan_r_dan_reyes_and_daniel_are_one_lead_with_every_source(db, tmp_path):
    d = tmp_path / "dan"
    d.mkdir()
    (d / "a.txt").write_text("Call with Priya Shah\n2026-03-01\n\nPEOPLE\n- Dan R. - research ops at Lumen, dan@lumen.io, reach out\n")
    (d / "b.txt").write_text("Chat with Maya Chen\n2026-03-05\n\nPEOPLE\n- Daniel Reyes at Lumen, reach out to him\n")
    (d / "c.txt").write_text("Coffee with Omar Haddad\n2026-03-07\n\nPEOPLE\n- Dan Reyes - research ops manager at Lumen, talk to him\n")
    run_notes(db, [d / "a.txt", d / "b.txt", d / "c.txt"])
    leads = list_leads(db)
    assert len(leads) == 1
    dan = leads[0]
    assert dan["name"] == "Daniel Reyes" and dan["email"] == "dan@lumen.io" and dan["organization"] == "Lumen"
    assert dan["sources"] == [str(d / "a.txt"), str(d / "b.txt"), str(d / "c.txt")]
    assert dan["referred_by"] == "Priya Shah" and dan["referred_by_all"] == ["Priya Shah", "Maya Chen", "Omar Haddad"]
    assert referral_chain(db, "Dan R.") == ["Priya Shah", "Daniel Reyes"]


def test_referral_interviewed_first_is_still_linked_to_the_interview(filled, notes):
    dan = next(lead for lead in list_leads(filled) if "Reyes" in lead["name"])
    assert dan["interviewed"] and dan["interview"] == str(notes["dan"])
    assert dan["sources"] == [str(notes["ana"]), str(notes["ben"])]


def test_chain_follows_the_earliest_referral(filled):
    assert referral_chain(filled, "Carla Mendes") == ["Ana Lima", "Dan Reyes", "Carla Mendes"]
    assert referral_chain(filled, "Carla") == ["Ana Lima", "Dan Reyes", "Carla Mendes"]
    with pytest.raises(FieldnotesError, match="no person called 'Zed'"):
        referral_chain(filled, "Zed")


def test_leads_sorted_by_next_action_and_status_survives_reprocessing(filled, notes):
    assert [lead["name"] for lead in list_leads(filled)] == ["Dan Reyes", "Carla Mendes"]
    dan = list_leads(filled)[0]
    mark_lead(filled, dan["id"], "contacted")
    assert [lead["name"] for lead in list_leads(filled)] == ["Carla Mendes", "Dan Reyes"]
    run_notes(filled, list(notes.values()), force=True)
    again = next(lead for lead in list_leads(filled) if lead["id"] == dan["id"])
    assert again["status"] == "contacted" and again["last_action"] == date.today().isoformat()
    assert [lead["name"] for lead in list_leads(filled, "contacted")] == ["Dan Reyes"]


def test_undated_referrals_sort_after_dated_ones(db, tmp_path):
    (tmp_path / "u.txt").write_text("Chat with Maya Chen\n\nPEOPLE\n- Ola Berg - nurse at Vestre, talk to her\n")
    (tmp_path / "d.txt").write_text("Chat with Omar Haddad\n2026-05-01\n\nPEOPLE\n- Maria Lopez - nurse at Ostre, talk to her\n")
    run_notes(db, [tmp_path / "u.txt", tmp_path / "d.txt"])
    assert [lead["name"] for lead in list_leads(db)] == ["Maria Lopez", "Ola Berg"]


def test_leads_text_output_exact_lines(filled, notes, monkeypatch):
    monkeypatch.setenv("FIELDNOTES_DB", filled.conn.execute("PRAGMA database_list").fetchone()[2])
    runner = CliRunner()
    dan_id = next(lead["id"] for lead in list_leads(filled) if lead["name"] == "Dan Reyes")
    carla_id = next(lead["id"] for lead in list_leads(filled) if lead["name"] == "Carla Mendes")
    r = runner.invoke(cli, ["leads"])
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == [
        f"[{dan_id}] new       Dan Reyes — analytics manager at Lumen Health · dan@lumen.io",
        f"    referred by Ana Lima in {notes['ana']} (2026-02-10); Ben Okafor in {notes['ben']} (2026-03-20)",
        f"    interviewed in {notes['dan']}",
        f"[{carla_id}] new       Carla Mendes — UX lead at Orbit",
        f"    referred by Dan Reyes in {notes['dan']} (2026-03-25)",
    ]
    r = runner.invoke(cli, ["leads", "mark", str(dan_id), "contacted"])
    assert r.exit_code == 0 and r.stdout == "Dan Reyes: contacted\n"
    lines = runner.invoke(cli, ["leads", "--status", "contacted"]).stdout.splitlines()
    assert lines[0] == f"[{dan_id}] contacted Dan Reyes — analytics manager at Lumen Health · dan@lumen.io"
    assert lines[2] == f"    interviewed in {notes['dan']} · last action {date.today().isoformat()}"
    assert runner.invoke(cli, ["leads", "--chain", "Carla Mendes"]).stdout == "Ana Lima → Dan Reyes → Carla Mendes\n"


def test_leads_json_and_csv(filled, notes, monkeypatch):
    monkeypatch.setenv("FIELDNOTES_DB", filled.conn.execute("PRAGMA database_list").fetchone()[2])
    runner = CliRunner()
    rows = json.loads(runner.invoke(cli, ["leads", "--json"]).stdout)
    assert all({"id", "name", "title", "organization", "email", "phone", "status", "referred_by", "sources"} <= set(x) for x in rows)
    dan = rows[0]
    assert dan["name"] == "Dan Reyes" and dan["referred_by"] == "Ana Lima" and dan["sources"] == [str(notes["ana"]), str(notes["ben"])]
    csv_lines = runner.invoke(cli, ["leads", "--format", "csv"]).stdout.splitlines()
    assert csv_lines[0] == "id,name,title,organization,email,phone,status,referred_by,sources,reason"  # new columns go last
    assert csv_lines[1].endswith(f",new,Ana Lima,{notes['ana']};{notes['ben']},")


def test_leads_say_why_to_contact_them(db, tmp_path):
    note = tmp_path / "jo.txt"
    note.write_text("Coffee with Jo Park, nurse manager at Saint Luke's, 3/3\n\nPEOPLE\n"
                    "- Priscilla Vaughn, field education director, for questions about the part-time MSW\n", encoding="utf-8")
    run_notes(db, [note])
    (lead,) = list_leads(db)
    assert lead["reason"] == "about the part-time MSW"
    assert "    why: about the part-time MSW" in leads_text([lead]).splitlines()
