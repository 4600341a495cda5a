"""The network: who referred whom, how many hops each person is from a first contact (someone
the seeker found without a referral), and the leads not contacted yet.

People are the store's people rows (everyone referred) plus the interviewed contacts; a contact
who was referred is the same person as their people row.
"""
from __future__ import annotations

from collections import deque
from typing import Any, Iterable

from pipeline.annotate.identity import person_key
from pipeline.insights.data import Interview
from pipeline.store.people import find_person


def build_network(db: Any, interviews: Iterable[Interview]) -> dict[str, Any]:
    """People (name, status, interviewed, referred_by, hops, chain), referral edges, the first
    contact, and the leads not yet contacted (status new, never interviewed), for these interviews."""
    interviews = sorted(interviews, key=lambda iv: (iv.record.interview_date or "9999", iv.source))
    people: dict[str, dict[str, Any]] = {}
    contact_node = {iv.note_id: _contact_node(db, iv, people) for iv in interviews}
    edges = []
    for iv in interviews:
        for pid, name, status, title, org, ref_date in _referrals(db, iv.note_id):
            node = f"p{pid}"
            person = people.setdefault(node, _person(name, status))
            person.update(title=title, organization=org)
            person["referred_by"] = list(dict.fromkeys(person["referred_by"] + [iv.contact]))
            person["sources"] = list(dict.fromkeys(person["sources"] + [iv.source]))
            person["first_referred"] = min(filter(None, (person["first_referred"], ref_date)), default=None)
            edges.append({"from": people[contact_node[iv.note_id]]["name"], "to": person["name"], "source": iv.source,
                          "_from": contact_node[iv.note_id], "_to": node})
    _hops(people, edges)
    roots = [contact_node[iv.note_id] for iv in interviews if people[contact_node[iv.note_id]]["hops"] == 0]
    leads = [p for p in people.values() if not p["interviewed"] and p["status"] == "new"]
    return {"first_contact": people[roots[0]]["name"] if roots else None, "people": sorted(people.values(), key=_order),
            "edges": [{k: v for k, v in e.items() if not k.startswith("_")} for e in edges],
            "leads_not_contacted": sorted(leads, key=_order)}


def _contact_node(db: Any, iv: Interview, people: dict[str, dict[str, Any]]) -> str:
    """The node of an interview's contact: their people row if they were referred, else one per name."""
    name = iv.record.contact.name
    row = db.execute("SELECT id, name, status FROM people WHERE interview_note_id = ?", [iv.note_id]).fetchone()
    pid = row[0] if row else (find_person(db, name) if name else None)
    if pid is not None:
        node = f"p{pid}"
        status = db.execute("SELECT status FROM people WHERE id = ?", [pid]).fetchone()[0]
    else:
        node, status = f"c:{iv.contact_key}", "met"
    person = people.setdefault(node, _person(name or iv.contact, status))
    person.update(interviewed=True, interviews=list(dict.fromkeys(person["interviews"] + [iv.source])))
    person.update(field=person["field"] or iv.record.field, title=person["title"] or iv.record.contact.title,
                  organization=person["organization"] or iv.record.contact.organization)
    return node


def _person(name: str, status: str) -> dict[str, Any]:
    return {"name": name, "title": None, "organization": None, "status": status, "interviewed": False, "interviews": [], "referred_by": [], "sources": [],
            "first_referred": None, "hops": None, "chain": [], "field": None}


def _referrals(db: Any, note_id: int) -> list[tuple]:
    return db.execute("""SELECT p.id, p.name, p.status, p.title, p.organization, r.interview_date FROM referrals ref JOIN people p ON p.id = ref.person_id
                         JOIN records r ON r.note_id = ref.note_id WHERE ref.note_id = ? ORDER BY ref.id""", [note_id]).fetchall()


def _hops(people: dict[str, dict[str, Any]], edges: list[dict[str, Any]]) -> None:
    """Breadth-first from every interviewed contact nobody referred: hops and the chain from that first contact."""
    out: dict[str, list[str]] = {}
    referred = set()
    for e in edges:
        out.setdefault(e["_from"], []).append(e["_to"])
        referred.add(e["_to"])
    queue = deque()
    for node, p in people.items():
        if p["interviewed"] and node not in referred:
            p.update(hops=0, chain=[p["name"]])
            queue.append(node)
    while queue:
        node = queue.popleft()
        for nxt in out.get(node, []):
            if people[nxt]["hops"] is None:
                people[nxt].update(hops=people[node]["hops"] + 1, chain=people[node]["chain"] + [people[nxt]["name"]])
                queue.append(nxt)


def _order(p: dict[str, Any]) -> tuple:
    return (p["hops"] is None, p["hops"] or 0, person_key(p["name"]))
