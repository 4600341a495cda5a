"""Training the heads from the corpus (and the user's corrections).

Each head learns from units built exactly as at run time (segments, people, span candidates,
dates), labelled from the gold records (`dev.labels`). Heads later in the chain read the topic
head's probabilities, so those come out-of-fold for the training notes (as they would be for a
new note). Decision thresholds are chosen on out-of-fold predictions too. Everything is
deterministic: the same corpus and vectors give the same weights.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from pipeline.decide import ROLES, TOPICS, Decider
from pipeline.decide.features import person_features, person_vectors, segment_features, segment_vectors, span_vectors
from pipeline.decide.heads import Head
from pipeline.dev.corpus import TrainDoc
from pipeline.dev.labels import person_roles, segment_topics
from pipeline.dev.match import overlap, same_text
from pipeline.fields.interview_date import date_candidates, date_features
from pipeline.fields.job_leads import lead_candidates, lead_features
from pipeline.fields.outlook import _weighted_vector, sentiment_features
from pipeline.fields.roles import role_candidates, role_features
from pipeline.fields.skills import skill_candidates, skill_features

SENTIMENTS = ("positive", "negative", "mixed", "neutral")


@dataclass
class Config:
    C: float = 0.5
    dense_weight: float = 0.5
    dense_dims: int = 96
    head_C: dict = field(default_factory=lambda: {"sentiment": 0.05})  # a head's own regularisation, where CV chose another
    min_df: int = 3
    folds: int = 3
    seed: int = 0
    heads: tuple[str, ...] = ("topic", "person", "role_span", "skill", "job_lead", "date", "sentiment")


@dataclass
class Rows:
    feats: list[dict[str, float]] = field(default_factory=list)
    dense: list[np.ndarray] = field(default_factory=list)
    y: list[Any] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)

    def add(self, feats: Sequence[dict], dense: np.ndarray | None, ys: Sequence[Any], group: str) -> None:
        self.feats.extend(feats)
        if dense is not None:
            self.dense.extend(dense)
        self.y.extend(ys)
        self.groups.extend([group] * len(feats))


def train_heads(docs: list[TrainDoc], use_vectors: bool, config: Config | None = None,
                progress: Callable[[str], None] | None = None) -> dict[str, Head]:
    """Fit every head on these documents; returns the heads by name."""
    cfg = config or Config()
    say = progress or (lambda _: None)
    heads: dict[str, Head] = {}
    rows = _topic_rows(docs, use_vectors)
    heads["topic"], oof = fit_head("topic", "multilabel", TOPICS, rows, cfg, use_vectors, with_oof=True)
    _set_topic_probs(docs, rows, oof)
    say("topic")
    builders = {"person": (_person_rows, "multiclass", ROLES), "role_span": (_role_rows, "multiclass", ("title", "org", "none")),
                "skill": (_skill_rows, "multiclass", ("no", "yes")), "job_lead": (_lead_rows, "multiclass", ("no", "yes")),
                "date": (_date_rows, "multiclass", ("no", "yes")), "sentiment": (_sentiment_rows, "multiclass", SENTIMENTS)}
    stub = Decider({"topic": heads["topic"], "person": heads["topic"]}, None)
    for name in cfg.heads:
        if name == "topic":
            continue
        build, kind, classes = builders[name]
        data = build(docs, use_vectors, stub)  # every head is fitted (one with a single class or no rows says that class)
        heads[name], _ = fit_head(name, kind, classes, data, cfg, use_vectors, with_oof=name in ("person", "skill", "job_lead", "date", "role_span"))
        say(name)
    return heads


# ---------------------------------------------------------------------------------------------
# Rows per head
# ---------------------------------------------------------------------------------------------

def _topic_rows(docs: list[TrainDoc], use_vectors: bool) -> Rows:
    rows = Rows()
    for td in docs:
        labels = segment_topics(td.doc, td.gold)
        ys = [np.array([t in lab for t in TOPICS], dtype=np.int8) for lab in labels]
        rows.add([segment_features(td.doc, s) for s in td.doc.segments], segment_vectors(td.doc) if use_vectors else None, ys, td.id)
    return rows


def _set_topic_probs(docs: list[TrainDoc], rows: Rows, oof: np.ndarray) -> None:
    pos = 0
    for td in docs:
        n = len(td.doc.segments)
        td.doc.probs["topic"] = oof[pos:pos + n]
        td.doc.memo["topic_classes"] = list(TOPICS)
        pos += n


def _person_rows(docs: list[TrainDoc], use_vectors: bool, stub: Decider) -> Rows:
    rows = Rows()
    for td in docs:
        if not td.doc.people:
            continue
        roles = person_roles(td.doc, td.gold, td.meta.seeker)
        feats = [person_features(td.doc, i) for i in range(len(td.doc.people))]
        rows.add(feats, person_vectors(td.doc) if use_vectors else None, [ROLES.index(r) for r in roles], td.id)
    return rows


def _role_rows(docs: list[TrainDoc], use_vectors: bool, stub: Decider) -> Rows:
    rows = Rows()
    for td in docs:
        roles = person_roles(td.doc, td.gold, td.meta.seeker)
        for i, role in enumerate(roles):
            gold = _gold_person(td, i, role)
            if gold is None or not (gold.title or gold.organization):
                continue
            cands = role_candidates(td.doc, i, role)
            if not cands:
                continue
            ys = []
            for c in cands:
                text = td.doc.text[c.start:c.end]
                ys.append(0 if gold.title and same_text(text, gold.title) else 1 if gold.organization and same_text(text, gold.organization) else 2)
            rows.add(role_features(td.doc, cands), span_vectors(td.doc, [(c.start, c.end) for c in cands]) if use_vectors else None, ys, td.id)
    return rows


def _gold_person(td: TrainDoc, index: int, role: str):
    from pipeline.annotate.identity import same_person

    name = td.doc.people[index].name
    if role == "contact":
        return td.gold.contact
    if role == "referral":
        return next((r for r in td.gold.referrals if r.name and same_person(name, r.name)), None)
    return None


def _skill_rows(docs: list[TrainDoc], use_vectors: bool, stub: Decider) -> Rows:
    rows = Rows()
    for td in docs:
        cands = skill_candidates(td.doc, stub)
        if not cands:
            continue
        ys = [int(any(overlap(g, td.doc.text[c.start:c.end]) >= 0.67 and overlap(td.doc.text[c.start:c.end], g) >= 0.67 for g in td.gold.skills))
              for c in cands]
        rows.add(skill_features(td.doc, stub, cands), span_vectors(td.doc, [(c.start, c.end) for c in cands]) if use_vectors else None, ys, td.id)
    return rows


def _lead_rows(docs: list[TrainDoc], use_vectors: bool, stub: Decider) -> Rows:
    rows = Rows()
    for td in docs:
        cands = lead_candidates(td.doc, stub)
        if not cands:
            continue
        ys = [int(any(overlap(g.title, td.doc.text[c.start:c.end]) >= 0.6 and overlap(td.doc.text[c.start:c.end], g.title) >= 0.6
                      for g in td.gold.job_leads)) for c in cands]
        rows.add(lead_features(td.doc, cands, stub), span_vectors(td.doc, [(c.start, c.end) for c in cands]) if use_vectors else None, ys, td.id)
    return rows


def _date_rows(docs: list[TrainDoc], use_vectors: bool, stub: Decider) -> Rows:
    rows = Rows()
    for td in docs:
        cands = date_candidates(td.doc)
        if not cands or not td.gold.interview_date:
            continue
        ys = [int(e.value["past"].isoformat() == td.gold.interview_date) for e in cands]
        rows.add(date_features(td.doc, cands), span_vectors(td.doc, [(e.start, e.end) for e in cands]) if use_vectors else None, ys, td.id)
    return rows


def _sentiment_rows(docs: list[TrainDoc], use_vectors: bool, stub: Decider) -> Rows:
    rows = Rows()
    for td in docs:
        if td.gold.outlook.sentiment not in SENTIMENTS or not td.doc.segments:
            continue
        feats, weights = sentiment_features(td.doc, stub)
        rows.add([feats], _weighted_vector(td.doc, weights) if use_vectors else None, [SENTIMENTS.index(td.gold.outlook.sentiment)], td.id)
    return rows


# ---------------------------------------------------------------------------------------------
# Fitting
# ---------------------------------------------------------------------------------------------

def fit_head(name: str, kind: str, classes: Sequence[str], rows: Rows, cfg: Config, use_vectors: bool,
             with_oof: bool = False) -> tuple[Head, np.ndarray | None]:
    """A head fitted on all rows; with `with_oof`, also out-of-fold probabilities (folds by note),
    from which each class's decision threshold is chosen."""
    if not rows.y:  # nothing to learn from (a tiny corpus): a head that always says the first class ("no", "none")
        intercept = np.full(len(classes), -10.0)
        intercept[0] = 0.0 if kind == "multilabel" else 10.0
        return Head(name, kind, list(classes), {}, np.zeros((len(classes), 0)), intercept, meta={"rows": 0}), None
    head = _fit(name, kind, list(classes), rows, cfg, use_vectors, np.arange(len(rows.y)))
    if not with_oof:
        return head, None
    oof = np.zeros((len(rows.y), len(classes)))
    for train_idx, test_idx in _folds(rows.groups, cfg.folds, cfg.seed):
        if len(train_idx) == 0 or len(test_idx) == 0:
            continue
        inner = _fit(name, kind, list(classes), rows, cfg, use_vectors, train_idx)
        oof[test_idx] = inner.predict([rows.feats[i] for i in test_idx], np.stack([rows.dense[i] for i in test_idx]) if use_vectors else None)
    head.thresholds = _thresholds(kind, classes, rows.y, oof)
    head.meta["oof_f1"] = _oof_f1(kind, classes, rows.y, oof, head.thresholds)
    return head, oof


