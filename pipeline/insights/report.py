"""`fieldnotes insights`: what the interviews add up to, per career field — skills ranked by how
many contacts named them, the gap list against the seeker's own skills and fit notes, the
outlook, advice that recurs across contacts and the referral network — as one JSON-ready dict
(documented in docs/insights.md), and as text for the terminal with a bar chart."""
from __future__ import annotations

from typing import Any, Iterable

from pipeline.errors import NotFound
from pipeline.export.safe import terminal as t
from pipeline.insights.advice import group_advice
from pipeline.insights.data import Interview, evidence, load_interviews
from pipeline.insights.network import build_network
from pipeline.insights.skills import find_gaps, rank_skills

SENTIMENTS = ("positive", "mixed", "negative", "neutral", "unknown")
BAR_WIDTH = 30
TOP_SKILLS = 12
TOP_PER_FIELD = 8


def build_insights(db: Any, field: str | None = None, my_skills: Iterable[str] = (), skills_from: str | None = None,
                   model: Any = None) -> dict[str, Any]:
    """The insights report over all stored interviews, or one career field's."""
    interviews = load_interviews(db, field)
    if not interviews:
        hint = f"no interviews in a field called '{field}' (see the fields in `fieldnotes insights`)" if field else \
            "no interviews stored yet (run `fieldnotes run NOTES` first)"
        raise NotFound(hint)
    mine = list(my_skills)
    by_field: dict[str, list[Interview]] = {}
    for iv in interviews:
        by_field.setdefault(iv.field, []).append(iv)
    return {"field": field, "interviews": len(interviews), "contacts": len({iv.contact_key for iv in interviews}),
            "my_skills": mine, "my_skills_from": skills_from if mine else None, "skills": rank_skills(interviews),
            "fields": [_field_report(name, ivs, mine) for name, ivs in sorted(by_field.items(), key=lambda kv: (-len(kv[1]), kv[0]))],
            "advice": group_advice(interviews, model), "advice_grouped_by": getattr(model, "name", "model") if model is not None else "tfidf",
            "network": build_network(db, interviews)}


def _field_report(name: str, ivs: list[Interview], mine: list[str]) -> dict[str, Any]:
    ranked = rank_skills(ivs)
    fits = [{"text": it.text, "source": iv.source, "contact": iv.contact, **evidence(it.evidence)} for iv in ivs for it in iv.record.fit]
    return {"field": name, "interviews": len(ivs), "contacts": len({iv.contact_key for iv in ivs}), "skills": ranked,
            "gaps": find_gaps(ranked, mine, fits), "outlook": outlook(ivs)}


def outlook(ivs: list[Interview]) -> dict[str, Any]:
    """Sentiment counts (one per interview; 'unknown' when the note gives none) and the points behind them."""
    counts = dict.fromkeys(SENTIMENTS, 0)
    points = []
    for iv in ivs:
        sentiment = iv.record.outlook.sentiment or "unknown"
        counts[sentiment] += 1
        points += [{"text": p.text, "sentiment": sentiment, "source": iv.source, "contact": iv.contact, **evidence(p.evidence)}
                   for p in iv.record.outlook.points]
    return {"sentiment": counts, "points": points}


def insights_text(report: dict[str, Any], bar: str = "#") -> str:
    """The report for the terminal: a bar chart of the top skills, then each field, advice and the network."""
    mine = ", ".join(report["my_skills"]) or "none set (fieldnotes me set skills \"SQL, Python\", or --me me.md)"
    lines = [f"{_n(report['interviews'], 'interview')} with {_n(report['contacts'], 'contact')} in {_n(len(report['fields']), 'field')}; "
             f"your skills: {t(mine)}", "", "Skills named by the most contacts"]
    lines += bar_chart([(s["skill"], s["contacts"]) for s in report["skills"][:TOP_SKILLS]], bar)
    for f in report["fields"]:
        lines += ["", *_field_text(f)]
    lines += ["", "Advice that recurs across contacts"] + [f"  {g['contacts']} contacts: \"{t(g['advice'])}\" — {t(', '.join(g['names']))}"
                                                          for g in report["advice"]]
    if not report["advice"]:
        lines.append("  (no advice said by two or more contacts yet)")
    return "\n".join(lines + ["", *network_text(report["network"])])


def bar_chart(rows: list[tuple[str, int]], bar: str = "#", width: int = BAR_WIDTH) -> list[str]:
    """Plain text bars, longest = `width` characters."""
    if not rows:
        return ["  (no skills recorded)"]
    top = max(n for _, n in rows) or 1
    label = max(len(t(name)) for name, _ in rows)
    return [f"  {t(name).ljust(label)}  {bar * max(1, round(width * n / top))} {n}" for name, n in rows]


def _field_text(f: dict[str, Any]) -> list[str]:
    o = f["outlook"]["sentiment"]
    lines = [f"{t(f['field'])} ({_n(f['interviews'], 'interview')}, {_n(f['contacts'], 'contact')})",
             "  skills: " + (", ".join(f"{t(s['skill'])} {s['contacts']}/{s['of']}" for s in f["skills"][:TOP_PER_FIELD]) or "none recorded"),
             "  outlook: " + ", ".join(f"{o[k]} {k}" for k in ("positive", "mixed", "negative", "neutral", "unknown") if o[k])]
    for g in f["gaps"][:TOP_PER_FIELD]:
        said = f" (your notes: \"{t(g['fit_notes'][0]['text'])}\")" if g["fit_notes"] else ""
        lines.append(f"  gap: {t(g['text'])}{said}")
    if len(f["gaps"]) > TOP_PER_FIELD:
        lines.append(f"  (+{len(f['gaps']) - TOP_PER_FIELD} more gaps: --json lists them all)")
    return lines


def network_text(net: dict[str, Any]) -> list[str]:
    """Who referred whom, as chains from each first contact, and the leads not contacted yet."""
    people = net["people"]
    lines = [f"Network: {len(people)} people, {len(net['edges'])} referrals; first contact: {t(net['first_contact'] or '?')}"]
    ends = [p for p in people if p["hops"] and not any(q["chain"][:-1] == p["chain"] for q in people if len(q["chain"]) > len(p["chain"]))]
    lines += [f"  {' → '.join(t(n) for n in p['chain'])} ({p['hops']} hop{'s' if p['hops'] != 1 else ''})" for p in ends]
    leads = net["leads_not_contacted"]
    lines.append(f"Leads not contacted yet ({len(leads)}):" if leads else "No leads waiting to be contacted.")
    lines += [f"  {t(p['name'])} — referred by {t(', '.join(p['referred_by']))}" for p in leads]
    return lines


def _n(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
