"""Annotate: name candidates, the one same-person rule, dates found and resolved, contact details."""
from __future__ import annotations

from datetime import date

import pytest

from pipeline.annotate.dates import find_dates, resolve, resolve_phrase
from pipeline.annotate.entities import find_entities
from pipeline.annotate.identity import person_key, same_person, strip_honorifics
from pipeline.ingest import Note
from pipeline.run import analyse


def doc_of(text: str, metadata=None):
    return analyse(Note("n.txt", text, "x", "txt", metadata or {}), today=date(2026, 4, 9))


def names(text: str) -> list[str]:
    return [p.name for p in doc_of(text).people]


def test_capitalised_names_with_honorifics_particles_and_accents():
    found = names("Coffee with Dr. Itzel Domínguez-Pérez. She said talk to Ludwig van der Berg and Søren Østergaard.")
    assert "Itzel Domínguez-Pérez" in found and "Ludwig van der Berg" in found and "Søren Østergaard" in found


def test_common_words_starting_a_sentence_are_not_names():
    found = names("Met Keoni Kahananui for coffee. Emailing Priya tonight. Will do. Hope so.")
    assert "Keoni Kahananui" in found and "Priya" in found
    assert not any(n in found for n in ("Met Keoni Kahananui", "Will", "Hope", "Emailing Priya"))


def test_greetings_are_not_part_of_a_name():
    assert "Rafael" in names("Hi Rafael, thanks for connecting!") and "Hi Rafael" not in names("Hi Rafael, thanks!")


def test_month_and_weekday_first_names():
    assert "Thu Nguyễn" in names("Jan 22 — coffee w/ Thu Nguyễn, EA")
    assert "June Park" in names("June Park runs the lab.")


def test_lower_case_notes_find_lower_case_names():
    found = names("call w dale kerrigan tmrw. he said ping ben too. also will send resume. said it went fine.")
    assert "dale kerrigan" in found and "ben" in found
    assert not any(w in found for w in ("will", "said", "also"))


def test_people_are_grouped_by_the_same_person_rule():
    doc = doc_of("Met Dana Ruiz today. Dana said the lab is hiring. Prof. Ruiz will email me.")
    assert [p.name for p in doc.people] == ["Dana Ruiz"]
    assert len(doc.people[0].mentions) == 3


@pytest.mark.parametrize("a,b,same", [
    ("Dr. Dana Ruiz", "dana ruiz", True), ("Dana", "Dana Ruiz", True), ("D. Ruiz", "Dana Ruiz", True),
    ("Bart Nowak", "Bartłomiej Nowak", True), ("Dana Ruiz", "Dan Ruiz", True), ("Dana Ruiz", "Maria Ruiz", False),
    ("Imani Okafor-Reyes, CNM", "Imani Okafor-Reyes", True), ("Zoë Park", "Zoe Park", True), ("Ruiz", "Dana Ruiz", False),
])
def test_same_person(a, b, same):
    assert same_person(a, b) is same


def test_person_key_and_honorifics():
    assert person_key("Dr. Dana Ruiz-Ortega, PhD") == "dana ruiz ortega"
    assert strip_honorifics("Prof. Kwame Asante") == "Kwame Asante"


@pytest.mark.parametrize("text,anchor,forward,want", [
    ("apply by 3/31", date(2026, 6, 9), True, date(2027, 3, 31)),
    ("apply by 3/31", date(2026, 3, 1), True, date(2026, 3, 31)),
    ("met on 3/31", date(2026, 4, 9), False, date(2026, 3, 31)),
    ("Tue, Apr 14, 2026", date(2026, 1, 1), False, date(2026, 4, 14)),
    ("17/09/2025", date(2026, 1, 1), False, date(2025, 9, 17)),
    ("in two weeks", date(2026, 4, 9), True, date(2026, 4, 23)),
    ("two weeks from today", date(2026, 4, 9), True, date(2026, 4, 23)),
    ("next Friday", date(2026, 4, 9), True, date(2026, 4, 17)),
    ("last Thursday", date(2026, 4, 9), False, date(2026, 4, 2)),
    ("yesterday", date(2026, 4, 9), False, date(2026, 4, 8)),
    ("by the 15th", date(2026, 4, 9), True, date(2026, 4, 15)),
    ("end of next month", date(2026, 4, 9), True, date(2026, 5, 31)),
])
def test_dates_found_and_resolved(text, anchor, forward, want):
    found = find_dates(text)
    assert found and resolve(found[0], text, anchor, forward) == want


