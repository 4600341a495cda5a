"""Readable text for the terminal: one record, the lead list, the task list. Every value that
comes from a note or a file name goes through `terminal_line`: control characters are shown as
escapes, never sent to the terminal, and a value never breaks its line."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipeline.export.safe import terminal_line as t
from pipeline.export.tasks import group_by_due

if TYPE_CHECKING:
    from pipeline.schema import Item, Record

SECTIONS = (("day_in_life", "Day in the life"), ("skills", "Skills"), ("advice", "Advice"), ("how_to_get_in", "How to get in"), ("fit", "Fit"))


def render_record(rec: Record) -> str:
    """A record as sections of quoted evidence with character offsets."""
    c = rec.contact
    who = ", ".join(x for x in (c.name, c.title, c.organization) if x) or "(contact unknown)"
    lines = [t(rec.source), f"  Contact: {t(who)}", f"  Date: {t(rec.interview_date or '?')}   Field: {t(rec.field or '?')}"]
    for key, label in SECTIONS:
        lines += _items(label, getattr(rec, key))
    lines += _items(f"Outlook ({t(rec.outlook.sentiment or '?')})", rec.outlook.points)
    if rec.referrals:
        lines.append("  Referral leads:")
        for r in rec.referrals:
            extra = ", ".join(x for x in (r.title, r.organization, r.email, r.phone) if x)
            lines.append(f"    - {t(r.name)}{' (' + t(extra) + ')' if extra else ''}  @{r.evidence.start}-{r.evidence.end}")
    if rec.job_leads:
        lines.append("  Job leads:")
        for j in rec.job_leads:
            extra = ", ".join(x for x in (j.organization, j.url, f"deadline {j.deadline}" if j.deadline else None) if x)
            lines.append(f"    - {t(j.title)}{' (' + t(extra) + ')' if extra else ''}  @{j.evidence.start}-{j.evidence.end}")
    if rec.extraction:
        lines.append(f"  Extracted by {t(rec.extraction.model)} ({t(rec.extraction.prompt_version)}) in {rec.extraction.seconds:.1f}s")
    return "\n".join(lines)


def _items(label: str, items: list[Item]) -> list[str]:
    if not items:
        return []
    out = [f"  {label}:"]
    for it in items:
        where = f"  @{it.evidence.start}-{it.evidence.end}" if it.evidence else ""
        out.append(f"    - {t(it.text)}{where}")
    return out


NEW_LEAD = "\x1b[1;32m{}\x1b[0m"  # bold green
OVERDUE = "\x1b[31m{}\x1b[0m"  # red


def leads_text(rows: list[dict[str, Any]], color: bool = False) -> str:
    """Each lead in up to three lines, next to contact first; new leads in bold green on a colour terminal."""
    if not rows:
        return "No referral leads yet. Run `fieldnotes run NOTES` first."
    out = []
    for r in rows:
        detail = " · ".join(x for x in (_role(r["title"], r["organization"]), r["email"], r["phone"]) if x)
        status = f"{t(r['status']):<9}"
        status = NEW_LEAD.format(status) if color and r["status"] == "new" else status
        out.append(f"[{r['id']}] {status} {t(r['name'])}{' — ' + t(detail) if detail else ''}")
        if r.get("reason"):
            out.append(f"    why: {t(r['reason'])}")
        refs = "; ".join(f"{t(x['referred_by'] or 'someone')} in {t(x['source'])}" + (f" ({t(x['interview_date'])})" if x.get("interview_date") else "")
                         for x in r.get("referrals") or [])
        out.append(f"    referred by {refs}")
        later = [x for x in (f"interviewed in {t(r['interview'])}" if r.get("interview") else None,
                             f"last action {t(r['last_action'])}" if r.get("last_action") else None) if x]
        if later:
            out.append("    " + " · ".join(later))
    return "\n".join(out)


def _role(title: str | None, org: str | None) -> str:
    if title and org and org.casefold() not in title.casefold():
        return f"{title} at {org}"
    return title or org or ""


def tasks_text(tasks: list[dict[str, Any]], color: bool = False, today: str | None = None) -> str:
    """Tasks grouped by due date; a past date with open tasks is marked overdue (in red on a colour terminal)."""
    if not tasks:
        return "No follow-ups match."
    out = []
    for due, group in group_by_due(tasks):
        late = bool(today) and due[:1].isdigit() and due < today and any(task["status"] == "open" for task in group)
        label = f"{t(due)} (overdue)" if late else t(due)
        out.append(OVERDUE.format(label) if late and color else label)
        for task in group:
            box = "[x]" if task["status"] == "done" else "[ ]"
            note = ""
            if task["status"] == "snoozed":
                note = f"  — snoozed until {t(task['snoozed_until'])}" if task.get("snoozed_until") else "  — snoozed"
            elif task["status"] == "orphaned":
                note = "  — orphaned: the note no longer mentions this"
            out.append(f"  {box} {t(task['id'])}  {t(task['action'])}  ({t(task['source'])}){note}")
    return "\n".join(out)
