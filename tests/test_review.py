"""The review page (`fieldnotes review`): escaping, the Host/Origin/token safety model, corrections
through the page that land in the edit store and survive a forced re-run, static export, and
(marked `browser`) the same pages in headless Chromium: highlights at the record's offsets with
non-ASCII text, a correction made by selecting text, hostile and cross-origin pages."""
from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import NOTES, SAMPLE, run_notes
from pipeline.cli import cli

UNICODE = NOTES / "review_unicode.txt"
HOSTILE = NOTES / "review_hostile.txt"
PATHS = [UNICODE, HOSTILE, SAMPLE / "02_supply_chain_analyst.md"]
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture
def db_path(tmp_path):
    from pipeline.store import open_db

    path = tmp_path / "review.db"
    run_notes(open_db(path, create=True), PATHS)
    return path


@pytest.fixture
def db(db_path):
    from pipeline.store import open_db

    return open_db(db_path)


@pytest.fixture
def server(db_path):
    from pipeline.review import make_server

    srv = make_server(str(db_path), port=0)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def note_id(db, path: Path) -> int:
    from pipeline.store import resolve_note

    return resolve_note(db, str(path))[0]


def request(srv, path: str, payload=None, headers=None, token: str | None = "page"):
    """(status, headers, body) of a GET, or of a POST when there is a payload (with the page's token by default)."""
    url = f"http://127.0.0.1:{srv.port}{path}"
    hdrs = dict(headers or {})
    data = None
    if payload is not None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        hdrs.setdefault("Content-Type", "application/json")
        if token:
            hdrs[srv_token_header()] = srv.token if token == "page" else token
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=hdrs)) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def srv_token_header() -> str:
    from pipeline.review.server import TOKEN_HEADER

    return TOKEN_HEADER


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the note's pieces (data-s, data-e, text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.pieces: list[list] = []
        self._in_piece = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "span" and "data-s" in attrs and "t" in (attrs.get("class") or "").split():
            self.pieces.append([int(attrs["data-s"]), int(attrs["data-e"]), ""])
            self._in_piece = True

    def handle_endtag(self, tag):
        if tag == "span":
            self._in_piece = False

    def handle_data(self, data):
        if self._in_piece:
            self.pieces[-1][2] += data


def parse(html: str) -> _Tags:
    p = _Tags()
    p.feed(html)
    return p


def record_spans(rec) -> list[tuple[str, int, int, str]]:
    """(kind, start, end, quote) of every grounded span of a record."""
    out = [(k, it.evidence.start, it.evidence.end, it.evidence.quote) for k in ("day_in_life", "skills", "advice", "how_to_get_in", "fit")
           for it in getattr(rec, k) if it.evidence]
    out += [("outlook", it.evidence.start, it.evidence.end, it.evidence.quote) for it in rec.outlook.points if it.evidence]
    out += [("referral", r.evidence.start, r.evidence.end, r.evidence.quote) for r in rec.referrals]
    out += [("job_lead", j.evidence.start, j.evidence.end, j.evidence.quote) for j in rec.job_leads]
    out += [("promise", p.evidence.start, p.evidence.end, p.evidence.quote) for p in rec.promises]
    return sorted(out)


# --- pages and escaping ----------------------------------------------------------------------

def test_every_page_answers(server, db):
    for path in ("/", f"/note/{note_id(db, UNICODE)}", "/leads", "/followups", "/followups?status=all", "/assets/review.js",
                 "/assets/review.css"):
        status, headers, _ = request(server, path)
        assert status == 200, path
        assert headers["X-Content-Type-Options"] == "nosniff"
    assert request(server, "/note/999")[0] == 404
    assert request(server, "/assets/../server.py")[0] == 404


def test_hostile_note_shows_as_text_and_no_markup_gets_through(server, db):
    nid = note_id(db, HOSTILE)
    for path in ("/", f"/note/{nid}", "/leads", "/followups?status=all"):
        status, headers, html = request(server, path)
        assert status == 200
        assert "script-src 'self'" in headers["Content-Security-Policy"] and "'unsafe-inline'" not in headers["Content-Security-Policy"]
        tags = parse(html).tags
        assert [a for t, a in tags if t == "script"] == [{"src": "/assets/review.js", "defer": None}], path
        assert not [t for t, _ in tags if t in ("img", "svg", "b", "textarea")], path
        assert not [(t, k) for t, a in tags for k in a if k.startswith("on")], path
    html = request(server, f"/note/{nid}")[2]
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert 'value="Acme &#34;&gt;&lt;img"' in html  # the hostile organisation, inside an attribute


