"""Follow-up tasks as a Markdown checklist and as iCalendar VTODOs: one calendar file, or a vdir
of one file per task (todoman and other task apps read both). Pure functions of the task rows."""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from pipeline.export.safe import markdown, terminal, terminal_line

NO_DUE = "No due date"
_ICS_STATUS = {"done": "COMPLETED", "orphaned": "CANCELLED"}


def group_by_due(tasks: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for t in tasks:
        groups.setdefault(t.get("due") or NO_DUE, []).append(t)
    keys = sorted(k for k in groups if k != NO_DUE) + ([NO_DUE] if NO_DUE in groups else [])
    return [(k, groups[k]) for k in keys]


def to_markdown(tasks: list[dict[str, Any]]) -> str:
    """A checklist: one `## <due>` section per date, 'No due date' last; HTML in the text is neutralised."""
    lines = ["# Follow-ups", ""]
    if not tasks:
        lines.append("No follow-ups.")
    for label, group in group_by_due(tasks):
        lines += [f"## {markdown(label)}", ""]
        for t in group:
            box = "[x]" if t["status"] == "done" else "[ ]"
            line = f"- {box} {markdown(t['action'])}"
            if t.get("person") and t["person"] not in t["action"]:
                line += f" ({markdown(t['person'])})"
            line += f" — {markdown(t['source'])}"
            if t["status"] == "snoozed" and t.get("snoozed_until"):
                line += f" _(snoozed until {markdown(t['snoozed_until'])})_"
            elif t["status"] not in ("open", "done"):
                line += f" _({markdown(t['status'])})_"
            lines.append(line)
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def to_ics(tasks: list[dict[str, Any]], stamp: datetime | None = None) -> str:
    """RFC 5545 calendar, one VTODO per task: DUE, STATUS (COMPLETED with COMPLETED: for done
    tasks, CANCELLED for orphaned), DTSTART for a snoozed task's date. Same input, same bytes.
    Control characters, which RFC 5545 text may not hold, are shown as escapes."""
    stamp = _utc(stamp)
    return _calendar([_todo(t, stamp) for t in tasks])


def to_ics_files(tasks: list[dict[str, Any]], stamp: datetime | None = None) -> dict[str, str]:
    """A vdir (the folder layout todoman, khal and vdirsyncer read): one calendar file per task,
    named after its id."""
    stamp = _utc(stamp)
    return {f"fieldnotes-{t['id']}.ics": _calendar([_todo(t, stamp)]) for t in tasks}


def save_vdir(folder: Path, tasks: list[dict[str, Any]]) -> int:
    """Write `to_ics_files` into a folder, replacing the files of an earlier export; nothing else there changes."""
    folder.mkdir(parents=True, exist_ok=True)
    files = to_ics_files(tasks)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    return len(files)


def _calendar(todos: list[Any]) -> str:
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", "-//Fieldnotes//EN")
    cal.add("version", "2.0")
    for todo in todos:
        cal.add_component(todo)
    return cal.to_ical().decode("utf-8")


def _todo(t: dict[str, Any], stamp: datetime) -> Any:
    from icalendar import Todo

    todo = Todo()
    todo.add("uid", f"{t['id']}@fieldnotes.local")
    todo.add("dtstamp", stamp)
    todo.add("summary", terminal_line(t["action"]))
    due = _day(t.get("due"))
    start = _day(t.get("snoozed_until")) if t["status"] == "snoozed" else None
    if start:
        todo.add("dtstart", start)
    if due and not (start and start > due):
        todo.add("due", due)
    todo.add("status", _ICS_STATUS.get(t["status"], "NEEDS-ACTION"))
    if t["status"] == "done":
        todo.add("completed", _when(t.get("completed_at")) or stamp)
        todo.add("percent-complete", 100)
    todo.add("description", terminal(f"{t.get('why') or ''}\nSource: {t.get('source') or ''}".strip()))
    return todo


def _utc(stamp: datetime | None) -> datetime:
    stamp = stamp or datetime.now(timezone.utc)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _when(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value).astimezone(timezone.utc) if value else None
    except ValueError:
        return None
