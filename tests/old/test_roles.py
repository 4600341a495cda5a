"""Contact title and organisation as the note writes them: appositives, the line below, prose."""
from __future__ import annotations

import pytest

from pipeline.extract import extract_record
from pipeline.ingest import Note
from pipeline.roles import appositive, prose_role, referral_reason


@pytest.mark.parametrize("rest,title,org", [
    (", SOC Analyst II (Tier 2), Sentinel Ridge Security", "SOC Analyst II", "Sentinel Ridge Security"),
    (" (outpatient renal dietitian, Valley Kidney Care) - 15 min between her pts", "outpatient renal dietitian", "Valley Kidney Care"),
    (" (Wen-Hsuan Lin), FSA — Associate Actuary, Group Life & Disability Pricing, Northfield Mutual",
     "Associate Actuary, Group Life & Disability Pricing", "Northfield Mutual"),
    (", Development Manager @ Larkspur Urban Partners (mixed-use + affordable housing, ~20 staff)", "Development Manager", "Larkspur Urban Partners"),
    (", co-founder & CTO of **Kestrel Robotics**", "co-founder & CTO", "Kestrel Robotics"),
    ("  |  Google Meet, 40 min", None, None),
    (", PharmD, BCPS", None, None),
    ("CRC II, oncology, Lakeshore University Health Cancer Center", "CRC II", "Lakeshore University Health Cancer Center"),
])
def test_appositive_after_a_name(rest, title, org):
    assert appositive(rest) == (title, org)


def test_prose_sentence_about_the_contact():
    text = "I finally had coffee with Monique Dupree today. She's a medical social worker (LCSW) in the NICU at Riverside Children's Hospital, and more."
    assert prose_role(text, ["Monique", "Dupree"]) == ("medical social worker", "Riverside Children's Hospital")
    assert prose_role("Carla is VP of Communications at Tidewater Health, the hospital system.", ["Carla"]) == ("VP of Communications", "Tidewater Health")
    assert prose_role("We met at 9. It was raining.", ["Jo"]) == (None, None)
    assert prose_role("So I'm an associate in the healthcare group at Whitmore Castell, mostly sell-side.", []) == (
        "associate in the healthcare group", "Whitmore Castell")


def _contact(text, **meta):
    note = Note(source="n.txt", text=text, sha256="0", format="txt", metadata={"file_mtime": "2026-03-01", **meta})
    return extract_record(note, None)[0].contact


def test_contact_is_the_person_met_not_the_teacher_or_the_student():
    c = _contact("HSCI 210: Exploring Health Careers\nAssignment 3 (per Dr. Laura Finnegan's instructions)\nStudent: Alex Moreno\n\n"
                 "Interview details\nAlex Moreno interviewed Brianna Calloway, OTR/L, a pediatric occupational therapist at Sunrise "
                 "Pediatric Therapy, an outpatient clinic in Eastgate.\n\nSkills needed\nClinical reasoning.\n")
    assert (c.name, c.title, c.organization) == ("Brianna Calloway", "pediatric occupational therapist", "Sunrise Pediatric Therapy")


def test_title_on_the_line_under_the_name_and_meeting_details_skipped():
    c = _contact("2026-01-22  |  call w/ Chiara Bellucci-Ré  |  Google Meet, 40 min\n"
                 "Senior Localization Project Manager, Verbalis Language Services (Dublin office; remote from Turin)\n\n"
                 "--- typical day ---\n- check the TMS\n")
    assert (c.name, c.title, c.organization) == ("Chiara Bellucci-Ré", "Senior Localization Project Manager", "Verbalis Language Services")


def test_front_matter_title_only_when_it_is_a_job_title():
    assert _contact("Notes\n", contact="Jo Li", title="Senior Data Scientist").title == "Senior Data Scientist"
    assert _contact("Notes\n", contact="Jo Li", title="Coffee chat with Jo").title is None


def test_a_date_line_under_the_heading_is_not_the_organisation():
    c = _contact("# Informational — Keisha Grant, City Forester (City of Millbrook)\n\n**Date:** Tuesday, April 7\n\n## What she does\n- inspections\n")
    assert (c.title, c.organization) == ("City Forester", "City of Millbrook")


def test_referral_roles_come_from_the_same_readers():
    text = ("Call with Tony Saldana\n\nPEOPLE\n- said call Carol Jennings, she's the training director at the JATC, 503-555-0147\n"
            "- His manager, **Kristin Alvarado** (Sr. Manager, Inventory Planning) — he'll ask if she'd do 15 min w/ me.\n")
    refs = {r.name: r for r in extract_record(Note(source="n.txt", text=text, sha256="0", format="txt", metadata={}), None)[0].referrals}
    assert (refs["Carol Jennings"].title, refs["Carol Jennings"].organization) == ("training director", "JATC")
    assert refs["Kristin Alvarado"].title == "Sr. Manager"


