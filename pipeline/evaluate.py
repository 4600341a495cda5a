"""Eval stage: score extraction against hand-annotated notes (`GOLD_DIR/notes`, `GOLD_DIR/gold`).

Matching follows the dev-set rules: names case-insensitive ignoring titles (same last name
with the same first name or initial also matches; a first name alone matches that person);
key phrases by word overlap; skills and job-lead titles by word overlap.
"""
from __future__ import annotations

import json
import re
import statistics
from pathlib import Path
from typing import Any, Callable, Optional

from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.errors import GoldError
from pipeline.followups import build_tasks
from pipeline.ingest import read_note
from pipeline.people import same_person
from pipeline.schema import Record

_STOP = set("a an the and or of to in on at for with w/ is are be it as by from my your her his their this that".split())


class GoldPerson(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Optional[str] = None
    title: Optional[str] = None
    organization: Optional[str] = None
    email: Optional[str] = None
    phone: Optional[str] = None


class GoldLead(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    organization: Optional[str] = None
    url: Optional[str] = None
    deadline: Optional[str] = None


class GoldOutlook(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sentiment: Optional[str] = None
    points: list[str] = []


class Gold(BaseModel):
    """One annotated note."""

    model_config = ConfigDict(extra="forbid")
    note: str
    contact: GoldPerson
    interview_date: Optional[str] = None
    field: Optional[str] = None
    day_in_life: list[str] = []
    skills: list[str] = []
    outlook: GoldOutlook = GoldOutlook()
    advice: list[str] = []
    how_to_get_in: list[str] = []
    fit: list[str] = []
    referrals: list[GoldPerson] = []
    job_leads: list[GoldLead] = []
    follow_ups: list[str] = []
    not_referrals: list[str] = []


def load_gold(gold_dir: Path) -> list[tuple[Path, Gold]]:
    """(note path, gold) pairs from a dev-set folder; a GoldError names any bad file."""
    notes_dir, gold_files = gold_dir / "notes", sorted((gold_dir / "gold").glob("*.json"))
    if not gold_files:
        raise GoldError(f"{gold_dir}: no gold/*.json files (expected GOLD_DIR/notes and GOLD_DIR/gold)")
    out = []
    for g in gold_files:
        try:
            gold = Gold.model_validate(json.loads(g.read_text(encoding="utf-8")))
        except (ValueError, ValidationError) as e:
            raise GoldError(f"{g}: not a valid gold file ({str(e).splitlines()[0]})") from e
        out.append((notes_dir / gold.note, gold))
    return out


def evaluate(gold_dir: Path, extract: Callable[[Any], tuple[Record, Any]], progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run `extract` on every annotated note and return per-field scores."""
    rows = []
    for path, gold in load_gold(gold_dir):
        note = read_note(path)
        record, _ = extract(note)
        rows.append(score_note(note.text, record, gold))
        if progress:
            progress(path.name)
    return summarise(rows)


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
        s[f] = _same_text(got, want) if want else None
    s["sentiment"] = (rec.outlook.sentiment == gold.outlook.sentiment) if gold.outlook.sentiment else None
    s["date"] = (rec.interview_date == gold.interview_date) if gold.interview_date else None
    s["grounded"], s["items"] = _grounded(text, rec)
    return s


def _referral_details(rec: Record, gold: Gold) -> tuple[list[bool], list[bool]]:
    """For each found gold referral with a title / organisation: is ours the same text?"""
    titles, orgs = [], []
    for g in gold.referrals:
        r = next((r for r in rec.referrals if names_match(r.name, g.name or "")), None)
        if r is not None and g.title:
            titles.append(_same_text(r.title, g.title))
        if r is not None and g.organization:
            orgs.append(_same_text(r.organization, g.organization))
    return titles, orgs


def _same_text(got: str | None, want: str) -> bool:
    """A title, organisation or field: at least half of the gold words, and at least half of ours are gold words."""
    return bool(got) and overlap(want, got) >= 0.5 and overlap(got, want) >= 0.5  # type: ignore[arg-type]


def names_match(a: str, b: str) -> bool:
    """Dev-set name rule: the same rule the pipeline uses to tell people apart."""
    return same_person(a, b)


def overlap(gold: str, pred: str) -> float:
    """Share of the gold phrase's content words found in the predicted text."""
    g, p = _words(gold), set(_words(pred))
    return sum(w in p for w in g) / len(g) if g else 0.0


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Micro-averaged scores over notes."""
    out: dict[str, Any] = {"notes": len(rows)}
    for f in ("referrals", "job_leads", "skills"):
        tp, fp, fn = (sum(r[f][k] for r in rows) for k in ("tp", "fp", "fn"))
        p, rcl = tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0
        out[f] = {"precision": round(p, 3), "recall": round(rcl, 3), "f1": round(2 * p * rcl / (p + rcl), 3) if p + rcl else 0.0}
    for f in ("day_in_life", "advice", "how_to_get_in", "fit", "outlook", "follow_ups"):
        hit, total = sum(r[f]["hit"] for r in rows), sum(r[f]["total"] for r in rows)
        on, n = sum(r[f]["on_topic"] for r in rows), sum(r[f]["n_pred"] for r in rows)
        out[f] = {"recall": round(hit / total, 3) if total else 1.0, "on_topic": round(on / n, 3) if n else 1.0}
    for f in ("contact_name", "contact_title", "contact_org", "field", "sentiment", "date"):
        vals = [r[f] for r in rows if r[f] is not None]
        out[f] = round(sum(vals) / len(vals), 3) if vals else None
    for f in ("referral_title", "referral_org"):
        vals = [v for r in rows for v in r[f]]
        out[f] = round(sum(vals) / len(vals), 3) if vals else None
    out["trap_hits"] = sum(r["trap_hits"] for r in rows)
    out["grounded_rate"] = round(sum(r["grounded"] for r in rows) / max(1, sum(r["items"] for r in rows)), 4)
    secs = [r["seconds"] for r in rows]
    out["seconds_median"] = round(statistics.median(secs), 2) if secs else 0.0
    out["per_note"] = rows
    return out


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


def _words(s: str) -> list[str]:
    """Content words, lower-cased, with a plural 's' dropped ('assistants' matches 'assistant')."""
    words = [w.strip(".-,") for w in re.findall(r"[\w'’+/&#.-]+", s.lower().replace("w/", "with ").replace("e-mail", "email"))]
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words if w and w not in _STOP]



def evaluate_configs(gold_dir: Path, model_names: list[str | None], no_llm: bool) -> list[dict[str, Any]]:
    """Evaluate the deterministic pipeline (if `no_llm`) and each named model, one model at a time."""
    from pipeline.extract import extract_record
    from pipeline.llm import load_model

    results = []
    if no_llm:
        results.append(dict(evaluate(gold_dir, lambda note: extract_record(note, None)), model="none (--no-llm)"))
    for name in model_names:
        model = load_model(name)
        results.append(dict(evaluate(gold_dir, lambda note, m=model: extract_record(note, m)), model=model.name))
        del model
    return results


def format_table(*results: dict[str, Any]) -> str:
    """The evals as one Markdown table: a row per metric, a column per configuration."""
    rows = [("notes", [r["notes"] for r in results])]
    for f in ("referrals", "job_leads", "skills"):
        rows.append((f"{f} P / R / F1", [f"{r[f]['precision']:.2f} / {r[f]['recall']:.2f} / {r[f]['f1']:.2f}" for r in results]))
    rows.append(("mentioned-only people taken as referrals", [r["trap_hits"] for r in results]))
    for f in ("day_in_life", "advice", "how_to_get_in", "fit", "outlook", "follow_ups"):
        rows.append((f"{f} key-phrase recall (on-topic share)", [f"{r[f]['recall']:.2f} ({r[f]['on_topic']:.2f})" for r in results]))
    for f in ("contact_name", "contact_title", "contact_org", "referral_title", "referral_org", "field", "sentiment", "date"):
        rows.append((f"{f} accuracy", ["n/a" if r[f] is None else f"{r[f]:.2f}" for r in results]))
    rows.append(("grounded items", [f"{r['grounded_rate']:.1%}" for r in results]))
    rows.append(("median seconds per note", [r["seconds_median"] for r in results]))
    head = "| metric | " + " | ".join(r.get("model", "?") for r in results) + " |\n"
    head += "|---|" + "---|" * len(results) + "\n"
    return head + "\n".join(f"| {k} | " + " | ".join(str(v) for v in vals) + " |" for k, vals in rows)
