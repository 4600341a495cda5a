"""E-mail (.eml): the header lines (From, To, Cc, Date, Subject), a blank line, then the body.

Quoted lines keep their "> " marks: in an inline reply they are the seeker's questions, which
the layout stage uses as context for the answers below them.
"""
from __future__ import annotations

import email
import email.message
import email.policy
from typing import Any

from pipeline.errors import IngestError
from pipeline.ingest.decode import decode, ingest_error, normalise_newlines, repair_text
from pipeline.ingest.text import date_value, iso_date
from pipeline.ingest.web import html_to_text

HEADERS = ("From", "To", "Cc", "Date", "Subject")


def parse_eml(data: bytes, source: str) -> tuple[str, dict[str, Any]]:
    message = email.message_from_bytes(data, policy=email.policy.default)
    metadata = _metadata(message)
    header = "".join(f"{name}: {value}\n" for name in HEADERS if (value := _header(message, name)))
    body = _body(message, source).strip("\n")
    metadata["body_offset"] = len(header) + 1
    return f"{header}\n{body}\n", metadata


def _header(message: email.message.EmailMessage, name: str) -> str:
    """A header as one line of text; raw 8-bit bytes in it (no MIME encoding) are decoded like a file's."""
    raw = next((v for k, v in message.raw_items() if k.lower() == name.lower()), None)
    if isinstance(raw, str) and repair_text(raw) != raw:
        return " ".join(repair_text(raw).split())
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):  # a malformed header the policy cannot parse
        value = raw
    return repair_text(" ".join(str(value).split())) if value is not None else ""


def _metadata(message: email.message.EmailMessage) -> dict[str, Any]:
    metadata: dict[str, Any] = {name.lower(): v for name in ("From", "To", "Cc", "Subject") if (v := _header(message, name))}
    date = _date(message)
    if date:
        metadata["date"] = date
    metadata["people"] = _people(message)
    return metadata


def _date(message: email.message.EmailMessage) -> str | None:
    try:
        header = message.get("Date")
    except (ValueError, IndexError, TypeError):
        return None
    when = getattr(header, "datetime", None)
    if when is not None:
        return iso_date(when)
    return date_value(str(header)) if header else None


def _people(message: email.message.EmailMessage) -> list[dict[str, str]]:
    """Unique {"name", "email"} entries from From, To and Cc, in that order."""
    people: list[dict[str, str]] = []
    seen: set[str] = set()
    for name in ("From", "To", "Cc"):
        try:
            addresses = getattr(message.get(name), "addresses", ())
        except (ValueError, IndexError, TypeError):
            addresses = ()
        for address in addresses:
            key = (address.addr_spec or address.display_name).lower()
            if key and key not in seen:
                seen.add(key)
                people.append({"name": address.display_name, "email": address.addr_spec})
    return people


def _body(message: email.message.EmailMessage, source: str) -> str:
    """The text/plain body, else the HTML body as text; else every text part found through
    forwarded messages and digests; else an error. A multipart message whose parts cannot be
    found (no boundary) is read as the plain text a mail client would show."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None and not message.is_multipart() and message.get_content_maintype() in ("text", "multipart"):
        part = message
    if part is not None:
        return _part_text(part, source)
    texts = _all_texts(message, source)
    if not texts:
        raise ingest_error(source, "e-mail has no text body", "forward it as plain text or paste it into a .txt file")
    return "\n\n".join(texts)


def _all_texts(message: email.message.EmailMessage, source: str) -> list[str]:
    """Every plain-text part (else every HTML part) in order; a forwarded message keeps its own
    From, Date and Subject lines above its text. A part that cannot be decoded is left out."""
    for subtype in ("plain", "html"):
        texts = []
        for part in message.walk():
            if part.get_content_type() != f"text/{subtype}":
                continue
            try:
                text = _part_text(part, source).strip("\n")
            except IngestError:
                continue
            head = "".join(f"{name}: {value}\n" for name in ("From", "Date", "Subject")
                           if part is not message and (value := _header(part, name)))
            if text.strip():
                texts.append(head + text)
        if texts:
            return texts
    return []


def _part_text(part: email.message.EmailMessage, source: str) -> str:
    """A text part's content: its declared charset when that decodes it, else the bytes decoded
    as a file is (UTF-8, Windows-1252, a guess), so raw 8-bit text without a charset is kept."""
    raw = part.get_payload(decode=True) or b""
    if not raw.strip():
        return ""
    charset = part.get_content_charset()
    text = None
    if charset and charset not in ("us-ascii", "ascii"):
        try:
            text = raw.decode(charset)
        except (LookupError, UnicodeDecodeError):
            text = None
    if text is None:
        text = decode(raw, source)
    if part.get_content_type() == "text/html":
        text = html_to_text(text)[0]
    return normalise_newlines(text)
