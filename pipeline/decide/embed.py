"""The model's representations of a note: token states pooled over any character span.

`TokenVectors` holds each token's character span and final hidden state from one pass over
the note. `pool(a, b)` gives the features of a span: the mean of its tokens' states and the
state of its last token (which, in a left-to-right model, has read everything before it).
`cached_vectors` keeps a note's vectors on disk, keyed by the model file and the text, so
training and cross-validation read the corpus through the model only once.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class TokenVectors:
    spans: np.ndarray  # (n, 2) int32 character [start, end) of each token
    states: np.ndarray  # (n, d) float32

    @property
    def dim(self) -> int:
        return int(self.states.shape[1])

    def pool(self, start: int, end: int) -> np.ndarray:
        """[mean of the span's tokens, last token of the span], 2*d values (zeros for an empty span)."""
        lo = int(np.searchsorted(self.spans[:, 1], start, side="right"))
        hi = int(np.searchsorted(self.spans[:, 0], end, side="left"))
        if hi <= lo:
            return np.zeros(2 * self.dim, dtype=np.float32)
        block = self.states[lo:hi]
        return np.concatenate([block.mean(axis=0), block[-1]]).astype(np.float32)


def char_spans(text: str, data: bytes, piece_bytes: list[int]) -> np.ndarray:
    """Character span of each token from the byte lengths of its pieces (a token may split a character)."""
    char_at = np.zeros(len(data) + 1, dtype=np.int32)  # byte offset -> character offset
    pos = 0
    for i, ch in enumerate(text):
        n = len(ch.encode("utf-8"))
        char_at[pos:pos + n] = i
        pos += n
    char_at[pos:] = len(text)
    spans = np.zeros((len(piece_bytes), 2), dtype=np.int32)
    b = 0
    for k, n in enumerate(piece_bytes):
        a_byte, b_byte = min(b, len(data)), min(b + n, len(data))
        spans[k] = (char_at[a_byte], char_at[b_byte] if b_byte < len(data) else len(text))
        if n and spans[k, 1] <= spans[k, 0] and b_byte < len(data):
            spans[k, 1] = spans[k, 0] + 1
        b += n
    return spans


def cache_dir() -> Path:
    base = os.environ.get("FIELDNOTES_CACHE") or os.path.join(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "fieldnotes")
    return Path(base) / "vectors"


def cached_vectors(model: Any, text: str) -> TokenVectors | None:
    """The model's vectors for `text`, from the disk cache when present (float16 on disk)."""
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
    folder = cache_dir() / _model_key(model)
    path = folder / f"{key}.npz"
    if path.exists():
        try:
            with np.load(path) as z:
                return TokenVectors(z["spans"], z["states"].astype(np.float32))
        except (OSError, ValueError, KeyError):
            pass
    vectors = model.token_vectors(text)
    if vectors is not None:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, spans=vectors.spans, states=vectors.states.astype(np.float16))
        os.replace(tmp, path)
    return vectors


def _model_key(model: Any) -> str:
    ident = getattr(model, "cache_key", None) or getattr(model, "name", "model")
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in str(ident))
