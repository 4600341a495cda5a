"""Shared fixtures: a fake model with enqueue()/history, note files, a temporary database."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from pipeline.llm import ModelStats

HERE = Path(__file__).parent
NOTES = HERE / "notes"
SAMPLE = HERE.parent / "sample_notes"


class FakeModel:
    """Answers `choose` from a queue or a rule, and records every prompt it was asked.

    With nothing queued, it answers by `rule(prompt, options)` if given, else the first option.
    """

    name = "fake"
    prompt_style = "chatml"

    def __init__(self, rule=None) -> None:
        self.queue: list[str] = []
        self.history: list[tuple[str, list[str]]] = []
        self.rule = rule
        self.stats = ModelStats()

    def enqueue(self, *answers: str) -> None:
        self.queue.extend(answers)

    def choose(self, prompt: str, options, prefix=None):
        self.history.append((prompt, list(options)))
        self.stats.calls += 1
        pick = self.queue.pop(0) if self.queue and "N/A" not in prompt.rsplit("user\n", 1)[-1] else None
        if pick is None:
            pick = self.rule(prompt, list(options)) if self.rule else options[0]
        return {o: (0.0 if o == pick else math.log(0.01)) for o in options}

    def complete(self, prompt: str, max_tokens: int = 200, stop=()) -> str:
        self.history.append((prompt, []))
        return self.queue.pop(0) if self.queue else "Hi,\n\nThank you.\n\nBest,"


def run_notes(db, paths, **kw):
    """Run the batch on these paths without a model (deterministic extraction)."""
    from pipeline.batch import LazyModel, run_batch

    return run_batch(db, [str(p) for p in paths], LazyModel(None, enabled=False), **kw)


@pytest.fixture
def fake_model():
    return FakeModel()


@pytest.fixture
def db(tmp_path):
    from pipeline.store import open_db

    return open_db(tmp_path / "t.db")
