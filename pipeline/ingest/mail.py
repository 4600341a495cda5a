"""E-mail (.eml): the header lines (From, To, Cc, Date, Subject), a blank line, then the body.

Quoted lines keep their "> " marks: in an inline reply they are the seeker's questions, which
the layout stage uses as context for the answers below them.
"""
from __future__ import annotations

import email
import email.message
import email.policy
from typing import Any

from pipeline.ingest.decode import decode, ingest_error, normalise_newlines
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
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):  # a malformed header the policy cannot parse
        value = message.get_all(name, [None])[0] if hasattr(message, "get_all") else None
    return " ".join(str(value).split()) if value is not None else ""


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
    """The text/plain body, else the HTML body as text, else an error."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        if not message.is_multipart() and message.get_content_maintype() == "text":
            part = message
        else:
            raise ingest_error(source, "e-mail has no text body", "forward it as plain text or paste it into a .txt file")
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError, KeyError, ValueError):
        content = decode(part.get_payload(decode=True) or b"", source)
    if part.get_content_subtype() == "html":
        content = html_to_text(content)[0]
    return normalise_newlines(content)
