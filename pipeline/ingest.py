"""Ingest stage: turn note files of any supported format into plain text plus metadata.

`read_note(path)` is the entry point for one file, `find_note_files(paths)` expands the files,
folders and glob patterns a user names, and `read_stdin_note(data)` reads piped text.

Supported formats: plain text (.txt/.text), Markdown with YAML front matter (.md/.markdown),
Word (.docx), PDF with a text layer (.pdf), HTML (.html/.htm), transcripts (.vtt/.srt) and
e-mail (.eml). Each becomes one plain-text string with `\\n` line ends.

The returned `Note.text` is the offset base for every evidence span extracted later, so it is
deterministic for the same input bytes. For .txt and .md it is the whole decoded file (front
matter included), so offsets point straight into the file. Every problem with an input is
raised as `IngestError` with a one-line message: "<path>: what is wrong (what to do)".
"""
from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import email
import email.message
import email.policy
import glob
import hashlib
import io
import logging
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import yaml
from bs4 import BeautifulSoup, NavigableString
from charset_normalizer import from_bytes
from dateutil import parser as date_parser
from frontmatter.default_handlers import YAMLHandler

from pipeline.errors import IngestError

DEFAULT_MAX_BYTES = 5_000_000

# Extension -> canonical format name (Note.format).
FORMATS: dict[str, str] = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".docx": "docx",
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".vtt": "vtt",
    ".srt": "srt",
    ".eml": "eml",
}
SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(FORMATS)
_SUPPORTED = ", ".join(SUPPORTED_EXTENSIONS)


@dataclass
class Note:
    """A note file read as plain text. `metadata` may hold: date (YYYY-MM-DD), title, contact,
    company, role, tags, speakers, email headers (from/to/cc/subject), people, timestamps,
    body_offset (md/eml: where the body starts in `text`), file_mtime."""

    source: str
    text: str
    sha256: str
    format: str
    metadata: dict[str, Any] = field(default_factory=dict)


