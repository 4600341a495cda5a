"""Extraction logic with a fake model: grounding, traps, injection, long notes, non-ASCII."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.extract import extract_record
from pipeline.ingest import read_note
from pipeline.structure import structure_note

from conftest import NOTES, FakeModel


def _spans(rec):
    for f in ("day_in_life", "skills", "advice", "how_to_get_in", "fit"):
        for it in getattr(rec, f):
            yield it.evidence
    yield from (p.evidence for p in rec.outlook.points)
    yield from (r.evidence for r in rec.referrals)
    yield from (j.evidence for j in rec.job_leads)


def _yes_for(names):
    """A fake model that answers 'yes' to the referral question only for these names."""
    def rule(prompt, options):
        tail = prompt.rsplit("user\n", 1)[-1]
        if options[:2] == ["yes", "no"] and "Person:" in tail:
            return "yes" if any(n in tail.split("\n")[0] for n in names) else "no"
        return options[-1] if "other" in options else options[0]
    return rule


def test_every_item_is_grounded_at_its_offsets():
    note = read_note(NOTES / "traps.txt")
    rec, raw = extract_record(note, FakeModel(_yes_for(["Nguyễn Thị Mai"])))
    spans = list(_spans(rec))
    assert spans and all(s is not None and note.text[s.start:s.end] == s.quote for s in spans)


def test_non_ascii_names_are_exact_and_offsets_right():
    note = read_note(NOTES / "traps.txt")
    rec, _ = extract_record(note, FakeModel(_yes_for(["Nguyễn Thị Mai"])))
    assert rec.contact.name == "Zoë Ødegaard"
    mai = [r for r in rec.referrals if r.name == "Nguyễn Thị Mai"]
    assert mai and note.text[mai[0].evidence.start:mai[0].evidence.end] == "Nguyễn Thị Mai"
    assert mai[0].email == "mai.nguyen@nordlys.io"


def test_mentioned_people_are_not_referrals_even_if_model_says_yes():
    note = read_note(NOTES / "traps.txt")
    everyone = ["Anders", "Don Norman", "Gregor Samsa", "Bob Smith", "Nguyễn Thị Mai"]
    rec, _ = extract_record(note, FakeModel(_yes_for(everyone)))
    names = {r.name for r in rec.referrals}
    assert "Nguyễn Thị Mai" in names
    assert not names & {"Anders", "Don Norman", "Gregor Samsa", "Zoë Ødegaard"}


def test_injection_line_changes_nothing():
    note = read_note(NOTES / "traps.txt")
    rec, _ = extract_record(note, FakeModel(_yes_for(["Nguyễn Thị Mai"])))
    assert all("Bob" not in r.name for r in rec.referrals)
    assert all("evil" not in (r.email or "") for r in rec.referrals)


def test_done_todo_is_marked_and_promises_have_due_dates():
    note = read_note(NOTES / "traps.txt")
    rec, _ = extract_record(note, None)
    done = [p for p in rec.promises if p.done]
    assert [p.action for p in done] == ["connected on LinkedIn"]
    friday = [p for p in rec.promises if "Friday" in p.action]
    assert friday and friday[0].due and friday[0].due > rec.interview_date


def test_long_note_finds_items_far_apart_once():
    note = read_note(NOTES / "long_note.txt")
    assert len(note.text.split()) > 2500
    rec, _ = extract_record(note, FakeModel(_yes_for(["Priya Raman", "Tomasz Wójcik"])))
    names = [r.name for r in rec.referrals]
    assert sorted(names) == ["Priya Raman", "Tomasz Wójcik"]
    assert rec.referrals[1].email == "tomasz.wojcik@example.com" or rec.referrals[0].email == "tomasz.wojcik@example.com"


def test_model_decides_topics_only_where_structure_is_silent():
    note = read_note(NOTES / "traps.txt")
    model = FakeModel(_yes_for([]))
    extract_record(note, model)
    topic_questions = [p for p, opts in model.history if "skills" in opts]
    assert len(topic_questions) <= 3  # headings settle nearly every line of this note


def test_model_topic_decision_is_used_for_unstructured_prose():
    text = "Met Ana Lima today.\n\nClaims files pile up and adjusters phone constantly about disputed repairs.\n"
    layout = structure_note(text)
    assert any(s.topic is None for s in layout.segments)
    from pipeline.ingest import Note
    note = Note(source="x.txt", text=text, sha256="0", format="txt", metadata={"file_mtime": "2026-01-01"})
    model = FakeModel(lambda p, o: "day" if "day" in o else "no")
    rec, raw = extract_record(note, model)
    assert [i.text for i in rec.day_in_life] == ["Claims files pile up and adjusters phone constantly about disputed repairs."]
    assert any(r["prompt"].startswith("topic") for r in raw)


def test_same_input_gives_same_record():
    note = read_note(NOTES / "traps.txt")
    a, _ = extract_record(note, FakeModel(_yes_for(["Nguyễn Thị Mai"])))
    b, _ = extract_record(note, FakeModel(_yes_for(["Nguyễn Thị Mai"])))
    a.extraction = b.extraction = None
    assert a == b


def _note(text, **meta):
    from pipeline.ingest import Note
    return Note(source="n.txt", text=text, sha256="0", format="txt", metadata={"file_mtime": "2026-01-01", **meta})


def test_contact_header_drops_credentials_and_non_org_text():
    rec, _ = extract_record(_note("Chat w/ Renee Castillo RN - hospice nurse, met at the open house sat\n\nSKILLS\n- charting\n"), None)
    assert rec.contact.name == "Renee Castillo"
    assert rec.contact.organization is None


def test_promises_in_the_contacts_own_email_are_not_the_seekers():
    text = ("From: Bea Lowell <bea@museum.org>\nTo: Sam Kim <sam@mail.com>\nDate: Fri, 16 Jan 2026 10:00:00 -0500\n"
            "Subject: notes\n\nHi Sam,\n\nI will be honest: curatorial jobs are scarce.\nI'll send you the fellowship link.\n\nBea\n")
    rec, _ = extract_record(_note(text), None)
    assert rec.contact.name == "Bea Lowell"
    assert rec.promises == []


def test_contact_verb_is_not_part_of_a_name():
    from pipeline.people import find_names
    assert [m.name for m in find_names("- Ping Devon about the Kestrel intro")] == ["Devon"]


def test_openings_titles_are_spans_with_roman_numerals_and_todo_mentions():
    from pipeline.openings import find_opening, opening_title
    op = find_opening("Actually, we have a CRC I opening on my team right now.", None, 2026)
    assert op and op.title == "CRC I"
    assert opening_title("- apply to Infrastructure Support Engineer when it opens") == "Infrastructure Support Engineer"
    assert opening_title("I'm not the hiring manager, ask her") is None
    rec, _ = extract_record(_note("Chat with Ana Lima\n\nTODO\n- apply to Junior Data Analyst posting by 3/20\n- [x] apply to Senior Data Engineer posting\n"), None)
    assert [j.title for j in rec.job_leads] == ["Junior Data Analyst"]
    assert rec.job_leads[0].deadline == "2026-03-20"


def test_market_talk_and_peoples_titles_are_not_job_leads():
    text = ("Chat with Ana Lima\n\nOUTLOOK\nFederal hiring is frozen; when the DNR posted a Wildlife Biologist job last year it got 200 applicants.\n"
            "Consultants are hiring Planning Technicians everywhere.\n\n"
            "GETTING IN\nYou need a bachelor's from an AMTA-approved program and a 6-month clinical internship.\n\n"
            "PEOPLE\n- Kwame Asante, PMM at Ferngrove. Tell him I sent you, we were in the same APM cohort.\n\n"
            "PEOPLE\n- Lena Ortiz — Content Design Manager, Fernway. Hiring manager for the contract role.\n\n"
            "GETTING IN\nAlmost everyone comes from our summer program. So for you it's the 2027 summer analyst program. "
            "Applications open in January and close 1/31.\n")
    rec, _ = extract_record(_note(text), None)
    assert len(rec.job_leads) == 1 and "summer analyst" in rec.job_leads[0].title
    lead = rec.job_leads[0]
    assert text[lead.evidence.start:lead.evidence.end] == lead.title and lead.deadline == "2026-01-31"


def test_sentiment_reads_an_explicit_verdict_before_counting_words():
    from pipeline.extract import lexicon_sentiment
    assert lexicon_sentiment("Sobering. Demand is growing in the private sector, lots of hiring.") == "negative"
    assert lexicon_sentiment("She was realistic. Agency PR pays badly and burns people out. Overall she sounded upbeat.") == "positive"
    assert lexicon_sentiment("Worried + hopeful at the same time. Rates dropped.") == "mixed"
    assert lexicon_sentiment("Rates dropped, layoffs everywhere, budgets cut.") == "negative"
    assert lexicon_sentiment("Yes. A lot of us are retiring. Some hospitals outsourced. Pay is decent, not amazing.") == "positive"
    assert lexicon_sentiment("I keep reading about layoffs. Yeah, it's rough right now. Branded shows are hiring though.") == "negative"
    assert lexicon_sentiment("outlook meh, colony losses ~40%/yr, but pollination $$ steady") == "mixed"
    assert lexicon_sentiment("I keep reading about layoffs. Yeah. Mixed, let's say. Hiring is up at vendors.") == "mixed"
    assert lexicon_sentiment("Marcus was pretty even-handed about it. Rates were low, now it is steady but not booming.") == "neutral"
    assert lexicon_sentiment("Right now it's busy. More calls than people. That's the good side. The other side is it's cyclical.") == "mixed"


def test_the_long_run_is_the_outlook():
    text = ("Hi Marcus,\n\nTo your questions:\n\nRe: openings, we have two spots.\n\n"
            "And since you asked about the long run: the next couple of years are a little bumpy for new projects.\n")
    rec, _ = extract_record(_note(text), None)
    assert [p.text for p in rec.outlook.points] == [
        "And since you asked about the long run: the next couple of years are a little bumpy for new projects."]


def test_a_prose_paragraph_keeps_its_topic_without_a_model():
    text = ("Coffee with Ana Lima (nurse manager).\n\nWe met at the hospital cafe before her shift.\n\n"
            "I asked about the outlook and she was blunt. Nurses with two years on a med-surg floor get several offers. "
            "Travel contracts dried up after the pandemic boom.\n\nTODO\n- thank-you note to Ana\n")
    rec, _ = extract_record(_note(text), None)
    assert [p.text for p in rec.outlook.points][-1] == "Travel contracts dried up after the pandemic boom."


def test_greetings_subjects_and_the_writer_are_not_referrals():
    text = ("Student: Alex Moreno\n\nAlex Moreno interviewed Brianna Calloway, a pediatric occupational therapist at Sunrise.\n\n"
            "PEOPLE\nBrianna suggested that Alex contact Dr. Imani Reyes about admissions.\n"
            "Ask any librarian about Dewey, we all have opinions.\n"
            "Your professor is right, by the way, tell Dr. Whitlow I said hello.\n"
            "- Also Mei-Lin Cho, a federally certified interpreter who mentors new people.\n")
    rec, _ = extract_record(_note(text), None)
    assert [r.name for r in rec.referrals] == ["Dr. Imani Reyes", "Mei-Lin Cho"]
    assert rec.contact.name == "Brianna Calloway"


def test_the_intro_maker_and_people_who_left_are_not_leads():
    text = ("# Informational — Keisha Grant, City Forester (City of Millbrook)\n\n**Intro:** my arboriculture instructor at the CC, Mr. Pruitt\n\n"
            "## People\n- Omar Siddiqui, volunteer coordinator at Millbrook ReLeaf, omar@millbrookreleaf.org\n"
            "- her old boss at the tree company, Jim Kessler, taught her to climb but he sold the company and retired\n"
            "- And if you want the CRA side, my old coworker Tyrell Jennings went to Brightline CRO, talk to him\n")
    rec, _ = extract_record(_note(text), None)
    assert [r.name for r in rec.referrals] == ["Omar Siddiqui", "Tyrell Jennings"]


def test_numbers_interjections_languages_and_initials_are_not_names():
    from pipeline.people import find_names
    text = ("Nine years teaching chemistry counts. Ha, that's fair. They hire German LQA testers. "
            "Email Dr. V about it. Talk to Kendra Oyelaran.")
    assert [m.name for m in find_names(text)] == ["Kendra Oyelaran"]


def test_told_me_to_email_is_a_referral_and_mere_mentions_are_not():
    text = ("Drove out to meet Zoë Kowal, the quality manager.\n\n"
            "She also told me to email Kendra Oyelaran, the lab manager at Saugatuck Cider (kendra@saugatuckcider.com).\n"
            "He recommended *The Goal* by Eliyahu Goldratt, a novel about a factory.\n"
            "She brought up Edward Abbey like 3 times, said read it before any interview.\n"
            "Hideo Kojima games are an LQA nightmare.\n\n"
            "Contacts:\n- [x] ask Prof. Lindqvist if she'll be a reference\n")
    rec, _ = extract_record(_note(text), None)
    assert [r.name for r in rec.referrals] == ["Kendra Oyelaran"]


def test_the_speakers_own_friend_is_a_lead_when_they_say_to_email_her():
    turns = [("Lena", "Who else should I talk to?"),
             ("Bethany", "If you want to know about the leveling route, email my friend Dr. Deepa Venkataraman at UW, deepa.v@uwm.edu."),
             ("Lena", "Thanks! And what's a typical day like?"), ("Bethany", "Sessions all morning, notes after lunch."),
             ("Lena", "My friend Omar Haddad said the same."), ("Bethany", "Ha, he's right.")]
    text = "\n".join(f"{who}: {said}" for who, said in turns) + "\n"
    rec, _ = extract_record(_note(text), None)
    assert [r.name for r in rec.referrals] == ["Dr. Deepa Venkataraman"]
    assert rec.referrals[0].reason == "about the leveling route"


def test_front_matter_org_key_and_abbreviated_titles():
    rec, _ = extract_record(_note("Notes\n\nskills: Excel\n", contact="Rafael Amundsen", org="St. Brigid Regional Medical Center"), None)
    assert rec.contact.organization == "St. Brigid Regional Medical Center"
    rec, _ = extract_record(_note("# Harriet Okonkwo-Bell (Assoc. Registrar, Ferris Valley Museum of Art) — coffee, Feb 28\n\nmet at the café.\n"), None)
    assert (rec.contact.title, rec.contact.organization) == ("Assoc. Registrar", "Ferris Valley Museum of Art")


@pytest.mark.parametrize("text,contact", [
    ("# Informational interview — corporate paralegal\n\n**Who:** Adaeze Okafor, Senior Corporate Paralegal, Whitcombe & Rhys LLP (Chicago)\n"
     "**When:** Feb 24, 2026, phone\n\n## Notes\nShe runs closings.\n",
     ("Adaeze Okafor", "Senior Corporate Paralegal", "Whitcombe & Rhys LLP")),
    ("CAREER SERVICES - ADVISING NOTE\nStudent: Jordan Whitfield (MDiv, 2nd year)        Advisor: K. Alvarez\n"
     "Date of advising appt: 02/19/2026                 Type: informational interview debrief\n\n"
     "Student met with Rev. Dr. Angela Osterhout, Director of Spiritual Care at Cedar Valley Hospice, on Tuesday 2/17/2026.\n",
     ("Angela Osterhout", "Director of Spiritual Care", "Cedar Valley Hospice")),
    ("MAYA: Okay, it's recording. Informational chat with An from Tidewater Audio.\n"
     "AN: Hi Maya. For the record, Nguyễn Văn An, senior producer at Tidewater Audio. Everyone calls me An.\n"
     "MAYA: What does a senior producer actually do?\nAN: I oversee two weekly shows.\n"
     "MAYA: How did you get in?\nAN: I interned, then freelanced.\n",
     ("Nguyễn Văn An", "senior producer", "Tidewater Audio")),
    ("3/26 call w/ dale kerrigan (owner, ~4k hives) 🐝\n- day = hive checks, feeding, mite counts\n", ("dale kerrigan", "owner", None)),
])
def test_contact_in_labels_advisor_notes_short_speaker_labels_and_lower_case(text, contact):
    rec, _ = extract_record(_note(text), None)
    assert (rec.contact.name, rec.contact.title, rec.contact.organization) == contact


def test_email_signature_with_credentials_and_a_pipe():
    text = ("From: Rachel Nakamura <rnakamura@stlukesmc.org>\nTo: Luis Ortega <luis@example.com>\nSubject: Re: BMET questions\n\n"
            "Hi Luis,\n\nHappy to help.\n\nRachel\n\nRachel Nakamura, CBET\nLead Biomedical Equipment Technician | Healthcare Technology Management\n"
            "St. Luke's Medical Center\nOffice: (414) 555-0123\n\n"
            "- You mentioned your old sergeant Brian Kowalski. He tried BMET work here but left to go into HVAC, so he's not really the right person.\n")
    rec, _ = extract_record(_note(text), None)
    assert (rec.contact.name, rec.contact.title, rec.contact.organization) == (
        "Rachel Nakamura", "Lead Biomedical Equipment Technician", "St. Luke's Medical Center")
    assert rec.referrals == []


def test_opening_titles_deadlines_and_what_is_not_an_opening():
    from datetime import date
    from pipeline.openings import find_opening, opening_title
    assert opening_title("we've got two Wind Technician I spots at Prairie Crest, the posting closes March 20") == "Wind Technician I"
    assert opening_title("Submit CPE residency application by March 31.") == "CPE residency"
    assert find_opening("Our HTM manager, Yolanda, would be the person to talk to about the hiring side.", None, 2026) is None
    assert find_opening("A lot of new hires wash out on their first climb, Mid-Plains Tech runs a class.", None, 2026) is None
    line = ("Straight from school is possible through the firm's Forensic Associate program, they hire a small class every fall. "
            "Apps for the fall 2026 class close April 9th, posting is at halvorsenkline.com/careers/forensic-associate.")
    op = find_opening(line, date(2026, 3, 10), 2026)
    assert (op.title, op.deadline) == ("Forensic Associate program", "2026-04-09")


def test_the_askers_own_promises_in_a_transcript_one_per_action():
    turns = [("Maya", "What does a producer do?"), ("An", "I book guests and cut tape. I'll drop the link in chat."),
             ("Maya", "How do people get in?"), ("An", "Our fellowship, applications are due 5/1."),
             ("Maya", "Okay, I'll send you my sample by Thursday, apply before May 1st, and email Farah."),
             ("An", "Perfect.")]
    text = "\n".join(f"{who}: {said}" for who, said in turns) + "\n"
    rec, _ = extract_record(_note(text), None)
    assert [p.action for p in rec.promises] == ["Okay, I'll send you my sample by Thursday", "apply before May 1st", "email Farah"]
    assert all(text[p.evidence.start:p.evidence.end] == p.action for p in rec.promises)


def test_a_listed_todo_line_splits_only_at_actions():
    from pipeline.extract import _action_parts
    line = "thank-you email to Zoë tonight, resume to her by Friday, email Kendra this weekend, and look into ASBC"
    assert [line[a:b] for a, b in _action_parts(line)] == ["thank-you email to Zoë tonight, resume to her by Friday",
                                                            "email Kendra this weekend", "look into ASBC"]
    one = "email Greg and ask about the roster"
    assert [one[a:b] for a, b in _action_parts(one)] == [one]


def test_role_titles_pronoun_appositives_and_a_former_coworker_to_talk_to():
    text = ("Met Angela Osterhout, Director of Spiritual Care.\n\nPeople:\n"
            "  * Chaplain Marcus Bell, staff chaplain, came from banking - she suggested I shadow him. Direct line (608) 555-0142.\n"
            "  * Shreya = Angela's former coworker, now in-house; Angela said to talk to her about the legal dept route\n\n"
            "Yeah, a couple people to talk to. Bongani Dlamini, he's a landscape architect at the Parks Bureau, bd@parks.example.\n"
            "My old boss Tom Beckwith quit forensics years ago; talk to Jane Roe instead.\n")
    rec, _ = extract_record(_note(text), None)
    assert [r.name for r in rec.referrals] == ["Chaplain Marcus Bell", "Shreya", "Bongani Dlamini", "Jane Roe"]


def test_a_jobs_list_and_a_lower_case_todo_line():
    text = ("notes from call w corinne whitebear (park naturalist @ Bluestem Lakes State Park) jan 9\n\n"
            "contacts:\n- Dale at the district office, does seasonal hiring, (608) 555-0192, call don't email\n\n"
            "jobs:\n- WI DNR seasonal naturalist, apps due Feb 28, on wisc.jobs\n- Apostle Islands seasonal interp ranger, usajobs.gov\n\n"
            "todo: call Dale next week. thank you email. apply seasonal naturalist by 2/28. read Desert Solitaire, e.g. chapter one\n")
    rec, _ = extract_record(_note(text), None)
    assert [(j.title, j.deadline) for j in rec.job_leads] == [("WI DNR seasonal naturalist", "2026-02-28"),
                                                               ("Apostle Islands seasonal interp ranger", None)]
    assert [p.action for p in rec.promises] == ["call Dale next week", "thank you email", "apply seasonal naturalist by 2/28",
                                                "read Desert Solitaire, e.g. chapter one"]
    assert rec.contact.name == "corinne whitebear"


def test_leads_and_mere_mentions_on_fresh_notes():
    text = ("# Informational interview: Imani Okafor-Reyes\n\n"
            "## Who to talk to\n- **Keisha Brandt**, student midwife at Frontier - 415-555-0198 (text first)\n"
            "- She mention also Priyanka from their vendor risk team, but she is leaving the company end of month, so better not contact her\n\n"
            "He also suggested I talk to his former colleague Jamal Whitley, who now does international freight.\n"
            "The person I learned most from is my friend Leah Feld, a researcher at Brightpath, you should talk to her.\n"
            "I was going to say my old manager Marcus Bell too, but he's on parental leave, so please don't reach out to him.\n"
            "Two interviews over Zoom, then synthesis in Miro, then a readout.\n\n"
            "**Q: Anyone else I should talk to?**\nA: Nkechi Obi, their data modernization lead - nobi@county.example\n")
    rec, _ = extract_record(_note(text), None)
    assert [r.name for r in rec.referrals] == ["Keisha Brandt", "Jamal Whitley", "Leah Feld", "Nkechi Obi"]


def test_a_title_heading_without_a_topic_leaves_the_lines_to_their_cues():
    text = ("# Info interview - Dr. Siobhan Achterberg (epidemiology)\nFri Feb 27, 30 min, phone.\n\n"
            "She said the outlook is good, demand is growing since the pandemic.\n\n"
            "**Q: What's a typical day?**\nA: Morning data pull from the state system, then case interviews by phone.\n")
    rec, _ = extract_record(_note(text), None)
    assert [i.text for i in rec.day_in_life] == ["A: Morning data pull from the state system, then case interviews by phone."]
    assert [p.text for p in rec.outlook.points] == ["She said the outlook is good, demand is growing since the pandemic."]


@pytest.mark.parametrize("text,meta,contact", [
    ("Notes\n\nskills: Excel\n", {"contact": "Imani Okafor-Reyes, CNM", "org": "Bayview Birth Center"},
     ("Imani Okafor-Reyes", None, "Bayview Birth Center")),
    ("From: Lorna <lorna@stride-op.com>\nTo: Ben Adeyemi <ben@fastmail.com>\nSubject: Re: Intro\n\nHi Ben,\n\nGreat talking today!\n\n"
     "Lorna Ní Bhriain, CPO\nClinical Manager\nStride Orthotics & Prosthetics\n503-555-0143\n", {},
     ("Lorna Ní Bhriain", "Clinical Manager", "Stride Orthotics & Prosthetics")),
    ("From: Carmen Reyes-Walsh <carmen@gmail.com>\nTo: Dana Whitfield <dwhitfield@lakeshorecc.edu>\nSubject: Notes from my interview\n\n"
     "Hi Dana,\n\nHere is my write-up of the informational interview I had on Wednesday (March 11) with Marcus Oyelaran. "
     "Marcus is a Senior Freight Broker at Ridgeline Logistics in Chicago.\n", {},
     ("Marcus Oyelaran", "Senior Freight Broker", "Ridgeline Logistics")),
    ("# Info interview - Dr. Siobhan Achterberg (epidemiology)\nFri Feb 27, 30 min, phone. Senior Epidemiologist, Cedar County Health.\n\n"
     "Found her through the county website.\n", {}, ("Siobhan Achterberg", "Senior Epidemiologist", "Cedar County Health")),
])
def test_contact_from_front_matter_signatures_write_ups_and_the_line_below(text, meta, contact):
    rec, _ = extract_record(_note(text, **meta), None)
    assert (rec.contact.name, rec.contact.title, rec.contact.organization) == contact
