"""Plain text and Markdown notes: the decoded file is the note text (offsets point into the file).

Markdown front matter (YAML between `---` lines) becomes metadata; the text keeps it, and
`metadata["body_offset"]` says where the body starts.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import yaml
from dateutil import parser as date_parser
from frontmatter.default_handlers import YAMLHandler

from pipeline.ingest.decode import decode, ingest_error, normalise_newlines, short


def parse_txt(data: bytes, source: str) -> tuple[str, dict[str, Any]]:
    """Plain text: the decoded file with normalised newlines, no metadata."""
    return normalise_newlines(decode(data, source)), {}


def parse_md(data: bytes, source: str) -> tuple[str, dict[str, Any]]:
    """Markdown: the whole decoded file; YAML front matter becomes metadata plus body_offset."""
    text = normalise_newlines(decode(data, source))
    raw, body_offset = _front_matter(text, source)
    metadata = clean_metadata(raw)
    metadata["body_offset"] = body_offset
    return text, metadata


def clean_metadata(raw: dict[Any, Any]) -> dict[str, Any]:
    """Keep scalar (and list-of-scalar) front-matter values, with dates as YYYY-MM-DD."""
    metadata: dict[str, Any] = {}
    for key, value in raw.items():
        name = str(key).strip().lower()
        cleaned = date_value(value) if name == "date" else _clean_value(value, name)
        if cleaned is not None:
            metadata[name] = cleaned
    return metadata


def date_value(value: Any) -> str | None:
    """A date-like value as YYYY-MM-DD, or None when it cannot be read as a date."""
    if isinstance(value, (dt.date, dt.datetime)):
        return iso_date(value)
    flat = _flatten(value)
    if len(flat) != 1 or not isinstance(flat[0], str):
        return None
    try:
        return iso_date(date_parser.parse(strip_wikilinks(flat[0]).strip()))
    except (ValueError, OverflowError):
        return None


def iso_date(value: dt.date | dt.datetime) -> str:
    return value.isoformat()[:10]


def strip_wikilinks(text: str) -> str:
    """Turn [[Target]] and [[Target|Alias]] into plain text (the alias when present)."""
    out, i = [], 0
    while (a := text.find("[[", i)) != -1 and (b := text.find("]]", a)) != -1:
        inner = text[a + 2:b]
        out.append(text[i:a] + (inner.split("|", 1)[1] if "|" in inner else inner))
        i = b + 2
    return "".join(out) + text[i:]


def _front_matter(text: str, source: str) -> tuple[dict[Any, Any], int]:
    """(front matter mapping, offset where the body starts); ({}, 0) if none."""
    handler = YAMLHandler()
    bounds = list(handler.FM_BOUNDARY.finditer(text[:100_000]))
    if not handler.detect(text) or len(bounds) < 2:
        return {}, 0
    try:
        data = handler.load(handler.split(text)[0])
    except yaml.YAMLError as exc:
        raise ingest_error(source, f"front matter is not valid YAML: {short(exc)}",
                           "fix the block between the --- lines, e.g. quote values that contain ':'") from None
    if not isinstance(data, dict):
        return {}, 0
    end = text.find("\n", bounds[1].start())
    return data, len(text) if end == -1 else end + 1


def _clean_value(value: Any, name: str) -> Any:
    if isinstance(value, (list, tuple)):
        items = [_clean_scalar(item) for item in _flatten(value)]
        items = [item for item in items if item not in (None, "")]
        if name != "tags" and len(items) == 1:
            return items[0]
        return items or None
    if isinstance(value, dict):
        return None
    return _clean_scalar(value)


def _flatten(values: Any) -> list[Any]:
    """Flatten nested lists (YAML reads an unquoted [[Name]] as a nested list)."""
    if not isinstance(values, (list, tuple)):
        return [values]
    return [item for value in values for item in _flatten(value)]


def _clean_scalar(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return strip_wikilinks(value).strip()
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    return None
