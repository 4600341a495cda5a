"""docs/quality.md: every configuration cross-validated on the corpus, side by side.

    python -m pipeline.dev.quality docs/quality.md                 # by author batch (about an hour)
    python -m pipeline.dev.quality docs/quality.md --cv batch,style --folds 5 --baseline rules=old.jsonl

Each configuration (the lexical heads, then the heads on each model's vectors) is trained on all
author batches but one and scored on the one left out (`--cv style`: all styles but one), so
every number is on notes whose author, and usually whose style, the heads never saw. A
`--baseline NAME=FILE` column scores records another pipeline exported (`fieldnotes export
--format jsonl`; the rules-only pipeline of before the trained heads, a bigger model, the
LLM-first mode) against the same gold. The numbers also go to a JSON file beside the page.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

from pipeline.dev.evaluate import compact, cross_validate, score_note, summarise
from pipeline.dev.report import format_table

# The targets for held-out styles (metric in `compact()` -> target)
TARGETS = {"advice_recall": 0.75, "how_to_get_in_recall": 0.75, "outlook_recall": 0.75, "fit_recall": 0.75,
           "day_in_life_precision": 0.70, "advice_precision": 0.70, "skills_f1": 0.75, "referrals_f1": 0.90, "trap_hits": 0,
           "job_leads_f1": 0.85, "contact_org": 0.90, "contact_name": 0.95, "sentiment": 0.80, "grounded": 1.0}
STYLE_COLUMNS = ("referrals_f1", "skills_f1", "job_leads_f1", "advice_recall", "how_to_get_in_recall", "contact_name", "contact_org", "sentiment")


def score_export(path: Path, examples: list[Any]) -> dict[str, Any]:
    """Score exported records (JSON lines, matched to the corpus notes by file name; a note with no
    record scores as an empty one) with the same metrics as the heads."""
    from pipeline.ingest import read_note
    from pipeline.schema import Record

    by_name: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            by_name[Path(data.get("source", "")).name] = data
    rows = []
    for ex in examples:
        data = by_name.get(ex.meta.note)
        rec = _as_record(Record, data) if data else Record(source=ex.meta.note, sha256="")
        text = read_note(ex.path).text
        rows.append(score_note(text, rec, ex.gold) | {"style": ex.meta.style, "batch": ex.meta.batch})
    out = summarise(rows)
    out["missing"] = sum(ex.meta.note not in by_name for ex in examples)
    return out


def _as_record(Record: Any, data: dict[str, Any]) -> Any:
    """The record in today's schema, keeping what an older export shares with it."""
    data = {k: v for k, v in data.items() if k in Record.model_fields and k != "follow_ups"}
    try:
        return Record.model_validate(data)
    except ValueError:
        keep = {}
        for k, v in data.items():
            try:
                Record.model_validate({"source": "x", "sha256": "x", k: v})
                keep[k] = v
            except ValueError:
                pass
        return Record.model_validate({"source": data.get("source", ""), "sha256": data.get("sha256", "")} | keep)


def run_cv(examples: list[Any], model_name: str | None, by: str, progress: Callable[[str], None] | None,
           folds: int | None = None) -> dict[str, Any]:
    from pipeline.decide import Decider
    from pipeline.dev.corpus import prepare

    model = None
    if model_name:
        from pipeline.decide.runtime import load_model

        model = load_model(model_name)
    docs = prepare(examples, model, progress)
    started = time.perf_counter()
    res = cross_validate(docs, by, model is not None, lambda heads: Decider(heads, model), progress=progress, folds=folds)
    res["model"] = "lexical heads (--no-llm)" if model is None else f"{model.name} heads"
    res["train_eval_seconds"] = round(time.perf_counter() - started, 1)
    return res


def by_style(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The held-out scores of each style, from the per-note rows of any cross-validation (or as saved)."""
    if "per_note" not in result:
        return result["by_style"]
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in result["per_note"]:
        groups[row["style"]].append(row)
    return {s: compact(summarise(rows)) for s, rows in sorted(groups.items())}


def targets_table(results: list[dict[str, Any]]) -> str:
    head = "| metric | target | " + " | ".join(r["model"] for r in results) + " |\n|---|---|" + "---|" * len(results) + "\n"
    lines = []
    headlines = [compact(r) for r in results]
    for key, target in TARGETS.items():
        vals = [h[key] for h in headlines]
        shown = [("n/a" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v)) + (" ✓" if _meets(key, v, target) else "")
                 for v in vals]
        lines.append(f"| {key} | {'≤' if key == 'trap_hits' else '≥'} {target} | " + " | ".join(shown) + " |")
    return head + "\n".join(lines)


def _meets(key: str, value: Any, target: float) -> bool:
    if value is None:
        return False
    return value <= target if key == "trap_hits" else value >= target


def style_table(lexical: dict[str, Any], model: dict[str, Any]) -> str:
    a, b = by_style(lexical), by_style(model)
    head = "| style | notes | " + " | ".join(f"{c} (lex / model)" for c in STYLE_COLUMNS) + " |\n|---|---|" + "---|" * len(STYLE_COLUMNS) + "\n"
    rows = []
    for style in a:
        cells = [f"{_fmt(a[style][c])} / {_fmt(b.get(style, {}).get(c))}" for c in STYLE_COLUMNS]
        rows.append(f"| {style} | {a[style]['notes']} | " + " | ".join(cells) + " |")
    return head + "\n".join(rows)


def adds_table(lexical: dict[str, Any], others: list[dict[str, Any]]) -> str:
    """What each model's vectors add over the lexical features (held-out differences)."""
    base = compact(lexical)
    keys = [k for k, v in base.items() if isinstance(v, (int, float)) and k not in ("notes", "seconds_median")]
    head = "| metric | lexical | " + " | ".join(f"{o['model']} − lexical" for o in others) + " |\n|---|---|" + "---|" * len(others) + "\n"
    lines = []
    theirs = [compact(o) for o in others]
    for k in keys:
        diffs = []
        for o in theirs:
            v = o[k]
            diffs.append("n/a" if v is None or base[k] is None else f"{v - base[k]:+.3f}")
        lines.append(f"| {k} | {_fmt(base[k])} | " + " | ".join(diffs) + " |")
    return head + "\n".join(lines)


def _fmt(v: Any) -> str:
    return "–" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v)


