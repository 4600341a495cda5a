"""Carrying the user's decisions over re-extraction: a rebuilt task keeps the status and snooze
date stored under its id; a stored task whose id is gone is kept (the user's own, or one they
decided on) or marked orphaned, never dropped."""
from __future__ import annotations

from dataclasses import replace

from pipeline.followups.tasks import Task

USER_STATES = ("done", "snoozed")


def merge_task_state(new: list[Task], old: list[dict]) -> tuple[list[Task], list[dict]]:
    """(rebuilt tasks with the stored state, leftover stored rows); inputs are not changed."""
    old_by_id = {row["id"]: row for row in old if row.get("id")}
    merged = [_carry(task, old_by_id.get(task.id)) for task in new]
    new_ids = {task.id for task in new}
    leftovers = []
    for row in old:
        if row.get("id") in new_ids:
            continue
        if row.get("kind") == "manual" or row.get("status") in USER_STATES:
            leftovers.append(dict(row))
        else:
            leftovers.append({**row, "status": "orphaned"})
    return merged, leftovers


def _carry(task: Task, row: dict | None) -> Task:
    if not row:
        return replace(task)
    status = row.get("status")
    keep = status if status and status not in ("open", "orphaned") else task.status
    return replace(task, status=keep, snoozed_until=row.get("snoozed_until") or task.snoozed_until)
