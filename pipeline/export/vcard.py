"""Leads as vCard 4.0 contacts (RFC 6350, written by `vobject`) for an address book: name, title,
organisation, e-mail, phone (a `tel:` URI in E.164), LinkedIn profile, and a NOTE saying who
referred them, in which note and why. A person's UID comes from their name, so importing again
updates the card instead of adding a second one. Control and bidi characters from the notes are
shown as escapes (`terminal_line`): vCard text may not hold controls, and an address book shows
what it is given."""
from __future__ import annotations

import uuid
from typing import Any, Iterable

from pipeline.annotate.identity import person_key, strip_honorifics
from pipeline.export.safe import terminal_line as t

PRODID = "-//Fieldnotes//EN"
_UID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://fieldnotes.local/people")


def to_vcards(leads: Iterable[dict[str, Any]]) -> str:
    """One vCard 4.0 per lead row (as `iter_leads` yields them), CRLF line endings."""
    return "".join(_card(lead).serialize() for lead in leads)


def _card(lead: dict[str, Any]) -> Any:
    import vobject

    card = vobject.vCard()
    card.add("version").value = "4.0"
    card.add("prodid").value = PRODID
    card.add("uid").value = f"urn:uuid:{uuid.uuid5(_UID_NAMESPACE, person_key(lead['name']) or lead['name'])}"
    card.add("kind").value = "individual"
    card.add("fn").value = t(lead["name"])
    given, family = _split_name(t(lead["name"]))
    card.add("n").value = vobject.vcard.Name(family=family, given=given)
    for key, prop in (("title", "title"), ("email", "email")):
        if lead.get(key):
            card.add(prop).value = t(lead[key])
    if lead.get("organization"):
        card.add("org").value = [t(lead["organization"])]
    if lead.get("phone"):
        tel = card.add("tel")
        tel.value = f"tel:{lead['phone']}"
        tel.params["VALUE"] = ["uri"]
    if lead.get("linkedin"):
        card.add("url").value = t(lead["linkedin"])
    card.add("note").value = t(referral_note(lead))
    return card


def referral_note(lead: dict[str, Any]) -> str:
    """'Referred by Priya Raman (phones.md, 2026-03-02): he hires juniors. Lead status: new.'"""
    parts = []
    for ref in lead.get("referrals") or []:
        where = ", ".join(x for x in (ref.get("source"), ref.get("interview_date")) if x)
        why = f": {ref['reason']}" if ref.get("reason") else ""
        parts.append(f"Referred by {ref.get('referred_by') or 'someone'} ({where}){why}.")
    parts.append(f"Lead status: {lead.get('status') or 'new'} (Fieldnotes).")
    return " ".join(parts)


def _split_name(name: str) -> tuple[str, str]:
    """(given, family): the last word is the family name; one word is a given name."""
    words = strip_honorifics(name).split()
    if len(words) < 2:
        return (words[0] if words else name), ""
    return " ".join(words[:-1]), words[-1]
