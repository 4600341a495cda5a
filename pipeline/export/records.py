"""One record (the export contract) as flat rows for a spreadsheet or a table: one row per field
and per item, with the item's evidence offsets and quote."""
from __future__ import annotations

from typing import Any, Iterator

RECORD_COLUMNS = ["section", "n", "text", "start", "end", "quote"]
_CONTACT = ("name", "title", "organization", "email", "phone")
_LISTS = ("day_in_life", "skills", "advice", "how_to_get_in", "fit")


def record_rows(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Rows in reading order: contact fields, date, field, the item lists, outlook, referrals, job leads, follow-ups."""
    for key in _CONTACT:
        if data["contact"].get(key):
            yield _row(f"contact.{key}", 0, data["contact"][key])
    for key in ("interview_date", "field"):
        if data.get(key):
            yield _row(key, 0, data[key])
    for key in _LISTS:
        for i, item in enumerate(data[key]):
            yield _row(key, i, item["text"], item.get("evidence"))
    if data["outlook"].get("sentiment"):
        yield _row("outlook.sentiment", 0, data["outlook"]["sentiment"])
    for i, item in enumerate(data["outlook"]["points"]):
        yield _row("outlook.points", i, item["text"], item.get("evidence"))
    for i, ref in enumerate(data["referrals"]):
        yield _row("referrals", i, ref["name"], ref.get("evidence"))
    for i, job in enumerate(data["job_leads"]):
        yield _row("job_leads", i, job["title"], job.get("evidence"))
    for i, task in enumerate(data.get("follow_ups") or []):
        yield _row("follow_ups", i, task["action"])


def _row(section: str, n: int, text: Any, evidence: dict[str, Any] | None = None) -> dict[str, Any]:
    ev = evidence or {}
    return {"section": section, "n": n, "text": text, "start": ev.get("start"), "end": ev.get("end"), "quote": ev.get("quote")}
