"""The contact and the referrals: the person head decides each person's role; the role-span head
finds their titles and organisations."""
from __future__ import annotations

import numpy as np

from pipeline.decide import Decider
from pipeline.document import Doc
from pipeline.fields.common import span
from pipeline.fields.roles import choose_roles
from pipeline.schema import Contact, Record, Referral

MIN_CONTACT = 0.2  # below this no candidate is the contact


def extract(doc: Doc, decider: Decider, rec: Record) -> None:
    contact = contact_index(doc, decider)
    rec.contact = _contact(doc, decider, contact)
    rec.referrals = _referrals(doc, decider, contact)


def contact_index(doc: Doc, decider: Decider) -> int | None:
    """The person most likely to be the contact, if likely enough."""
    if not doc.people:
        return None
    p = doc.probs["person"][:, _col(decider, "contact")]
    best = int(np.argmax(p))
    return best if p[best] >= max(MIN_CONTACT, decider.heads["person"].threshold("contact") * 0.5) else None


def referral_indexes(doc: Doc, decider: Decider, contact: int | None) -> list[int]:
    probs = doc.probs["person"]
    col, cut = _col(decider, "referral"), decider.heads["person"].threshold("referral")
    return [i for i in range(len(doc.people)) if i != contact and probs[i, col] >= cut and probs[i, col] >= probs[i].max() - 1e-9]


def _contact(doc: Doc, decider: Decider, index: int | None) -> Contact:
    if index is None:
        return Contact()
    person = doc.people[index]
    title, org = choose_roles(doc, decider, index, "contact")
    return Contact(name=person.name, title=title, organization=org, email=person.email, phone=person.phone)


def _referrals(doc: Doc, decider: Decider, contact: int | None) -> list[Referral]:
    out = []
    for i in referral_indexes(doc, decider, contact):
        person = doc.people[i]
        m = _evidence_mention(doc, decider, i)
        seg = doc.segments[m.segment]
        title, org = choose_roles(doc, decider, i, "referral")
        out.append(Referral(name=person.name, title=title, organization=org, email=person.email, phone=person.phone,
                            context=" ".join(doc.seg_text(seg).split()), evidence=span(doc, m.start, m.end)))
    return out


def _evidence_mention(doc: Doc, decider: Decider, index: int):
    """The mention in the segment most about people to contact."""
    head = decider.heads["topic"]
    col = head.classes.index("people")
    ms = [doc.mentions[k] for k in doc.people[index].mentions]
    return max(ms, key=lambda m: (float(doc.probs["topic"][m.segment, col]), -m.start))


def _col(decider: Decider, role: str) -> int:
    return decider.heads["person"].classes.index(role)
