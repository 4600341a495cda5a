"""Decoding note bytes into text: byte-order marks, UTF-8, Windows-1252, then a best guess.

Also the small text clean-ups every format shares (newlines, NFC, tidy lines) and the one
error constructor of the ingest stage: "<source>: what is wrong (what to do)".
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from charset_normalizer import from_bytes

from pipeline.errors import IngestError

_ESCAPED_BYTES = re.compile("[\udc80-\udcff]+")  # undecodable bytes as Python's surrogateescape keeps them
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def ingest_error(source: str | Path, problem: str, advice: str) -> IngestError:
    """The one-line message "<source>: problem (advice)"."""
    problem = " ".join(str(problem).split())
    return IngestError(f"{source}: {problem} ({advice})")


def short(exc: BaseException) -> str:
    """A short one-line description of a library exception."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def decode(data: bytes, source: str) -> str:
    """Decode note bytes: BOM, then UTF-8, then Windows-1252, then charset-normalizer."""
    encoding = _bom_encoding(data) or _bomless_utf16(data)
    if encoding:
        text = _try_decode(data, encoding)
    elif b"\x00" in data:
        text = None
    else:
        text = _try_decode(data, "utf-8") or _try_decode(data, "cp1252") or _guess_decode(data)
    if text is None or looks_binary(text):
        raise ingest_error(source, "looks like a binary file, not text", "check the file or remove it from the folder")
    return text


def repair_text(text: str) -> str:
    """Text that encodes as UTF-8. Bytes a library could not decode (kept as escaped bytes, as the
    e-mail parser does with raw 8-bit headers) are decoded run by run as UTF-8, else
    Windows-1252, else Latin-1; any other lone surrogate becomes '?'."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    text = _ESCAPED_BYTES.sub(lambda m: _decode_run(m.group().encode("utf-8", "surrogateescape")), text)
    return text.encode("utf-8", "replace").decode("utf-8")


def _decode_run(raw: bytes) -> str:
    return _try_decode(raw, "utf-8") or _try_decode(raw, "cp1252") or raw.decode("latin-1")


def normalise_newlines(text: str) -> str:
    """Turn CRLF and lone CR line ends into LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def nfc(text: str) -> str:
    """NFC-normalise text extracted from a container format (so 'é' is one character)."""
    return unicodedata.normalize("NFC", text)


def tidy_lines(text: str, keep_blank: bool = True) -> str:
    """Collapse whitespace inside each line; keep at most one blank line in a row (or none)."""
    out: list[str] = []
    for raw in normalise_newlines(text).split("\n"):
        line = " ".join(raw.split())
        if not line and (not keep_blank or not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip("\n")


def looks_binary(text: str) -> bool:
    """True when more than 5% of characters are control characters or replacement marks."""
    if not text:
        return False
    bad = sum(1 for ch in text if ch == "\ufffd" or _is_control(ch))
    return bad > 0.05 * len(text)


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v"


def _bom_encoding(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: mostly-ASCII text with NUL as every other byte."""
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
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _guess_decode(data: bytes) -> str | None:
    best = from_bytes(data[:200_000]).best() if len(data) > 200_000 else from_bytes(data).best()
    if best is None:
        return None
    try:
        return data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        return None
