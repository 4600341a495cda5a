"""Review stage: a local web page to see every extracted span in its note and correct it.

`server` serves the pages on 127.0.0.1 (standard library http.server; Host/Origin checks and a
per-run write token), `pages` gathers what they show, `render` fills the Jinja2 templates
shipped in `templates/` with the assets in `assets/`, `api` turns the page's corrections into
the edit store's operations, `static` writes the pages as read-only files.
"""
from __future__ import annotations

from pipeline.review.server import ReviewServer, make_server
from pipeline.review.static import write_static

__all__ = ["ReviewServer", "make_server", "write_static"]
