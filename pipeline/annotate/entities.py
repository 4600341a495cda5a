"""E-mail addresses, phone numbers (E.164 through `phonenumbers`) and links in the note."""
from __future__ import annotations

import re

from pipeline.document import Entity

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[A-Za-z]{2,}")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>()\"'\]]+[^\s<>()\"'.,;:!?\]]|\b[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.(?:com|org|edu|gov|io|net|co|us|uk|ca|jobs)/[^\s<>()\"']*[^\s<>()\"'.,;:!?]")
DEFAULT_REGION = "US"
MAX_PHONE_SCAN = 200_000  # characters scanned for phone numbers (phonenumbers is slow on huge inputs)


def find_entities(text: str) -> list[Entity]:
    """Every e-mail, phone and link, in order of position."""
    found = [Entity("email", m.start(), m.end(), m.group(), m.group().lower()) for m in _EMAIL.finditer(text)]
    found += [Entity("url", m.start(), m.end(), m.group(), m.group()) for m in _URL.finditer(text)
              if not any(e.start <= m.start() < e.end for e in found)]
    found += _phones(text, found)
    return sorted(found, key=lambda e: e.start)


def _phones(text: str, taken: list[Entity]) -> list[Entity]:
    import phonenumbers

    out = []
    for match in phonenumbers.PhoneNumberMatcher(text[:MAX_PHONE_SCAN], DEFAULT_REGION, leniency=phonenumbers.Leniency.VALID):
        if any(e.start <= match.start < e.end for e in taken):
            continue
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        out.append(Entity("phone", match.start, match.end, match.raw_string, e164))
    return out


def normalize_phone(text: str, region: str = DEFAULT_REGION) -> str | None:
    """A phone number as E.164 ('(415) 555-0134' -> '+14155550134'), or None when it is not a valid number."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if phonenumbers.is_valid_number(number) else None
