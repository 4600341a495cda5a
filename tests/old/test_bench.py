"""Benchmark: the corpus generator, the search-latency part, the stage instrumentation and the
report writer, on tiny sizes and without the real model (no timed assertions)."""
from __future__ import annotations

import json
import random
from collections import Counter

import pytest

import pipeline.batch as batch
from pipeline import bench
from pipeline.ingest import read_note
from pipeline.store import open_db
from pipeline.structure import heading_topic

from conftest import FakeModel


def test_generator_is_deterministic_and_realistic(tmp_path):
    a, b = bench.generate_corpus(5, seed=7), bench.generate_corpus(5, seed=7)
    assert [n.text for n in a] == [n.text for n in b]
    assert [n.text for n in a] != [n.text for n in bench.generate_corpus(5, seed=8)]
    for note in a:
        first, second = note.text.splitlines()[:2]
        assert note.contact in first and note.organization in first
        assert any(x in second for x in ("Date:", "/", "video call"))
        assert any(line.startswith("- ") for line in note.text.splitlines())
        assert any(heading_topic(h) for h in note.text.splitlines() if h.isupper() or h.startswith("## "))
    paths = bench.write_corpus(a, tmp_path / "corpus")
    assert [p.suffix for p in paths] == [".txt", ".md", ".txt", ".txt", ".md"]  # both plain-text formats
    assert read_note(paths[0]).text == a[0].text


def test_lengths_span_150_to_2500_with_500_word_notes():
    notes = bench.generate_corpus(12, seed=bench.SEED)
    words = [n.words for n in notes]
    assert min(words) < 200 and max(words) > 2300
    assert sum(1 for w in words if 450 <= w <= 600) >= 3
    assert all(120 <= w <= 2700 for w in words)


def test_generated_notes_never_repeat_a_line():
    # a note repeating an "I should ..." sentence verbatim makes followups._disambiguate_ids loop
    for note in bench.generate_corpus(8, seed=3, lengths=[2500] * 8):
        lines = Counter(line for line in note.text.splitlines() if line.strip())
        assert max(lines.values()) == 1, [line for line, k in lines.items() if k > 1]


def test_referrals_and_job_lines_appear_across_the_corpus():
    text = "\n".join(n.text for n in bench.generate_corpus(20, seed=1))
    assert " - hiring manager at " in text or " - recruiter at " in text
    assert "/careers/" in text


def test_note_lengths_every_third_is_about_500():
    lengths = bench.note_lengths(9, random.Random(0))
    assert all(480 <= lengths[i] <= 520 for i in (0, 3, 6))
    assert lengths[1] == 150 and lengths[5] == 2500
    assert bench.note_lengths(3, random.Random(0))[:2] == [lengths[0], 150]


def test_search_bench_on_a_small_database(tmp_path):
    result = bench.bench_search(200, seed=5, db_path=tmp_path / "s.db", n_queries=12, repeats=1)
    assert result["notes"] == 200 and result["queries"] == 12
    assert result["p50_ms"] <= result["p95_ms"] <= result["max_ms"]
    db = open_db(tmp_path / "s.db")
    assert db["notes"].count == 200 and db["records"].count == 200
    assert db["items"].count == result["items"] > 200
    hits = db.execute("SELECT count(*) FROM items_fts WHERE items_fts MATCH 'portfolio'").fetchone()[0]
    assert hits > 0  # FTS kept in sync by the store's triggers


def test_search_queries_vary_and_use_filters():
    queries = bench.search_queries(50, seed=1)
    assert len(queries) == 50 and len({q for q, _ in queries}) > 30
    assert any("kind" in kw for _, kw in queries) and any("org" in kw for _, kw in queries)


