"""Search (FTS5 syntax passed through, --quote, errors that say what to try), leads and tasks in SQL."""
from __future__ import annotations

from datetime import date

import pytest

from conftest import SAMPLE, run_notes
from pipeline.errors import QueryError
from pipeline.query import iter_leads, iter_tasks, parse_day, quote_fts, referral_chain, search


@pytest.fixture
def sample_db(db):
    run_notes(db, [SAMPLE])
    return db


def test_search_finds_words_prefixes_phrases_and_or(sample_db):
    assert search(sample_db, "hospice")
    assert search(sample_db, "hosp*")
    assert search(sample_db, '"thank you" OR hospice')
    rows = search(sample_db, "hospice", limit=3)
    assert len(rows) <= 3 and all("[" in r["snippet"] for r in rows)
    assert rows == sorted(rows, key=lambda r: (r["rank"], r["source"], r["kind"]))


def test_malformed_query_says_to_use_quote(sample_db):
    with pytest.raises(QueryError, match="--quote"):
        search(sample_db, 'AND OR "unclosed')
    assert isinstance(search(sample_db, 'C++ "AND', quote=True), list)


def test_search_filters_and_kinds(sample_db):
    assert all(r["kind"] == "note" for r in search(sample_db, "hospice", kind="note"))
    with pytest.raises(QueryError, match="unknown kind"):
        search(sample_db, "x", kind="bogus")


def test_huge_queries_are_refused_in_one_line(sample_db):
    with pytest.raises(QueryError, match="at most"):
        search(sample_db, " ".join(["word"] * 5000))


def test_quote_fts_quotes_every_word():
    assert quote_fts('C++ "AND') == '"C++" "AND"'


@pytest.mark.parametrize("text,want", [("2026-12-04", "2026-12-04"), ("tomorrow", "2026-04-10"), ("+3d", "2026-04-12"),
                                       ("next friday", "2026-04-17"), ("in 2 weeks", "2026-04-23")])
def test_natural_dates_in_options(text, want):
    assert parse_day(text, "--due", today=date(2026, 4, 9)) == want


def test_bad_date_says_what_it_accepts():
    with pytest.raises(QueryError, match="YYYY-MM-DD, 'tomorrow'"):
        parse_day("the day after the thing", "--due", today=date(2026, 4, 9))


def test_leads_paginate_and_filter_in_sql(sample_db):
    everyone = list(iter_leads(sample_db))
    assert everyone and list(iter_leads(sample_db, limit=2)) == everyone[:2]
    assert list(iter_leads(sample_db, limit=2, offset=2)) == everyone[2:4]
    assert all(lead["status"] == "new" for lead in iter_leads(sample_db, "new"))
    with pytest.raises(QueryError):
        list(iter_leads(sample_db, "bogus"))


def test_referral_chain_ends_at_the_person(sample_db):
    lead = next(iter_leads(sample_db))
    chain = referral_chain(sample_db, lead["name"])
    assert chain[-1] == lead["name"] and len(chain) >= 2


def test_tasks_filter_by_status_due_and_snooze(sample_db):
    from pipeline.actions import set_task_status

    open_tasks = list(iter_tasks(sample_db, "open", today=date(2026, 4, 9)))
    assert open_tasks and [t["due"] or "9999" for t in open_tasks] == sorted(t["due"] or "9999" for t in open_tasks)
    first = open_tasks[0]["id"]
    set_task_status(sample_db, first, "snoozed", "2026-05-01")
    assert first not in [t["id"] for t in iter_tasks(sample_db, "open", today=date(2026, 4, 9))]
    assert first in [t["id"] for t in iter_tasks(sample_db, "open", today=date(2026, 5, 2))]  # back on its date
    assert len(list(iter_tasks(sample_db, "all", limit=3))) == 3


def test_search_ranks_the_newest_matches_of_a_very_common_word(db):
    from pipeline.dev.bench.build import store_notes
    from pipeline.dev.generate import iter_corpus

    store_notes(db, iter_corpus(40), 40)
    exact = search(db, "the", kind="note", limit=5, pool=None)
    assert search(db, "the", kind="note", limit=5, pool=1000) == exact  # the pool holds every match: the exact ranking
    newest = search(db, "the", kind="note", limit=5, pool=10)
    newest_ten = {r[0] for r in db.execute("SELECT source FROM notes ORDER BY id DESC LIMIT 10")}
    assert len(newest) == 5 and {r["source"] for r in newest} <= newest_ten
    assert newest == sorted(newest, key=lambda r: r["rank"])


def test_search_filters_apply_before_the_pool(db):
    from pipeline.dev.bench.build import store_notes
    from pipeline.dev.generate import iter_corpus

    store_notes(db, iter_corpus(40), 40)
    oldest = db.execute("SELECT contact_name FROM records ORDER BY note_id LIMIT 1").fetchone()[0]
    rows = search(db, "the", person=oldest, pool=5)
    assert rows and all(r["contact_name"] == oldest for r in rows)
    with_excel = {r[0] for r in db.execute("SELECT DISTINCT n.source FROM items_text i JOIN notes n ON n.id = i.note_id "
                                           "WHERE i.kind = 'skills' AND i.text LIKE '%Excel%'")}
    rows = search(db, "the", skill="Excel", pool=5)
    assert with_excel and rows and {r["source"] for r in rows} <= with_excel
