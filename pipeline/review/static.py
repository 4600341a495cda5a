"""`fieldnotes review --static DIR`: the review pages as self-contained, read-only HTML files
(CSS and JavaScript inlined, no write controls, nothing loaded from anywhere), to share with
a career adviser. With a SOURCE, only that note and its own leads and follow-ups."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pipeline.review.pages import load_leads, load_note_list, load_note_view, load_tasks
from pipeline.review.render import Links, render_page
from pipeline.store import all_note_ids, resolve_note


def write_static(db: Any, out_dir: str | Path, source: str | None = None) -> list[Path]:
    """Write index.html, leads.html, followups.html and one note-ID.html per note; returns the files."""
    ids = [resolve_note(db, source)[0]] if source else all_note_ids(db)
    links = Links(static=True, written=frozenset(ids))
    only = set(ids) if source else None
    sources = {db.execute("SELECT source FROM notes WHERE id = ?", [i]).fetchone()[0] for i in ids} if source else None
    pages = {"index.html": render_page("index.html", {"notes": load_note_list(db, ids)}, links),
             "leads.html": render_page("leads.html", {"leads": load_leads(db, sources)}, links),
             "followups.html": render_page("followups.html", {"tasks": load_tasks(db, "all", only), "status": "all",
                                                              "today": date.today().isoformat()}, links)}
    for note_id in ids:
        pages[links.note(note_id)] = render_page("note.html", {"view": load_note_view(db, note_id)}, links)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, html in pages.items():
        path = out / name
        path.write_text(html, encoding="utf-8", errors="replace")
        written.append(path)
    return written
