"""HTML for the review pages: Jinja2 templates shipped in the package (read with
importlib.resources), every value escaped by default (autoescape), no external assets.

Served pages link the package's CSS and JavaScript under /assets/ and carry the run's write
token; static pages inline both and allow exactly those two blocks by hash in their
Content-Security-Policy, so a page opened from disk runs no other script and loads nothing.
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any, Callable

from pipeline.review.pages import ITEM_KINDS, KINDS, LEAD_STATUSES, TASK_STATUSES, UNSURE

ASSETS = ("review.css", "review.js")
SERVED_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
              "form-action 'none'; base-uri 'none'; frame-ancestors 'none'")


@dataclass(frozen=True)
class Links:
    """Where the pages are: the server's paths, or file names beside each other (static)."""

    static: bool = False
    written: frozenset[int] | None = None  # static: the notes that have a page

    def index(self) -> str:
        return "index.html" if self.static else "/"

    def note(self, note_id: int | None) -> str | None:
        if note_id is None or (self.written is not None and note_id not in self.written):
            return None
        return f"note-{note_id}.html" if self.static else f"/note/{note_id}"

    def leads(self) -> str:
        return "leads.html" if self.static else "/leads"

    def followups(self, status: str = "open") -> str:
        return "followups.html" if self.static else f"/followups?status={status}"

    def api(self, *parts: Any) -> str:
        return "/api/" + "/".join(str(p) for p in parts)


def render_page(template: str, context: dict[str, Any], links: Links, token: str | None = None) -> str:
    """A whole page; `token` (served pages only) enables the write controls."""
    from markupsafe import Markup

    css, js = (read_asset(name) for name in ASSETS)
    inline = {"css": Markup(css), "js": Markup(js), "csp": _static_csp(css, js)} if links.static else None
    return _env().get_template(template).render(context, links=links, token=token, inline=inline,
                                                writable=token is not None and not context.get("readonly"))


def read_asset(name: str) -> str:
    """The text of a shipped asset (CSS or JavaScript)."""
    if name not in ASSETS:
        raise KeyError(name)
    return files("pipeline.review").joinpath("assets", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _env():
    import jinja2

    env = jinja2.Environment(loader=jinja2.FunctionLoader(_template), autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda p: "" if p is None else f"{p:.2f}"
    env.filters["notetext"] = _note_text
    env.globals.update(kinds=KINDS, item_kinds=ITEM_KINDS, unsure=UNSURE, lead_statuses=LEAD_STATUSES, task_statuses=TASK_STATUSES)
    return env


def _note_text(text: str) -> Any:
    """Note text escaped, one page character per note character: an HTML parser would turn a
    carriage return into a line feed and drop a NUL, so a CR goes in as a reference and a NUL as U+FFFD."""
    from markupsafe import Markup, escape

    return Markup(str(escape(text)).replace("\r", "&#13;").replace("\x00", "&#65533;"))


def _template(name: str) -> tuple[str, str, Callable[[], bool]]:
    path = files("pipeline.review").joinpath("templates", name)
    return path.read_text(encoding="utf-8"), str(path), lambda: True


def _static_csp(css: str, js: str) -> str:
    return (f"default-src 'none'; style-src '{_sha256(css)}'; script-src '{_sha256(js)}'; img-src data:; "
            "form-action 'none'; base-uri 'none'")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