def test_pipeline_bench_with_a_fake_model_restores_the_stage_functions(tmp_path):
    originals = {n: getattr(batch, n) for n in ("read_note", "extract_record", "save_record", "find_note")}
    bench.write_corpus(bench.generate_corpus(3, seed=2, lengths=[150, 300, 200]), tmp_path / "c")
    fake = FakeModel()
    result = bench.bench_pipeline([str(tmp_path / "c")], None, tmp_path / "b.db", floor=False, loader=lambda name: fake)
    assert {n: getattr(batch, n) for n in originals} == originals
    assert result["processed"] == 3 and len(result["notes"]) == 3
    assert all(n["words"] and n["seconds"] > 0 for n in result["notes"])
    assert sum(n["calls"] for n in result["notes"]) == fake.stats.calls > 0
    assert set(result["stage_seconds"]) == {"model_load", *bench.STAGES}
    assert result["stage_seconds"]["logic"] > 0 and result["stage_seconds"]["storage"] > 0
    assert "floor" not in result and "tokens" not in result  # fake model: no tokenizer, no floor


def test_token_accounting_counts_prefix_and_calibration_repeats():
    from pipeline.prompts import load_prompt

    style = "chatml"
    topic, sent = load_prompt("topic"), load_prompt("sentiment")
    tokenize = lambda text: text.split(" ")  # noqa: E731 - a stand-in tokenizer, one token per word
    tp, sp = len(tokenize(topic.prefix(style))), len(tokenize(sentiment_prefix := sent.prefix(style)))
    assert sentiment_prefix
    calls = []
    for i in range(2):  # two notes: topic calibration + one question, then sentiment calibration + one
        for tpl, text, p in ((topic, "N/A", tp), (topic, f"line {i} about SQL", tp), (sent, "N/A", sp), (sent, f"jobs up {i}", sp)):
            prompt = tpl.render(style, text=text)
            n = len(tokenize(prompt))
            reused = 0 if not calls or calls[-1]["tpl"] is not tpl else p - 1
            calls.append({"prompt": prompt, "evaluated": n - reused, "reused": reused, "tpl": tpl})
    acc = bench.token_accounting(calls, tokenize, style)
    assert acc["evaluated_tokens"] == sum(c["evaluated"] for c in calls)
    assert acc["template_switches"] == 3
    assert acc["calibration_repeat_tokens"] > 0 and acc["prefix_reevaluated_tokens"] > 0
    assert acc["minimum_tokens"] < acc["evaluated_tokens"]
    assert acc["ratio"] == round(acc["evaluated_tokens"] / acc["minimum_tokens"], 2)


