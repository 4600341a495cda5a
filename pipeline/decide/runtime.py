"""Model runtime: a small interface over a local GGUF model, loaded lazily once per run.

The trained heads read the model's own representations: `token_vectors(text)` runs the note
through the model once and returns every token's final hidden state with its character span.
`complete()` serves drafts. Long notes are read in overlapping windows; llama.cpp threads
default to one less than the physical cores (at least one), because its threads spin-wait
and thrash when anything else runs (measured in docs/performance.md).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence

from pipeline.errors import ModelError

WINDOW_TOKENS = 2048  # tokens per pass; a longer note is read in windows
WINDOW_OVERLAP = 256  # tokens of left context kept when a new window starts
MAX_NOTE_TOKENS = 24_000  # beyond this the note is decided from lexical features only (time budget)


@dataclass
class ModelStats:
    """Counters for the benchmark."""

    calls: int = 0
    prompt_tokens: int = 0
    evaluated_tokens: int = 0
    generated_tokens: int = 0
    prefill_seconds: float = 0.0
    decode_seconds: float = 0.0
    load_seconds: float = 0.0

    def snapshot(self) -> dict[str, float]:
        return dict(self.__dict__)


class Model(Protocol):
    """What the pipeline needs from a model (the fake model in the tests implements it too)."""

    name: str
    feature_name: str  # which trained heads fit this model's vectors (registry alias, or "" for none)
    dim: int
    stats: ModelStats

    def token_vectors(self, text: str):
        """`embed.TokenVectors` for the text: char spans and hidden states of its tokens (None if too long)."""

    def complete(self, prompt: str, max_tokens: int = 200, stop: Sequence[str] = ()) -> str:
        """Greedy continuation of the prompt."""


def default_threads() -> int:
    """$FIELDNOTES_THREADS, else physical cores minus one (at least one)."""
    env = os.environ.get("FIELDNOTES_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    try:
        import psutil

        cores = psutil.cpu_count(logical=False) or os.cpu_count() or 1
    except ImportError:  # pragma: no cover
        cores = os.cpu_count() or 1
    return max(1, cores - 1)


def load_model(name: str | None = None, threads: int | None = None) -> "LlamaModel":
    """Load the model named by alias or path (default: $FIELDNOTES_MODEL or the registry default)."""
    from pipeline.decide.registry import resolve_model

    return LlamaModel(resolve_model(name), threads or default_threads())


class LlamaModel:
    """A GGUF model through llama-cpp-python, read in embedding mode for its hidden states."""

    def __init__(self, spec, threads: int) -> None:
        self.spec = spec
        self.name = spec.alias
        self.feature_name = spec.alias
        self.prompt_style = spec.prompt_style
        self.threads = threads
        self.stats = ModelStats()
        self._path = spec.ensure_file()
        start = time.perf_counter()
        self._llm = _open_llama(self._path, WINDOW_TOKENS, threads, embedding=True)
        self.stats.load_seconds = time.perf_counter() - start
        self.dim = self._llm.n_embd()
        self.cache_key = f"{spec.alias}-{self._path.stat().st_size}"
        self._generator = None

    def token_vectors(self, text: str):
        import numpy as np

        from pipeline.decide.embed import TokenVectors, char_spans

        data = text.encode("utf-8")
        tokens = self._llm.tokenize(data, add_bos=True, special=False)
        if len(tokens) > MAX_NOTE_TOKENS:
            return None
        pieces = [len(self._llm.detokenize([t])) for t in tokens]
        start = time.perf_counter()
        states = self._states(tokens)
        self.stats.prefill_seconds += time.perf_counter() - start
        self.stats.calls += 1
        self.stats.prompt_tokens += len(tokens)
        # stored and used at float16 precision, so a cached corpus and a live run see the same numbers
        return TokenVectors(char_spans(text, data, pieces), states.astype(np.float16).astype(np.float32))

    def _states(self, tokens: list[int]):
        """Hidden states of every token, window by window (each window keeps some left context)."""
        import numpy as np

        out = np.zeros((len(tokens), self.dim), dtype=np.float32)
        pos = 0
        while pos < len(tokens):
            left = max(0, pos - WINDOW_OVERLAP) if pos else 0
            window = tokens[:WINDOW_TOKENS] if not left else [tokens[0]] + tokens[left:left + WINDOW_TOKENS - 1]
            states = self._decode(window)
            keep_from = pos - left + (1 if left else 0)  # skip the BOS and the left context
            take = states[keep_from:]
            out[pos:pos + len(take)] = take
            pos += len(take)
        return out

    def _decode(self, tokens: list[int]):
        import llama_cpp
        import numpy as np

        ctx, n_batch = self._llm._ctx.ctx, self._llm.n_batch
        self._llm._ctx.kv_cache_clear()
        states = np.zeros((len(tokens), self.dim), dtype=np.float32)
        batch = llama_cpp.llama_batch_init(n_batch, 0, 1)
        try:
            for s in range(0, len(tokens), n_batch):
                chunk = tokens[s:s + n_batch]
                batch.n_tokens = len(chunk)
                for i, tok in enumerate(chunk):
                    batch.token[i], batch.pos[i], batch.n_seq_id[i] = tok, s + i, 1
                    batch.seq_id[i][0], batch.logits[i] = 0, True
                if llama_cpp.llama_decode(ctx, batch) != 0:
                    raise ModelError(f"model {self.name} failed to read a note (llama_decode); try --no-llm or another --model")
                ptr = llama_cpp.llama_get_embeddings(ctx)
                states[s:s + len(chunk)] = np.ctypeslib.as_array(ptr, shape=(len(chunk) * self.dim,)).reshape(len(chunk), self.dim)
                self.stats.evaluated_tokens += len(chunk)
        finally:
            llama_cpp.llama_batch_free(batch)
        return states

    def complete(self, prompt: str, max_tokens: int = 200, stop: Sequence[str] = ()) -> str:
        """Greedy text from a second, generation-mode context (opened on first use)."""
        if self._generator is None:
            self._generator = _open_llama(self._path, self.spec.n_ctx, self.threads, embedding=False)
        start = time.perf_counter()
        out = self._generator.create_completion(prompt, max_tokens=max_tokens, temperature=0.0, stop=list(stop) or None)
        self.stats.generated_tokens += out.get("usage", {}).get("completion_tokens", 0)
        self.stats.decode_seconds += time.perf_counter() - start
        return out["choices"][0]["text"]


def _open_llama(path: Path, n_ctx: int, threads: int, embedding: bool):
    try:
        import llama_cpp
    except ImportError as e:  # pragma: no cover - depends on the install
        raise ModelError(f"llama-cpp-python is not installed ({e}); run `make install` or use --no-llm") from e
    _quiet_llama_log(llama_cpp)
    kwargs = {"embedding": True, "pooling_type": llama_cpp.LLAMA_POOLING_TYPE_NONE, "n_ubatch": 512} if embedding else {}
    try:
        return llama_cpp.Llama(model_path=str(path), n_ctx=n_ctx, n_batch=512, n_threads=threads, n_threads_batch=threads,
                               verbose=False, seed=0, **kwargs)
    except (ValueError, RuntimeError) as e:
        raise ModelError(f"{path}: could not load the model file ({e}); check it is a complete .gguf file or pick another with --model") from e


_LOG_CALLBACK = None


def _quiet_llama_log(llama_cpp) -> None:
    """Drop llama.cpp's own log lines (they would reach the user's terminal on stderr)."""
    global _LOG_CALLBACK
    if _LOG_CALLBACK is None:
        import ctypes

        @llama_cpp.llama_log_callback
        def _drop(level, text, user_data):  # pragma: no cover - called from C
            return None

        _LOG_CALLBACK = _drop
        llama_cpp.llama_log_set(_LOG_CALLBACK, ctypes.c_void_p(0))
