"""Layout: line forms, speaker turns, segments and the context each segment carries."""
from __future__ import annotations

from pipeline.document import Doc
from pipeline.ingest import Note
from pipeline.layout import build_layout


def layout(text: str) -> Doc:
    return build_layout(Doc(Note("n.txt", text, "x", "txt", {})))


def seg(doc: Doc, needle: str):
    return next(s for s in doc.segments if needle in doc.seg_text(s))


def test_line_kinds():
    doc = layout("# Coffee with Dana\nFrom: Dana <d@x.org>\n\nSkills:\n- SQL\n- [x] thank-you sent\n> quoted line\n---\nAdvice: start now\nPlain prose here.")
    kinds = [ln.kind for ln in doc.lines]
    assert kinds == ["heading", "label", "blank", "heading", "bullet", "bullet", "quote", "rule", "label", "prose"]
    assert doc.lines[5].checked is True
    assert doc.lines[3].label == "Skills"


def test_email_headers_only_at_the_top():
    doc = layout("From: Dana Ruiz <d@x.org>\nTo: me@x.org\n\nHi!\nFrom: the desk of a friend")
    assert [ln.kind for ln in doc.lines[:2]] == ["header", "header"]
    assert doc.lines[4].kind == "label"


def test_segments_carry_heading_label_and_question():
    doc = layout("## Skills she named\n- SQL and Excel\n\nQ: What does a typical day look like?\nA: Mostly meetings.")
    assert seg(doc, "SQL").heading == "Skills she named"
    answer = seg(doc, "Mostly meetings")
    assert answer.question and answer.question.startswith("What does a typical day")
    assert seg(doc, "typical day").label == "Q"


def test_colon_heading_ends_after_its_list():
    doc = layout("Advice:\n- get the MSW\n\nThen we talked about parking.")
    assert seg(doc, "MSW").heading == "Advice"
    assert seg(doc, "parking").heading is None


def test_prose_splits_into_sentences_not_at_abbreviations():
    doc = layout("I met Dr. Ruiz at 9 a.m. on Friday. She runs the lab. Is it competitive? Very.")
    texts = [doc.seg_text(s) for s in doc.segments]
    assert texts == ["I met Dr. Ruiz at 9 a.m. on Friday.", "She runs the lab.", "Is it competitive?", "Very."]


def test_lower_case_notes_split_at_lower_case_starts():
    doc = layout("coffee w dale. he said apply in march. also get the cert. thx email tonight")
    assert len(doc.segments) == 4


def test_transcript_speakers_and_the_seeker():
    text = "Maya: So what does a day look like?\nDr. Lee: Clinic all morning, charting after.\nMaya: And how did you get in?\nDr. Lee: Residency, then a fellowship."
    doc = layout(text)
    said = {doc.seg_text(s)[:6]: (s.speaker, s.seeker_turn) for s in doc.segments}
    assert said["So wha"] == ("Maya", True)
    assert said["Clinic"] == ("Dr. Lee", False)
    assert seg(doc, "Residency").question == "And how did you get in?"


def test_repeated_topic_labels_are_not_speakers():
    doc = layout("Skills: SQL\nAdvice: start\nSkills: Excel\nAdvice: network")
    assert all(s.speaker is None for s in doc.segments)


def test_chat_export_speaker_lines():
    text = "Ana Souza  10:42 AM\nhappy to help!\nwhat do you want to know?\n\nLeo Park  10:44 AM\nwhat's a normal week like?\n"
    doc = layout(text)
    assert seg(doc, "happy").speaker == "Ana Souza"
    assert seg(doc, "normal week").speaker == "Leo Park"


def test_table_rows_become_cells_with_their_column_or_question():
    doc = layout("| Question | Answer |\n|---|---|\n| Skills that matter? | SQL, Python |")
    cell = seg(doc, "SQL, Python")
    assert cell.kind == "cell" and cell.label == "Answer"
    two = layout("Skills that matter? | SQL, Python\nOutlook? | Growing")
    assert seg(two, "Growing").label == "Outlook?"


def test_offsets_are_exact_with_non_ascii_text():
    text = "Søren Østergaard — CTO 🍝\n- Zoë said: learn ROS 2."
    doc = layout(text)
    for s in doc.segments:
        assert doc.text[s.start:s.end] == doc.seg_text(s) and doc.seg_text(s).strip() == doc.seg_text(s)
    assert any(doc.seg_text(s) == "Zoë said: learn ROS 2." for s in doc.segments)


def test_long_run_on_sentence_splits_at_clauses():
    text = " ".join(["we talked about the job and the hours are long"] * 8)
    doc = layout(text)
    assert len(doc.segments) > 1
