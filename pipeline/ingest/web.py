"""HTML pages and e-mails saved as HTML: the visible text, block elements on their own lines.

List items become "- item", headings "## Heading", table cells are joined by " | " and
blockquotes keep a "> " mark, so the layout stage reads HTML like Markdown.
"""
from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser
from typing import Any

from pipeline.ingest.decode import decode, nfc, tidy_lines

_DROP_TAGS = ("script", "style", "noscript", "head", "template")
_BLOCK_TAGS = ("p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "ul", "ol", "li",
               "table", "tr", "blockquote", "pre", "hr", "dl", "dt", "dd", "figure", "figcaption", "address", "form", "body",
               "h1", "h2", "h3", "h4", "h5", "h6")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_RAW_TAGS = ("script", "style", "template")  # their text is never the page's, not even the title's
# Elements that never hold content (HTML's void elements, and the obsolete ones parsers treat alike).
_VOID_TAGS = frozenset(("area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "menuitem", "meta", "param",
                        "source", "track", "wbr", "basefont", "bgsound", "command", "frame", "image", "isindex", "nextid", "spacer"))


def parse_html(data: bytes, source: str) -> tuple[str, dict[str, Any]]:
    """HTML file: visible text; <title> as metadata."""
    text, title = html_to_text(decode(data, source))
    return text, ({"title": title} if title else {})


def html_to_text(markup: str) -> tuple[str, str]:
    """(visible text, page title) of an HTML document."""
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    lines = [line for line in tidy_lines("".join(parser.out), keep_blank=False).split("\n") if line.strip("> ")]
    return nfc("\n".join(lines)), " ".join("".join(parser.title).split())


class _TextParser(HTMLParser):
    """The page's text in one pass over the markup, keeping only the stack of open elements (so a
    page of 10,000 paragraphs costs ten times one of 1,000): blocks on their own lines, "- "
    before list items, "#"s before headings, " | " between table cells, "> " on the lines of a
    blockquote; scripts, styles and the head left out. An end tag closes the elements opened
    after its own, as browsers do; one that matches nothing open is ignored."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.title: list[str] = []
        self._stack: list[list[Any]] = [["", False]]  # [tag, a table cell seen among its children], the page itself first
        self._open: Counter[str] = Counter()
        self._quote = self._dropped = self._raw = 0  # inside a blockquote, a dropped element, a script/style/template
        self._title = 0  # how deep inside the first <title> (-1 after it)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._enter(tag)
        if tag in _VOID_TAGS:
            self._leave(tag)
        else:
            self._stack.append([tag, False])
            self._open[tag] += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._enter(tag)
        self._leave(tag)

    def handle_endtag(self, tag: str) -> None:
        while self._open[tag]:
            name, _ = self._stack.pop()
            self._open[name] -= 1
            self._leave(name)
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._title > 0 and not self._raw:
            self.title.append(data)
        if not self._dropped:
            self.out.append(data.replace("\n", "\n" + "> " * self._quote) if self._quote else data)

    def unknown_decl(self, data: str) -> None:
        if data.upper().startswith("CDATA["):
            self.handle_data(data[len("CDATA["):])

    def close(self) -> None:
        super().close()
        while len(self._stack) > 1:
            self.handle_endtag(self._stack[-1][0])

    def _enter(self, tag: str) -> None:
        if tag == "title" and self._title >= 0:
            self._title += 1
        self._raw += tag in _RAW_TAGS
        if tag in _DROP_TAGS or self._dropped:
            self._dropped += tag in _DROP_TAGS
            return
        if tag in ("td", "th"):
            self.out.append(" | " if self._stack[-1][1] else "")
            self._stack[-1][1] = True
        if tag == "br":
            self.out.append("\n" + "> " * self._quote)
        if tag in _BLOCK_TAGS:
            self.out.append("\n" + "> " * self._quote)
            self._quote += tag == "blockquote"
        if tag == "li":
            self.out.append("- ")
        elif tag in _HEADINGS:
            self.out.append("#" * int(tag[1]) + " ")

    def _leave(self, tag: str) -> None:
        if tag == "title" and self._title > 0:
            self._title = self._title - 1 or -1
        self._raw -= tag in _RAW_TAGS
        if tag in _DROP_TAGS:
            self._dropped -= 1
        elif not self._dropped and tag in _BLOCK_TAGS:
            self._quote -= tag == "blockquote"
            self.out.append("\n" + "> " * self._quote)
