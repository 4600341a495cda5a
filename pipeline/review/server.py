"""The review server: the standard library's http.server on 127.0.0.1 only.

Safety model (docs/review.md):
- it binds to 127.0.0.1, never to another interface;
- it answers only requests whose Host is its own address (127.0.0.1:PORT or localhost:PORT),
  so a web page cannot reach it through a rebound DNS name;
- a request carrying an Origin (or a Sec-Fetch-Site) from anywhere else is refused;
- every write is a JSON POST carrying the run's random token (embedded in the pages it
  serves), so another site's form or script cannot write even when a browser sends it;
- pages forbid every script but the package's own (Content-Security-Policy) and escape all
  note text.
"""
from __future__ import annotations

import hmac
import json
import re
import secrets
import sqlite3
import traceback
from dataclasses import dataclass, field
from datetime import date
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from pipeline.errors import FieldnotesError, NotFound, StoreError
from pipeline.review.api import save_corrections, save_lead_status, save_task_status
from pipeline.review.pages import TASK_STATUSES, load_leads, load_note_list, load_note_view, load_tasks
from pipeline.review.render import SERVED_CSP, Links, read_asset, render_page
from pipeline.store import open_db

HOST = "127.0.0.1"
DEFAULT_PORT = 8765
TOKEN_HEADER = "X-Fieldnotes-Token"
MAX_BODY = 64 * 1024
_ASSET_TYPES = {"review.css": "text/css; charset=utf-8", "review.js": "text/javascript; charset=utf-8"}
_SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
                     "Cache-Control": "no-store", "Cross-Origin-Opener-Policy": "same-origin",
                     "Cross-Origin-Resource-Policy": "same-origin"}


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


class ReviewServer(ThreadingHTTPServer):
    """One review run: the database path, the token and the origins it answers to."""

    daemon_threads = True

    def __init__(self, db_path: str, port: int = 0, start_note: int | None = None) -> None:
        super().__init__((HOST, port), _Handler)
        self.db_path = db_path
        self.token = secrets.token_urlsafe(32)
        self.port = self.server_address[1]
        self.hosts = {f"{HOST}:{self.port}", f"localhost:{self.port}"}
        self.origins = {f"http://{h}" for h in self.hosts}
        self.start_path = f"/note/{start_note}" if start_note is not None else "/"

    @property
    def url(self) -> str:
        """The page to open first."""
        return f"http://{HOST}:{self.port}{self.start_path}"

    def respond(self, method: str, target: str, headers: Any, body: bytes) -> Reply:
        """The reply to one request (the handler only moves bytes)."""
        refused = self._refusal(method, headers)
        if refused:
            return Reply(HTTPStatus.FORBIDDEN, refused.encode())
        url = urlsplit(target)
        try:
            if method == "GET":
                return self._get(url.path, parse_qs(url.query))
            return self._post(url.path, body)
        except NotFound as e:
            return _error(method, HTTPStatus.NOT_FOUND, str(e))
        except (FieldnotesError, sqlite3.DatabaseError) as e:
            return _error(method, HTTPStatus.BAD_REQUEST, str(e))

    def _refusal(self, method: str, headers: Any) -> str | None:
        """Why a request is refused (DNS rebinding, another site, a write without the token), or None."""
        host = (headers.get("Host") or "").strip().lower()
        if host not in self.hosts:
            return f"Refused: this server answers only to http://{HOST}:{self.port}/ (the request named host '{host[:80]}')."
        origin = headers.get("Origin")
        if origin is not None and origin.lower() not in self.origins:
            return f"Refused: requests from '{origin[:80]}' are not allowed; open http://{HOST}:{self.port}/ instead."
        if method == "POST":
            if headers.get("Sec-Fetch-Site") not in (None, "same-origin"):
                return "Refused: writes must come from the review page itself."
            if not hmac.compare_digest((headers.get(TOKEN_HEADER) or "").encode(), self.token.encode()):
                return "Refused: this write lacks the page's token; reload the review page and try again."
            if (headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
                return "Refused: writes are JSON requests from the review page."
        return None

    def _get(self, path: str, query: dict[str, list[str]]) -> Reply:
        if path.startswith("/assets/") and path[8:] in _ASSET_TYPES:
            return Reply(HTTPStatus.OK, read_asset(path[8:]).encode(), _ASSET_TYPES[path[8:]])
        page = _match(_PAGES, path)
        if page is None:
            return Reply(HTTPStatus.NOT_FOUND, b"No such page; go to / for the note list.")
        fn, args = page

        def html(db: Any) -> str:
            template, context = fn(db, query, *args)
            return render_page(template, dict(context, readonly=bool(getattr(db, "readonly", False))), Links(), self.token)

        return Reply(HTTPStatus.OK, self._with_db(html).encode("utf-8", "replace"), "text/html; charset=utf-8")

    def _post(self, path: str, body: bytes) -> Reply:
        found = _match(_WRITES, path)
        if found is None:
            return _json(HTTPStatus.NOT_FOUND, {"error": "no such action"})
        fn, args = found
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _json(HTTPStatus.BAD_REQUEST, {"error": "the request is not JSON; reload the page and try again"})
        result = self._with_db(lambda db: fn(db, *args, payload))
        return _json(HTTPStatus.OK, {"ok": True, "result": result})

    def _with_db(self, fn: Callable[[Any], Any]) -> Any:
        """Run with a connection of this request's own (SQLite connections stay in their thread)."""
        db = open_db(self.db_path)
        try:
            return fn(db)
        finally:
            db.conn.close()


def make_server(db_path: str, port: int | None = None, start_note: int | None = None) -> ReviewServer:
    """A review server on 127.0.0.1 (port None: the default port, or any free one when it is taken)."""
    try:
        return ReviewServer(db_path, DEFAULT_PORT if port is None else port, start_note)
    except OSError as e:
        if port is None:
            return ReviewServer(db_path, 0, start_note)
        raise StoreError(f"cannot listen on {HOST}:{port} ({e.strerror}); pick another --port, or --port 0 for any free one") from None


class _Handler(BaseHTTPRequestHandler):
    server: ReviewServer
    server_version = "fieldnotes-review"
    sys_version = ""

    def do_GET(self) -> None:
        self._answer("GET", b"")

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self._reply(Reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b"Request too large."))
            return
        self._answer("POST", self.rfile.read(length))

    def _answer(self, method: str, body: bytes) -> None:
        try:
            reply = self.server.respond(method, self.path, self.headers, body)
        except Exception:  # a bug: say so on the page and in the terminal, keep serving
            traceback.print_exc()
            reply = Reply(HTTPStatus.INTERNAL_SERVER_ERROR, b"Something went wrong (details in the terminal running fieldnotes review).")
        self._reply(reply)

    def _reply(self, reply: Reply) -> None:
        self.send_response(reply.status)
        headers = {"Content-Type": reply.content_type, "Content-Length": str(len(reply.body)), **_SECURITY_HEADERS, **reply.headers}
        if reply.content_type.startswith("text/html"):
            headers["Content-Security-Policy"] = SERVED_CSP
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        """Quiet: the terminal shows only the URL and errors."""


