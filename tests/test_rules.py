"""Every rule file loads, and its own examples hold (rules are data; their examples are tests)."""
from __future__ import annotations

from importlib import resources

import pytest

from pipeline import rules

RULE_FILES = sorted(p.name[:-5] for p in resources.files("pipeline.rules").iterdir() if p.name.endswith(".yaml"))


def test_rule_files_are_packaged():
    assert {"layout", "names", "cues", "dates", "spans", "fields", "followups", "roles"} <= set(RULE_FILES)


@pytest.mark.parametrize("name", RULE_FILES)
def test_rule_file_examples(name):
    data = rules.load(name)
    assert data["version"]
    for ex in data.get("examples", []):
        if "pattern" in ex:
            assert bool(rules.pattern(name, ex["pattern"]).match(ex["text"])) is ex["match"], ex
        elif "lexicon" in ex:
            assert bool(rules.lexicon(name, ex["lexicon"]).search(ex["text"])) is ex["match"], ex
        elif "list" in ex:
            assert ex["contains"] in rules.words(name, ex["list"]), ex
        elif name == "dates":
            from pipeline.annotate.dates import find_dates

            found = find_dates(ex["text"])
            assert (ex["text"][found[0].start:found[0].end] if found else None) == ex["find"], ex
        elif name == "spans":
            from pipeline.annotate.spans import _trim_fillers

            a, b = _trim_fillers(ex["text"], 0, len(ex["text"]))
            assert ex["text"][a:b] == ex["expect"]
        elif name == "fields":
            from pipeline.fields.career_field import field_from_title

            assert field_from_title(ex["title"]) == ex["field"]
        elif name == "followups":
            assert rules.table(name, "contact_verbs")[ex["verb"]] == ex["task_verb"]


def test_missing_rule_file_is_a_clear_error():
    from pipeline.errors import FieldnotesError

    with pytest.raises(FieldnotesError, match="missing or invalid"):
        rules.load("no_such_rules")


def test_lexicon_matches_whole_words_and_stems():
    rx = rules.lexicon("cues", "advice")
    assert rx.search("She recommended the course")  # recommend* matches an ending
    assert not rx.search("a tipsy evening")  # 'tip' is a whole word only
