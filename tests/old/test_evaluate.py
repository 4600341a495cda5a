"""The eval command's scoring: matching rules, the dev set, clear errors for bad gold files."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.errors import GoldError
from pipeline.evaluate import evaluate_configs, load_gold, names_match, overlap

DEVSET = Path(__file__).parent / "devset"


def test_name_and_phrase_matching_rules():
    assert names_match("Dr. Kwame Asante", "kwame asante")
    assert names_match("K. Asante", "Kwame Asante")
    assert not names_match("Kwame Mensah", "Kwame Asante")
    assert overlap("seasonal event assistant", "event assistants every spring") == pytest.approx(2 / 3)


@pytest.mark.parametrize("devset", [DEVSET, DEVSET.with_name("devset-fresh")], ids=["devset", "devset-fresh"])
def test_devset_without_model_is_fully_grounded_and_finds_most_referrals(devset):
    (result,) = evaluate_configs(devset, [], no_llm=True)
    assert result["notes"] == len(list((devset / "gold").glob("*.json"))) >= 16
    assert result["grounded_rate"] == 1.0
    assert result["referrals"]["recall"] >= 0.8
    assert result["contact_name"] >= 0.9


def test_bad_gold_file_is_named(tmp_path):
    (tmp_path / "gold").mkdir()
    (tmp_path / "notes").mkdir()
    (tmp_path / "gold" / "x.json").write_text(json.dumps({"note": "x.txt", "contact": {}, "surprise": 1}))
    with pytest.raises(GoldError, match="x.json: not a valid gold file"):
        load_gold(tmp_path)
