"""Ingest stage: note files of any supported format become plain text plus metadata.

`read_note(path)` reads one file, `find_note_files(paths)` expands what a user names (files,
folders, globs) and reports what it will not read, `read_stdin_note(data)` reads piped text.
`Note.text` is the offset base of every evidence span extracted later: the same bytes always
give the same text. Every problem is an `IngestError` with a one-line message
"<path>: what is wrong (what to do)".
"""
from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pipeline.errors import IngestError
from pipeline.ingest.decode import ingest_error, looks_binary, normalise_newlines, repair_text, short
from pipeline.ingest.files import Skipped, display_path, key_path, note_key
from pipeline.ingest.files import find_note_files as _find
from pipeline.ingest.mail import parse_eml
from pipeline.ingest.office import parse_docx, parse_odt, parse_pdf, parse_rtf
from pipeline.ingest.text import iso_date, parse_md, parse_txt
from pipeline.ingest.transcript import parse_srt, parse_vtt
from pipeline.ingest.web import parse_html

DEFAULT_MAX_BYTES = 1_000_000

FORMATS: dict[str, str] = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".docx": "docx", ".odt": "odt",
                           ".rtf": "rtf", ".pdf": "pdf", ".html": "html", ".htm": "html", ".vtt": "vtt", ".srt": "srt", ".eml": "eml"}

_PARSERS: dict[str, Callable[[bytes, str], tuple[str, dict[str, Any]]]] = {
    "txt": parse_txt, "md": parse_md, "docx": parse_docx, "odt": parse_odt, "rtf": parse_rtf, "pdf": parse_pdf,
    "html": parse_html, "vtt": parse_vtt, "srt": parse_srt, "eml": parse_eml}

# Format -> (what is wrong, what to do) when its parser library fails on the file.
_BROKEN: dict[str, tuple[str, str]] = {
    "txt": ("cannot read this text file", "check the file"),
    "md": ("cannot read this Markdown file", "check the file"),
    "docx": ("not a readable .docx file", "it may be corrupt or an old .doc renamed; re-save it as .docx"),
    "odt": ("not a readable .odt file", "it may be corrupt; re-save it, or save it as .docx"),
    "rtf": ("not a readable .rtf file", "re-save it, or save it as .docx or .txt"),
    "pdf": ("not a readable PDF", "it may be corrupt; re-export it or paste the text into a .txt file"),
    "html": ("cannot read this HTML file", "save the page again or paste the text into a .txt file"),
    "vtt": ("not a valid WebVTT transcript", "check that it starts with WEBVTT and has cue timings"),
    "srt": ("not a valid SRT transcript", "check the cue numbers and timings"),
    "eml": ("cannot read this e-mail", "save the message again as .eml or paste it into a .txt file"),
}

__all__ = ["DEFAULT_MAX_BYTES", "FORMATS", "Note", "Skipped", "display_path", "find_note_files", "key_path", "note_key", "read_note",
           "read_stdin_note"]


@dataclass
class Note:
    """A note file read as plain text.

    `source` is the path as the user named it, `key` the file's identity (its real path; "-"
    for piped text). `metadata` may hold: date, title, front-matter keys, e-mail headers
    (from/to/cc/subject), people, speakers, timestamps, body_offset, file_mtime.
    """

    source: str
    text: str
    sha256: str
    format: str
    metadata: dict[str, Any] = field(default_factory=dict)
    key: str = ""


def read_note(path: Path | str, max_bytes: int = DEFAULT_MAX_BYTES) -> Note:
    """Read one note file as plain text plus metadata; raise IngestError on any bad input."""
    path = Path(path)
    _stat_file(path)
    fmt = _format_for(path)
    data, info = _read_bytes(path, max_bytes)
    note = _build_note(display_path(path), data, fmt)
    note.key = note_key(path)
    note.metadata["file_mtime"] = iso_date(dt.datetime.fromtimestamp(info.st_mtime))
    return note


def read_stdin_note(data: bytes, name: str = "-", max_bytes: int = DEFAULT_MAX_BYTES) -> Note:
    """Piped note text; the format is sniffed (WEBVTT -> vtt, an HTML page -> html, else txt)."""
    _check_size(Path(name), len(data), max_bytes)
    note = _build_note(name, data, _sniff_format(data))
    note.key = "stdin:" + note.sha256
    note.metadata["file_mtime"] = dt.date.today().isoformat()
    return note


def find_note_files(paths: list[str]) -> tuple[list[Path], list[tuple[str, str]], list[Skipped]]:
    """Expand files, folders and globs: (files to read, (path, error) problems, skipped files)."""
    return _find(paths, FORMATS)


