"""Readable text for the terminal: one record, the lead list, the task list. Pure functions."""
from __future__ import annotations

import csv
import io
from typing import Any

from pipeline.followups import Task, csv_safe, group_by_due, to_csv, to_ics, to_json, to_markdown
from pipeline.schema import Item, Record

_SECTIONS = (("day_in_life", "Day in the life"), ("skills", "Skills"), ("advice", "Advice"),
             ("how_to_get_in", "How to get in"), ("fit", "Fit"))


def render_record(rec: Record) -> str:
    """A record as sections of quoted evidence with character offsets."""
    c = rec.contact
    who = ", ".join(x for x in (c.name, c.title, c.organization) if x) or "(contact unknown)"
    lines = [f"{rec.source}", f"  Contact: {who}", f"  Date: {rec.interview_date or '?'}   Field: {rec.field or '?'}"]
    for key, label in _SECTIONS:
        lines += _items(label, getattr(rec, key))
    lines += _items(f"Outlook ({rec.outlook.sentiment or '?'})", rec.outlook.points)
    if rec.referrals:
        lines.append("  Referral leads:")
        for r in rec.referrals:
            extra = ", ".join(x for x in (r.title, r.organization, r.email, r.phone) if x)
            lines.append(f"    - {r.name}{' (' + extra + ')' if extra else ''}  @{r.evidence.start}-{r.evidence.end}")
    if rec.job_leads:
        lines.append("  Job leads:")
        for j in rec.job_leads:
            extra = ", ".join(x for x in (j.organization, j.url, f"deadline {j.deadline}" if j.deadline else None) if x)
            lines.append(f"    - {j.title}{' (' + extra + ')' if extra else ''}  @{j.evidence.start}-{j.evidence.end}")
    if rec.extraction:
        lines.append(f"  Extracted by {rec.extraction.model}, prompts {rec.extraction.prompt_version}, {rec.extraction.seconds:.1f}s")
    return "\n".join(lines)


def _items(label: str, items: list[Item]) -> list[str]:
    if not items:
        return []
    out = [f"  {label}:"]
    for it in items:
        where = f"  @{it.evidence.start}-{it.evidence.end}" if it.evidence else ""
        out.append(f"    - {it.text}{where}")
    return out


def leads_text(rows: list[dict[str, Any]]) -> str:
    """Each lead as up to three lines, next action first:

    [id] status    Name — title at organisation · e-mail · phone
        why: about the part-time MSW  (when the note says why)
        referred by A in note.md (2026-03-01); B in other.txt
        interviewed in their-note.md · last action 2026-03-12
    """
    if not rows:
        return "No referral leads yet. Run `fieldnotes run NOTES` first."
    out = []
    for r in rows:
        detail = " · ".join(x for x in (_role(r["title"], r["organization"]), r["email"], r["phone"]) if x)
        out.append(f"[{r['id']}] {r['status']:<9} {r['name']}{' — ' + detail if detail else ''}")
        if r.get("reason"):
            out.append(f"    why: {r['reason']}")
        out.append("    " + _referred(r.get("referrals") or [{"referred_by": r["referred_by"], "source": s, "interview_date": None}
                                               for s in r["sources"]]))
        later = [x for x in (f"interviewed in {r['interview']}" if r.get("interview") else None,
                             f"last action {r['last_action']}" if r.get("last_action") else None) if x]
        if later:
            out.append("    " + " · ".join(later))
    return "\n".join(out)


def _role(title: str | None, org: str | None) -> str:
    """"title at org", without repeating an organisation the title already names."""
    if title and org and org.casefold() not in title.casefold():
        return f"{title} at {org}"
    return title or org or ""


def _referred(refs: list[dict[str, Any]]) -> str:
    """"referred by A in a.md (2026-03-01); B in b.txt" — every note that mentions the lead."""
    parts = []
    for ref in refs:
        when = f" ({ref['interview_date']})" if ref.get("interview_date") else ""
        parts.append(f"{ref['referred_by'] or 'someone'} in {ref['source']}{when}")
    return "referred by " + "; ".join(parts)


def leads_csv(rows: list[dict[str, Any]]) -> str:
    """Leads as CSV (cells neutralised against spreadsheet formulas)."""
    buf = io.StringIO()
    cols = ["id", "name", "title", "organization", "email", "phone", "status", "referred_by", "sources", "reason"]
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([csv_safe(";".join(r[c]) if isinstance(r[c], list) else r[c]) for c in cols])
    return buf.getvalue().rstrip("\n")


def tasks_output(tasks: list[Task], fmt: str) -> str:
    """Tasks in the requested format."""
    if fmt == "md":
        return to_markdown(tasks)
    if fmt == "csv":
        return to_csv(tasks)
    if fmt == "ics":
        return to_ics(tasks)
    if fmt == "json":
        return to_json(tasks) + "\n"
    return tasks_text(tasks)


def tasks_text(tasks: list[Task]) -> str:
    """Readable list grouped by due date."""
    if not tasks:
        return "No follow-ups match."
    out = []
    for due, group in group_by_due(tasks):
        out.append(due)
        for t in group:
            box = "[x]" if t.status == "done" else "[ ]"
            out.append(f"  {box} {t.id}  {t.action}  ({t.source}){_task_note(t)}")
    return "\n".join(out)


def _task_note(t: Task) -> str:
    """Why a task is not simply open or done."""
    if t.status == "snoozed":
        return f"  — snoozed until {t.snoozed_until}" if t.snoozed_until else "  — snoozed"
    if t.status == "orphaned":
        return "  — orphaned: the note no longer mentions this"
    return ""
