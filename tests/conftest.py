"""Shared fixtures: a fake model that implements the real model interface, note files, databases."""
from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from pipeline.decide.embed import TokenVectors
from pipeline.decide.runtime import ModelStats

# tests/old holds the tests of the layout before the stage packages, kept while they are ported; they import
# names that no longer exist and share module names with the tests here, so pytest must not collect them.
collect_ignore = ["old"]

HERE = Path(__file__).parent
ROOT = HERE.parent
NOTES = HERE / "notes"
SAMPLE = ROOT / "sample_notes"
CORPUS = ROOT / "corpus"


class FakeModel:
    """The model interface without llama.cpp: each word gets a fixed pseudo-random vector (from a
    hash of the word), so heads can be trained and run on it; `complete` answers from a queue."""

    name = "fake"
    feature_name = "fake"
    cache_key = "fake-16"
    prompt_style = "chatml"
    dim = 16

    def __init__(self) -> None:
        self.queue: list[str] = []
        self.history: list[str] = []
        self.stats = ModelStats()

    def enqueue(self, *answers: str) -> None:
        self.queue.extend(answers)

    def token_vectors(self, text: str) -> TokenVectors:
        self.stats.calls += 1
        spans = [(m.start(), m.end()) for m in re.finditer(r"\w+|[^\w\s]", text)] or [(0, 0)]
        states = np.stack([_word_vector(text[a:b].lower(), self.dim) for a, b in spans])
        self.history.append(text[:40])
        return TokenVectors(np.array(spans, dtype=np.int32), states)

    def complete(self, prompt: str, max_tokens: int = 200, stop=()) -> str:
        self.history.append(prompt)
        return self.queue.pop(0) if self.queue else "Thank you so much for your time."

    token_states = True

    def chat(self, messages, schema=None, max_tokens: int = 400):
        """The next queued answer (LLM-first mode); an empty JSON object when the queue is empty."""
        from pipeline.backends.remote import ChatAnswer

        self.history.append(messages[-1]["content"])
        return ChatAnswer(self.queue.pop(0) if self.queue else "{}", "stop")


def _word_vector(word: str, dim: int) -> np.ndarray:
    seed = int(hashlib.sha1(word.encode()).hexdigest()[:8], 16)
    return np.random.default_rng(seed).standard_normal(dim).astype(np.float32)


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path_factory, monkeypatch):
    """Tests never read the developer's own config file (backend URLs, jobs)."""
    monkeypatch.setenv("FIELDNOTES_CONFIG", str(tmp_path_factory.getbasetemp() / "no-config.yaml"))


@pytest.fixture
def fake_model() -> FakeModel:
    return FakeModel()


@pytest.fixture
def db(tmp_path):
    from pipeline.store import open_db

    return open_db(tmp_path / "t.db", create=True)


def write(path: Path, data: bytes | str) -> Path:
    """Write bytes (or UTF-8 text) to `path`, creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def run_notes(db, paths, **kw):
    """The batch on these paths with the shipped lexical heads (no model)."""
    from pipeline.batch import LazyDecider, run_batch

    return run_batch(db, [str(p) for p in paths], LazyDecider(None, use_model=False), **kw)


def make_vector_heads(root: Path, features: str, dim: int, seed: int = 7) -> Path:
    """Vector-reading stand-in heads for `features` under `root` (see `bench_backends.write_standin_heads`);
    use them with `use_heads_from(monkeypatch, root)`."""
    from pipeline.dev.bench_backends import write_standin_heads

    return write_standin_heads(root, features, dim, seed)


def use_heads_from(monkeypatch, root: Path) -> None:
    """Make the heads under `root` win over the shipped ones for this test."""
    from pipeline.decide.heads import fingerprint, load_heads

    monkeypatch.setenv("FIELDNOTES_DATA", str(root))
    load_heads.cache_clear()
    fingerprint.cache_clear()


@pytest.fixture(autouse=True)
def _heads_cache_per_test():
    """Heads are cached per process; a test that swapped them in (`use_heads_from`) must not leave
    its stand-ins cached for the next test."""
    yield
    heads = sys.modules.get("pipeline.decide.heads")
    if heads is not None:
        heads.load_heads.cache_clear()
        heads.fingerprint.cache_clear()