def test_the_page_text_is_the_note_and_pieces_sit_at_their_offsets(server, db):
    text = db.execute("SELECT text FROM notes WHERE id = ?", [note_id(db, UNICODE)]).fetchone()[0]
    pieces = parse(request(server, f"/note/{note_id(db, UNICODE)}")[2]).pieces
    assert "".join(p[2] for p in pieces) == text
    assert all(text[s:e] == piece for s, e, piece in pieces)
    assert [p[0] for p in pieces] == [0] + [p[1] for p in pieces[:-1]]


def test_split_text_cuts_at_every_boundary_innermost_span_first():
    from pipeline.review.pages import Span, split_text

    outer, inner = Span("s0", "day_in_life", 2, 12, "x"), Span("s1", "skills", 5, 8, "y")
    pieces = split_text("0123456789abcdef", [outer, inner])
    assert [(p.start, p.end, p.spans, p.kind) for p in pieces] == [
        (0, 2, [], None), (2, 5, ["s0"], "day_in_life"), (5, 8, ["s1", "s0"], "skills"), (8, 12, ["s0"], "day_in_life"), (12, 16, [], None)]


def test_carriage_returns_and_nuls_keep_their_place_in_the_page():
    from pipeline.review.render import _note_text

    assert str(_note_text("a\r\nb\x00<c>")) == "a&#13;\nb&#65533;&lt;c&gt;"


def test_note_list_counts_and_flags(db):
    from pipeline.review.pages import load_note_list

    rows = {r["source"]: r for r in load_note_list(db)}
    hostile = rows[str(HOSTILE)]
    from pipeline.store import load_record

    rec = load_record(db, str(HOSTILE))
    items = sum(len(getattr(rec, k)) for k in ("day_in_life", "skills", "advice", "how_to_get_in", "fit")) + len(rec.outlook.points)
    assert hostile["contact"].name == "Dana" and hostile["item_count"] >= items > 0 and hostile["referrals"] == len(rec.referrals)
    assert all(isinstance(r["unsure"], list) for r in rows.values())


def test_uncertain_flags_name_the_reason():
    from pipeline.review.pages import find_doubts
    from pipeline.schema import Contact, Record

    rec = Record(source="x", sha256="0", contact=Contact(name="Dana Ruiz"))
    provenance = {"people": [{"name": "Dana Ruiz", "roles": {"contact": 0.3}}, {"name": "Sam Oduya", "roles": {"referral": 0.55}}]}
    assert find_doubts(rec, provenance, [], 2) == ["contact unsure (0.30)", "few items (2)", "referral? Sam Oduya (0.55)"]
    decided = [{"op": "referral", "path": "referrals", "value": json.dumps({"name": "Sam Oduya", "referral": False})}]
    assert find_doubts(Record(source="x", sha256="0"), provenance, decided, 9) == ["no contact"]


# --- the safety model ------------------------------------------------------------------------

def test_foreign_host_is_refused(server):
    assert request(server, "/", headers={"Host": "evil.example"})[0] == 403  # DNS rebinding: the attacker's name
    assert request(server, "/", headers={"Host": f"evil.example:{server.port}"})[0] == 403
    assert request(server, "/", headers={"Host": "127.0.0.1:1"})[0] == 403
    assert request(server, "/", headers={"Host": f"localhost:{server.port}"})[0] == 200


def test_foreign_origin_is_refused_for_pages_and_writes(server, db):
    nid = note_id(db, UNICODE)
    assert request(server, "/", headers={"Origin": "http://evil.example"})[0] == 403
    status, _, body = request(server, f"/api/notes/{nid}/edits", {"ops": [{"op": "set", "path": "field", "value": "x"}]},
                              headers={"Origin": "http://evil.example"})
    assert status == 403 and "not allowed" in body
    status, _, _ = request(server, f"/api/notes/{nid}/edits", {"ops": [{"op": "set", "path": "field", "value": "x"}]},
                           headers={"Sec-Fetch-Site": "cross-site"})
    assert status == 403
    assert db.execute("SELECT COUNT(*) FROM edits").fetchone()[0] == 0


