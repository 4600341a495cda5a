"""Deterministic structure and skill phrases: headings in their many shapes, lead-ins,
transcript questions, where the preamble ends, and skill heads cut from explained lines."""
from __future__ import annotations

import pytest

from pipeline.skills import skill_spans
from pipeline.structure import heading_topic, question_topic, structure_note


def _topics(text):
    layout = structure_note(text)
    return {s.text: s.topic for s in layout.segments}, layout


@pytest.mark.parametrize("heading,topic", [
    ("--- skills she said matter ---", "skills"),
    ("Skills needed", "skills"),
    ("A typical day", "day_in_life"),
    ("How to get hired", "how_to_get_in"),
    ("## How people get in", "how_to_get_in"),
    ("HOW PEOPLE GET IN", "how_to_get_in"),
    ("what they want in ppl:", "skills"),
    ("ppl to talk to:", "people"),
    ("=== Outlook ===", "outlook"),
    ("Next:", "todo"),
    ("### Next", "todo"),
    ("## What's the job market like?", "outlook"),
    ("3. Is it a good field to get into?", "outlook"),
    ("5. Do I have a shot with my background?", "fit"),
    ("Context for future me:", "fit"),
    ("## My homework", "todo"),
])
def test_heading_shapes_give_their_topic(heading, topic):
    topics, _ = _topics(f"Met Ana Lima.\n\n{heading}\n- first point about it here\n")
    assert topics["first point about it here"] == topic


def test_a_lead_in_line_before_bullets_heads_them():
    text = ("Coffee with Ana Lima.\n\nWe talked for an hour about her work and the unit.\n\n"
            "When I asked about skills, she listed:\n- crisis intervention\n- boundaries\n\n"
            "Her advice to me, since I'm coming from five years of teaching:\n- get the MSW\n")
    topics, _ = _topics(text)
    assert topics["crisis intervention"] == topics["boundaries"] == "skills"
    assert topics["get the MSW"] == "advice"


def test_a_lead_in_needs_a_topic_word_not_just_me():
    topics, _ = _topics("Met Ana Lima.\n\nShe talked for a while.\n\nThings he told me:\n- the pay is fine\n")
    assert topics["the pay is fine"] != "fit"


def test_a_lead_in_without_bullets_is_just_a_sentence():
    topics, layout = _topics("Met Ana.\n\nWe spoke about skills, and she listed:\nplenty of things in one long paragraph.\n")
    assert not any(s.kind == "heading" for s in layout.segments)


def test_earliest_keyword_decides_a_question():
    assert question_topic("What skills matter most to get hired?") == "skills"
    assert question_topic("How does hiring work at Whitmore?") == "how_to_get_in"
    assert question_topic("What do you look for when hiring?") == "skills"
    assert heading_topic("Referrals and follow-up") == "people"


def test_the_seekers_whole_turn_and_follow_ups_set_the_answer_topic():
    turns = ["Ana: Thanks for making time today.", "Bo: Happy to help.",
             "Ana: I've heard the job market is really tough. Is that true?", "Bo: It is mixed right now.",
             "Ana: What does a normal day look like?", "Bo: Meetings until noon.",
             "Ana: And how long are the shifts?", "Bo: Twelve hours most days.",
             "Ana: Do you have a favorite book?", "Bo: Moby Dick, for sure."]
    topics, _ = _topics("\n".join(turns) + "\n")
    assert topics["It is mixed right now."] == "outlook"
    assert topics["Twelve hours most days."] == "day_in_life"
    assert topics["Moby Dick, for sure."] is None  # an unrelated question leaves the answer open


def test_prose_without_headings_keeps_its_content_after_the_intro():
    text = ("Thursday, April 9\n\nI finally had coffee with Monique Dupree today. She's a social worker.\n\n"
            "She starts with the unit huddle and then does assessments all morning.\n\n"
            "Demand is high everywhere and the county is hiring.\n\nThings to do:\n- thank-you note\n")
    layout = structure_note(text)
    assert layout.body_start == text.index("She starts")