@pytest.mark.parametrize("rest,title,org", [
    (" — basketball ops analyst w/ the Summit City Stags (G League). they were in grad school", "basketball ops analyst", "Summit City Stags"),
    (", a federally certified interpreter who mentors new people through NAJIT", "federally certified interpreter", None),
])
def test_referral_appositives(rest, title, org):
    assert appositive(rest.split(". ")[0]) == (title, org)


def test_a_colleague_works_where_the_contact_works():
    text = ("Coffee with Marisol Ochoa, clinical pharmacist @ Mercy Valley Regional\n\nPEOPLE\n"
            "- Dr. Kwame Asante - PGY1 residency director, kasante@mercyvalley.org\n"
            "- Pete Novak - her manager, great to talk to\n- Ana Ruiz - runs a startup, ana@sprout.io\n")
    refs = {r.name: r.organization for r in extract_record(Note(source="n.txt", text=text, sha256="0", format="txt", metadata={}), None)[0].referrals}
    assert refs == {"Dr. Kwame Asante": "Mercy Valley Regional", "Pete Novak": "Mercy Valley Regional", "Ana Ruiz": None}


@pytest.mark.parametrize("title,field", [
    ("Wildlife Biologist", "wildlife biology"),
    ("Senior Localization Project Manager", "localization project management"),
    ("A320 captain", "aviation"),
    ("pediatric occupational therapist", "occupational therapy"),
    ("Data Services Librarian", "library science"),
    ("Director of Development", "development"),
    ("Analyst", None),
    (None, None),
])
def test_field_from_title(title, field):
    from pipeline.roles import field_from_title
    assert field_from_title(title) == field


@pytest.mark.parametrize("part", ["he leads our analytics team", "re spring EMT class", "went to Brightline CRO as a CRA last year",
                                  "and ask the volunteer coordinator if I can help"])
def test_clauses_are_not_titles(part):
    from pipeline.roles import title_like
    assert not title_like(part)


def test_review_regressions_contact_shapes():
    assert _contact("Maria Lopez spoke with me for 30 minutes about her work.\n\nSkills\n- Excel\n").name == "Maria Lopez"
    c = _contact("Met with\tDana\tReyes\n\tAnalyst,\tAcme Labs\n\nSkills\n- Excel\n")
    assert c.title == "Analyst" and c.organization == "Acme Labs"
    assert appositive(", _Data Scientist_, _Acme Labs_") == ("Data Scientist", "Acme Labs")


def test_field_words_are_never_made_up():
    from pipeline.roles import field_from_title
    assert field_from_title("Nurse Practitioner") is None and field_from_title("Bakery Owner") is None
    assert field_from_title("Museum Curator") == "museum curation"


@pytest.mark.parametrize("line,name,reason", [
    ("ask for Jen, pharmacy ops mgr, she does all tech hiring - ext 4410", "Jen", "does all tech hiring"),
    ("Marcus, the training captain - runs ride alongs + CPAT prep on sat mornings. text him", "Marcus", "runs ride alongs + CPAT prep on sat mornings"),
    ("She also mentioned Priscilla Vaughn, the field education director, for questions about the part-time MSW, and said", "Priscilla Vaughn",
     "about the part-time MSW"),
    ("**Rachel Tsai**, senior PM at the housing authority. Good for the public side and how loans work.", "Rachel Tsai", "for the public side"),
    ("And if you want to hear about the CRA side, my old coworker Tyrell Jennings went to a CRO.", "Tyrell Jennings", "about the CRA side"),
    ('Deb in IR — she can tell you about the "other side" + corp jobs. he will', "Deb", 'about the "other side" + corp jobs'),
    ("Talk to Jo Park, she's been there about a year.", "Jo Park", None),  # an amount, not a subject
    ("Greg Tolliver, Metadata Librarian at the State Library.", "Greg Tolliver", None),
    ("Ask Ray about it.", "Ray", None),
    ('talk to Omar Siddiqui, he\'s the volunteer coordinator - "tell him you\'re the one I walked around the park with"', "Omar Siddiqui", None),
])
def test_why_a_referral_is_worth_contacting(line, name, reason):
    i = line.index(name)
    span = referral_reason(line, i, i + len(name))
    assert (line[span[0]:span[1]] if span else None) == reason
