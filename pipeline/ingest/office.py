"""Office documents: Word (.docx), OpenDocument text (.odt), rich text (.rtf) and PDF.

Word paragraphs and table rows come out in document order: list items as "- item", headings
as Markdown headings ("## Skills"), table rows as cells joined by " | ", so the layout stage
reads every format the same way.
"""
from __future__ import annotations

import contextlib
import io
import logging
import zipfile
from typing import Any, Iterator

from pipeline.ingest.decode import decode, ingest_error, nfc, normalise_newlines, tidy_lines
from pipeline.ingest.text import iso_date


def parse_docx(data: bytes, source: str) -> tuple[str, dict[str, Any]]:
    """Word: paragraphs and table rows in document order."""
    import docx

    _check_word_archive(data, source)
    document = docx.Document(io.BytesIO(data))
    lines = _docx_lines(document.element.body, document)
    metadata: dict[str, Any] = {}
    created = document.core_properties.created
    if created is not None:
        metadata["created"] = iso_date(created)
    title = (document.core_properties.title or "").strip()
    if title:
        metadata["title"] = title
    return nfc(tidy_lines("\n".join(lines))), metadata


def parse_odt(data: bytes, source: str) -> tuple[str, dict[str, Any]]:
    """OpenDocument text: paragraphs, headings and list items in order (odfpy)."""
    from odf import teletype, text as odf_text
    from odf.opendocument import load

    document = load(io.BytesIO(data))
    lines = []
    for element in document.text.childNodes:
        lines.extend(_odt_lines(element, teletype, odf_text))
    return nfc(tidy_lines("\n".join(lines))), {}


def parse_rtf(data: bytes, source: str) -> tuple[str, dict[str, Any]]:
    """Rich text: the text striprtf finds, one paragraph per line."""
    from striprtf.striprtf import rtf_to_text

    return nfc(tidy_lines(rtf_to_text(decode(data, source), errors="ignore"))), {}


def parse_pdf(data: bytes, source: str) -> tuple[str, dict[str, Any]]:
    """PDF: the text layer of every page, pages joined by a blank line."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    with _quiet_logger("pypdf"):
        try:
            reader = PdfReader(io.BytesIO(data))
            _unlock_pdf(reader, source)
            pages = [normalise_newlines(page.extract_text() or "").strip("\n") for page in reader.pages]
        except DependencyError:
            raise ingest_error(source, "PDF is encrypted with AES, which needs the cryptography package",
                               "pip install cryptography, or save an unprotected copy") from None
    if not any(page.strip() for page in pages):
        raise ingest_error(source, "PDF has no text layer", "it looks scanned; run OCR on it or paste the text into a .txt file")
    return nfc("\n\n".join(pages)), {}


def _check_word_archive(data: bytes, source: str) -> None:
    """A .docx is a zip archive holding word/document.xml; say so plainly when it is not."""
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ingest_error(source, "not a readable .docx file: it is not a zip archive",
                           "it may be corrupt or an old .doc renamed; open it in Word and save it as .docx") from None
    if "word/document.xml" not in names:
        raise ingest_error(source, "not a readable .docx file: the archive holds no word/document.xml",
                           "it may be another format renamed to .docx; open it and save it as .docx") from None


def _docx_lines(container: Any, document: Any) -> list[str]:
    from docx.oxml.ns import qn

    lines: list[str] = []
    for child in container.iterchildren():
        if child.tag == qn("w:p"):
            lines.append(_docx_paragraph(child, document))
        elif child.tag == qn("w:tbl"):
            lines.extend(_docx_table(child, document))
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            lines.extend(_docx_lines(content, document) if content is not None else [])
    return lines


def _docx_paragraph(element: Any, document: Any) -> str:
    """A paragraph's text: '- ' before list items, '#'s before headings."""
    from docx.text.paragraph import Paragraph

    paragraph = Paragraph(element, document)
    text = paragraph.text.strip()
    style = ((paragraph.style.name if paragraph.style is not None else "") or "").lower()
    if not text:
        return text
    if style == "title":
        return f"# {text}"
    if style.startswith("heading"):
        level = style.removeprefix("heading").strip()
        return "#" * (min(int(level), 5) + 1 if level.isdigit() else 2) + " " + text
    p_pr = paragraph._p.pPr
    if (p_pr is not None and p_pr.numPr is not None) or style.startswith("list"):
        return f"- {text}"
    return text


def _docx_table(element: Any, document: Any) -> list[str]:
    """One line per table row, cells joined with ' | ' (merged cells once)."""
    from docx.table import Table

    rows = []
    for row in Table(element, document).rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(" ".join(cell.text.split()))
        rows.append(" | ".join(cells))
    return rows


def _odt_lines(element: Any, teletype: Any, odf_text: Any) -> list[str]:
    name = getattr(element, "qname", (None, ""))[1]
    if name == "h":
        return ["## " + teletype.extractText(element)]
    if name == "p":
        return [teletype.extractText(element)]
    if name == "list":
        return ["- " + teletype.extractText(item) for item in element.getElementsByType(odf_text.ListItem)]
    return [line for child in getattr(element, "childNodes", []) for line in _odt_lines(child, teletype, odf_text)]


@contextlib.contextmanager
def _quiet_logger(name: str) -> Iterator[None]:
    """Silence a library's warnings while parsing; errors still raise."""
    logger = logging.getLogger(name)
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(previous)


def _unlock_pdf(reader: Any, source: str) -> None:
    """Open a PDF that has only an owner password (RC4 or AES; AES needs `cryptography`)."""
    if reader.is_encrypted and not reader.decrypt(""):
        raise ingest_error(source, "PDF is password-protected", "save an unprotected copy or paste the text into a .txt file")
