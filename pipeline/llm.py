"""Model layer: a small interface over a local GGUF model, loaded lazily once per run.

The extraction stage asks the model only small, checkable questions: "which of these
options?" answered by comparing the log-probabilities of each option's first token after a
prompt. Prompts put the fixed text (instructions, few-shot examples) first, so llama.cpp keeps
it in the KV cache and only evaluates the new tail of each question.
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, Sequence

from pipeline.errors import ModelError
from pipeline.models import ModelSpec, resolve_model


@dataclass
class ModelStats:
    """Counters for the benchmark: how many tokens were evaluated, reused or generated."""

    calls: int = 0
    prompt_tokens: int = 0
    evaluated_tokens: int = 0
    reused_tokens: int = 0
    generated_tokens: int = 0
    prefill_seconds: float = 0.0
    decode_seconds: float = 0.0
    load_seconds: float = 0.0

    def snapshot(self) -> dict[str, float]:
        return dict(self.__dict__)


class Model(Protocol):
    """What the pipeline needs from a model."""

    name: str
    prompt_style: str
    stats: ModelStats

    def choose(self, prompt: str, options: Sequence[str], prefix: str | None = None) -> dict[str, float]:
        """Log-probability of each option (by its first token), normalised over the options.

        `prefix` is the prompt's fixed start; the model may keep its KV state to skip re-reading it."""

    def complete(self, prompt: str, max_tokens: int = 200, stop: Sequence[str] = ()) -> str:
        """Greedy continuation of the prompt."""


def load_model(name: str | None = None) -> "LlamaModel":
    """Load the model named by alias or path (default: $FIELDNOTES_MODEL or the registry default)."""
    spec = resolve_model(name)
    return LlamaModel(spec)


