"""Time grows with the input, not faster: each stage is run on an input and on one four times
its size, and its CPU time may grow less than 8x: linear work grows 4x, sorting (n log n) ~5x at
these sizes, work that grows with the square of the input 16x; 8 is halfway on a log scale.

Ingest, store, follow-ups, export and query are held to it, and so are the extraction stages on
the shapes that once grew with the square of the input (each with where the time went), and the
whole extraction of a note on them."""
from __future__ import annotations

import gc
import itertools
import random
import time
from datetime import date
from typing import Callable

import pytest

from conftest import write
from pipeline.document import Doc
from pipeline.ingest import Note, read_note

LIMIT = 8.0  # allowed growth of CPU time for 4x the input
FIRST = ["Dana", "Ravi", "Maria", "Jamal", "Priya", "Owen", "Aisha", "Marcus", "Lena", "Diego", "Hannah", "Caleb", "Noor", "Grace"]
LAST = ["Ruiz", "Patel", "Okafor", "Nguyen", "Kimura", "Moreno", "Cohen", "Silva", "Haddad", "Brown", "Lopez", "Tanaka", "Fischer"]


def _calibrate(fn: Callable[[], object]) -> int:
    """How many calls of `fn` take at least 20 ms of CPU time (at most 1000)."""
    loops = 1
    while loops < 1000:
        started = time.process_time()
        for _ in range(loops):
            fn()
        if time.process_time() - started >= 0.02:
            break
        loops *= 10
    return loops


def _per_call(fn: Callable[[], object], loops: int) -> float:
    gc.collect()
    started = time.process_time()
    for _ in range(loops):
        fn()
    return (time.process_time() - started) / loops


def cpu(fn: Callable[[], object], repeat: int = 3) -> float:
    """The least CPU time per call of a few runs (CPU, not wall time: the machine is shared);
    work that takes under 20 ms is run in a loop and timed per call."""
    loops = _calibrate(fn)
    return min(_per_call(fn, loops) for _ in range(repeat))


def growth(run: Callable[[int], Callable[[], object]], n: int, repeat: int = 3) -> tuple[float, float, float]:
    """(time at n, time at 4n, ratio); `run(n)` prepares an input and returns the work to time.
    The two sizes are timed in turns, so a burst of load from elsewhere (this is a shared
    virtual machine: its CPU time includes time stolen by the host) falls on both, and the least
    time of each is kept."""
    small, large = run(n), run(4 * n)
    loops_small, loops_large = _calibrate(small), _calibrate(large)
    t1 = t4 = float("inf")
    for _ in range(max(repeat, 3)):
        t1 = min(t1, _per_call(small, loops_small))
        t4 = min(t4, _per_call(large, loops_large))
    return t1, t4, t4 / t1


def assert_linear(run: Callable[[int], Callable[[], object]], n: int, repeat: int = 3) -> None:
    """Growth beyond LIMIT must show twice: noise passes the second time, work that grows with
    the square of the input grows ~16x every time."""
    t1, t4, ratio = growth(run, n, repeat)
    if ratio >= LIMIT:
        t1, t4, ratio = growth(run, n, 2 * repeat)
    assert ratio < LIMIT, f"{t1:.3f} s -> {t4:.3f} s for 4x the input (x{ratio:.1f}, measured twice)"


# --- ingest --------------------------------------------------------------------------------------

def _vtt(n: int) -> str:
    return "WEBVTT\n\n" + "".join(f"{i}\n00:00:{i % 60:02d}.000 --> 00:00:{i % 60:02d}.500\n<v Dana Ruiz>word {i} and more words\n\n" for i in range(n))


def _html(n: int) -> str:
    return "<html><body>" + "".join(f"<p>Para {i} <b>bold</b> <a href='x'>link</a></p><ul><li>item {i}</li></ul>"
                                    f"<table><tr><td>a</td><td>b</td></tr></table><blockquote>q {i}<br>r</blockquote>" for i in range(n)) + "</body></html>"


def _eml(n: int) -> str:
    return ("From: a@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n"
            + "".join(f"--B\nContent-Type: text/plain; charset=utf-8\n\n> question {i}?\nanswer {i} café\n" for i in range(n)) + "--B--\n")