@pytest.mark.parametrize("line,prose,expected", [
    ("mechanical aptitude - knowing how stuff works, pumps, saws, the truck", False, ["mechanical aptitude"]),
    ("GIS, mostly ArcGIS Pro, some QGIS. Mapping roosts, buffers around project sites.", False, ["GIS"]),
    ("technical depth in EE (signal processing, circuits) — you have to understand it", False, ["technical depth in EE"]),
    ("cleanings, x-rays, perio charting, pt education", False, ["cleanings", "x-rays", "perio charting", "pt education"]),
    ("CAT tools: memoQ and Trados Studio. Learn both", False, ["CAT tools"]),
    ("tools: Excel, SQL, Tableau", False, ["Excel", "SQL", "Tableau"]),
    ("basic regex + spreadsheets; she uses regex in memoQ QA all day", False, ["regex", "spreadsheets"]),
    ("BLS/ACLS required before your first shift", False, ["BLS/ACLS"]),
    ("honestly being a good roommate. \"we live together\"", False, ["being a good roommate"]),
    ("Then valuation, DCF and comps, and Excel modeling.", True, ["valuation", "DCF and comps", "Excel modeling"]),
    ("She said a little Python goes a long way.", True, []),
    ("According to Brianna, the most important skills are clinical reasoning (figuring out why), activity analysis, "
     "and communication with parents, who are often stressed.", True, ["clinical reasoning", "activity analysis", "communication with parents"]),
    ("lifting 80lb boxes, forklift, queen rearing, CDL helps a lot", False, ["lifting 80lb boxes", "forklift", "queen rearing", "CDL"]),
    ("Learn both, freelancers are expected to know them", False, []),
    ("writing in general, clear + precise + fast", False, ["writing in general"]),
    ("She said the skills that matter most are attention to detail, organization, and Excel.", True,
     ["attention to detail", "organization", "Excel"]),
    ('Then data cleaning (OpenRefine, some Python/pandas) and "metadata"', False, ["data cleaning", "OpenRefine", "Python/pandas"]),
    ("voice and tone (errors, money, anything scary)", False, ["voice and tone"]),
    ("juggling vendors (17+, juggling 40 vendors)", False, ["juggling vendors"]),
])
def test_skill_phrases_are_the_heads_of_their_lines(line, prose, expected):
    assert [line[a:b] for a, b in skill_spans(line, prose)] == expected


def test_q_and_a_notes_and_the_writers_own_lines():
    text = ("Chat with Dana Reyes, nurse manager at Saint Luke's Hospital, 3/3\n\n"
            "Q: What skills matter most?\nA: Critical thinking, time management, and Epic charting.\n\n"
            "Q: How do people get hired?\nA: Most new grads come through the nurse residency program; applications open in February.\n\n"
            "Q: Who else should I talk to?\nA: Talk to Mark Chen in HR, mark.chen@stlukes.org.\n\n"
            "Me: I liked the pace, not sure about nights.\n")
    topics, layout = _topics(text)
    assert layout.is_transcript
    assert topics["Critical thinking, time management, and Epic charting."] == "skills"
    assert topics["I liked the pace, not sure about nights."] is None  # left to the cues (fit), not the people answer


def test_teams_export_with_the_speaker_on_its_own_line():
    turns = [("Sam Lee", "Thanks for making time. What does a typical day look like for you?"),
             ("Priya Shah", "Mostly I maintain our Airflow pipelines and review pull requests."),
             ("Sam Lee", "What skills should I focus on?"), ("Priya Shah", "SQL first, then Python. Learn dbt."),
             ("Sam Lee", "How's the job market?"), ("Priya Shah", "Honestly it's tough for juniors right now."),
             ("Sam Lee", "Anyone else I should talk to?"), ("Priya Shah", "Reach out to Omar Haddad, he leads our analytics team.")]
    text = "Chat with Priya Shah\n\n" + "".join(f"[10:0{i}] {who}\n{said}\n\n" for i, (who, said) in enumerate(turns))
    topics, layout = _topics(text)
    assert layout.is_transcript and {"Sam Lee", "Priya Shah"} <= set(layout.speakers)
    assert topics["SQL first, then Python."] == "skills"
    assert topics["Honestly it's tough for juniors right now."] == "outlook"
    assert not any(s.text.startswith("[10:0") for s in layout.segments)


def test_a_date_and_time_line_does_not_take_over_a_name_colon_transcript():
    turns = "\n".join(f"{who}: {said}" for who, said in [
        ("Alex", "What does a typical day look like?"), ("Priya", "Standups and pipeline reviews."),
        ("Alex", "What skills matter?"), ("Priya", "SQL and Python."), ("Alex", "How is the market?"),
        ("Priya", "Tough for juniors."), ("Alex", "Anyone else?"), ("Priya", "Talk to Omar Haddad.")])
    topics, layout = _topics("Coffee chat\nTuesday 3:30 PM\n\n" + turns + "\n")
    assert layout.is_transcript and "Tuesday" not in layout.speakers
    assert topics["SQL and Python."] == "skills"