def test_writes_need_the_pages_token_and_json(server, db):
    nid = note_id(db, UNICODE)
    change = {"ops": [{"op": "set", "path": "field", "value": "x"}]}
    assert request(server, f"/api/notes/{nid}/edits", change, token=None)[0] == 403
    assert request(server, f"/api/notes/{nid}/edits", change, token="guessed")[0] == 403
    assert request(server, f"/api/notes/{nid}/edits", json.dumps(change).encode(), headers={"Content-Type": "text/plain"})[0] == 403
    assert db.execute("SELECT COUNT(*) FROM edits").fetchone()[0] == 0
    html = request(server, "/")[2]
    assert f'<meta name="fieldnotes-token" content="{server.token}">' in html
    assert request(server, f"/api/notes/{nid}/edits", change)[0] == 200


def test_only_loopback_is_bound(server):
    assert server.server_address[0] == "127.0.0.1"


def test_a_taken_port_is_a_clear_error_or_another_port(server, db_path):
    from pipeline.errors import StoreError
    from pipeline.review import make_server

    with pytest.raises(StoreError, match="pick another --port"):
        make_server(str(db_path), port=server.port)
    import pipeline.review.server as srv_module

    old = srv_module.DEFAULT_PORT
    srv_module.DEFAULT_PORT = server.port
    try:
        other = make_server(str(db_path))
        assert other.port != server.port
        other.server_close()
    finally:
        srv_module.DEFAULT_PORT = old


# --- corrections -----------------------------------------------------------------------------

def test_corrections_through_the_api_land_and_survive_a_forced_rerun(server, db):
    from pipeline.dev.corrections import correction_examples
    from pipeline.store import load_record

    nid = note_id(db, UNICODE)
    text = db.execute("SELECT text FROM notes WHERE id = ?", [nid]).fetchone()[0]
    rec = load_record(db, str(UNICODE))
    phrase = "résumé-ready portfolio: one end-to-end project 🚀"
    start = text.index(phrase)
    python_skill = next(it for it in rec.skills if it.text == "Python").evidence
    advice = rec.advice[1].evidence
    ops = [{"op": "add_item", "kind": "skills", "start": start - 1, "end": start + len(phrase) + 1},  # white space is trimmed
           {"op": "remove_item", "kind": "skills", "start": python_skill.start, "end": python_skill.end},
           {"op": "move_item", "kind": "advice", "start": advice.start, "end": advice.end, "to": "how_to_get_in"},
           {"op": "referral", "referral": False, "name": "José Núñez"},
           {"op": "set", "path": "contact.title", "value": "Lead Data Scientist"}]
    status, _, body = request(server, f"/api/notes/{nid}/edits", {"ops": ops})
    assert status == 200, body
    assert json.loads(body)["result"] == 5
    assert [op for (op,) in db.execute("SELECT op FROM edits WHERE note_id = ? ORDER BY id", [nid])] == [o["op"] for o in ops]

    def check(r):
        added = next(it for it in r.skills if it.evidence.start == start)
        assert (added.evidence.end, added.evidence.quote) == (start + len(phrase), phrase)
        assert "Python" not in [it.text for it in r.skills]
        assert [it.evidence.start for it in r.how_to_get_in] == [advice.start] and advice.start not in [it.evidence.start for it in r.advice]
        assert r.referrals == [] and r.contact.title == "Lead Data Scientist"

    check(load_record(db, str(UNICODE)))
    run_notes(db, PATHS, force=True)
    check(load_record(db, str(UNICODE)))
    example = next(e for e in correction_examples(db) if e.note.source == str(UNICODE))
    assert phrase in example.gold.skills and "José Núñez" in example.gold.not_referrals
    html = request(server, f"/note/{nid}")[2]
    assert f'data-start="{start}" data-end="{start + len(phrase)}"' in html and "yours" in html


def test_a_selected_name_becomes_a_referral(server, db):
    from pipeline.store import load_record

    nid = note_id(db, HOSTILE)
    text = db.execute("SELECT text FROM notes WHERE id = ?", [nid]).fetchone()[0]
    start = text.index("Ruiz,")  # after markup the extraction took for text
    status, _, body = request(server, f"/api/notes/{nid}/edits", {"ops": [{"op": "referral", "referral": True, "start": start, "end": start + 4}]})
    assert status == 200, body
    ref = next(r for r in load_record(db, str(HOSTILE)).referrals if r.name == "Ruiz")
    assert (ref.evidence.start, ref.evidence.end) == (start, start + 4)