def _fit(name: str, kind: str, classes: list[str], rows: Rows, cfg: Config, use_vectors: bool, idx: np.ndarray) -> Head:
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    vocab = _vocabulary([rows.feats[i] for i in idx], cfg.min_df)
    X = _sparse([rows.feats[i] for i in idx], vocab)
    mean = scale = proj = None
    if use_vectors:
        D = np.stack([rows.dense[i] for i in idx]).astype(np.float64)
        mean = D.mean(axis=0)
        proj = _principal_directions(D - mean, cfg.dense_dims)
        Z = (D - mean) @ proj
        scale = Z.std(axis=0) + 1e-6
        X = sparse.hstack([X, sparse.csr_matrix(Z / scale * cfg.dense_weight)], format="csr")
    n_cols = X.shape[1]
    Y = np.stack([rows.y[i] for i in idx]) if kind == "multilabel" else np.eye(len(classes), dtype=np.int8)[np.array([rows.y[i] for i in idx])]
    coef, intercept = np.zeros((len(classes), n_cols)), np.zeros(len(classes))
    for k in range(len(classes)):  # one-vs-rest: liblinear is fast on sparse rows
        if Y[:, k].min() == Y[:, k].max():
            intercept[k] = 10.0 if Y[0, k] else -10.0
            continue
        if n_cols == 0:  # no feature seen often enough (a tiny corpus): the class's prior odds
            share = float(Y[:, k].mean())
            intercept[k] = float(np.log(share / (1 - share)))
            continue
        lr = LogisticRegression(C=cfg.head_C.get(name, cfg.C), class_weight="balanced", solver="liblinear", max_iter=2000, random_state=cfg.seed)
        lr.fit(X, Y[:, k])
        coef[k], intercept[k] = lr.coef_[0], lr.intercept_[0]
    return Head(name, kind, classes, vocab, coef, intercept, mean, scale, cfg.dense_weight if use_vectors else 1.0,
                meta={"rows": int(len(idx))}, dense_proj=proj)


