"""Insights stage: what the stored interviews add up to. Reads records from the store (with the
user's corrections applied) and never changes extraction.

`coverage` says which interview topics each note covers (with evidence spans) and what to ask
next time; `skills` groups skill names across notes and ranks them per field against the
seeker's own skills (`me`); `advice` groups advice that recurs across contacts; `network` is
who referred whom; `report` puts it together for `fieldnotes insights`; `charts` draws it;
`plan` is the week's plan. Word lists and settings are in `insights.yaml`.
"""
from __future__ import annotations

from pipeline.insights.data import Interview, load_interviews

__all__ = ["Interview", "load_interviews"]
