"""HTML pages and e-mails saved as HTML: the visible text, block elements on their own lines.

List items become "- item", headings "## Heading", table cells are joined by " | " and
blockquotes keep a "> " mark, so the layout stage reads HTML like Markdown.
"""
from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup, NavigableString

from pipeline.ingest.decode import decode, nfc, tidy_lines

_DROP_TAGS = ("script", "style", "noscript", "head", "template")
_BLOCK_TAGS = ("p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "ul", "ol", "li",
               "table", "tr", "blockquote", "pre", "hr", "dl", "dt", "dd", "figure", "figcaption", "address", "form", "body",
               "h1", "h2", "h3", "h4", "h5", "h6")


def parse_html(data: bytes, source: str) -> tuple[str, dict[str, Any]]:
    """HTML file: visible text; <title> as metadata."""
    text, title = html_to_text(decode(data, source))
    return text, ({"title": title} if title else {})


def html_to_text(markup: str) -> tuple[str, str]:
    """(visible text, page title) of an HTML document."""
    soup = BeautifulSoup(markup, "html.parser")
    title = " ".join(soup.title.get_text().split()) if soup.title else ""
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    _mark_blocks(soup)
    lines = [line for line in tidy_lines(soup.get_text(), keep_blank=False).split("\n") if line.strip("> ")]
    return nfc("\n".join(lines)), title


def _mark_blocks(soup: BeautifulSoup) -> None:
    for br in soup.find_all("br"):
        br.replace_with(NavigableString("\n"))
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before(NavigableString("\n"))
        tag.insert_after(NavigableString("\n"))
        if tag.name == "li":
            tag.insert(0, NavigableString("- "))
        elif tag.name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            tag.insert(0, NavigableString("#" * int(tag.name[1]) + " "))
    for cell in soup.find_all(["td", "th"]):
        if cell.find_previous_sibling(["td", "th"]) is not None:
            cell.insert_before(NavigableString(" | "))
    for quote in soup.find_all("blockquote"):
        for text in quote.find_all(string=True):
            if "\n" in text:
                text.replace_with(NavigableString(text.replace("\n", "\n> ")))
