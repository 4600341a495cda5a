"""Topic fields: the day in the life, advice, how to get in, fit, and the outlook's points.

Each is the list of segments the topic head gives that topic, as grounded items. Headings and
e-mail header lines are context, never items.
"""
from __future__ import annotations

from pipeline.decide import Decider
from pipeline.document import Doc
from pipeline.fields.common import item
from pipeline.schema import Item, Record

FIELDS = ("day_in_life", "advice", "how_to_get_in", "fit", "outlook")
NOT_ITEMS = ("heading", "header")


def extract(doc: Doc, decider: Decider, rec: Record) -> None:
    for name in FIELDS:
        items = topic_items(doc, decider, name)
        if name == "outlook":
            rec.outlook.points = items
        else:
            setattr(rec, name, items)


def topic_items(doc: Doc, decider: Decider, topic: str) -> list[Item]:
    head = decider.heads["topic"]
    col = head.classes.index(topic)
    cut = head.threshold(topic)
    return [item(doc, s.start, s.end) for s in doc.segments
            if s.kind not in NOT_ITEMS and doc.probs["topic"][s.index, col] >= cut and s.end > s.start]
