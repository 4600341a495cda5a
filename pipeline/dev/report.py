"""The `train` and `eval` commands' work: which corpus, which feature sets, where heads go, and
the Markdown tables the docs show."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Callable

from pipeline.decide.heads import LEXICAL, user_heads_dir

Progress = Callable[[str], None] | None


def run_train(model_name: str | None, no_llm: bool, corpora: list[str], db: Any, out: str | None, progress: Progress = None) -> str:
    """Fit every head; returns a summary of what was written and the out-of-fold scores."""
    from pipeline.dev.corpus import load_corpus, prepare
    from pipeline.dev.corrections import correction_examples
    from pipeline.dev.train import Config, save_heads, train_heads

    model = None if no_llm else _model(model_name)
    features = LEXICAL if model is None else model.feature_name
    examples = load_corpus(corpora)
    corrected = correction_examples(db) if db is not None else []
    docs = prepare(examples + corrected, model, progress)
    cfg = Config()
    heads = train_heads(docs, model is not None, cfg, progress)
    folder = Path(out) if out else (user_heads_dir(features) if corrected or db is not None else shipped_heads_dir(features))
    manifest = {"features": features, "model": getattr(model, "cache_key", None), "notes": len(examples), "corrections": len(corrected),
                "corpus_sha256": corpus_hash(examples), "config": cfg.__dict__ | {"heads": list(cfg.heads)}}
    manifest["sample_scores"] = sample_scores(docs, heads, model)
    save_heads(heads, folder, manifest)
    lines = [f"Trained {len(heads)} heads on {len(examples)} corpus notes" + (f" and {len(corrected)} corrected notes" if corrected else "")
             + f" ({features}) -> {folder}"]
    for name, head in heads.items():
        scores = head.meta.get("oof_f1")
        if scores:
            lines.append(f"  {name:<10} out-of-fold F1 " + ", ".join(f"{k} {v:.2f}" for k, v in scores.items() if k not in ("none", "no", "other")))
    return "\n".join(lines)


SAMPLE_BATCH = "b01"  # the fixed sample whose in-sample scores each heads folder records (tests re-score it)


def sample_scores(docs: list[Any], heads: dict[str, Any], model: Any) -> dict[str, Any]:
    """The heads' scores on the SAMPLE_BATCH notes (in-sample: a check that the shipped weights, loaded
    at run time with the model's vectors, decide what they decided when they were trained)."""
    from pipeline.decide import Decider
    from pipeline.dev.evaluate import compact, evaluate_docs

    sample = [d for d in docs if d.meta.batch == SAMPLE_BATCH]
    if not sample:
        return {}
    scores = compact(evaluate_docs(sample, Decider(heads, model)))
    scores.pop("seconds_median", None)
    return scores


def shipped_heads_dir(features: str) -> Path:
    """models/heads/<features> in the source tree (the package data); a read-only install gets the user folder."""
    from importlib import resources

    base = Path(str(resources.files("pipeline.models"))) / "heads" / features
    try:
        base.mkdir(parents=True, exist_ok=True)
        probe = base / ".write-test"
        probe.write_text("")
        probe.unlink()
        return base
    except OSError:
        return user_heads_dir(features)


def corpus_hash(examples: list[Any]) -> str:
    h = hashlib.sha256()
    for ex in sorted(examples, key=lambda e: e.meta.note):
        h.update(ex.meta.note.encode())
        h.update(ex.path.read_bytes())
        h.update(ex.gold.model_dump_json().encode())
    return h.hexdigest()[:16]


def run_eval(gold_dirs: list[str], model_names: list[str], no_llm: bool, cv: str | None, progress: Progress = None) -> tuple[Any, str]:
    """Evaluate each configuration (lexical heads and/or models); with `cv`, by leave-one-group-out training."""
    from pipeline.decide import Decider
    from pipeline.decide.heads import load_heads
    from pipeline.dev.corpus import load_corpus, prepare
    from pipeline.dev.evaluate import cross_validate, evaluate_docs

    examples = load_corpus(gold_dirs)
    configs: list[str | None] = ([None] if no_llm or not model_names else []) + list(model_names)
    results = []
    for name in configs:
        model = _model(name) if name else None
        docs = prepare(examples, model, progress)
        label = "lexical heads (--no-llm)" if model is None else f"{model.name} heads"
        if cv:
            res = cross_validate(docs, cv, model is not None, lambda heads, m=model: Decider(heads, m), progress=progress)
        else:
            res = evaluate_docs(docs, Decider(load_heads(LEXICAL if model is None else model.feature_name), model), progress)
        res["model"] = label
        results.append(res)
    payload = results[0] if len(results) == 1 else results
    return payload, format_table(*results)


def _model(name: str | None):
    from pipeline.decide.runtime import load_model

    return load_model(name)


def format_table(*results: dict[str, Any]) -> str:
    """The evaluations as one Markdown table: a row per metric, a column per configuration."""
    rows = [("notes", [r["notes"] for r in results])]
    for f in ("referrals", "job_leads", "skills"):
        rows.append((f"{f} P / R / F1", [f"{r[f]['precision']:.2f} / {r[f]['recall']:.2f} / {r[f]['f1']:.2f}" for r in results]))
    rows.append(("mentioned-only people taken as referrals", [r["trap_hits"] for r in results]))
    for f in ("day_in_life", "advice", "how_to_get_in", "fit", "outlook", "follow_ups"):
        rows.append((f"{f} recall (precision)", [f"{r[f]['recall']:.2f} ({r[f]['on_topic']:.2f})" for r in results]))
    for f in ("contact_name", "contact_title", "contact_org", "referral_title", "referral_org", "field", "sentiment", "date"):
        rows.append((f"{f} accuracy", ["n/a" if r[f] is None else f"{r[f]:.2f}" for r in results]))
    rows.append(("grounded items", [f"{r['grounded_rate']:.1%}" for r in results]))
    rows.append(("median seconds per note", [r["seconds_median"] for r in results]))
    head = "| metric | " + " | ".join(r.get("model", "?") + (f" (cv by {r['cv']})" if r.get("cv") else "") for r in results) + " |\n"
    head += "|---|" + "---|" * len(results) + "\n"
    return head + "\n".join(f"| {k} | " + " | ".join(str(v) for v in vals) + " |" for k, vals in rows)