def _stat_file(path: Path) -> os.stat_result:
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise ingest_error(display_path(path), f"broken link: it points to '{display_path(os.readlink(path))}', which does not exist",
                               "fix the link or remove it") from None
        raise ingest_error(display_path(path), "no such file", "check the path") from None
    except PermissionError:
        raise _permission_error(path) from None
    except OSError as exc:
        raise _os_error(path, exc, "open") from None
    _check_regular(path, info)
    return info


def _check_regular(path: Path, info: os.stat_result) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise ingest_error(display_path(path), "is a folder, not a file", "pass the folder itself to read every note inside it, or name a file")
    if not stat.S_ISREG(info.st_mode):
        raise ingest_error(display_path(path), "is not a regular file (a pipe, device or socket)", "pass a note file such as .txt or .md")


def _os_error(path: Path, exc: OSError, doing: str) -> IngestError:
    if exc.errno == errno.ELOOP:
        return ingest_error(display_path(path), "a loop of symbolic links: the link leads back to itself", "fix the link or remove it")
    if exc.errno == errno.ENAMETOOLONG:
        return ingest_error(display_path(path), "the file name or path is too long", "rename the file or move it to a shorter path")
    return ingest_error(display_path(path), f"cannot {doing} the file: {exc.strerror or short(exc)}", "check the path and the disk")


def _permission_error(path: Path) -> IngestError:
    return ingest_error(display_path(path), "permission denied", "make the file readable, e.g. chmod u+r, or remove it")


def _read_bytes(path: Path, max_bytes: int) -> tuple[bytes, os.stat_result]:
    """The file's bytes, opened without blocking (a FIFO swapped in after the check never hangs
    the run) and checked again on the open file: a regular file, within the size limit."""
    try:
        fd = _open_fd(path)
    except PermissionError:
        raise _permission_error(path) from None
    except OSError as exc:
        raise _os_error(path, exc, "open") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        _check_regular(path, info)
        _check_size(path, info.st_size, max_bytes)
        try:
            data = f.read(max_bytes + 1)
        except OSError as exc:
            raise _os_error(path, exc, "read") from None
    _check_size(path, len(data), max_bytes)
    return data, info


def _open_fd(path: Path) -> int:
    return os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))


def _format_for(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in FORMATS:
        return FORMATS[suffix]
    from pipeline.ingest.files import SKIP_ADVICE

    shown = f"'{suffix}'" if suffix else "with no extension"
    advice = SKIP_ADVICE.get(suffix, f"supported: {', '.join(FORMATS)}; convert it to one of these")
    raise ingest_error(display_path(path), f"unsupported file type {shown}", advice)


def _check_size(path: Path, size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise ingest_error(display_path(path), f"file is {_human_size(size)}, over the {_human_size(max_bytes)} limit",
                           "raise it with --max-bytes or split the file")


def _human_size(size: int) -> str:
    if size >= 100_000:
        return f"{size / 1_000_000:.1f}".removesuffix(".0") + " MB"
    if size >= 1_000:
        return f"{size / 1_000:.1f}".removesuffix(".0") + " KB"
    return f"{size} bytes"


def _sniff_format(data: bytes) -> str:
    head = data[:200].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"WEBVTT"):
        return "vtt"
    if head[:15].lower().startswith((b"<!doctype html", b"<html")):
        return "html"
    return "txt"


def _build_note(source: str, data: bytes, fmt: str) -> Note:
    if not data.strip():
        raise ingest_error(source, "file is empty", "add notes to it or remove it")
    try:
        text, metadata = _PARSERS[fmt](data, source)
    except IngestError:
        raise
    except RecursionError:
        raise ingest_error(source, f"{_BROKEN[fmt][0]}: it is nested too deeply", _BROKEN[fmt][1]) from None
    except Exception as exc:  # third-party parsers raise many exception types
        problem, advice = _BROKEN[fmt]
        raise ingest_error(source, f"{problem}: {short(exc)}", advice) from None
    text = normalise_newlines(repair_text(text))
    metadata = _repair_metadata(metadata)
    if not text.strip():
        raise ingest_error(source, "no text found in the file", "add notes to it or remove it")
    if looks_binary(text):
        raise ingest_error(source, "looks like a binary file, not text", "check the file or remove it from the folder")
    return Note(source, text, hashlib.sha256(data).hexdigest(), fmt, metadata)


def _repair_metadata(value: Any) -> Any:
    """Metadata the database can store: text with undecodable bytes (raw 8-bit e-mail headers) repaired."""
    if isinstance(value, str):
        return repair_text(value)
    if isinstance(value, dict):
        return {repair_text(str(k)): _repair_metadata(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_repair_metadata(v) for v in value]
    return value
