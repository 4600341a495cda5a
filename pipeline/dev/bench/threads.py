"""llama.cpp threads: one ~500-word note through the model's `token_vectors` with 1..N threads,
on the machine as it is and again with every core kept busy by another process (llama.cpp's
threads spin-wait, so a thread count that wins on a free machine can lose badly under load).
Thread counts are interleaved within each repeat, so they see the same load."""
from __future__ import annotations

import os
import subprocess
import sys
from typing import Any, Sequence

from pipeline.dev.bench.common import load_average, summary, timed

REPEATS = 3


def bench_threads(model_name: str | None, threads: Sequence[int] | None = None, repeats: int = REPEATS) -> dict[str, Any]:
    """Seconds per note for each thread count, free and under load; the winner of each and the default."""
    from pipeline.decide.runtime import default_threads, load_model
    from pipeline.dev.generate import generate_corpus

    counts = sorted(set(threads or range(1, (os.cpu_count() or 1) + 1)))
    note = generate_corpus(1)[0]
    models = {t: load_model(model_name, threads=t) for t in counts}
    tokens = len(models[counts[0]]._llm.tokenize(note.text.encode("utf-8"), add_bos=True, special=False))
    for m in models.values():
        m.token_vectors(note.text)  # warm: the first call allocates llama.cpp's buffers
    out: dict[str, Any] = {"model": models[counts[0]].name, "note_words": note.words, "tokens": tokens, "threads": counts,
                           "default": default_threads(), "llama_cpp_python_default": max((os.cpu_count() or 1) // 2, 1)}
    out["free"] = _condition(models, note.text, tokens, repeats)
    with _busy_cores(os.cpu_count() or 1):
        out["under_load"] = _condition(models, note.text, tokens, repeats)
    out["default_wins_both"] = all(out[c]["best"] == out["default"] for c in ("free", "under_load"))
    return out


def _condition(models: dict[int, Any], text: str, tokens: int, repeats: int) -> dict[str, Any]:
    before = load_average()
    samples: dict[int, list[float]] = {t: [] for t in models}
    for _ in range(repeats):
        for t, model in models.items():
            samples[t] += timed(lambda m=model: m.token_vectors(text), 1)
    rows = {t: dict(summary(s), tokens_per_second=round(tokens / summary(s)["median"], 1)) for t, s in samples.items()}
    best = min(rows, key=lambda t: rows[t]["median"])
    for t, row in rows.items():
        row["ratio_to_best"] = round(row["median"] / rows[best]["median"], 2)
    return {"load_average_before": before, "load_average_after": load_average(), "by_threads": rows, "best": best}


class _busy_cores:
    """`n` processes spinning for the duration of a `with` block (the load another program makes)."""

    def __init__(self, n: int) -> None:
        self.n, self.procs = n, []

    def __enter__(self) -> "_busy_cores":
        self.procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(self.n)]
        return self

    def __exit__(self, *exc: Any) -> None:
        for p in self.procs:
            p.kill()
            p.wait()