@pytest.mark.parametrize("op, message", [
    ({"op": "add_item", "kind": "skills", "start": 5, "end": 99999}, "not inside the note"),
    ({"op": "add_item", "kind": "gossip", "start": 0, "end": 5}, "unknown item kind"),
    ({"op": "add_item", "kind": "skills", "start": 0, "end": 5, "extra": 1}, "extra inputs"),
    ({"op": "set", "path": "sha256", "value": "x"}, "ops.0.set.path"),
    ({"op": "set", "path": "interview_date", "value": "last tuesday"}, "yyyy-mm-dd"),
    ({"op": "drop_table"}, "ops.0"),
])
def test_bad_corrections_are_one_clear_error_and_nothing_is_saved(server, db, op, message):
    status, _, body = request(server, f"/api/notes/{note_id(db, UNICODE)}/edits", {"ops": [op]})
    assert status == 400 and message in json.loads(body)["error"]
    assert db.execute("SELECT COUNT(*) FROM edits").fetchone()[0] == 0


def test_task_and_lead_actions(server, db):
    task = db.execute("SELECT id FROM followups WHERE status = 'open' ORDER BY id LIMIT 1").fetchone()[0]
    assert request(server, f"/api/tasks/{task}", {"status": "done"})[0] == 200
    assert db.execute("SELECT status FROM followups WHERE id = ?", [task]).fetchone()[0] == "done"
    assert request(server, f"/api/tasks/{task}", {"status": "snoozed", "until": "2031-01-02"})[0] == 200
    assert db.execute("SELECT status, snoozed_until FROM followups WHERE id = ?", [task]).fetchone() == ("snoozed", "2031-01-02")
    assert request(server, f"/api/tasks/{task}", {"status": "snoozed"})[0] == 400
    lead = db.execute("SELECT person_id FROM referrals LIMIT 1").fetchone()[0]
    assert request(server, f"/api/leads/{lead}", {"status": "contacted"})[0] == 200
    assert db.execute("SELECT status FROM people WHERE id = ?", [lead]).fetchone()[0] == "contacted"
    assert request(server, f"/api/leads/{lead}", {"status": "married"})[0] == 400
    assert request(server, "/api/leads/99999", {"status": "met"})[0] == 404


# --- static pages ----------------------------------------------------------------------------

