"""The user's corrections: stored as operations that survive re-extraction and win over the model.

- `set`: a field by path (`contact.name`, `interview_date`, `outlook.sentiment`, `advice.2.text`);
- `remove_item` / `add_item` / `move_item`: an item by its span in the note (so it still finds
  its item when a re-extraction reorders the lists);
- `referral`: a person is, or is not, a referral.

Every correction is also a training example for `fieldnotes train --with-corrections`.
"""
from __future__ import annotations

import json
from typing import Any

from pipeline import schema
from pipeline.errors import FieldnotesError
from pipeline.schema import Item, Record, Referral, Span

ITEM_KINDS = schema.ITEM_KINDS + ("outlook",)
OPS = ("set", "remove_item", "add_item", "move_item", "referral")


def apply_edits(rec: Record, edits: list[dict], text: str | None = None, strict: bool = False) -> Record:
    """The record with every correction applied in order. With `strict`, a correction that no
    longer applies is an error; otherwise it is skipped (a list that got shorter)."""
    data = rec.model_dump()
    for e in edits:
        value = json.loads(e["value"]) if isinstance(e.get("value"), str) else e.get("value")
        try:
            _APPLY[e.get("op") or "set"](data, e.get("path") or "", value, text)
        except (ValueError, IndexError, TypeError, KeyError, AttributeError):
            if strict:
                raise
    return Record.model_validate(data)


def item_op(op: str, kind: str, start: int, end: int, text: str, to: str | None = None) -> dict[str, Any]:
    """An item correction as stored (validated)."""
    if kind not in ITEM_KINDS or (to is not None and to not in ITEM_KINDS):
        raise FieldnotesError(f"unknown item kind '{to if to and to not in ITEM_KINDS else kind}' (use one of: {', '.join(ITEM_KINDS)})")
    if not 0 <= start < end <= len(text):
        raise FieldnotesError(f"span {start}-{end} is not inside the note (0-{len(text)})")
    value = {"kind": kind, "start": start, "end": end, "text": " ".join(text[start:end].split())}
    if to:
        value["to"] = to
    return {"op": op, "path": kind, "value": json.dumps(value, ensure_ascii=False)}


def _set(data: dict, path: str, value: Any, text: str | None) -> None:
    parts = path.split(".")
    cur: Any = data
    for p in parts[:-1]:
        cur = cur[_index(cur, p, path)] if isinstance(cur, list) else cur.get(p)
        if not isinstance(cur, (dict, list)):
            raise ValueError(f"unknown field '{path}'")
    last = parts[-1]
    if isinstance(cur, list):
        cur[_index(cur, last, path)] = value
    elif last in cur:
        cur[last] = value
    else:
        raise ValueError(f"unknown field '{path}' (fields: {', '.join(cur)})")


def _index(items: list, part: str, path: str) -> int:
    if not part.isdigit() or int(part) >= len(items):
        raise ValueError(f"unknown field '{path}' ('{part}' is not an index from 0 to {len(items) - 1})")
    return int(part)


def _items(data: dict, kind: str) -> list:
    return data["outlook"]["points"] if kind == "outlook" else data[kind]


def _same_span(item: dict, value: dict) -> bool:
    ev = item.get("evidence")
    if not ev:
        return item.get("text") == value.get("text")
    inside = min(ev["end"], value["end"]) - max(ev["start"], value["start"])
    return inside > 0 and inside >= 0.5 * min(ev["end"] - ev["start"], value["end"] - value["start"])


def _remove(data: dict, path: str, value: dict, text: str | None) -> None:
    items = _items(data, value["kind"])
    items[:] = [it for it in items if not _same_span(it, value)]


def _add(data: dict, path: str, value: dict, text: str | None) -> None:
    items = _items(data, value["kind"])
    if any(_same_span(it, value) for it in items):
        return
    quote = text[value["start"]:value["end"]] if text else value["text"]
    items.append(Item(text=value["text"], evidence=Span(start=value["start"], end=value["end"], quote=quote)).model_dump())
    items.sort(key=lambda it: (it.get("evidence") or {}).get("start", 0))


def _move(data: dict, path: str, value: dict, text: str | None) -> None:
    moved = [it for it in _items(data, value["kind"]) if _same_span(it, value)]
    _remove(data, path, value, text)
    target = _items(data, value["to"])
    for it in moved or [Item(text=value["text"], evidence=Span(start=value["start"], end=value["end"],
                                                               quote=text[value["start"]:value["end"]] if text else value["text"])).model_dump()]:
        if not any(_same_span(t, value) for t in target):
            target.append(it)
    target.sort(key=lambda it: (it.get("evidence") or {}).get("start", 0))


def _referral(data: dict, path: str, value: dict, text: str | None) -> None:
    from pipeline.annotate.identity import same_person

    name, is_ref = value["name"], bool(value["referral"])
    refs = data["referrals"]
    if not is_ref:
        refs[:] = [r for r in refs if not same_person(r["name"], name)]
        return
    if any(same_person(r["name"], name) for r in refs):
        return
    start = value.get("start")
    if start is None and text:
        start = text.find(name)
    if start is None or start < 0:
        raise ValueError(f"'{name}' is not in the note")
    end = start + len(name)
    quote = text[start:end] if text else name
    refs.append(Referral(name=name, evidence=Span(start=start, end=end, quote=quote), context=value.get("context")).model_dump())


_APPLY = {"set": _set, "remove_item": _remove, "add_item": _add, "move_item": _move, "referral": _referral}