def write_page(out: Path, results: dict[str, list[dict[str, Any]]], baselines: list[dict[str, Any]], command: str) -> None:
    parts = [f"# Extraction quality (generated by `{command}`)\n",
             "Every column except the baselines is cross-validated: heads trained without the held-out group, scored on it. "
             "Metrics as in `pipeline/dev/evaluate.py`; the page is rewritten by the command above, the hand-written "
             "reading of it is in [quality-notes.md](quality-notes.md).\n"]
    for by, rs in results.items():
        parts.append(f"## Held out by {by} ({rs[0]['notes']} notes, {len(rs[0]['by_group'])} groups in {rs[0].get('folds', '?')} folds)\n")
        parts.append(format_table(*baselines, *rs) + "\n")
        parts.append("### Against the targets\n\n" + targets_table([*baselines, *rs]) + "\n")
        if len(rs) > 1:
            parts.append("### What each model's vectors add over the lexical features\n\n" + adds_table(rs[0], rs[1:]) + "\n")
            parts.append(f"### Per style (held out by {by}): lexical / {rs[1]['model']}\n\n" + style_table(rs[0], rs[1]) + "\n")
    out.write_text("\n".join(parts), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.dev.quality", description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--cv", default="batch", help="batch, style or both (comma-separated)")
    ap.add_argument("--models", default="smollm2,gemma3-270m", help="models whose vectors feed the heads (comma-separated, '' for none)")
    ap.add_argument("--no-lexical", action="store_true", help="leave out the lexical heads (when an earlier run has them; merge with --render)")
    ap.add_argument("--folds", type=int, default=None, help="--cv batch: folds of whole author batches (default: one per batch); styles are always dealt into 10 folds")
    ap.add_argument("--corpus", action="append", default=[], help="corpus folder (default: the shipped corpus)")
    ap.add_argument("--baseline", action="append", default=[], metavar="NAME=FILE", help="records exported by another pipeline")
    ap.add_argument("--render", nargs="+", type=Path, metavar="JSON", help="only write the page from the JSON of earlier runs (merged)")
    args = ap.parse_args(argv)
    command = "python -m pipeline.dev.quality " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.render:
        runs = [json.loads(p.read_text(encoding="utf-8")) for p in args.render]
        baselines, results = _merged(runs)
        write_page(args.out, results, baselines, " + ".join(run["command"] for run in runs))
        print(f"wrote {args.out}")
        return 0
    from pipeline.dev.corpus import load_corpus

    examples = load_corpus(args.corpus)
    progress = (lambda m: print(f"  {m}", file=sys.stderr, flush=True))
    baselines = []
    for spec in args.baseline:
        name, _, file = spec.partition("=")
        res = score_export(Path(file), examples)
        res["model"] = f"{name} (exported records, not cross-validated)"
        baselines.append(res)
    results: dict[str, list[dict[str, Any]]] = {}
    for by in [b.strip() for b in args.cv.split(",") if b.strip()]:
        results[by] = []
        for name in ([] if args.no_lexical else [None]) + [m for m in args.models.split(",") if m]:
            results[by].append(run_cv(examples, name, by, progress, args.folds if by == "batch" else None))
            _save(args.out.with_suffix(".json"), command, baselines, results)  # after each configuration: a long run keeps what it did
    write_page(args.out, results, baselines, command)
    print(f"wrote {args.out} and {args.out.with_suffix('.json')}")
    return 0


def _save(path: Path, command: str, baselines: list[dict[str, Any]], results: dict[str, list[dict[str, Any]]]) -> None:
    data = {"command": command, "baselines": [_strip(b) | {"by_style": by_style(b)} for b in baselines],
            "results": {by: [_strip(r) | {"by_style": by_style(r)} for r in rs] for by, rs in results.items()}}
    path.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")


def _merged(runs: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    baselines = next((r["baselines"] for r in runs if r.get("baselines")), [])
    results: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        for by, rs in run["results"].items():
            have = {r["model"] for r in results.get(by, [])}
            results.setdefault(by, []).extend(r for r in rs if r["model"] not in have)
    return baselines, results


def _strip(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k != "per_note"}


if __name__ == "__main__":
    raise SystemExit(main())