def test_static_pages_are_self_contained_and_read_only(db, tmp_path):
    import base64
    import hashlib

    from pipeline.review import write_static

    files = write_static(db, tmp_path / "out")
    names = sorted(p.name for p in files)
    assert names[:3] == ["followups.html", "index.html", "leads.html"] and len(names) == 3 + len(PATHS)
    for path in files:
        html = path.read_text()
        assert '<meta name="fieldnotes-token"' not in html and "/api/" not in html and 'src="' not in html
        assert not re.search(r'(href|src)="(https?:)?//', html) and not re.search(r"https?:", html.split("</head>")[0])
        scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
        assert len(scripts) == 1
        digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
        csp = next(a["content"] for t, a in parse(html).tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
        assert f"script-src 'sha256-{digest}'" in csp and "default-src 'none'" in csp
    hostile = (tmp_path / "out" / f"note-{note_id(db, HOSTILE)}.html").read_text()
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in hostile and "data-action=" not in hostile


def test_static_export_of_one_note_keeps_to_that_note(db, tmp_path):
    result = CliRunner().invoke(cli, ["review", str(UNICODE), "--static", str(tmp_path / "one"), "--db", db_path_of(db)])
    assert result.exit_code == 0, result.output
    assert "pages written" in result.output
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert names == ["followups.html", "index.html", "leads.html", f"note-{note_id(db, UNICODE)}.html"]
    assert "Devon Mitchell" not in (tmp_path / "one" / "index.html").read_text()


def db_path_of(db) -> str:
    return db.execute("PRAGMA database_list").fetchone()[2]


# --- in a real browser -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Chromium at /usr/bin/chromium: install Debian's package with `apt-get install -y chromium`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests need the playwright package: pip install -e '.[test]'")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    yield pg
    context.close()


DOM_SPANS = """() => {
  const root = document.getElementById("note-text");
  const cp = (s) => [...s].length;
  const ids = new Set();
  root.querySelectorAll(".t[data-spans]").forEach((p) => p.dataset.spans.split(" ").forEach((id) => ids.add(id)));
  return [...ids].map((id) => {
    const pieces = [...root.querySelectorAll('.t[data-spans~="' + id + '"]')];
    const before = document.createRange();
    before.setStart(root, 0);
    before.setEndBefore(pieces[0]);
    const text = pieces.map((p) => p.textContent).join("");
    const kind = document.querySelector('.item[data-span="' + id + '"]').dataset.kind;
    return [kind, cp(before.toString()), cp(before.toString()) + cp(text), text];
  });
}"""

SELECT = """(phrase) => {
  const root = document.getElementById("note-text");
  const at = root.textContent.indexOf(phrase);
  const walk = (i) => {
    const w = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let n, seen = 0;
    while ((n = w.nextNode())) { if (i < seen + n.data.length) return [n, i - seen]; seen += n.data.length; }
    return [n, 0];
  };
  const [a, ao] = walk(at), [b, bo] = walk(at + phrase.length - 1);
  const r = document.createRange();
  r.setStart(a, ao);
  r.setEnd(b, bo + 1);
  getSelection().removeAllRanges();
  getSelection().addRange(r);
  root.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
  return at;
}"""


def note_url(srv, db, path: Path) -> str:
    return f"http://127.0.0.1:{srv.port}/note/{note_id(db, path)}"


@pytest.mark.browser
@pytest.mark.parametrize("path", [UNICODE, SAMPLE / "02_supply_chain_analyst.md"], ids=["emoji-and-accents", "sample"])
def test_highlights_sit_at_the_records_offsets(server, db, page, path):
    from pipeline.store import load_record

    page.goto(note_url(server, db, path))
    shown = sorted(tuple(x) for x in page.evaluate(DOM_SPANS))
    assert shown == record_spans(load_record(db, str(path)))
    if path == UNICODE:
        text = db.execute("SELECT text FROM notes WHERE id = ?", [note_id(db, path)]).fetchone()[0]
        assert any(len(text[:s].encode("utf-16-le")) // 2 != s for _, s, _, _ in shown)  # UTF-16 offsets would be wrong here
    assert page.errors == []


@pytest.mark.browser
def test_hover_and_click_link_span_and_item(server, db, page):
    page.goto(note_url(server, db, UNICODE))
    item = page.locator('.item[data-kind="advice"]').first
    span_id = item.get_attribute("data-span")
    item.hover()
    assert page.locator(f'#note-text .t[data-spans~="{span_id}"].hover').count() >= 1
    page.locator(f'#note-text .t[data-top="{span_id}"]').first.click()
    assert "active" in item.get_attribute("class")


@pytest.mark.browser
def test_a_correction_made_in_the_page_lands_in_the_database(server, db, page):
    from pipeline.store import load_record

    nid = note_id(db, UNICODE)
    text = db.execute("SELECT text FROM notes WHERE id = ?", [nid]).fetchone()[0]
    page.goto(note_url(server, db, UNICODE))
    # one selection starts after an emoji inside a highlighted item, one ends on an emoji after other emoji
    for phrase, kind in (("4 analysts report to her", "fit"), ("résumé-ready portfolio: one end-to-end project 🚀", "skills")):
        utf16_at = page.evaluate(SELECT, phrase)
        assert utf16_at != text.index(phrase)  # the emoji before it count twice in JavaScript
        assert page.locator("#selection-bar").is_visible()
        assert page.locator("#sel-text").text_content() == phrase
        page.select_option("#sel-kind", kind)
        page.click('#selection-bar button[data-action="add"]')
        page.wait_for_selector("#status:has-text('Saved.')")
        start = text.index(phrase)
        added = [(it.evidence.start, it.evidence.end, it.evidence.quote) for it in getattr(load_record(db, str(UNICODE)), kind)]
        assert (start, start + len(phrase), phrase) in added

    item = page.locator('.item[data-kind="day_in_life"]').first
    start = int(item.get_attribute("data-start"))
    item.locator('select[data-action="move"]').select_option("skills")
    page.wait_for_selector("#status:has-text('Saved.')")
    rec = load_record(db, str(UNICODE))
    assert start in [it.evidence.start for it in rec.skills] and start not in [it.evidence.start for it in rec.day_in_life]

    page.fill('input[name="contact.organization"]', "Kødbyen Labs ApS")
    page.click("#fields-form button")
    page.wait_for_selector("#status:has-text('Saved.')")
    assert load_record(db, str(UNICODE)).contact.organization == "Kødbyen Labs ApS"

    run_notes(db, PATHS, force=True)
    page.reload()
    assert page.locator(f'.item[data-kind="skills"][data-start="{text.index(phrase)}"] .badge.yours').count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-note.png"), full_page=True)
    assert page.errors == []


@pytest.mark.browser
def test_remove_and_referral_buttons(server, db, page):
    from pipeline.store import load_record

    page.goto(note_url(server, db, UNICODE))
    page.locator('.item[data-kind="advice"] button[data-action="remove"]').first.click()
    page.wait_for_selector("#status:has-text('Saved.')")
    page.locator('.item[data-kind="referral"] button[data-action="not-referral"]').first.click()
    page.wait_for_selector("#status:has-text('Saved.')")
    rec = load_record(db, str(UNICODE))
    assert len(rec.advice) == 1 and rec.referrals == []
    page.locator('.people li[data-name="José Núñez"] button[data-action="referral"]').click()
    page.wait_for_selector("#status:has-text('Saved.')")
    assert [r.name for r in load_record(db, str(UNICODE)).referrals] == ["José Núñez"]


@pytest.mark.browser
def test_task_check_off_and_lead_status_in_the_page(server, db, page):
    page.goto(f"http://127.0.0.1:{server.port}/followups")
    box = page.locator('input[data-action="task-done"]').first
    task = box.locator("xpath=ancestor::tr").get_attribute("data-task")
    box.check()
    page.wait_for_selector("#status:has-text('Saved.')")
    assert db.execute("SELECT status FROM followups WHERE id = ?", [task]).fetchone()[0] == "done"
    page.goto(f"http://127.0.0.1:{server.port}/leads")
    select = page.locator('select[data-action="lead-status"]').first
    lead = int(select.locator("xpath=ancestor::tr").get_attribute("data-lead"))
    select.select_option("scheduled")
    page.wait_for_selector("#status:has-text('Saved.')")
    assert db.execute("SELECT status FROM people WHERE id = ?", [lead]).fetchone()[0] == "scheduled"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-leads.png"), full_page=True)


@pytest.mark.browser
def test_a_hostile_note_runs_no_script(server, db, page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(note_url(server, db, HOSTILE))
    page.wait_for_timeout(200)
    assert dialogs == [] and page.evaluate("window.pwned") is None and page.title() != "pwned"
    assert "<script>window.pwned=1</script>" in page.locator("#note-text").text_content()
    assert page.locator('input[name="contact.organization"]').input_value() == 'Acme "><img'


@pytest.mark.browser
def test_another_site_cannot_write(server, db, page):
    nid = note_id(db, UNICODE)
    target = f"http://127.0.0.1:{server.port}/api/notes/{nid}/edits"
    page.route("http://evil.example/**", lambda route: route.fulfill(content_type="text/html", body="<h1>cat pictures</h1>"))
    page.goto("http://evil.example/")
    outcome = page.evaluate("""async (url) => {
      const body = JSON.stringify({ops: [{op: "set", path: "field", value: "pwned"}]});
      const out = [];
      for (const init of [{method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body},
                          {method: "POST", headers: {"Content-Type": "application/json", "X-Fieldnotes-Token": "guess"}, body}]) {
        try { const r = await fetch(url, init); out.push(r.type + " " + r.status); } catch (e) { out.push("blocked"); }
      }
      return out;
    }""", target)
    assert outcome[1] == "blocked"
    assert db.execute("SELECT COUNT(*) FROM edits").fetchone()[0] == 0


@pytest.mark.browser
def test_static_pages_work_from_disk(db, page, tmp_path):
    from pipeline.review import write_static
    from pipeline.store import load_record

    write_static(db, tmp_path / "out")
    page.goto((tmp_path / "out" / f"note-{note_id(db, UNICODE)}.html").as_uri())
    assert sorted(tuple(x) for x in page.evaluate(DOM_SPANS)) == record_spans(load_record(db, str(UNICODE)))
    item = page.locator('.item[data-kind="skills"]').first
    item.hover()
    assert page.locator(f'#note-text .t[data-spans~="{item.get_attribute("data-span")}"].hover').count() >= 1  # the inlined script runs
    assert page.locator("button[data-action]").count() == 0
    assert page.errors == []  # no Content-Security-Policy refusals
    page.goto((tmp_path / "out" / "index.html").as_uri())
    page.click("text=Zoë Ångström")
    assert page.url.endswith(f"note-{note_id(db, UNICODE)}.html")