def _error(method: str, status: int, message: str) -> Reply:
    """A page's error as text, a write's as JSON for the page's script."""
    return _json(status, {"error": message}) if method == "POST" else Reply(status, message.encode())


def _json(status: int, data: dict[str, Any]) -> Reply:
    return Reply(status, json.dumps(data, ensure_ascii=False, default=str).encode(), "application/json; charset=utf-8")


def _match(routes: list[tuple[re.Pattern[str], Callable[..., Any], type]], path: str) -> tuple[Callable[..., Any], list[Any]] | None:
    for pattern, fn, kind in routes:
        m = pattern.fullmatch(path)
        if m:
            return fn, [kind(g) for g in m.groups()]
    return None


def _index_page(db: Any, query: dict[str, list[str]]) -> tuple[str, dict[str, Any]]:
    return "index.html", {"notes": load_note_list(db)}


def _note_page(db: Any, query: dict[str, list[str]], note_id: int) -> tuple[str, dict[str, Any]]:
    return "note.html", {"view": load_note_view(db, note_id)}


def _leads_page(db: Any, query: dict[str, list[str]]) -> tuple[str, dict[str, Any]]:
    return "leads.html", {"leads": load_leads(db)}


def _followups_page(db: Any, query: dict[str, list[str]]) -> tuple[str, dict[str, Any]]:
    status = (query.get("status") or ["open"])[0]
    status = status if status in TASK_STATUSES else "open"
    return "followups.html", {"tasks": load_tasks(db, status), "status": status, "today": date.today().isoformat()}


_PAGES = [(re.compile(r"/"), _index_page, str), (re.compile(r"/note/(\d+)"), _note_page, int), (re.compile(r"/leads"), _leads_page, str),
          (re.compile(r"/followups"), _followups_page, str)]
_WRITES = [(re.compile(r"/api/notes/(\d+)/edits"), save_corrections, int), (re.compile(r"/api/tasks/([0-9a-f]{4,40})"), save_task_status, str),
           (re.compile(r"/api/leads/(\d+)"), save_lead_status, int)]
