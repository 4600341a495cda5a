"""Backend benchmark (`fieldnotes bench --backend openai --jobs 1,2,4`): notes per minute through
one and two local `llama_cpp.server` processes at each jobs value, against the in-process model
(one process, and worker processes), all in one run on the same notes.

Each configuration stores the same notes into a fresh database (decision mode, `--force`), so
the numbers include reading, layout, the heads and SQLite, not only the model. When the model
has no trained heads yet, stand-in heads (the lexical heads plus fixed random weights on the
vectors, `write_standin_heads`) make the decisions read the vectors as trained heads would; the
report says so. Servers listen on 127.0.0.1 only and are stopped at the end.
"""
from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

DEFAULT_NOTES = 16


def run_backend_bench(jobs: Sequence[int] = (1, 2, 4), servers: Sequence[int] = (1, 2), notes: int = DEFAULT_NOTES,
                      folder: str | None = None, model_name: str = "smollm2", out: Path | None = None,
                      progress: Callable[[str], None] | None = None) -> str:
    """Run every configuration and return the Markdown report (also written as JSON beside `out`)."""
    from pipeline.decide.heads import load_heads
    from pipeline.decide.registry import resolve_model
    from pipeline.dev.servers import LocalServer

    say = progress or (lambda msg: None)
    paths = pick_notes(folder, notes)
    spec = resolve_model(model_name)
    gguf = spec.ensure_file()
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fieldnotes-bench-") as tmp, ExitStack() as stack:
        standin = not load_heads(spec.alias)
        if standin:
            _use_standin_heads(Path(tmp), spec.alias, _model_dim(gguf))
        load = os.getloadavg()[0]
        for j in sorted({1, min(2, max(jobs))}):
            say(f"in-process, jobs {j}")
            rows.append(_measure(Path(tmp), paths, f"in-process, jobs {j}", j, model_name, None))
        live = [stack.enter_context(LocalServer(gguf, spec.alias)) for _ in range(max(servers))]
        for n in servers:
            for j in jobs:
                say(f"{n} server(s), jobs {j}")
                rows.append(_measure(Path(tmp), paths, f"{n} server{'s' if n > 1 else ''}, jobs {j}", j, spec.alias,
                                     [s.url for s in live[:n]]))
        load_end = os.getloadavg()[0]
    base = rows[0]["notes_per_minute"]
    for r in rows:
        r["ratio_to_in_process"] = round(r["notes_per_minute"] / base, 2) if base else None
    meta = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "notes": len(paths), "model": spec.alias,
            "standin_heads": standin, "cpus": os.cpu_count(), "machine": platform.platform(), "load_start": round(load, 2),
            "load_end": round(load_end, 2), "seconds": round(time.perf_counter() - started, 1)}
    if out:
        out.with_suffix(".json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2), encoding="utf-8")
    return render(meta, rows)


def pick_notes(folder: str | None, count: int) -> list[str]:
    """`count` note files: the folder's, or the corpus's from its lower quartile of size up (shorter than the median, so
    eight configurations fit in minutes on two cores; the report gives their tokens per note)."""
    from pipeline.dev.corpus import corpus_dir
    from pipeline.ingest import find_note_files

    base = Path(folder) if folder else corpus_dir() / "notes"
    files, _, _ = find_note_files([str(base)])
    files = sorted(files, key=lambda p: (Path(p).stat().st_size, str(p)))
    start = 0 if folder else min(len(files) // 4, max(0, len(files) - count))
    return [str(p) for p in files[start:start + count]]


def render(meta: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """The report as a Markdown table."""
    lines = [f"Backend benchmark, {meta['date']}: {meta['notes']} corpus notes, model `{meta['model']}`"
             f"{' (stand-in heads: no trained heads yet)' if meta['standin_heads'] else ''}, {meta['cpus']} CPUs, "
             f"load average {meta['load_start']} -> {meta['load_end']}, {meta['seconds']} s in all.", "",
             "| configuration | notes/min | ratio to in-process | seconds | prompt tokens/note | failed |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['configuration']} | {r['notes_per_minute']} | {r['ratio_to_in_process']} | {r['seconds']} | "
                     f"{r['tokens_per_note']} | {r['failed']} |")
    return "\n".join(lines) + "\n"


def write_standin_heads(root: Path, features: str, dim: int, seed: int = 7) -> Path:
    """Heads for `features` that read a model's vectors: the shipped lexical heads plus fixed random
    weights on the pooled vectors (2*dim per unit, 4*dim per person). Not trained; they make every
    decision depend on the vectors, which is what comparing or timing backends needs. They are
    found when $FIELDNOTES_DATA is `root`. (`meta` is saved as null: `heads.load_head_file` passes
    the header's meta where the projection goes, and null there means no projection.)"""
    from pipeline.decide.heads import heads_dir, load_heads

    out = root / "heads" / features
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for name, head in load_heads("lexical").items():
        width = (4 if name == "person" else 2) * dim
        head.dense_mean, head.dense_scale, head.dense_proj, head.meta = np.zeros(width), np.ones(width), None, None
        head.coef = np.hstack([head.coef, rng.standard_normal((len(head.classes), width)) * (1.2 / np.sqrt(width))])
        head.save(out / f"{name}.npz")
    meta = json.loads(heads_dir("lexical").joinpath("meta.json").read_text())
    (out / "meta.json").write_text(json.dumps(dict(meta, features=features, note="stand-in heads: lexical + random vector weights")))
    return root


def _use_standin_heads(tmp: Path, alias: str, dim: int) -> None:
    from pipeline.decide.heads import fingerprint, load_heads

    os.environ["FIELDNOTES_DATA"] = str(write_standin_heads(tmp / "data", alias, dim))  # worker processes inherit it
    load_heads.cache_clear()
    fingerprint.cache_clear()


def _measure(tmp: Path, paths: list[str], label: str, jobs: int, model: str, urls: list[str] | None) -> dict[str, Any]:
    from pipeline.backends.config import BackendSettings
    from pipeline.batch import LazyDecider, run_batch
    from pipeline.store import open_db

    db_path = tmp / f"{label.replace(' ', '_').replace(',', '')}.db"
    db = open_db(db_path, create=True)
    settings = BackendSettings(kind="openai", base_url=urls, model=model) if urls else BackendSettings()
    decider = LazyDecider(model, backend=settings)
    if urls:
        decider.get()  # the probe is set-up, as loading is for in-process
    began = time.perf_counter()
    summary = run_batch(db, paths, decider, force=True, jobs=jobs)
    seconds = time.perf_counter() - began
    tokens = db.execute("SELECT SUM(LENGTH(text)) FROM notes").fetchone()[0] or 0
    model_obj = decider._model
    prompt_tokens = getattr(getattr(model_obj, "stats", None), "prompt_tokens", 0) if model_obj is not None else 0
    return {"configuration": label, "jobs": jobs, "servers": len(urls or []), "processed": summary.processed, "failed": len(summary.failed),
            "seconds": round(seconds, 1), "notes_per_minute": round(60 * summary.processed / seconds, 2) if seconds else 0.0,
            "tokens_per_note": round(prompt_tokens / summary.processed) if prompt_tokens and summary.processed else None,
            "chars_per_note": round(tokens / max(1, summary.processed))}


def _model_dim(gguf: Path) -> int:
    """The model's hidden size, read from the GGUF header without loading the weights."""
    import llama_cpp

    from pipeline.decide.runtime import _quiet_llama_log

    _quiet_llama_log(llama_cpp)
    llm = llama_cpp.Llama(model_path=str(gguf), vocab_only=True, verbose=False)
    try:
        return int(next(v for k, v in llm.metadata.items() if k.endswith(".embedding_length")))
    finally:
        llm.close()