def test_adversarial_lines_grow_linearly_not_quadratically():
    """Work on a 10x longer line must grow about 10x (it grew ~100x when a regex rescanned the line);
    a ratio, min of 3 runs, so a loaded machine does not make it flaky."""
    import time
    from pipeline.extract import extract_record
    from pipeline.ingest import Note

    def cost(text, meta=None):
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            extract_record(Note(source="x.txt", text=text, sha256="0", format="txt", metadata=meta or {}), None)
            runs.append(time.perf_counter() - start)
        return min(runs)

    for make in (lambda n: "Met with Dana Reyes," + " " * n + "x\n", lambda n: "[10:02] " + "Ab " * (n // 3),
                 lambda n: "Outlook:\n" + "Mr. " * (n // 4), lambda n: "Skills: python" + " and" * (n // 4) + "\n",
                 lambda n: "People:\n- talk to " + "Priya Shah, Marcus Lee, " * (n // 96) + "\n"):  # a quarter as long: ~10 ms a name
        cost(make(100))  # warm caches (name lists, word frequencies)
        assert cost(make(16000)) < 40 * cost(make(1600)) + 0.05
    contact = lambda n: {"contact": "Dana" + ", Ab" * (n // 4) + " x"}  # noqa: E731 - front matter with a long credential run
    cost("Notes\n", contact(100))
    assert cost("Notes\n", contact(16000)) < 40 * cost("Notes\n", contact(1600)) + 0.05


def test_headed_sections_after_a_q_and_a_keep_their_headings():
    text = ("Q: Who else should I talk to?\nA: Greg Tolliver at the State Library.\n\n"
            "Q: How do people get in?\nA: Mostly through the residency.\n\n"
            "Q: What does a typical day look like?\nA: Consultations in the morning, teaching after lunch.\n\n"
            "Q: What skills matter?\nA: Teaching, and SPSS or R.\n\n"
            "My notes on fit:\n- she liked that I taught ESL for 2 years\n\n"
            "Next steps:\n- email Greg this week\n- look at online MLIS programs\n")
    topics, layout = _topics(text)
    assert layout.is_transcript
    assert topics["she liked that I taught ESL for 2 years"] == "fit"
    assert topics["email Greg this week"] == topics["look at online MLIS programs"] == "todo"
    assert topics["Mostly through the residency."] == "how_to_get_in"


def test_an_answer_that_announces_its_topic_turns_to_it():
    text = ("Lena: So how do people usually get in?\nJosé: Almost everyone starts at a vendor.\n"
            "Lena: Mostly RPGs, I just finished one.\nJosé: Okay, advice. Don't call yourself a translator.\n"
            "Lena: What's a typical day?\nJosé: Test passes all morning.\n")
    topics, _ = _topics(text)
    assert topics["Almost everyone starts at a vendor."] == "how_to_get_in"
    assert topics["Don't call yourself a translator."] == "advice"


def test_a_dash_inside_a_skills_list_is_an_item_not_a_new_label():
    text = "Met Ana Lima.\n\n2. What skills do I need?\n- Networking basics - honestly CompTIA Network+ level is becoming required\n- outlook - he said it's fine\n"
    topics, _ = _topics(text)
    assert topics["Networking basics - honestly CompTIA Network+ level is becoming required"] == "skills"
    assert topics["he said it's fine"] == "outlook"  # a bare topic word still labels


def test_does_my_background_count_asks_about_fit():
    from pipeline.structure import question_topic
    assert question_topic("Do you think my radio station stuff counts?") == "fit"
    assert question_topic("Do I have a shot with my background?") == "fit"


def test_in_a_transcript_the_askers_story_is_fit_and_named_advice_is_advice():
    text = ("Owen: How do people get in?\nBethany: Most do a leveling year. My one piece of advice is shadow in two settings.\n"
            "Owen: I coach youth swim, and I did two years of tutoring ESL.\nBethany: The ESL piece is great.\n"
            "Owen: What's a typical day?\nBethany: Sessions back to back.\n")
    topics, _ = _topics(text)
    assert topics["Most do a leveling year."] == "how_to_get_in"
    assert topics["My one piece of advice is shadow in two settings."] == "advice"
    assert topics["I coach youth swim, and I did two years of tutoring ESL."] == "fit"


def test_a_topic_word_and_dash_after_a_sentence_starts_a_new_label():
    text = "Met Ana Lima.\n\nHow people get in: most came from audit. Advice - don't chase the CPA and the CFE at once. Learn to write short.\n"
    topics, _ = _topics(text)
    assert topics["most came from audit."] == "how_to_get_in"
    assert topics["don't chase the CPA and the CFE at once."] == topics["Learn to write short."] == "advice"


def test_lower_case_notes_split_into_sentences_and_bold_or_equals_labels_label():
    text = ("just got off the phone w/ Gemma Thorne, exec pastry chef. her days start at 4am - laminating dough. "
            "kind of a downer tbh: pay is rough. skills = precision, speed, a good palate. advice: skip the culinary school debt.\n\n"
            "**Outlook:** very positive! she gets recruiter emails weekly. telepractice grew a lot. Only complaint = caseload sizes.\n")
    topics, _ = _topics(text)
    assert topics["precision, speed, a good palate."] == "skills"
    assert topics["skip the culinary school debt."] == "advice"
    assert topics["she gets recruiter emails weekly."] == topics["Only complaint = caseload sizes."] == "outlook"
    assert "her days start at 4am - laminating dough." in topics
