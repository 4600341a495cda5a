"""Records and provenance as stored: compact, and exactly what was saved when read back.

A record repeats the note's own words twice per item (its `text` and its evidence `quote`);
both are the note text between the item's offsets, which the database already holds. A packed
record leaves out every quote that equals `text[start:end]` and every item text that equals its
quote, and is zlib-compressed JSON; provenance is compressed JSON. Reading restores both, so
nothing is lost (a quote or text that differs from the note is kept as it is). Values stored
as plain JSON text by earlier versions read as they are.
"""
from __future__ import annotations

import json
import zlib
from typing import Any

LEVEL = 6


def pack_record(data: dict[str, Any], text: str) -> bytes:
    """A record's JSON (`Record.model_dump()`) without the quotes the note text restores, compressed."""
    return pack_json(_strip(data, text))


def unpack_record(value: bytes | str, text: str) -> dict[str, Any]:
    """The record's JSON as it was packed by `pack_record` (or stored as plain JSON)."""
    data = unpack_json(value)
    return _restore(data, text) if isinstance(value, bytes) else data


def pack_json(data: Any) -> bytes:
    return zlib.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), LEVEL)


def unpack_json(value: bytes | str) -> Any:
    return json.loads(zlib.decompress(value).decode("utf-8") if isinstance(value, bytes) else value)


def _strip(node: Any, text: str) -> Any:
    if isinstance(node, list):
        return [_strip(v, text) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _strip(v, text) for k, v in node.items() if k != "evidence"}
    ev = node.get("evidence")
    if "evidence" in node:
        out["evidence"] = ev
    if isinstance(ev, dict) and "quote" in ev and ev["quote"] == text[ev["start"]:ev["end"]]:
        out["evidence"] = {"start": ev["start"], "end": ev["end"]}
        if set(node) == {"text", "evidence"} and node["text"] == ev["quote"]:
            del out["text"]
    return out


def _restore(node: Any, text: str) -> Any:
    if isinstance(node, list):
        return [_restore(v, text) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _restore(v, text) for k, v in node.items()}
    ev = out.get("evidence")
    if isinstance(ev, dict) and "quote" not in ev:
        ev["quote"] = text[ev["start"]:ev["end"]]
        if set(out) == {"evidence"}:
            out = {"text": ev["quote"], "evidence": ev}
    return out
