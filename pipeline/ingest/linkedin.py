"""LinkedIn's connections export (`Connections.csv` from "Get a copy of your data") as rows.

The file opens with a few preamble lines ("Notes:", a quoted sentence about hidden e-mail
addresses, a blank line), then the header `First Name,Last Name,URL,Email Address,Company,
Position,Connected On` and one connection per line; "Connected On" reads like `15 Mar 2024`.
Older exports start at the header. Most e-mail cells are empty (people choose whether to share).
"""
from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pipeline.ingest.decode import decode, ingest_error, short

COLUMNS = {"First Name": "first_name", "Last Name": "last_name", "URL": "url", "Email Address": "email", "Company": "company",
           "Position": "position", "Connected On": "connected_on"}
REQUIRED = ("First Name", "Last Name")
HOW_TO_EXPORT = "export it from LinkedIn: Settings, Data privacy, Get a copy of your data, Connections"
MAX_PREAMBLE_LINES = 20


class Connection(BaseModel):
    """One LinkedIn connection; empty cells are None, `connected_on` is YYYY-MM-DD when it reads as a date."""

    model_config = ConfigDict(extra="forbid")
    first_name: str | None = None
    last_name: str | None = None
    url: str | None = None
    email: str | None = None
    company: str | None = None
    position: str | None = None
    connected_on: str | None = None

    @property
    def name(self) -> str:
        return " ".join(x for x in (self.first_name, self.last_name) if x)


def read_linkedin_connections(path: str | Path) -> list[Connection]:
    """Every connection with a name in a LinkedIn Connections.csv; an IngestError says what is wrong."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise ingest_error(path, f"cannot be read ({short(e)})", "check the path") from None
    lines = decode(data, str(path)).splitlines(keepends=True)
    start = _header_line(lines)
    if start is None:
        raise ingest_error(path, "has no 'First Name,Last Name,URL,Email Address,...' header, so it is not LinkedIn's Connections.csv",
                           HOW_TO_EXPORT)
    reader = csv.DictReader(io.StringIO("".join(lines[start:])))
    return [c for c in (_connection(row) for row in reader) if c.name]


def _header_line(lines: list[str]) -> int | None:
    """The index of the header line: the first of the opening lines whose cells name the required columns."""
    for i, line in enumerate(lines[:MAX_PREAMBLE_LINES]):
        cells = [c.strip().lstrip("\ufeff") for c in next(csv.reader([line]), [])]
        if all(col in cells for col in REQUIRED):
            return i
    return None


def _connection(row: dict[str | None, str | list[str] | None]) -> Connection:
    values = {field: " ".join(str(row.get(col) or "").split()) or None for col, field in COLUMNS.items()}
    values["connected_on"] = _iso_day(values["connected_on"])
    if values["email"]:
        values["email"] = values["email"].lower()
    return Connection(**values)


def _iso_day(text: str | None) -> str | None:
    """'15 Mar 2024' (LinkedIn's form) or an ISO date as YYYY-MM-DD; anything else stays as it was."""
    if not text:
        return None
    for fmt in ("%d %b %Y", "%Y-%m-%d", "%d %B %Y"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return text
