"""Training: heads fit on a tiny corpus, deterministically, on lexical features and on a model's
vectors (the fake model here); saved heads predict exactly what the trained ones did; corrections
become training examples."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import CORPUS, FakeModel, SAMPLE, run_notes
from pipeline.decide import Decider
from pipeline.decide.heads import load_head_file
from pipeline.dev.corpus import load_corpus, prepare
from pipeline.dev.evaluate import evaluate_docs
from pipeline.dev.train import Config, train_heads

TINY = Config(folds=2, heads=("topic", "person", "role_span", "skill", "job_lead", "date", "sentiment"))


@pytest.fixture(scope="module")
def tiny_docs():
    examples = [e for e in load_corpus([CORPUS]) if e.meta.batch in ("b01", "b04")][:10]
    return prepare(examples)


@pytest.fixture(scope="module")
def tiny_vector_docs():
    examples = [e for e in load_corpus([CORPUS]) if e.meta.batch in ("b01", "b04")][:10]
    return prepare(examples, FakeModel())


def test_training_is_deterministic(tiny_docs):
    a, b = train_heads(tiny_docs, False, TINY), train_heads(tiny_docs, False, TINY)
    assert set(a) == {"topic", "person", "role_span", "skill", "job_lead", "date", "sentiment"}
    for name in a:
        assert a[name].vocab == b[name].vocab and np.array_equal(a[name].coef, b[name].coef), name


def test_saved_heads_predict_what_the_trained_ones_did(tiny_docs, tmp_path):
    heads = train_heads(tiny_docs, False, TINY)
    for name, head in heads.items():
        head.save(tmp_path / f"{name}.npz")
        loaded = load_head_file(tmp_path / f"{name}.npz")
        feats = [{"bias": 1.0, "w:skills": 1.0}, {"bias": 1.0, "w:apply": 1.0, "kind:bullet": 1.0}]
        assert np.allclose(loaded.predict(feats), head.predict(feats), atol=1e-5), name


def test_heads_on_model_vectors_need_the_vectors(tiny_vector_docs):
    heads = train_heads(tiny_vector_docs, True, TINY)
    assert heads["topic"].uses_vectors and heads["topic"].coef.shape[1] == len(heads["topic"].vocab) + 2 * FakeModel.dim
    result = evaluate_docs(tiny_vector_docs[:3], Decider(heads, FakeModel()))
    assert result["notes"] == 3 and result["grounded_rate"] == 1.0


def test_trained_heads_learn_the_training_notes(tiny_docs):
    heads = train_heads(tiny_docs, False, TINY)
    result = evaluate_docs(tiny_docs, Decider(heads))
    assert result["contact_name"] >= 0.8 and result["day_in_life"]["recall"] >= 0.6  # a head that learns nothing fails here


def test_corrections_become_training_examples(db, tmp_path):
    from pipeline.actions import edit_record
    from pipeline.dev.corrections import correction_examples

    run_notes(db, [SAMPLE / "01_hospice_nurse.txt"])
    assert correction_examples(db) == []
    edit_record(db, "01_hospice_nurse.txt", [["contact.title", "Hospice RN Case Manager"]])
    [example] = correction_examples(db)
    assert example.gold.contact.title == "Hospice RN Case Manager" and example.meta.source == "correction"
    docs = prepare([example])
    assert docs[0].doc.text.startswith(example.note.text[:20])


def test_saved_vector_heads_keep_their_projection(tiny_vector_docs, tmp_path):
    heads = train_heads(tiny_vector_docs, True, TINY)
    head = heads["topic"]
    head.save(tmp_path / "topic.npz")
    loaded = load_head_file(tmp_path / "topic.npz")
    assert loaded.dense_proj is not None and loaded.dense_proj.shape == head.dense_proj.shape
    feats = [{"bias": 1.0}] * 2
    dense = np.random.default_rng(0).standard_normal((2, 2 * FakeModel.dim))
    assert np.allclose(loaded.predict(feats, dense), head.predict(feats, dense), atol=1e-5)