def test_no_dates_in_version_numbers_or_times():
    assert find_dates("version 2.0 of the app, 10:30 meeting") == []


def test_resolve_phrase_takes_any_form():
    assert resolve_phrase("2026-03-31", date(2026, 1, 1)) == date(2026, 3, 31)
    assert resolve_phrase("gibberish", date(2026, 1, 1)) is None


def test_entities_emails_phones_urls():
    text = "Dana: dana.ruiz@acme.org, +44 20 7946 0958 or (503) 555-0147; see https://acme.org/jobs/123."
    ents = {e.kind: [] for e in find_entities(text)}
    for e in find_entities(text):
        ents[e.kind].append(e.value)
    assert ents["email"] == ["dana.ruiz@acme.org"]
    assert ents["phone"] == ["+442079460958", "+15035550147"]
    assert ents["url"] == ["https://acme.org/jobs/123"]


def test_contact_details_attach_to_the_person_on_their_line():
    doc = doc_of("People to contact:\n- Gabe Moreno, county DCFS, gmoreno@county.gov\n- Priscilla Vaughn (503) 555-0147")
    people = {p.name: p for p in doc.people}
    assert people["Gabe Moreno"].email == "gmoreno@county.gov"
    assert people["Priscilla Vaughn"].phone == "+15035550147"


def test_anchor_is_the_notes_own_date_else_today():
    assert doc_of("x", {"date": "2026-02-03"}).anchor == date(2026, 2, 3)
    assert doc_of("x").anchor == date(2026, 4, 9)


NAME_POOL = ["Dana Ruiz", "Dana", "D. Ruiz", "Dana R.", "Ruiz", "Dr. Dana Ruiz", "Prof. Ruiz", "Margaret Lee", "Peg Lee",
             "Peggy", "Lee", "Lee Lee", "Ms. Lee", "Bart Nowak", "Bartłomiej Nowak", "B. Nowak", "Nowak", "Aisha B.",
             "Aisha Balogun", "Aisha", "Ranger Tsosie", "Tsosie", "Ana María Ruiz", "Ruiz Ortega", "José Ortega",
             "Jose", "Dr. Ortega", "Kim", "Kim Nguyen", "K. Nguyen", "Nguyen", "Chris", "Christopher Ng", "Chris Ng"]


def _pairwise_grouping(texts: list[str]) -> list[tuple[str, list[int]]]:
    """The rule group_people follows, checked against every person so far (the reference)."""
    people: list[list] = []
    surnames: dict[int, str] = {}
    for k, text in enumerate(texts):
        name = strip_honorifics(text)
        match = next((i for i, p in enumerate(people) if same_person(name, p[0])), None)
        if match is None and name != text and len(name.split()) == 1:
            match = next((i for i, p in enumerate(people) if p[0].split()[-1].lower() == name.lower()), None)
        if match is None and len(name.split()) > 1:
            match = next((i for i, s in surnames.items() if s == name.split()[-1].lower()), None)
        if match is None:
            people.append([name, [k]])
            if name != text and len(name.split()) == 1:
                surnames[len(people) - 1] = name.lower()
        else:
            people[match][1].append(k)
            if len(name.split()) > len(people[match][0].split()):
                people[match][0] = name
                surnames.pop(match, None)
    return [(p[0], p[1]) for p in people]


@pytest.mark.parametrize("seed", range(40))
def test_grouping_by_index_equals_grouping_by_every_pair(seed):
    """group_people looks only at the people a name index offers; it must group exactly as
    comparing each mention with every person so far does."""
    import random

    from pipeline.annotate.names import group_people
    from pipeline.document import Mention

    rng = random.Random(seed)
    texts = [rng.choice(NAME_POOL) for _ in range(rng.randint(1, 30))]
    mentions = [Mention(text=t, start=i, end=i + 1, origin="text", segment=0) for i, t in enumerate(texts)]
    got = [(p.name, p.mentions) for p in group_people(mentions)]
    assert got == _pairwise_grouping(texts)
    assert all(mentions[k].person == i for i, (_, ks) in enumerate(got) for k in ks)