class LlamaModel:
    """A GGUF model through llama-cpp-python, with KV-cache prefix reuse between calls."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.name = spec.alias
        self.prompt_style = spec.prompt_style
        self.decisions = set(spec.decisions)
        self.stats = ModelStats()
        path = spec.ensure_file()
        start = time.perf_counter()
        self._llm = _open_llama(path, spec.n_ctx)
        self.stats.load_seconds = time.perf_counter() - start
        self._first_token_cache: dict[str, int] = {}
        self._prefix_cache: dict[str, list[int]] = {}
        self._states: dict[tuple[int, ...], bytes] = {}  # KV state right after each fixed prefix

    def tokenize(self, text: str) -> list[int]:
        return self._llm.tokenize(text.encode("utf-8"), add_bos=True, special=True)

    def choose(self, prompt: str, options: Sequence[str], prefix: str | None = None) -> dict[str, float]:
        tokens = self.tokenize(prompt)
        logits = self._eval_prompt(tokens, self._prefix_tokens(prefix, tokens))
        ids = [self._option_token(o) for o in options]
        if len(set(ids)) != len(ids):
            raise ModelError(f"options {list(options)} share a first token in model {self.name} (reword the prompt's options)")
        raw = [float(logits[i]) for i in ids]
        top = max(raw)
        norm = math.log(sum(math.exp(r - top) for r in raw)) + top
        return {o: r - norm for o, r in zip(options, raw)}

    def complete(self, prompt: str, max_tokens: int = 200, stop: Sequence[str] = ()) -> str:
        start = time.perf_counter()
        out = self._llm.create_completion(prompt, max_tokens=max_tokens, temperature=0.0, stop=list(stop) or None)
        self.stats.calls += 1
        usage = out.get("usage", {})
        self.stats.generated_tokens += usage.get("completion_tokens", 0)
        self.stats.decode_seconds += time.perf_counter() - start
        return out["choices"][0]["text"]

    def _restore_or_build_prefix(self, prefix: list[int], common: int) -> int:
        """Put the KV cache at the end of `prefix`: restore its saved state or evaluate and save it."""
        llm, key = self._llm, tuple(prefix)
        if key in self._states:
            _load_state_bytes(llm._ctx.ctx, self._states[key])
            llm.input_ids[: len(prefix)] = prefix
            return len(prefix)
        llm.n_tokens = common
        llm.eval(prefix[common:])
        self.stats.evaluated_tokens += len(prefix) - common
        self._states[key] = _state_bytes(llm._ctx.ctx)
        return len(prefix)

    def _option_token(self, option: str) -> int:
        if option not in self._first_token_cache:
            toks = self._llm.tokenize(option.encode("utf-8"), add_bos=False, special=False)
            if not toks:
                raise ModelError(f"option {option!r} is empty after tokenising")
            self._first_token_cache[option] = toks[0]
        return self._first_token_cache[option]

    def _prefix_tokens(self, prefix: str | None, tokens: list[int]) -> int:
        """Length of the fixed prefix inside `tokens` (0 when unknown or tokenised differently)."""
        if not prefix:
            return 0
        if prefix not in self._prefix_cache:
            self._prefix_cache[prefix] = self.tokenize(prefix)
        pre = self._prefix_cache[prefix]
        return len(pre) if tokens[: len(pre)] == pre and len(pre) < len(tokens) else 0

    def _eval_prompt(self, tokens: list[int], n_prefix: int = 0):
        """Evaluate only the part of `tokens` not already in the KV cache; return last logits.

        With a known fixed prefix, the KV state after it is saved once and restored when the
        cache holds another template, so each prefix is read once per run, not once per switch."""
        import numpy as np

        llm = self._llm
        if len(tokens) > llm.n_ctx():
            raise ModelError(f"prompt of {len(tokens)} tokens exceeds the model context of {llm.n_ctx()}")
        start, evaluated_before = time.perf_counter(), self.stats.evaluated_tokens
        common = min(common_prefix(llm.input_ids[: llm.n_tokens].tolist(), tokens), len(tokens) - 1)
        if n_prefix and common < n_prefix:
            common = self._restore_or_build_prefix(tokens[:n_prefix], common)
        llm.n_tokens = common
        llm.eval(tokens[common:])
        self.stats.calls += 1
        self.stats.prompt_tokens += len(tokens)
        self.stats.evaluated_tokens += len(tokens) - common
        self.stats.reused_tokens += len(tokens) - (self.stats.evaluated_tokens - evaluated_before)
        self.stats.prefill_seconds += time.perf_counter() - start
        return np.ctypeslib.as_array(llm._ctx.get_logits_ith(-1), shape=(llm.n_vocab(),))


def _state_bytes(ctx) -> bytes:
    import ctypes

    import llama_cpp

    size = llama_cpp.llama_state_get_size(ctx)
    buf = (ctypes.c_uint8 * size)()
    n = llama_cpp.llama_state_get_data(ctx, buf, size)
    return ctypes.string_at(buf, n)


def _load_state_bytes(ctx, data: bytes) -> None:
    import ctypes

    import llama_cpp

    arr = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
    if llama_cpp.llama_state_set_data(ctx, arr, len(data)) != len(data):
        raise ModelError("could not restore the model's cached prompt state")


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """Number of leading tokens two sequences share."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _open_llama(path: Path, n_ctx: int):
    try:
        import llama_cpp
    except ImportError as e:  # pragma: no cover - depends on the install
        raise ModelError(f"llama-cpp-python is not installed ({e}); run `make install`") from e
    try:
        threads = int(os.environ.get("FIELDNOTES_THREADS") or os.cpu_count() or 2)
        return llama_cpp.Llama(
            model_path=str(path), n_ctx=n_ctx, n_batch=512, n_threads=threads,
            n_threads_batch=threads, verbose=False, seed=0,
        )
    except (ValueError, RuntimeError) as e:
        raise ModelError(f"{path}: could not load the model file ({e}); check it is a complete .gguf file or pick another with --model") from e
