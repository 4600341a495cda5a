"""Output that is safe where it goes, and the one output convention."""
from __future__ import annotations

import csv
import io
import json

from pipeline.export.safe import markdown, spreadsheet, terminal
from pipeline.export.tables import render_rows
from pipeline.export.tasks import to_ics, to_markdown


def test_terminal_text_shows_control_sequences_as_escapes():
    assert terminal("red \x1b[31mALERT\x1b[0m\x07") == "red \\x1b[31mALERT\\x1b[0m\\x07"
    assert terminal("Zoë — ok\n") == "Zoë — ok\n"


def test_markdown_neutralises_html():
    assert markdown('<script>alert(1)</script> & <img src=x onerror=alert(1)>') == \
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;"


def test_csv_cells_cannot_start_formulas_even_after_spaces():
    for cell in ("=1+1", "+SUM(A1)", "-2", "@cmd", "  =HYPERLINK(\"x\")", "\t=1", "|calc"):
        assert spreadsheet(cell).startswith("'")
    assert spreadsheet("Dana Ruiz") == "Dana Ruiz" and spreadsheet("+44 20 7946 0958").startswith("'")


def test_csv_has_bom_quotes_everything_and_streams():
    rows = [{"name": "Zoë", "note": "=cmd", "tags": ["a", "b"]}, {"name": "Ana", "note": None, "tags": []}]
    text = "".join(render_rows(iter(rows), "csv", ["name", "note", "tags"]))
    assert text.startswith("\ufeff\"name\",\"note\",\"tags\"\r\n")
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert parsed[1] == ["Zoë", "'=cmd", "a; b"]
    assert not "".join(render_rows(iter(rows), "csv", ["name"], bom=False)).startswith("\ufeff")
    assert "\t" in "".join(render_rows(iter(rows), "tsv", ["name", "note"]))


def test_json_and_nl():
    rows = [{"a": 1}, {"a": 2}]
    assert json.loads("".join(render_rows(iter(rows), "json", ["a"]))) == rows
    assert [json.loads(line) for line in "".join(render_rows(iter(rows), "nl", ["a"])).splitlines()] == rows


def test_a_json_array_is_written_row_by_row_exactly_as_json_dumps_would():
    for rows in ([], [{"a": 1, "b": [1, 2], "c": "two\nlines"}], [{"a": 1}, {"b": {"c": None, "d": "Zoë"}}]):
        chunks = list(render_rows(iter(rows), "json", ["a"]))
        assert "".join(chunks) == json.dumps(rows, ensure_ascii=False, indent=2) + "\n" and len(chunks) == len(rows) + 1


def task(**kw):
    base = {"id": "abc", "action": "Call Dana", "due": "2026-04-10", "person": "Dana", "kind": "referral", "status": "open",
            "source": "n.txt", "why": "because", "snoozed_until": None, "completed_at": None}
    base.update(kw)
    return base


def test_markdown_checklist_groups_by_due_date():
    md = to_markdown([task(), task(id="b", due=None, action="<b>x</b>", status="done")])
    assert "## 2026-04-10" in md and "## No due date" in md and "- [x] &lt;b&gt;x&lt;/b&gt;" in md


def test_ics_done_and_snoozed_tasks():
    from datetime import datetime, timezone

    from icalendar import Calendar

    ics = to_ics([task(status="done", completed_at="2026-04-11T10:00:00+00:00"),
                  task(id="s", status="snoozed", snoozed_until="2026-04-20", due="2026-04-25")],
                 stamp=datetime(2026, 4, 12, tzinfo=timezone.utc))
    todos = [c for c in Calendar.from_ical(ics).walk() if c.name == "VTODO"]
    assert str(todos[0]["status"]) == "COMPLETED" and todos[0]["completed"].dt.isoformat().startswith("2026-04-11")
    assert str(todos[1]["status"]) == "NEEDS-ACTION" and todos[1]["dtstart"].dt.isoformat() == "2026-04-20"
