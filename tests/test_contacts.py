"""Contacts: phones as E.164 in leads and people CSV, vCard 4.0 read back by vobject, LinkedIn's
Connections.csv matched with leads and applied in one transaction, `people` with roles."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli

HERE = Path(__file__).parent / "contacts"
NOTES = [HERE / "priya_raman.md", HERE / "tomas_ibanez.txt"]
CONNECTIONS = HERE / "Connections.csv"


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def contacts_db(tmp_path):
    db = tmp_path / "c.db"
    result = invoke("run", *NOTES, "--db", db, "--no-llm")
    assert result.exit_code == 0, result.output
    return db


def csv_rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def leads_by_name(db) -> dict[str, dict]:
    return {r["name"]: r for r in json.loads(invoke("leads", "--db", db, "--json").output)}


def test_phones_written_in_notes_are_e164_in_leads_and_people_csv(contacts_db):
    leads = {r["name"]: r for r in csv_rows(invoke("leads", "--db", contacts_db, "--csv").output)}
    # "+44 20 7946 0958" and "415.555.0199" in the note; the leading ' keeps them text in a spreadsheet
    assert leads["Tomás Ibáñez"]["phone"] == "'+442079460958"
    assert leads["Mei Lin"]["phone"] == "'+14155550199"
    people = {r["name"]: r for r in csv_rows(invoke("people", "--db", contacts_db, "--csv").output)}
    assert people["Priya Raman"]["phone"] == "'+14155550134"  # "(415) 555-0134", the contact's own
    assert json.loads(invoke("show", "priya_raman.md", "--db", contacts_db, "--json").output)["contact"]["phone"] == "+14155550134"


def test_a_phone_set_by_hand_is_stored_as_e164(contacts_db):
    assert invoke("edit", "priya_raman.md", "--db", contacts_db, "--set", "contact.phone=(415) 555-0100").exit_code == 0
    assert json.loads(invoke("show", "priya_raman.md", "--db", contacts_db, "--json").output)["contact"]["phone"] == "+14155550100"
    people = {r["name"]: r for r in json.loads(invoke("people", "--db", contacts_db, "--json").output)}
    assert people["Priya Raman"]["phone"] == "+14155550100"


def test_leads_as_vcard_4_read_back_by_vobject(contacts_db):
    import vobject

    text = invoke("leads", "--db", contacts_db, "--format", "vcard").stdout_bytes.decode("utf-8")
    assert text.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n")  # RFC 6350: CRLF, VERSION right after BEGIN
    cards = {c.fn.value: c for c in vobject.readComponents(text)}
    assert set(cards) == {"Tomás Ibáñez", "Mei Lin", "Zoë"}
    tomas = cards["Tomás Ibáñez"]
    assert tomas.version.value == "4.0"
    assert (tomas.n.value.given, tomas.n.value.family) == ("Tomás", "Ibáñez")
    assert tomas.email.value == "tomas.ibanez@contoso.com"
    assert tomas.tel.value == "tel:+442079460958" and tomas.tel.params["VALUE"] == ["uri"]
    assert tomas.org.value == ["Contoso"]
    assert tomas.note.value.startswith("Referred by Priya Raman (") and "priya_raman.md, 2026-03-02" in tomas.note.value
    assert cards["Mei Lin"].tel.value == "tel:+14155550199"
    again = {c.fn.value: c.uid.value for c in vobject.readComponents(invoke("leads", "--db", contacts_db, "--format", "vcard").output)}
    assert again["Mei Lin"] == cards["Mei Lin"].uid.value  # importing again updates, never duplicates


def test_linkedin_export_is_read_past_its_preamble():
    from pipeline.ingest.linkedin import read_linkedin_connections

    rows = read_linkedin_connections(CONNECTIONS)
    assert [r.name for r in rows] == ["Tomás Ibáñez", "Mei Lin", "Zoë Kowalski", "Priya Raman", "Jordan Lee"]
    mei = rows[1]
    assert (mei.email, mei.company, mei.position, mei.connected_on) == ("mei.lin@fabrikam.com", "Fabrikam", "Data Engineer", "2025-01-02")
    assert rows[0].email is None and rows[-1].company == "Acme, Inc."


def test_import_linkedin_matches_leads_and_fills_what_the_notes_left_empty(contacts_db):
    result = invoke("import", "linkedin", CONNECTIONS, "--db", contacts_db, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["connections"] == 5 and summary["added"] == 5 and len(summary["matched"]) == 3
    leads = leads_by_name(contacts_db)
    assert leads["Mei Lin"]["email"] == "mei.lin@fabrikam.com" and leads["Mei Lin"]["title"] == "Data Engineer"
    tomas = leads["Tomás Ibáñez"]
    assert tomas["organization"] == "Contoso" and tomas["title"] == "Analytics Manager"  # the note's organisation stays
    assert tomas["linkedin"] == "https://www.linkedin.com/in/tomas-ibanez"
    assert "Zoë Kowalski" in leads and leads["Zoë Kowalski"]["email"] == "zoe.k@fabrikam.com"  # same e-mail: the full name
    again = json.loads(invoke("import", "linkedin", CONNECTIONS, "--db", contacts_db, "--json").output)
    assert again["added"] == 0 and again["filled"] == {"email": 0, "organization": 0, "title": 0}
    from pipeline.store import open_db

    conn = open_db(contacts_db)
    assert conn.execute("SELECT COUNT(*), COUNT(person_id) FROM connections").fetchone() == (5, 3)
    assert ("person_id", "people") in {(fk.column, fk.other_table) for fk in conn["connections"].foreign_keys}


def test_two_connections_that_could_be_one_lead_leave_it_alone(contacts_db):
    result = invoke("import", "linkedin", HERE / "Connections_twins.csv", "--db", contacts_db)
    assert result.exit_code == 0 and "left alone" in result.output and "Mei Lin" in result.output
    assert leads_by_name(contacts_db)["Mei Lin"]["title"] is None


def test_import_is_one_transaction(contacts_db, monkeypatch):
    from pipeline.store import connections

    before = leads_by_name(contacts_db)
    calls = []

    def fail_on_second(*args):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk gone")
        return real(*args)

    real = connections._fill
    monkeypatch.setattr(connections, "_fill", fail_on_second)
    result = invoke("import", "linkedin", CONNECTIONS, "--db", contacts_db)
    assert result.exit_code != 0
    monkeypatch.undo()
    assert leads_by_name(contacts_db) == before
    from pipeline.store import open_db

    assert open_db(contacts_db).execute("SELECT COUNT(*) FROM connections").fetchone()[0] == 0


def test_a_file_that_is_not_linkedins_export_is_one_line(tmp_path, contacts_db):
    other = tmp_path / "contacts.csv"
    other.write_text("Name,Phone\nDana,555\n", encoding="utf-8")
    result = invoke("import", "linkedin", other, "--db", contacts_db)
    assert result.exit_code == 1 and "not LinkedIn's Connections.csv" in result.output and "Traceback" not in result.output


def test_people_lists_everyone_with_their_role(contacts_db):
    invoke("import", "linkedin", CONNECTIONS, "--db", contacts_db)
    people = {r["name"]: r for r in json.loads(invoke("people", "--db", contacts_db, "--json").output)}
    assert set(people) == {"Priya Raman", "Tomás Ibáñez", "Mei Lin", "Zoë Kowalski"}
    assert people["Priya Raman"]["role"] == ["contact"] and people["Priya Raman"]["lead_id"] is None
    assert people["Priya Raman"]["linkedin"] == "https://www.linkedin.com/in/priyaraman"
    assert people["Tomás Ibáñez"]["role"] == ["contact", "referral"]  # interviewed in one note, referred in another
    assert len(people["Tomás Ibáñez"]["notes"]) == 2
    assert people["Mei Lin"]["role"] == ["referral"] and people["Mei Lin"]["referred_by"] == ["Priya Raman"]
    contacts = json.loads(invoke("people", "--db", contacts_db, "--role", "contact", "--json").output)
    assert [p["name"] for p in contacts] == ["Priya Raman", "Tomás Ibáñez"]
    assert len(json.loads(invoke("people", "--db", contacts_db, "--json", "--limit", "1").output)) == 1
    table = invoke("people", "--db", contacts_db).output
    assert table.splitlines()[0].split() == ["name", "role", "title", "organization", "email", "phone", "status"]