def _fake_result() -> dict:
    result = {
        "machine": {"cpu_count": 2, "cpu_model": "Test CPU", "platform": "Linux", "python": "3.11", "llama_cpp_python": "0.3",
                    "load_average_start": 1.0, "load_average_end": 1.5},
        "command": "fieldnotes bench --notes 3", "date": "2025-01-01T00:00:00+00:00", "bench_seconds": 12.0, "seed": 1,
        "input": {"generated_notes": 3, "seed": 1},
        "pipeline": {"model": "smollm2", "n_threads": 2, "processed": 3, "skipped": 0, "failed": [], "end_to_end_seconds": 60.0,
                     "notes_per_minute": 3.0, "notes_per_minute_500w": 4.0, "notes_500w": 1, "median_seconds_per_note": 15.0,
                     "p90_seconds_per_note": 25.0, "words_per_note": 500,
                     "per_note_median": {"prompt_tokens": 2000, "evaluated_tokens": 800, "reused_tokens": 1200, "generated_tokens": 0, "calls": 10},
                     "per_note_mean": {"prompt_tokens": 2100, "evaluated_tokens": 850, "reused_tokens": 1250, "generated_tokens": 0, "calls": 11},
                     "stage_seconds": {"model_load": 1.0, "ingest": 0.1, "model_prefill": 50.0, "model_decode": 0.0,
                                       "model_call_overhead": 0.5, "logic": 3.0, "storage": 0.4, "other": 0.1},
                     "peak_rss_mb": 300.0,
                     "tokens": {"evaluated_tokens": 2550, "minimum_tokens": 1500, "ratio": 1.7, "prefix_reevaluated_tokens": 900,
                                "calibration_repeat_tokens": 100, "other_extra_tokens": 50, "template_switches": 9,
                                "prefix_tokens": {"topic": 341}},
                     "floor": {"prefill_seconds": 30.0, "decode_seconds": 0.0, "seconds": 30.0, "prefill_tokens": 2550, "decode_tokens": 0,
                               "prefill_tokens_per_second": 85.0, "replay_seconds": 45.0, "ratio_end_to_end": 2.0,
                               "ratio_model_and_logic": 1.8, "ratio_replay": 1.5, "ratio_llama_calls_vs_replay": 1.11,
                               "threads_probe": {"1": {"prefill_tok_s": 90.0, "decode_tok_s": 30.0},
                                                 "2": {"prefill_tok_s": 60.0, "decode_tok_s": 10.0}}}},
        "search": {"notes": 10000, "items": 500000, "queries": 50, "repeats": 3, "p50_ms": 12.0, "p95_ms": 80.0, "max_ms": 90.0,
                   "median_hits": 20, "slowest": [{"query": "on-call", "filters": {}, "ms": 90.0}], "db_mb": 150.0, "build_seconds": 60.0},
        "startup": {"runs": 5, "python_m": 0.2, "console_script": 0.25, "seconds": 0.25, "command": "fieldnotes --help"},
    }
    result["targets"] = bench.evaluate_targets(result)
    result["shortfalls"] = bench.shortfalls(result)
    return result


def test_targets_are_judged_against_the_issue():
    rows = {r["metric"]: r for r in _fake_result()["targets"]}
    assert rows["floor_ratio"]["met"] is False and rows["token_ratio"]["met"] is False
    assert rows["notes_per_minute_500w"]["met"] is False
    assert rows["peak_rss_mb"]["met"] is True and rows["search_p50_ms"]["met"] is True and rows["help_seconds"]["met"] is True
    assert bench.evaluate_targets({})[0]["met"] is None


def test_shortfalls_name_their_causes():
    text = " ".join(_fake_result()["shortfalls"])
    assert "2.0× the llama.cpp floor" in text
    assert "900 prefix tokens" in text and "calibration" in text
    assert "model prefill" in text  # the dominant stage is named
    assert "one thread beats 2" in text


def test_markdown_report_and_json_are_written(tmp_path):
    out = tmp_path / "docs" / "performance.md"
    md = bench.write_results(_fake_result(), out)
    assert out.read_text() == md
    data = json.loads(out.with_suffix(".json").read_text())
    assert data["machine"]["cpu_count"] == 2 and data["command"] == "fieldnotes bench --notes 3"
    assert "| metric | value | target | met? |" in md
    assert "| end-to-end time / llama.cpp floor (same tokens) | 2 | <= 1.25 | **no** |" in md
    assert "| search p50 on the generated database, ms | 12 | <= 20 | yes |" in md
    assert "`fieldnotes bench --notes 3`" in md and "2 CPUs" in md
    assert "## Shortfalls and causes" in md and "model prefill (llama.cpp eval) | 50.00" in md


def test_markdown_without_a_pipeline_section_marks_targets_unmeasured(tmp_path):
    result = {"machine": {}, "command": "x", "search": _fake_result()["search"], "startup": _fake_result()["startup"]}
    result["targets"] = bench.evaluate_targets(result)
    md = bench.render_markdown(result)
    assert "| n/a | <= 1.25 | n/a |" in md
    assert "None: every measured target is met." in md


@pytest.mark.parametrize("values,pct,expected", [([1, 2, 3, 4], 50, 2.5), ([5], 90, 5), ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9.1)])
def test_percentile(values, pct, expected):
    assert bench._percentile(values, pct) == pytest.approx(expected)