def read_note(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Note:
    """Read one note file as plain text plus metadata; raise IngestError on any bad input."""
    path = Path(path)
    info = _stat_file(path)
    fmt = _format_for(path)
    _check_size(path, info.st_size, max_bytes)
    data = _read_bytes(path)
    _check_size(path, len(data), max_bytes)
    note = _build_note(str(path), data, fmt)
    note.metadata["file_mtime"] = _iso_date(dt.datetime.fromtimestamp(info.st_mtime))
    return note


def read_stdin_note(
    data: bytes, name: str = "-", max_bytes: int = DEFAULT_MAX_BYTES
) -> Note:
    """Read piped note text; the format is sniffed (WEBVTT -> vtt, an HTML page -> html, else txt).

    `metadata["file_mtime"]` is today's date, the day the text was received.
    """
    _check_size(Path(name), len(data), max_bytes)
    note = _build_note(name, data, _sniff_format(data))
    note.metadata["file_mtime"] = dt.date.today().isoformat()
    return note


def find_note_files(paths: list[str]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Expand files, folders and glob patterns into note files to read.

    Returns (files, errors) where each error is (path, one-line message). Folders are walked
    recursively, skipping hidden files and folders and keeping only supported extensions;
    files named explicitly are kept whatever their extension (read_note reports them).
    """
    files: list[Path] = []
    errors: list[tuple[str, str]] = []
    for raw in paths:
        found, problems = _expand_one(raw)
        files.extend(found)
        errors.extend(problems)
    return _unique(files), errors


# ---------------------------------------------------------------------------
# Errors and file access
# ---------------------------------------------------------------------------


def _error(source: str | Path, problem: str, advice: str) -> IngestError:
    """Build an IngestError with the one-line message "<source>: problem (advice)"."""
    problem = " ".join(str(problem).split())
    return IngestError(f"{source}: {problem} ({advice})")


def _short(exc: BaseException) -> str:
    """Return a short one-line description of a library exception."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _stat_file(path: Path) -> os.stat_result:
    """Stat `path`, turning missing files, broken links, folders and specials into IngestError."""
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            target = os.readlink(path)
            raise _error(path, f"broken link: it points to '{target}', which does not exist",
                         "fix the link or remove it") from None
        raise _error(path, "no such file", "check the path") from None
    except PermissionError:
        raise _permission_error(path) from None
    except OSError as exc:
        raise _error(path, f"cannot open the file: {_short(exc)}", "check the path") from None
    return _check_regular(path, info)


def _check_regular(path: Path, info: os.stat_result) -> os.stat_result:
    """Reject folders and special files (pipes, devices) that cannot be read as a note."""
    if stat.S_ISDIR(info.st_mode):
        raise _error(path, "is a folder, not a file",
                     "pass the folder itself to read every note inside it, or name a file")
    if not stat.S_ISREG(info.st_mode):
        raise _error(path, "is not a regular file", "pass a note file such as .txt or .md")
    return info


def _permission_error(path: Path) -> IngestError:
    """Return the error for a file the current user may not read."""
    return _error(path, "permission denied", "make the file readable, e.g. chmod u+r, or remove it")


def _read_bytes(path: Path) -> bytes:
    """Read the raw bytes of `path`, turning OS errors into IngestError."""
    try:
        return path.read_bytes()
    except PermissionError:
        raise _permission_error(path) from None
    except IsADirectoryError:
        raise _error(path, "is a folder, not a file", "name a file inside it") from None
    except OSError as exc:
        raise _error(path, f"cannot read the file: {_short(exc)}", "check the file") from None


def _format_for(path: Path) -> str:
    """Return the canonical format for the file's extension, or raise for unsupported ones."""
    suffix = path.suffix.lower()
    if suffix in FORMATS:
        return FORMATS[suffix]
    shown = f"'{suffix}'" if suffix else "with no extension"
    raise _error(path, f"unsupported file type {shown}",
                 f"supported: {_SUPPORTED}; convert it to one of these")


def _check_size(path: Path, size: int, max_bytes: int) -> None:
    """Raise if the file is larger than `max_bytes`."""
    if size > max_bytes:
        raise _error(path, f"file is {_human_size(size)}, over the {_human_size(max_bytes)} limit",
                     "raise it with --max-bytes or split the file")


def _human_size(size: int) -> str:
    """Format a byte count as e.g. '5.3 MB', '5 MB', '12 KB' or '200 bytes'."""
    if size >= 100_000:
        return f"{size / 1_000_000:.1f}".removesuffix(".0") + " MB"
    if size >= 1_000:
        return f"{size / 1_000:.1f}".removesuffix(".0") + " KB"
    return f"{size} bytes"


def _sniff_format(data: bytes) -> str:
    """Guess the format of piped bytes: vtt, html or txt."""
    head = data[:200].lstrip(codecs.BOM_UTF8).lstrip()
    if head.startswith(b"WEBVTT"):
        return "vtt"
    if head[:15].lower().startswith((b"<!doctype html", b"<html")):
        return "html"
    return "txt"


# ---------------------------------------------------------------------------
# Building a note
# ---------------------------------------------------------------------------


def _build_note(source: str, data: bytes, fmt: str) -> Note:
    """Parse `data` in format `fmt` into a Note; raise IngestError if no text results."""
    if not data.strip():
        raise _error(source, "file is empty", "add notes to it or remove it")
    text, metadata = _guarded(source, fmt, data)
    text = _normalise_newlines(text)
    if not text.strip():
        raise _error(source, "no text found in the file", "add notes to it or remove it")
    if _looks_binary(text):
        raise _error(source, "looks like a binary file, not text",
                     "check the file or remove it from the folder")
    return Note(source, text, hashlib.sha256(data).hexdigest(), fmt, metadata)


def _guarded(source: str, fmt: str, data: bytes) -> tuple[str, dict[str, Any]]:
    """Run the format's parser, turning any library failure into a one-line IngestError."""
    try:
        return _PARSERS[fmt](data, source)
    except IngestError:
        raise
    except Exception as exc:  # third-party parsers raise many exception types
        problem, advice = _BROKEN[fmt]
        raise _error(source, f"{problem}: {_short(exc)}", advice) from None


def _normalise_newlines(text: str) -> str:
    """Turn CRLF and lone CR line ends into LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _nfc(text: str) -> str:
    """NFC-normalise text extracted from a container format (so 'é' is one character)."""
    return unicodedata.normalize("NFC", text)


def _tidy_lines(text: str, keep_blank: bool = True) -> str:
    """Collapse whitespace inside each line; keep at most one blank line in a row (or none)."""
    lines = [" ".join(line.split()) for line in _normalise_newlines(text).split("\n")]
    if not keep_blank:
        lines = [line for line in lines if line]
    tidy = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return tidy.strip("\n")


# ---------------------------------------------------------------------------
# Decoding text
# ---------------------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode(data: bytes, source: str) -> str:
    """Decode note bytes: BOM, then UTF-8, then Windows-1252, then charset-normalizer."""
    encoding = _bom_encoding(data) or _bomless_utf16(data)
    if encoding:
        text = _try_decode(data, encoding)
    elif b"\x00" in data:
        text = None
    else:
        text = _try_decode(data, "utf-8") or _try_decode(data, "cp1252") or _guess_decode(data)
    if text is None or _looks_binary(text):
        raise _error(source, "looks like a binary file, not text",
                     "check the file or remove it from the folder")
    return text


def _bom_encoding(data: bytes) -> str | None:
    """Return the codec named by a byte-order mark at the start of `data`, if any."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def _bomless_utf16(data: bytes) -> str | None:
    """Detect UTF-16 without a BOM: mostly-ASCII text with NUL as every other byte."""
    if len(data) < 4 or len(data) % 2:
        return None
    even_nuls, odd_nuls = data[0::2].count(0), data[1::2].count(0)
    half = len(data) // 2
    if odd_nuls > 0.4 * half and even_nuls == 0:
        return "utf-16-le"
    if even_nuls > 0.4 * half and odd_nuls == 0:
        return "utf-16-be"
    return None


def _try_decode(data: bytes, encoding: str) -> str | None:
    """Decode strictly, returning None when the bytes are not valid in `encoding`."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _guess_decode(data: bytes) -> str | None:
    """Fall back on charset-normalizer's best guess, or None when it has none."""
    best = from_bytes(data).best()
    return str(best) if best is not None else None


def _looks_binary(text: str) -> bool:
    """True when more than 5% of characters are control characters or replacement marks."""
    if not text:
        return False
    bad = sum(1 for ch in text if ch == "\ufffd" or _is_control(ch))
    return bad > 0.05 * len(text)


def _is_control(ch: str) -> bool:
    """True for control characters other than ordinary whitespace."""
    return unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v"


# ---------------------------------------------------------------------------
# Plain text and Markdown
# ---------------------------------------------------------------------------


def _parse_txt(data: bytes, source: str) -> tuple[str, dict[str, Any]]:
    """Plain text: the decoded file with normalised newlines, no metadata."""
    return _normalise_newlines(_decode(data, source)), {}


def _parse_md(data: bytes, source: str) -> tuple[str, dict[str, Any]]:
    """Markdown: the whole decoded file; YAML front matter becomes metadata plus body_offset."""
    text = _normalise_newlines(_decode(data, source))
    raw, body_offset = _front_matter(text, source)
    metadata = _clean_metadata(raw)
    metadata["body_offset"] = body_offset
    return text, metadata


def _front_matter(text: str, source: str) -> tuple[dict[Any, Any], int]:
    """Return (front matter mapping, char offset where the body starts); ({}, 0) if none."""
    handler = YAMLHandler()
    bounds = list(handler.FM_BOUNDARY.finditer(text))
    if not handler.detect(text) or len(bounds) < 2:
        return {}, 0
    try:
        data = handler.load(handler.split(text)[0])
    except yaml.YAMLError as exc:
        raise _error(source, f"front matter is not valid YAML: {_short(exc)}",
                     "fix the block between the --- lines, e.g. quote values that contain ':'"
                     ) from None
    if not isinstance(data, dict):
        return {}, 0
    return data, _next_line_start(text, bounds[1].start())


def _next_line_start(text: str, index: int) -> int:
    """Return the offset of the line after the one containing `index`."""
    end = text.find("\n", index)
    return len(text) if end == -1 else end + 1


def _clean_metadata(raw: dict[Any, Any]) -> dict[str, Any]:
    """Keep scalar (and list-of-scalar) front-matter values, with dates as YYYY-MM-DD."""
    metadata: dict[str, Any] = {}
    for key, value in raw.items():
        name = str(key).strip().lower()
        cleaned = _date_value(value) if name == "date" else _clean_value(value, name)
        if cleaned is not None:
            metadata[name] = cleaned
    return metadata


def _clean_value(value: Any, name: str) -> Any:
    """Clean one metadata value; lists are flattened, a one-item list becomes a scalar."""
    if isinstance(value, (list, tuple)):
        items = [_clean_scalar(item) for item in _flatten(value)]
        items = [item for item in items if item not in (None, "")]
        if name != "tags" and len(items) == 1:
            return items[0]
        return items or None
    if isinstance(value, dict):
        return None
    return _clean_scalar(value)


def _flatten(values: Any) -> list[Any]:
    """Flatten nested lists (YAML reads an unquoted [[Name]] as a nested list)."""
    if not isinstance(values, (list, tuple)):
        return [values]
    return [item for value in values for item in _flatten(value)]


def _clean_scalar(value: Any) -> Any:
    """Return a scalar as str/int/float/bool, stripping [[wiki-link]] brackets from strings."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return _strip_wikilinks(value).strip()
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    return None


def _strip_wikilinks(text: str) -> str:
    """Turn [[Target]] and [[Target|Alias]] into plain text (the alias when present)."""
    return re.sub(r"\[\[([^\]|]*)(?:\|([^\]]*))?\]\]",
                  lambda m: m.group(2) or m.group(1), text)


def _date_value(value: Any) -> str | None:
    """Return a date-like value as YYYY-MM-DD, or None when it cannot be read as a date."""
    if isinstance(value, (dt.date, dt.datetime)):
        return _iso_date(value)
    flat = _flatten(value)
    if len(flat) != 1 or not isinstance(flat[0], str):
        return None
    try:
        return _iso_date(date_parser.parse(_strip_wikilinks(flat[0]).strip()))
    except (ValueError, OverflowError):
        return None


def _iso_date(value: dt.date | dt.datetime) -> str:
    """Format a date or datetime as YYYY-MM-DD."""
    return value.isoformat()[:10]


# ---------------------------------------------------------------------------
# Word documents
# ---------------------------------------------------------------------------


def _parse_docx(data: bytes, source: str) -> tuple[str, dict[str, Any]]:
    """Word: paragraphs and table rows in document order, list items prefixed with '- '."""
    import docx

    document = docx.Document(io.BytesIO(data))
    lines = _docx_lines(document.element.body, document)
    metadata: dict[str, Any] = {}
    created = document.core_properties.created
    if created is not None:
        metadata["date"] = _iso_date(created)
    title = (document.core_properties.title or "").strip()
    if title:
        metadata["title"] = title
    return _nfc(_tidy_lines("\n".join(lines))), metadata


def _docx_lines(container: Any, document: Any) -> list[str]:
    """Return one line per paragraph or table row of a body element, in order."""
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
    """Return a paragraph's text, prefixed with '- ' when it is a list item."""
    from docx.text.paragraph import Paragraph

    paragraph = Paragraph(element, document)
    text = paragraph.text.strip()
    if text and _is_list_item(paragraph):
        return f"- {text}"
    return text


def _is_list_item(paragraph: Any) -> bool:
    """True for numbered/bulleted paragraphs or ones with a List style."""
    p_pr = paragraph._p.pPr
    if p_pr is not None and p_pr.numPr is not None:
        return True
    style = paragraph.style
    return style is not None and (style.name or "").lower().startswith("list")


def _docx_table(element: Any, document: Any) -> list[str]:
    """Return one line per table row, cells joined with ' | ' (merged cells once)."""
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


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------


def _parse_pdf(data: bytes, source: str) -> tuple[str, dict[str, Any]]:
    """PDF: the text layer of every page, pages joined by a blank line."""
    from pypdf import PdfReader

    with _quiet_logger("pypdf"):
        reader = PdfReader(io.BytesIO(data))
        _unlock_pdf(reader, source)
        pages = [_normalise_newlines(page.extract_text() or "").strip("\n")
                 for page in reader.pages]
    if not any(page.strip() for page in pages):
        raise _error(source, "PDF has no text layer",
                     "it looks scanned; run OCR on it or paste the text into a .txt file")
    return _nfc("\n\n".join(pages)), {}


@contextlib.contextmanager
def _quiet_logger(name: str) -> Iterator[None]:
    """Silence a library's warnings (e.g. pypdf on damaged files) while parsing; errors still raise."""
    logger = logging.getLogger(name)
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(previous)


def _unlock_pdf(reader: Any, source: str) -> None:
    """Open an encrypted PDF with the empty password, or raise a clear error."""
    if reader.is_encrypted and not reader.decrypt(""):
        raise _error(source, "PDF is password-protected",
                     "save an unprotected copy or paste the text into a .txt file")


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------

_DROP_TAGS = ("script", "style", "noscript", "head", "template")
_BLOCK_TAGS = (
    "p", "div", "section", "article", "header", "footer", "main", "aside", "nav",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table", "tr", "blockquote",
    "pre", "hr", "dl", "dt", "dd", "figure", "figcaption", "address", "form", "body",
)


def _parse_html(data: bytes, source: str) -> tuple[str, dict[str, Any]]:
    """HTML file: visible text with block elements on separate lines; <title> as metadata."""
    text, title = _html_to_text(_decode(data, source))
    return text, ({"title": title} if title else {})


def _html_to_text(markup: str) -> tuple[str, str]:
    """Return (visible text, page title) of an HTML document."""
    soup = BeautifulSoup(markup, "html.parser")
    title = " ".join(soup.title.get_text().split()) if soup.title else ""
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    _mark_blocks(soup)
    return _nfc(_tidy_lines(soup.get_text(), keep_blank=False)), title


def _mark_blocks(soup: BeautifulSoup) -> None:
    """Insert line breaks around block elements, '- ' before list items, ' | ' between cells."""
    for br in soup.find_all("br"):
        br.replace_with(NavigableString("\n"))
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before(NavigableString("\n"))
        tag.insert_after(NavigableString("\n"))
        if tag.name == "li":
            tag.insert(0, NavigableString("- "))
    for cell in soup.find_all(["td", "th"]):
        if cell.find_previous_sibling(["td", "th"]) is not None:
            cell.insert_before(NavigableString(" | "))


# ---------------------------------------------------------------------------
# Transcripts (.vtt, .srt)
# ---------------------------------------------------------------------------

_SPEAKER_PREFIX = re.compile(r"^([^\W\d_][\w'.\-]*(?:[ \t]+[\w'.\-]+){0,3})[ \t]*:[ \t]+(\S.*)$")


def _parse_vtt(data: bytes, source: str) -> tuple[str, dict[str, Any]]:
    """WebVTT: NOTE blocks first, then one 'Speaker: text' line per cue."""
    import webvtt

    captions = webvtt.from_buffer(io.StringIO(_decode(data, source)), format="vtt")
    text, metadata = _captions_to_text(captions.captions, captions.header_comments)
    title = captions.header_text.strip(" \t-")
    if title:
        metadata["title"] = title
    if captions.footer_comments:
        text += "\n" + "\n".join(captions.footer_comments)
    return text, metadata


def _parse_srt(data: bytes, source: str) -> tuple[str, dict[str, Any]]:
    """SubRip: one 'Speaker: text' line per cue (read with webvtt-py's SRT reader)."""
    import webvtt

    captions = webvtt.from_buffer(io.StringIO(_decode(data, source)), format="srt")
    return _captions_to_text(captions.captions, [])


def _captions_to_text(captions: list[Any], header: list[str]) -> tuple[str, dict[str, Any]]:
    """Join caption cues into lines, recording each cue's timing and line offset."""
    lines: list[str] = [comment.strip() for comment in header if comment.strip()]
    offset = sum(len(line) + 1 for line in lines)
    timestamps: list[dict[str, Any]] = []
    speakers: list[str] = []
    for caption in captions:
        for comment in caption.comments:
            lines.append(comment.strip())
            offset += len(lines[-1]) + 1
        speaker, line = _cue_line(caption)
        if not line:
            continue
        if speaker and speaker not in speakers:
            speakers.append(speaker)
        timestamps.append({"start": caption.start, "end": caption.end, "offset": offset})
        lines.append(line)
        offset += len(line) + 1
    return "\n".join(lines), {"timestamps": timestamps, "speakers": speakers}


def _cue_line(caption: Any) -> tuple[str | None, str]:
    """Return (speaker, 'Speaker: text') for one cue; the speaker is None when unknown."""
    text = " ".join(caption.text.split())
    speaker = (caption.voice or "").strip() or None
    if speaker is None:
        match = _SPEAKER_PREFIX.match(text)
        if match and match.group(1)[0].isupper():
            speaker, text = match.group(1).strip(), match.group(2)
    if not text:
        return speaker, ""
    return speaker, (f"{speaker}: {text}" if speaker else text)


# ---------------------------------------------------------------------------
# E-mail
# ---------------------------------------------------------------------------

_QUOTE_MARKERS = re.compile(r"^[ \t]*(?:>[ \t]?)+", re.MULTILINE)


def _parse_eml(data: bytes, source: str) -> tuple[str, dict[str, Any]]:
    """E-mail: header lines, a blank line, then the body with '>' quote markers stripped."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    metadata = _email_metadata(message)
    header = "".join(f"{name}: {value}\n" for name, value in _email_header_lines(message))
    body = _QUOTE_MARKERS.sub("", _email_body(message, source)).strip("\n")
    metadata["body_offset"] = len(header) + 1
    return f"{header}\n{body}\n", metadata


def _email_header_lines(message: email.message.EmailMessage) -> list[tuple[str, str]]:
    """Return the (name, value) header lines shown at the top of the note text."""
    lines = []
    for name in ("From", "To", "Cc", "Date", "Subject"):
        value = _header(message, name)
        if value:
            lines.append((name, value))
    return lines


def _header(message: email.message.EmailMessage, name: str) -> str:
    """Return a decoded header value on one line, or '' when absent."""
    value = message.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _email_metadata(message: email.message.EmailMessage) -> dict[str, Any]:
    """Return from/to/cc/subject/date/people metadata for an e-mail."""
    metadata: dict[str, Any] = {}
    for name in ("From", "To", "Cc", "Subject"):
        value = _header(message, name)
        if value:
            metadata[name.lower()] = value
    date = _email_date(message)
    if date:
        metadata["date"] = date
    metadata["people"] = _email_people(message)
    return metadata


def _email_date(message: email.message.EmailMessage) -> str | None:
    """Return the Date header as YYYY-MM-DD, or None when missing or unreadable."""
    header = message.get("Date")
    when = getattr(header, "datetime", None)
    if when is not None:
        return _iso_date(when)
    return _date_value(str(header)) if header else None


def _email_people(message: email.message.EmailMessage) -> list[dict[str, str]]:
    """Return unique {"name", "email"} entries from From, To and Cc, in that order."""
    people: list[dict[str, str]] = []
    seen: set[str] = set()
    for name in ("From", "To", "Cc"):
        for address in getattr(message.get(name), "addresses", ()):
            key = (address.addr_spec or address.display_name).lower()
            if key and key not in seen:
                seen.add(key)
                people.append({"name": address.display_name, "email": address.addr_spec})
    return people


def _email_body(message: email.message.EmailMessage, source: str) -> str:
    """Return the text/plain body, else the HTML body as text, else raise."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        raise _error(source, "e-mail has no text body",
                     "forward it as plain text or paste it into a .txt file")
    content = _part_text(part, source)
    if part.get_content_subtype() == "html":
        content = _html_to_text(content)[0]
    return _normalise_newlines(content)


def _part_text(part: email.message.EmailMessage, source: str) -> str:
    """Decode one MIME text part, falling back on our own decoder for odd charsets."""
    try:
        return part.get_content()
    except (LookupError, UnicodeDecodeError):
        return _decode(part.get_payload(decode=True) or b"", source)


# ---------------------------------------------------------------------------
# Finding files
# ---------------------------------------------------------------------------


def _expand_one(raw: str) -> tuple[list[Path], list[tuple[str, str]]]:
    """Expand one user-given path into files, plus (path, message) errors."""
    path = Path(raw)
    if not os.path.lexists(path):
        if glob.has_magic(raw):
            return _expand_glob(raw)
        return [], [(raw, f"{raw}: no such file or folder (check the path)")]
    if path.is_dir():
        return _expand_folder(raw, path)
    return [path], []


def _expand_glob(pattern: str) -> tuple[list[Path], list[tuple[str, str]]]:
    """Expand a glob pattern (with ** support) into supported, non-hidden note files."""
    files: list[Path] = []
    problems: list[tuple[str, str]] = []
    for match in sorted(glob.glob(pattern, recursive=True)):
        path = Path(match)
        if path.is_dir():
            files.extend(_walk_folder(path, problems))
        elif path.suffix.lower() in FORMATS and not _is_hidden(path.name):
            files.append(path)
    if not files and not problems:
        message = f"{pattern}: no note files match this pattern (check it; supported: {_SUPPORTED})"
        problems.append((pattern, message))
    return files, problems


def _expand_folder(raw: str, path: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """Walk a folder for note files; report an empty folder or unreadable subfolders."""
    problems: list[tuple[str, str]] = []
    files = _walk_folder(path, problems)
    if not files and not problems:
        message = f"{raw}: no note files in this folder (add files of a supported type: {_SUPPORTED})"
        problems.append((raw, message))
    return files, problems


def _walk_folder(root: Path, problems: list[tuple[str, str]]) -> list[Path]:
    """Return supported, non-hidden files under `root`, recursively and sorted.

    Folders that cannot be opened are added to `problems` as (path, message).
    """

    def on_error(exc: OSError) -> None:
        name = str(exc.filename)
        problems.append((name, f"{name}: cannot open this folder (check its permissions)"))

    files: list[Path] = []
    for folder, dirnames, filenames in os.walk(root, onerror=on_error):
        dirnames[:] = [name for name in dirnames if not _is_hidden(name)]
        files.extend(
            Path(folder, name) for name in filenames
            if not _is_hidden(name) and Path(name).suffix.lower() in FORMATS
        )
    return sorted(files)


def _is_hidden(name: str) -> bool:
    """True for dot-files/folders and Office lock files (~$name.docx)."""
    return name.startswith((".", "~$"))


def _unique(paths: list[Path]) -> list[Path]:
    """Drop repeated paths (same absolute path), keeping the first occurrence."""
    seen: set[str] = set()
    unique = []
    for path in paths:
        key = os.path.abspath(path)
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


_PARSERS: dict[str, Callable[[bytes, str], tuple[str, dict[str, Any]]]] = {
    "txt": _parse_txt,
    "md": _parse_md,
    "docx": _parse_docx,
    "pdf": _parse_pdf,
    "html": _parse_html,
    "vtt": _parse_vtt,
    "srt": _parse_srt,
    "eml": _parse_eml,
}

# Format -> (what is wrong, what to do) when its parser library fails on the file.
_BROKEN: dict[str, tuple[str, str]] = {
    "txt": ("cannot read this text file", "check the file"),
    "md": ("cannot read this Markdown file", "check the file"),
    "docx": ("not a readable .docx file", "it may be corrupt or an old .doc renamed; re-save it as .docx"),
    "pdf": ("not a readable PDF", "it may be corrupt; re-export it or paste the text into a .txt file"),
    "html": ("cannot read this HTML file", "save the page again or paste the text into a .txt file"),
    "vtt": ("not a valid WebVTT transcript", "check that it starts with WEBVTT and has cue timings"),
    "srt": ("not a valid SRT transcript", "check the cue numbers and timings"),
    "eml": ("cannot read this e-mail", "save the message again as .eml or paste it into a .txt file"),
}
