"""Inputs a reviewer found mishandled by new rules; each must keep working (kept apart so the cases read as a list)."""
from __future__ import annotations

import pytest

from pipeline.extract import _action_parts, extract_record, lexicon_sentiment
from pipeline.ingest import Note
from pipeline.openings import find_opening
from pipeline.skills import skill_spans


def _note(text: str, **meta) -> Note:
    return Note(source="n.txt", text=text, sha256="0", format="txt", metadata={"file_mtime": "2026-01-01", **meta})


@pytest.mark.parametrize("text,name", [
    ("Met with Imani Okafor CNM about midwifery.\n\nShe delivers babies.\n", "Imani Okafor"),
    ("From: Lorna Byrne <lorna@stride.example>\nTo: Ben Adeyemi <ben@mail.example>\nSubject: Re: questions\n\nHi Ben,\n\n"
     "Since then I spoke with Dana Reyes in HR about the aide job.\n\nLorna said thanks for the card.\n", "Lorna Byrne"),
])
def test_contact_survives_credentials_and_replies(text, name):
    rec, _ = extract_record(_note(text), None)
    assert rec.contact.name == name


@pytest.mark.parametrize("line,lead", [
    ("talk to Rosa Lin, who works the late shift at Mercy", "Rosa Lin"),
    ("Marco Diaz shows new grads around the unit, email him", "Marco Diaz"),
    ("Rosa Lin books the shadow days, reach out to her", "Rosa Lin"),
    ("talk to Priya Shah & Marcus Lee in HR", "Marcus Lee"),
    ("drop her name with Priya Shah at Kestrel", "Priya Shah"),
    ("talk to Ha Tran, she runs the lab", "Ha Tran"),
])
def test_real_referrals_are_kept(line, lead):
    rec, _ = extract_record(_note(f"Coffee with Jo Park, nurse manager.\n\nPeople:\n- {line}\n"), None)
    assert lead in [r.name for r in rec.referrals]


@pytest.mark.parametrize("sentence,parts", [
    ("I'll call her back at 10 a.m. tomorrow and send my resume by March 5", 1),
    ("I'll apply to the Ph.D. program by Dec 1", 1),
    ("I'll read the book she mentioned, Start With Why, before the next call", 1),
    ("call Tina at the hall, text her if she doesn't pick up", 1),
    ("I'll send you my sample by Thursday, apply before May 1st, and email Farah", 3),
])
def test_promises_split_only_between_actions(sentence, parts):
    assert len(_action_parts(sentence)) == parts


@pytest.mark.parametrize("text,sentiment", [
    ("No. There's a real shortage and demand is growing.", "positive"),
    ("Honestly your best bet is the union apprenticeship. Work is cyclical though, layoffs happen.", "negative"),  # advice, not a verdict
    ("It's not a safe bet anymore, plenty of layoffs and cuts.", "negative"),
])
def test_sentiment_is_not_fooled_by_answers_and_advice(text, sentiment):
    assert lexicon_sentiment(text) == sentiment


def test_a_place_after_a_title_is_no_person_and_a_jobs_todo_is_no_opening():
    op = find_opening("Kestrel is hiring a Junior Designer, Portland, apps due March 3.", None, 2026)
    assert op is not None and op.title == "Junior Designer"
    rec, _ = extract_record(_note("Coffee with Jo Park.\n\njobs:\n- check the county site every week\n"), None)
    assert rec.job_leads == []


def test_an_answer_naming_a_noun_is_no_topic_switch_and_tools_are_no_people():
    turns = [("Sam", "What does a typical day look like?"), ("Jo", "Rounds at seven, then charting."),
             ("Sam", "What do you like most about it?"), ("Jo", "The people."), ("Jo", "I review charts and mentor new grads."),
             ("Sam", "And the outlook?"), ("Jo", "Strong, there's a shortage.")]
    rec, _ = extract_record(_note("\n".join(f"{a}: {b}" for a, b in turns) + "\n"), None)
    assert "I review charts and mentor new grads." in [i.text for i in rec.day_in_life]
    line = "blueprint reading (ask Marco Diaz), estimating (per Dana Reyes, Tuesday)"
    assert [line[a:b] for a, b in skill_spans(line)] == ["blueprint reading", "estimating"]  # no "ask Marco Diaz", no "Tuesday"
