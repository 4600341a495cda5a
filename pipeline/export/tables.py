"""One output convention for every query command: a readable table on a terminal, or
`--json`, `--nl` (one JSON object per line), `--csv`, `--tsv`. CSV and TSV open right in
Excel and LibreOffice: UTF-8 with a byte-order mark (unless `bom=False`), every cell quoted,
formula-looking text cells neutralised (numbers stay numbers), control characters escaped."""
from __future__ import annotations

import csv
import io
import textwrap
from typing import Any, Iterable, Sequence

from pipeline.export.safe import json_text, spreadsheet, terminal

FORMATS = ("table", "json", "nl", "csv", "tsv")
BOM = "\ufeff"


def render_rows(rows: Iterable[dict[str, Any]], fmt: str, columns: Sequence[str], bom: bool = True) -> Iterable[str]:
    """The rows as text chunks in a format; every format but the table streams (constant memory)."""
    if fmt == "json":
        yield from json_array(rows)
    elif fmt == "nl":
        for r in rows:
            yield json_text(r, default=str) + "\n"
    elif fmt in ("csv", "tsv"):
        yield from _delimited(rows, columns, "," if fmt == "csv" else "\t", bom)
    else:
        yield table(list(rows), columns)


def json_array(rows: Iterable[Any]) -> Iterable[str]:
    """`json.dumps(list(rows), indent=2)` plus a newline, written one row at a time."""
    first = True
    for r in rows:
        yield ("[\n" if first else ",\n") + textwrap.indent(json_text(r, indent=2, default=str), "  ")
        first = False
    yield "[]\n" if first else "\n]\n"


def _delimited(rows: Iterable[dict[str, Any]], columns: Sequence[str], delimiter: str, bom: bool) -> Iterable[str]:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(columns)
    yield (BOM if bom else "") + buf.getvalue()
    for r in rows:
        buf.seek(0)
        buf.truncate()
        w.writerow([_csv_cell(r.get(c)) for c in columns])
        yield buf.getvalue()


def _csv_cell(value: Any) -> str:
    """A number as written (a negative number is no formula); any text made safe for spreadsheets."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return spreadsheet(_cell(value))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json_text(value)
    return str(value)


def table(rows: list[dict[str, Any]], columns: Sequence[str], max_width: int = 60) -> str:
    """A plain aligned text table; long cells are cut with an ellipsis."""
    if not rows:
        return ""
    cells = [[_short(terminal(_cell(r.get(c))), max_width) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    head = "  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join([head, rule, *body]) + "\n"


def _short(s: str, n: int) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"