def _principal_directions(X: np.ndarray, k: int) -> np.ndarray:
    """(D, k) top principal directions of the centred rows (from at most 4,000 evenly spaced rows)."""
    step = max(1, len(X) // 4000)
    _, _, vt = np.linalg.svd(X[::step], full_matrices=False)
    k = min(k, vt.shape[0])
    signs = np.sign(vt[:k, np.argmax(np.abs(vt[:k]), axis=1)].diagonal())  # a fixed sign per direction
    return (vt[:k] * signs[:, None]).T


def _vocabulary(feats: list[dict[str, float]], min_df: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in feats:
        for k in f:
            counts[k] = counts.get(k, 0) + 1
    return {k: i for i, k in enumerate(sorted(k for k, n in counts.items() if n >= min_df))}


def _sparse(feats: list[dict[str, float]], vocab: dict[str, int]):
    from scipy import sparse

    indptr, indices, data = [0], [], []
    for f in feats:
        for k, v in f.items():
            j = vocab.get(k)
            if j is not None:
                indices.append(j)
                data.append(v)
        indptr.append(len(indices))
    return sparse.csr_matrix((data, indices, indptr), shape=(len(feats), len(vocab)))


def _folds(groups: list[str], k: int, seed: int):
    """k folds by note, assigned by a stable hash of the note id."""
    keys = sorted(set(groups))
    fold_of = {g: int(hashlib.sha1(f"{seed}:{g}".encode()).hexdigest(), 16) % k for g in keys}
    arr = np.array([fold_of[g] for g in groups])
    for f in range(k):
        yield np.where(arr != f)[0], np.where(arr == f)[0]


def _thresholds(kind: str, classes: Sequence[str], y: list, oof: np.ndarray) -> np.ndarray:
    """Per class, the probability cut that maximises F1 on the out-of-fold predictions."""
    Y = np.stack(y) if kind == "multilabel" else np.eye(len(classes))[np.array(y)]
    out = np.full(len(classes), 0.5)
    grid = np.linspace(0.05, 0.95, 37)
    for k in range(len(classes)):
        if Y[:, k].sum() == 0:
            continue
        f1s = [_f1(Y[:, k], oof[:, k] >= t) for t in grid]
        out[k] = float(grid[int(np.argmax(f1s))])
    return out


def _f1(truth: np.ndarray, pred: np.ndarray) -> float:
    tp = float(np.sum(truth.astype(bool) & pred))
    fp, fn = float(np.sum(~truth.astype(bool) & pred)), float(np.sum(truth.astype(bool) & ~pred))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _oof_f1(kind: str, classes: Sequence[str], y: list, oof: np.ndarray, thresholds: np.ndarray) -> dict[str, float]:
    Y = np.stack(y) if kind == "multilabel" else np.eye(len(classes))[np.array(y)]
    return {c: round(_f1(Y[:, k], oof[:, k] >= thresholds[k]), 4) for k, c in enumerate(classes)}


def save_heads(heads: dict[str, Head], folder: Path, manifest: dict[str, Any]) -> None:
    """Write the heads and a meta.json (corpus, settings, out-of-fold scores) to `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.npz"):
        old.unlink()
    for name, head in heads.items():
        head.save(folder / f"{name}.npz")
    meta = dict(manifest, heads={n: h.meta for n, h in heads.items()})
    (folder / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
