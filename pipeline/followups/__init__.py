"""Follow-ups stage: tasks from a record (`tasks`), stable ids (`ids`) and the user's states
carried over re-extraction (`state`). Exports live in `pipeline.export`."""
from __future__ import annotations

from pipeline.followups.state import merge_task_state
from pipeline.followups.tasks import Task, build_tasks, referrer_thanks

__all__ = ["Task", "build_tasks", "merge_task_state", "referrer_thanks"]
