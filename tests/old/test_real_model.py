"""The real embedded model, end to end (marked `model`; `make test` runs these too)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.llm import load_model

from conftest import SAMPLE

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def model():
    return load_model(None)


def test_real_model_loads_and_decodes(model):
    scores = model.choose("<|im_start|>user\nIs the sky blue? Answer yes or no.<|im_end|>\n<|im_start|>assistant\n", ["yes", "no"])
    assert set(scores) == {"yes", "no"} and all(v <= 0 for v in scores.values())
    text = model.complete("The capital of France is", max_tokens=4)
    assert isinstance(text, str) and text.strip()
    assert model.stats.calls == 2


def test_prefix_is_reused_between_calls(model):
    before = model.stats.reused_tokens
    p = "<|im_start|>system\nYou answer yes or no.<|im_end|>\n<|im_start|>user\n"
    model.choose(p + "Is water wet?<|im_end|>\n<|im_start|>assistant\n", ["yes", "no"])
    model.choose(p + "Is fire cold?<|im_end|>\n<|im_start|>assistant\n", ["yes", "no"])
    assert model.stats.reused_tokens - before >= 10


def test_end_to_end_on_sample_notes(tmp_path):
    db = str(tmp_path / "e2e.db")
    runner = CliRunner()
    r = runner.invoke(cli, ["run", str(SAMPLE), "--db", db, "--json"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["processed"] == len(list(SAMPLE.iterdir())) and not summary["failed"]
    lines = runner.invoke(cli, ["export", "--db", db, "--format", "jsonl"]).stdout.splitlines()
    records = [json.loads(l) for l in lines]
    assert len(records) == summary["processed"]
    assert all(r["extraction"]["model"] == "smollm2" for r in records)
    assert sum(len(r["referrals"]) for r in records) >= 3
    assert all(r["contact"]["name"] for r in records)
    again = json.loads(runner.invoke(cli, ["run", str(SAMPLE), "--db", db, "--json"]).stdout.strip().splitlines()[-1])
    assert again["processed"] == 0 and again["skipped"] == summary["processed"]


def test_restored_prefix_state_gives_the_same_scores(model):
    from pipeline.prompts import load_prompt

    topic, lead = load_prompt("topic"), load_prompt("job_lead")
    st = model.prompt_style
    ask_topic = lambda: model.choose(topic.render(st, text="She reviews budgets every Monday."), topic.option_strings(st), prefix=topic.prefix(st))
    first = ask_topic()
    model.choose(lead.render(st, text="The analyst internship closes May 1."), lead.option_strings(st), prefix=lead.prefix(st))
    evaluated = model.stats.evaluated_tokens
    again = ask_topic()  # the topic prefix comes back from the saved KV state, not re-evaluated
    assert model.stats.evaluated_tokens - evaluated < len(model.tokenize(topic.prefix(st))) // 2
    assert again == pytest.approx(first, abs=1e-3)