FORMATS = {
    "txt": (".txt", lambda n: "".join(f"Line {i}: she said learn SQL, talk to Dana Ruiz.\r\n" for i in range(n)), 4000),
    "md": (".md", lambda n: "---\ntitle: x\ntags: [" + ", ".join(f"t{i}" for i in range(n // 10)) + "]\n---\n"
           + "".join(f"- [[Dana Ruiz|Dana]] line {i}\n" for i in range(n)), 4000),
    "html": (".html", _html, 400),
    "vtt": (".vtt", _vtt, 1500),
    "srt": (".srt", lambda n: "".join(f"{i}\n00:00:{i % 60:02d},000 --> 00:00:{i % 60:02d},500\nDana Ruiz: word {i}\n\n" for i in range(n)), 1500),
    "eml": (".eml", _eml, 400),
    "long line": (".txt", lambda n: "Coffee with Dana Ruiz. " + " ".join(random.Random(1).choice(["learn", "SQL", "the", "nurse"])
                                                                         for _ in range(n * 10)) + "\n", 4000),
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_ingest_grows_linearly(tmp_path, fmt):
    ext, make, n = FORMATS[fmt]

    def run(k: int):
        path = write(tmp_path / f"n{k}{ext}", make(k))
        return lambda: read_note(path, max_bytes=10**9)

    assert_linear(run, n)


def test_ingest_of_a_docx_grows_linearly(tmp_path):
    import docx

    def run(k: int):
        document = docx.Document()
        for i in range(k):
            document.add_paragraph(f"Paragraph {i} about the job", style="List Bullet" if i % 3 else None)
        document.save(str(tmp_path / f"d{k}.docx"))
        return lambda: read_note(tmp_path / f"d{k}.docx", max_bytes=10**9)

    assert_linear(run, 150, repeat=2)


# --- store, follow-ups, export, query ------------------------------------------------------------

def big_record(n: int) -> tuple[Note, "Record"]:  # noqa: F821
    """A note with n referrals, 2n items, n promises naming the referrals and n job leads, every
    item a span of the note's text."""
    from pipeline.schema import Contact, Item, JobLead, Promise, Record, Referral, Span

    lines, spans = ["Coffee with Dana Ruiz, analyst at Acme, on 2026-03-03."], []
    rng = random.Random(n)
    for i in range(n):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}{i}"
        lines.append(f"Talk to {name} about the internship. Learn skill {i}. Apply to Analyst role {i} by 2026-04-{1 + i % 28:02d}. "
                     f"I will e-mail {name.split()[1]} my resume.")
        spans.append(name)
    text = "\n".join(lines) + "\n"

    def span(phrase: str, after: int = 0) -> Span:
        start = text.index(phrase, after)
        return Span(start=start, end=start + len(phrase), quote=phrase)

    rec = Record(source="big.txt", sha256=str(n), contact=Contact(name="Dana Ruiz", organization="Acme"), interview_date="2026-03-03")
    for i, name in enumerate(spans):
        at = text.index(name)
        rec.referrals.append(Referral(name=name, context=f"Talk to {name}", evidence=span(name)))
        rec.skills.append(Item(text=f"skill {i}", evidence=span(f"skill {i}.", at)))
        rec.advice.append(Item(text=f"Learn skill {i}", evidence=span(f"Learn skill {i}.", at)))
        rec.job_leads.append(JobLead(title=f"Analyst role {i}", deadline=f"2026-04-{1 + i % 28:02d}", evidence=span(f"Analyst role {i} ", at)))
        action = f"I will e-mail {name.split()[1]} my resume."
        rec.promises.append(Promise(action=action, evidence=span(action, at)))
    note = Note(source="big.txt", text=text, sha256=str(n), format="txt", metadata={}, key=f"/big/{n}.txt")
    return note, rec


@pytest.fixture
def fresh_db(tmp_path):
    from pipeline.store import open_db

    counter = iter(range(1000))
    return lambda: open_db(tmp_path / f"g{next(counter)}.db", create=True)


def test_saving_a_note_grows_linearly(fresh_db):
    from pipeline.store import save_note

    def run(k: int):
        note, rec = big_record(k)
        return lambda: save_note(fresh_db(), note, rec, {}, "heads")

    assert_linear(run, 150, repeat=2)


def test_follow_ups_grow_linearly():
    from pipeline.followups import build_tasks

    def run(k: int):
        _, rec = big_record(k)
        return lambda: build_tasks(rec, today=date(2026, 3, 3), note_key="k")

    assert_linear(run, 300)


@pytest.mark.parametrize("output", ["show", "markdown", "ics", "csv", "export", "leads"])
def test_outputs_grow_linearly(fresh_db, output):
    from pipeline.export.tables import render_rows
    from pipeline.export.tasks import to_ics, to_markdown
    from pipeline.export.text import leads_text, render_record
    from pipeline.query import export_records, iter_leads, iter_tasks
    from pipeline.store import load_record, save_note

    def run(k: int):
        db = fresh_db()
        note, rec = big_record(k)
        save_note(db, note, rec, {}, "heads")
        work = {"show": lambda: render_record(load_record(db, "big.txt")),
                "markdown": lambda: to_markdown(list(iter_tasks(db, "all"))),
                "ics": lambda: to_ics(list(iter_tasks(db, "all"))),
                "csv": lambda: "".join(render_rows(iter_tasks(db, "all"), "csv", ["id", "due", "action", "person", "source"])),
                "export": lambda: list(export_records(db)),
                "leads": lambda: leads_text(list(iter_leads(db)))}
        return work[output]

    assert_linear(run, 150, repeat=2)


def test_searching_a_note_that_is_one_word_repeated_grows_linearly(fresh_db):
    """FTS5's own snippet() costs the square of a text's matches; the search must not."""
    from pipeline.query import search
    from pipeline.schema import Item, Record, Span
    from pipeline.store import save_note

    def run(k: int):
        db = fresh_db()
        text = "Coffee with Dana Ruiz. " + "the nurse " * k
        item = text[23:]
        rec = Record(source="t.txt", sha256=str(k), advice=[Item(text=item, evidence=Span(start=23, end=len(text), quote=item))])
        save_note(db, Note(source="t.txt", text=text, sha256=str(k), format="txt", metadata={}, key=f"/t{k}.txt"), rec, {}, "heads")
        return lambda: search(db, "the nurse")

    assert_linear(run, 20_000, repeat=2)


# --- extraction stages on hostile shapes ---------------------------------------------------------

def analysed(text: str, upto: str) -> Doc:
    """The note's document after the model-free stages up to `upto` ("layout", "annotate")."""
    from pipeline.annotate import annotate
    from pipeline.layout import build_layout

    doc = build_layout(Doc(Note(source="x.txt", text=text, sha256="x", format="txt", metadata={}, key="x")))
    return doc if upto == "layout" else annotate(doc, date(2026, 3, 3))


def _names(n: int, sep: str) -> str:
    rng = random.Random(2)
    return sep.join(f"{rng.choice(FIRST)} {rng.choice(LAST)}{i}" for i in range(n))


def _words(n: int) -> list[str]:
    """n distinct made-up words that read as names ("Kakalo", "Mirusa", ...)."""
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo"]
    return ["".join(p).capitalize() for p in itertools.islice(itertools.product(syllables, repeat=4), n)]


def _decide(text: str) -> Callable[[], object]:
    from pipeline.decide import Decider, decide

    doc, decider = analysed(text, "annotate"), Decider.load(None)
    return lambda: decide(doc, decider)


def _group_people(text: str) -> Callable[[], object]:
    from pipeline.annotate.names import group_people

    doc = analysed(text, "annotate")
    return lambda: group_people(doc.mentions)


def _find_dates(text: str) -> Callable[[], object]:
    from pipeline.annotate.dates import find_dates

    return lambda: find_dates(text)


def _contact_details(text: str) -> Callable[[], object]:
    from pipeline.annotate import _contact_details

    doc = analysed(text, "annotate")
    return lambda: _contact_details(doc)


def _lead_features(text: str) -> Callable[[], object]:
    from pipeline.decide import Decider, decide
    from pipeline.fields.job_leads import lead_candidates, lead_features

    doc, decider = analysed(text, "annotate"), Decider.load(None)
    decide(doc, decider)
    cands = lead_candidates(doc, decider, min_topic=0.0)
    return lambda: lead_features(doc, cands, decider)


HOSTILE_SHAPES = {
    # input: (text for size n, n, the work to time, where the time went when it was quadratic)
    "names in one line -> decide": (lambda n: "I met " + _names(n, ", ") + ".\n", 60, _decide,
                                    "decide/features.py _mention_context: cues() over the whole segment for each mention; "
                                    "_relative: sorts every person for each person"),
    "many people -> annotate.group_people": (lambda n: _names(n, "\n") + "\n", 250, _group_people,
                                             "annotate/names.py group_people: same_person() on every pair of names"),
    "last initials -> annotate.group_people": (lambda n: "".join(f"Dana R{w.lower()} and {w} R.\n" for w in _words(n)), 300, _group_people,
                                               "annotate/identity.py NameIndex: every name with the same last initial in one bucket"),
    "many dates -> annotate.find_dates": (lambda n: "".join(f"Call on {1 + i % 28} March 2026, then 2026-04-{1 + i % 28:02d}.\n"
                                                             for i in range(n)), 400, _find_dates,
                                          "annotate/dates.py find_dates: each match checked against every date found so far"),
    "many e-mails -> annotate contact details": (lambda n: "".join(f"Reach Dana{i} Ruiz at dana{i}@acme.org\n" for i in range(n)), 300,
                                                 _contact_details, "annotate/__init__.py _contact_details: every entity scanned for each mention"),
    "many leads with links -> job lead features": (lambda n: "".join(f"Apply to the analyst role {i} at https://acme.org/jobs/{i} by May 3\n"
                                                                     for i in range(n)), 150, _lead_features,
                                                   "fields/job_leads.py _near: every entity scanned for each candidate span"),
}


@pytest.mark.parametrize("case", HOSTILE_SHAPES)
def test_stage_growth_on_hostile_shapes(case):
    make, n, stage, where = HOSTILE_SHAPES[case]
    t1, t4, ratio = growth(lambda k: stage(make(k)), n)
    if ratio >= LIMIT:
        t1, t4, ratio = growth(lambda k: stage(make(k)), n, 6)
    assert ratio < LIMIT, f"{case}: {t1:.3f} s -> {t4:.3f} s for 4x the input (x{ratio:.1f}); it used to be {where}"


WHOLE_NOTE = {
    "names in one line": (HOSTILE_SHAPES["names in one line -> decide"][0], 60),
    "many dates": (HOSTILE_SHAPES["many dates -> annotate.find_dates"][0], 100),
    "many e-mails": (HOSTILE_SHAPES["many e-mails -> annotate contact details"][0], 100),
    "prose": (lambda n: "".join(f"She said to learn SQL and Python {i}. Talk to Dana Ruiz{i} at Acme about the analyst role. "
                                "I will send my resume by Friday.\n" for i in range(n)), 50),
}


@pytest.mark.parametrize("case", WHOLE_NOTE)
def test_extracting_a_whole_note_grows_linearly(case):
    """Layout, annotate, the trained heads (lexical features) and fields, end to end."""
    from pipeline.decide import Decider
    from pipeline.run import extract_record

    make, n = WHOLE_NOTE[case]
    decider = Decider.load(None)

    def run(k: int):
        note = Note(source="x.txt", text=make(k), sha256="x", format="txt", metadata={}, key="x")
        return lambda: extract_record(note, decider, date(2026, 3, 3))

    assert_linear(run, n, repeat=1)


def test_the_growth_check_catches_quadratic_work():
    """The check itself can fail: work on every pair of items grows ~16x for 4x the items."""
    def run(k: int):
        items = list(range(k))
        return lambda: sum(1 for a in items for b in items if a < b)

    with pytest.raises(AssertionError, match="for 4x the input"):
        assert_linear(run, 200, repeat=1)
    shuffled = lambda k: random.Random(k).sample(range(k), k)  # noqa: E731
    assert_linear(lambda k: (lambda items=shuffled(k): sorted(items)), 20_000, repeat=1)
