"""Trained heads: small logistic models over lexical features and the model's vectors.

A head is read from `models/heads/<features>/<name>.npz` (package data) and predicts with
numpy alone: sparse lexical features are looked up in its vocabulary, dense vectors are
standardised, and the scores go through a sigmoid (one-vs-rest labels) or a softmax (one
class of several). `fieldnotes train` writes these files (`pipeline/dev/train.py`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Sequence

import numpy as np

from pipeline.errors import ModelError

HEADS_PACKAGE = "pipeline.models"
LEXICAL = "lexical"  # the feature set of heads that need no model (--no-llm)


@dataclass
class Head:
    name: str
    kind: str  # "multilabel" (one sigmoid per class) or "multiclass" (one-vs-rest sigmoids, normalised)
    classes: list[str]
    vocab: dict[str, int]
    coef: np.ndarray  # (k, V + D)
    intercept: np.ndarray  # (k,)
    dense_mean: np.ndarray | None = None
    dense_scale: np.ndarray | None = None
    dense_weight: float = 1.0
    thresholds: np.ndarray | None = None  # per class, for multilabel decisions
    dense_proj: np.ndarray | None = None  # (D, k): the vectors' principal directions (fitted on the training rows)
    meta: dict = field(default_factory=dict)

    @property
    def n_lex(self) -> int:
        return len(self.vocab)

    @property
    def uses_vectors(self) -> bool:
        return self.dense_mean is not None

    def scores(self, feats: Sequence[dict[str, float]], dense: np.ndarray | None = None) -> np.ndarray:
        """Raw scores, (n, k)."""
        out = np.tile(self.intercept, (len(feats), 1)).astype(np.float64)
        lex = self.coef[:, : self.n_lex]
        for r, f in enumerate(feats):
            idx = [self.vocab[k] for k in f if k in self.vocab]
            if idx:
                vals = np.array([f[k] for k in f if k in self.vocab])
                out[r] += lex[:, idx] @ vals
        if self.uses_vectors:
            if dense is None:
                raise ModelError(f"head {self.name} needs the model's vectors; run with the model it was trained for or --no-llm")
            out += self.project(dense) @ self.coef[:, self.n_lex:].T
        return out

    def project(self, dense: np.ndarray) -> np.ndarray:
        """Vectors as the head reads them: centred, projected, standardised and weighted."""
        x = np.asarray(dense, dtype=np.float64) - self.dense_mean
        if self.dense_proj is not None:
            x = x @ self.dense_proj
        return x / self.dense_scale * self.dense_weight

    def predict(self, feats: Sequence[dict[str, float]], dense: np.ndarray | None = None) -> np.ndarray:
        """Probabilities, (n, k): sigmoid per class, or softmax over the classes."""
        p = 1.0 / (1.0 + np.exp(-self.scores(feats, dense)))
        if self.kind == "multiclass":  # one-vs-rest scores, normalised over the classes
            p = p / np.maximum(p.sum(axis=1, keepdims=True), 1e-12)
        return p

    def threshold(self, cls: str) -> float:
        if self.thresholds is None:
            return 0.5
        return float(self.thresholds[self.classes.index(cls)])

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self.vocab, key=self.vocab.__getitem__)
        extra = {} if self.dense_mean is None else {"dense_mean": self.dense_mean.astype(np.float32), "dense_scale": self.dense_scale.astype(np.float32)}
        if self.dense_proj is not None:
            extra["dense_proj"] = self.dense_proj.astype(np.float32)
        np.savez_compressed(path, vocab=np.array(keys, dtype=object), coef=self.coef.astype(np.float32), intercept=self.intercept.astype(np.float32),
                            thresholds=(self.thresholds if self.thresholds is not None else np.full(len(self.classes), 0.5)).astype(np.float32),
                            header=np.array(json.dumps({"name": self.name, "kind": self.kind, "classes": self.classes,
                                                        "dense_weight": self.dense_weight, "meta": self.meta})), **extra)


def load_head_file(path) -> Head:
    with np.load(path, allow_pickle=True) as z:
        header = json.loads(str(z["header"]))
        vocab = {str(k): i for i, k in enumerate(z["vocab"])}
        has_dense = "dense_mean" in z.files
        return Head(name=header["name"], kind=header["kind"], classes=header["classes"], vocab=vocab,
                    coef=z["coef"].astype(np.float64), intercept=z["intercept"].astype(np.float64),
                    dense_mean=z["dense_mean"].astype(np.float64) if has_dense else None,
                    dense_scale=z["dense_scale"].astype(np.float64) if has_dense else None,
                    dense_weight=float(header.get("dense_weight", 1.0)), thresholds=z["thresholds"].astype(np.float64),
                    dense_proj=z["dense_proj"].astype(np.float64) if "dense_proj" in z.files else None, meta=header.get("meta", {}))


def user_heads_dir(features: str) -> Path:
    """Where `fieldnotes train` keeps heads the user trained (they win over the shipped ones)."""
    import os

    base = os.environ.get("FIELDNOTES_DATA") or os.path.join(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share", "fieldnotes")
    return Path(base) / "heads" / features


def heads_dir(features: str):
    """The user's own heads for this feature set if trained, else the shipped ones."""
    mine = user_heads_dir(features)
    if (mine / "meta.json").is_file():
        return mine
    return resources.files(HEADS_PACKAGE).joinpath("heads", features)


@lru_cache(maxsize=None)
def load_heads(features: str, folder: str | None = None) -> dict[str, Head]:
    """All heads trained on one feature set ('lexical' or a model alias), from `folder` or `heads_dir`."""
    base = Path(folder) if folder else heads_dir(features)
    heads = {}
    try:
        entries = list(base.iterdir()) if base.is_dir() else []
    except OSError:
        entries = []
    for entry in entries:
        if entry.name.endswith(".npz"):
            heads[entry.name[:-4]] = load_head_file(entry)
    return heads


def available_feature_sets() -> list[str]:
    base = resources.files(HEADS_PACKAGE).joinpath("heads")
    return sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []


@lru_cache(maxsize=None)
def fingerprint(features: str) -> str:
    """Names the heads a record was made with: a record made with other weights is re-extracted."""
    import hashlib

    base = heads_dir(features).joinpath("meta.json")
    try:
        digest = hashlib.sha256(base.read_bytes()).hexdigest()[:12]
    except OSError:
        digest = "none"
    return f"{features}:{digest}"
