"""Evaluation: score extraction against annotated notes, on the shipped heads or by
cross-validation over styles (or author batches) the heads never saw.

Matching follows the dev-set rules (`dev.match`): names by the one same-person rule; key phrases,
skills and job-lead titles by content-word overlap.
"""
from __future__ import annotations

import statistics
import time
from typing import Any, Callable

from pipeline.dev.corpus import TrainDoc
from pipeline.dev.gold import Gold
from pipeline.dev.match import names_match, overlap, same_text
from pipeline.followups import build_tasks
from pipeline.schema import Record

ITEM_FIELDS = ("day_in_life", "advice", "how_to_get_in", "fit", "outlook", "follow_ups")
PRF_FIELDS = ("referrals", "job_leads", "skills")
ACCURACY_FIELDS = ("contact_name", "contact_title", "contact_org", "field", "sentiment", "date")


def evaluate_docs(docs: list[TrainDoc], decider: Any, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run the model-dependent stages with `decider` on each analysed note and score the records."""
    from pipeline.run import finish

    rows = []
    for td in docs:
        started = time.perf_counter()
        rec, _ = finish(td.doc, decider, started)
        rows.append(score_note(td.doc.text, rec, td.gold) | {"style": td.meta.style, "batch": td.meta.batch})
        if progress:
            progress(td.id)
    return summarise(rows)


STYLE_FOLDS = 10  # held out by style: the styles fall in this many folds, each style in one


def cross_validate(docs: list[TrainDoc], by: str, use_vectors: bool, make_decider: Callable[[dict], Any], config=None,
                   progress: Callable[[str], None] | None = None, folds: int | None = None) -> dict[str, Any]:
    """Hold out each group (by 'style' or 'batch'): train on the others, score the held-out notes.

    By batch, each author batch is one fold (leave one batch out). By style, the styles are dealt
    into `folds` folds (default STYLE_FOLDS; a fold holds several whole styles), so every note is
    scored by heads trained on no note of its style, at a tenth of the cost of one fold per style."""
    from pipeline.dev.train import train_heads

    groups = sorted({getattr(td.meta, by) for td in docs})
    n = folds or (STYLE_FOLDS if by == "style" else len(groups))
    fold_of = {g: i % n for i, g in enumerate(sorted(groups, key=_stable_hash))}
    rows: list[dict[str, Any]] = []
    for f in sorted(set(fold_of.values())):
        train = [td for td in docs if fold_of[getattr(td.meta, by)] != f]
        test = [td for td in docs if fold_of[getattr(td.meta, by)] == f]
        heads = train_heads(train, use_vectors, config)
        decider = make_decider(heads)
        rows.extend(evaluate_docs(test, decider)["per_note"])
        if progress:
            progress(f"{by} fold {f + 1}/{n}: {len(test)} notes held out")
    out = summarise(rows)
    out["cv"] = by
    out["folds"] = n
    out["by_group"] = {g: summarise([r for r in rows if r[by] == g]) for g in groups}
    for v in out["by_group"].values():
        v.pop("per_note", None)
    return out


def _stable_hash(name: str) -> str:
    import hashlib

    return hashlib.sha256(name.encode()).hexdigest()


def score_note(text: str, rec: Record, gold: Gold) -> dict[str, Any]:
    """Counts for one note."""
    s: dict[str, Any] = {"note": gold.note, "seconds": rec.extraction.seconds if rec.extraction else 0.0}
    pred_refs = [r.name for r in rec.referrals]
    s["referrals"] = _prf(pred_refs, [g.name or "" for g in gold.referrals], names_match)
    s["referral_title"], s["referral_org"] = _referral_details(rec, gold)
    s["trap_hits"] = sum(any(names_match(p, t) for p in pred_refs) for t in gold.not_referrals)
    s["job_leads"] = _prf([j.title for j in rec.job_leads], [g.title for g in gold.job_leads], lambda a, b: overlap(b, a) >= 0.5)
    s["skills"] = _prf([i.text for i in rec.skills], gold.skills, lambda a, b: overlap(b, a) >= 0.5 or overlap(a, b) >= 0.67)
    for f in ("day_in_life", "advice", "how_to_get_in", "fit"):
        s[f] = _coverage([i.text for i in getattr(rec, f)], getattr(gold, f))
    s["outlook"] = _coverage([i.text for i in rec.outlook.points], gold.outlook.points)
    s["follow_ups"] = _coverage([t.action for t in build_tasks(rec) if t.status != "done"], gold.follow_ups)
    s["contact_name"] = names_match(rec.contact.name or "", gold.contact.name or "") if gold.contact.name else None
    for f, got, want in (("contact_title", rec.contact.title, gold.contact.title), ("contact_org", rec.contact.organization, gold.contact.organization),
                         ("field", rec.field, gold.field)):
        s[f] = same_text(got, want) if want else None
    s["sentiment"] = (rec.outlook.sentiment == gold.outlook.sentiment) if gold.outlook.sentiment else None
    s["date"] = (rec.interview_date == gold.interview_date) if gold.interview_date else None
    s["grounded"], s["items"] = _grounded(text, rec)
    return s


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Micro-averaged scores over notes."""
    out: dict[str, Any] = {"notes": len(rows)}
    for f in PRF_FIELDS:
        tp, fp, fn = (sum(r[f][k] for r in rows) for k in ("tp", "fp", "fn"))
        p, rcl = tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0
        out[f] = {"precision": round(p, 3), "recall": round(rcl, 3), "f1": round(2 * p * rcl / (p + rcl), 3) if p + rcl else 0.0}
    for f in ITEM_FIELDS:
        hit, total = sum(r[f]["hit"] for r in rows), sum(r[f]["total"] for r in rows)
        on, n = sum(r[f]["on_topic"] for r in rows), sum(r[f]["n_pred"] for r in rows)
        out[f] = {"recall": round(hit / total, 3) if total else 1.0, "on_topic": round(on / n, 3) if n else 1.0}
    for f in ACCURACY_FIELDS:
        vals = [r[f] for r in rows if r[f] is not None]
        out[f] = round(sum(vals) / len(vals), 3) if vals else None
    for f in ("referral_title", "referral_org"):
        vals = [v for r in rows for v in r[f]]
        out[f] = round(sum(vals) / len(vals), 3) if vals else None
    out["trap_hits"] = sum(r["trap_hits"] for r in rows)
    out["grounded_rate"] = round(sum(r["grounded"] for r in rows) / max(1, sum(r["items"] for r in rows)), 4)
    secs = [r["seconds"] for r in rows]
    out["seconds_median"] = round(statistics.median(secs), 3) if secs else 0.0
    out["per_note"] = rows
    return out


def _referral_details(rec: Record, gold: Gold) -> tuple[list[bool], list[bool]]:
    titles, orgs = [], []
    for g in gold.referrals:
        r = next((r for r in rec.referrals if names_match(r.name, g.name or "")), None)
        if r is not None and g.title:
            titles.append(same_text(r.title, g.title))
        if r is not None and g.organization:
            orgs.append(same_text(r.organization, g.organization))
    return titles, orgs


def _prf(pred: list[str], gold: list[str], match: Callable[[str, str], bool]) -> dict[str, int]:
    used: set[int] = set()
    tp = 0
    for p in pred:
        for i, g in enumerate(gold):
            if i not in used and match(p, g):
                used.add(i)
                tp += 1
                break
    return {"tp": tp, "fp": len(pred) - tp, "fn": len(gold) - tp}


def _coverage(pred: list[str], gold: list[str]) -> dict[str, int]:
    hit = sum(any(overlap(g, p) >= 0.6 for p in pred) for g in gold)
    on = sum(any(overlap(g, p) >= 0.5 or overlap(p, g) >= 0.5 for g in gold) for p in pred)
    return {"hit": hit, "total": len(gold), "on_topic": on, "n_pred": len(pred)}


def _grounded(text: str, rec: Record) -> tuple[int, int]:
    spans = [i.evidence for f in ("day_in_life", "skills", "advice", "how_to_get_in", "fit") for i in getattr(rec, f)]
    spans += [i.evidence for i in rec.outlook.points] + [r.evidence for r in rec.referrals] + [j.evidence for j in rec.job_leads]
    ok = sum(1 for s in spans if s is not None and text[s.start:s.end] == s.quote)
    return ok, len(spans)


def compact(result: dict[str, Any]) -> dict[str, Any]:
    """The headline numbers of an evaluation, for tables and notes."""
    out = {"notes": result["notes"]}
    for f in PRF_FIELDS:
        out[f"{f}_f1"] = result[f]["f1"]
    for f in ITEM_FIELDS:
        out[f"{f}_recall"] = result[f]["recall"]
        out[f"{f}_precision"] = result[f]["on_topic"]
    for f in ACCURACY_FIELDS + ("referral_title", "referral_org"):
        out[f] = result[f]
    out["trap_hits"] = result["trap_hits"]
    out["grounded"] = result["grounded_rate"]
    out["seconds_median"] = result["seconds_median"]
    return out
