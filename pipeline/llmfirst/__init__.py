"""LLM-first mode (`run --mode llm`): a capable model writes the record, grounded in the note.

The trained heads first make the whole record as usual (`run.finish`). Then the model is asked
section by section (`prompt.py`: prompts/record.yaml, a JSON schema per section, few-shot
examples from the corpus), and every item it returns is aligned to the note (`ground.py`). A
grounded item becomes an item with its evidence span; an item that cannot be aligned is
dropped and counted in the provenance. The heads stay:

- the fallback: a section whose call fails, whose answer is not the schema's JSON, or whose
  every item was dropped keeps the heads' items; contact e-mail and phone, the interview date,
  the field, job leads and promises are always the heads';
- the tie-breaker: a span the model puts in two sections stays in the one the topic head finds
  more likely for the segments under it, and a referral the heads read as the contact is no
  referral.
"""
from __future__ import annotations

import json
import time
from typing import Any

from pipeline.llmfirst.ground import Grounded, ground
from pipeline.llmfirst.prompt import load_record_prompt
from pipeline.schema import ITEM_KINDS, Item, Record, Referral, Span

LIST_SECTIONS = ITEM_KINDS


def prompt_version() -> str:
    """Stored with every LLM-first record (and in the run's heads fingerprint)."""
    return load_record_prompt().version


def extract_record_llm(note: Any, decider: Any, backend: Any) -> tuple[Record, dict[str, Any]]:
    """The heads' record with each section the model answered (grounded) in place of theirs."""
    from pipeline.run import analyse, finish

    started = time.perf_counter()
    doc = analyse(note)
    record, provenance = finish(doc, decider, started)
    prompt = load_record_prompt()
    log = {"version": prompt.version, "sections": {}, "dropped": 0, "exact": 0, "fuzzy": 0}
    claims: dict[str, list[tuple[Grounded, str]]] = {}
    for section in prompt.sections:
        answer, why = _ask(backend, prompt, doc.text, section)
        if answer is None:
            log["sections"][section] = f"heads ({why})"
            continue
        log["sections"][section] = _apply(record, doc, decider, section, prompt.sections[section].kind, answer, log, claims)
    _break_ties(record, doc, decider, claims)
    log["response_format"] = getattr(backend, "response_format", None)
    if record.extraction is not None:
        record.extraction.prompt_version = f"{prompt.version}+{record.extraction.prompt_version}"
        record.extraction.seconds = round(time.perf_counter() - started, 3)
    provenance["llm"] = log
    return record, provenance


def _ask(backend: Any, prompt: Any, text: str, section: str) -> tuple[dict | None, str]:
    """The model's JSON answer for one section, or (None, why not)."""
    from pipeline.errors import FieldnotesError

    try:
        reply = backend.chat(prompt.messages(text, section), prompt.schema(section), max_tokens=600)
    except FieldnotesError as e:
        return None, f"call failed: {str(e)[:120]}"
    if getattr(reply, "finish_reason", "") == "length":
        return None, "answer cut off at max_tokens"
    try:
        data = json.loads(reply.text)
    except ValueError:
        return None, "answer is not JSON"
    return (data, "") if isinstance(data, dict) else (None, "answer is not a JSON object")


def _apply(record: Record, doc: Any, decider: Any, section: str, kind: str, answer: dict, log: dict, claims: dict) -> str:
    """Put one grounded answer into the record; returns where the section came from."""
    folded = doc.text.casefold()
    if kind == "contact":
        return _apply_contact(record, doc.text, folded, answer, log)
    if kind == "referrals":
        return _apply_referrals(record, doc, decider, folded, answer, log)
    values = answer.get("points" if kind == "outlook" else "items")
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return "heads (answer has the wrong shape)"
    spans = _ground_all(values, doc.text, folded, log)
    if kind == "outlook" and answer.get("sentiment") in ("positive", "negative", "mixed", "neutral"):
        record.outlook.sentiment = answer["sentiment"]
    if values and not spans:
        return "heads (no item found in the note)"
    claims[section] = [(g, section) for g in spans]
    items = [_item(doc.text, g) for g in spans]
    if kind == "outlook":
        record.outlook.points = items
    else:
        setattr(record, section, items)
    return "llm"


def _apply_contact(record: Record, text: str, folded: str, answer: dict, log: dict) -> str:
    used = []
    for key in ("name", "title", "organization"):
        value = answer.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        g = ground(value, text, folded)
        if g is None:
            log["dropped"] += 1
            continue
        log["fuzzy" if g.how == "fuzzy" else "exact"] += 1
        setattr(record.contact, key, text[g.start:g.end])
        used.append(key)
    return f"llm ({', '.join(used)})" if used else "heads (nothing found in the note)"


def _apply_referrals(record: Record, doc: Any, decider: Any, folded: str, answer: dict, log: dict) -> str:
    from pipeline.annotate.identity import person_key

    rows = answer.get("items")
    if not isinstance(rows, list) or not all(isinstance(r, dict) and isinstance(r.get("name"), str) for r in rows):
        return "heads (answer has the wrong shape)"
    known = {person_key(r.name): r for r in record.referrals}
    contact = person_key(record.contact.name) if record.contact.name else None
    out: list[Referral] = []
    found = 0
    for row in rows:
        g = ground(row["name"], doc.text, folded)
        if g is None:
            log["dropped"] += 1
            continue
        found += 1
        log["fuzzy" if g.how == "fuzzy" else "exact"] += 1
        name = doc.text[g.start:g.end]
        key = person_key(name)
        if key == contact or _heads_say_contact(doc, decider, key) or any(person_key(r.name) == key for r in out):
            continue  # tie-breaker: the heads read this person as the interviewee
        reason = row.get("reason") if isinstance(row.get("reason"), str) else None
        rg = ground(reason, doc.text, folded) if reason else None
        base = known.get(key)
        out.append(Referral(name=name, title=base.title if base else None, organization=base.organization if base else None,
                            email=base.email if base else None, phone=base.phone if base else None,
                            context=base.context if base else None, reason=doc.text[rg.start:rg.end] if rg else (base.reason if base else None),
                            evidence=Span(start=g.start, end=g.end, quote=name)))
    if rows and not found:
        return "heads (no referral found in the note)"
    record.referrals = out
    return "llm"


def _heads_say_contact(doc: Any, decider: Any, key: str) -> bool:
    from pipeline.annotate.identity import person_key

    probs = doc.probs.get("person")
    if probs is None:
        return False
    roles = decider.heads["person"].classes
    for i, person in enumerate(doc.people):
        if person_key(person.name) == key:
            return roles[int(probs[i].argmax())] == "contact"
    return False


def _ground_all(values: list[str], text: str, folded: str, log: dict) -> list[Grounded]:
    """Each value's span (dropped ones counted), without repeats of an overlapping span."""
    out: list[Grounded] = []
    for value in values:
        g = ground(value, text, folded)
        if g is None:
            log["dropped"] += 1
            continue
        log["fuzzy" if g.how == "fuzzy" else "exact"] += 1
        if not any(g.start < o.end and o.start < g.end for o in out):
            out.append(g)
    return out


def _break_ties(record: Record, doc: Any, decider: Any, claims: dict[str, list[tuple[Grounded, str]]]) -> None:
    """A span in two sections stays where the topic head, over the segments it covers, is surer."""
    sections = list(claims)
    for i, a in enumerate(sections):
        for b in sections[i + 1:]:
            for ga, _ in list(claims[a]):
                for gb, _ in list(claims[b]):
                    if ga.start < gb.end and gb.start < ga.end:
                        loser = b if _topic_score(doc, decider, ga, a) >= _topic_score(doc, decider, gb, b) else a
                        _drop(record, loser, ga if loser == a else gb)


def _topic_score(doc: Any, decider: Any, g: Grounded, section: str) -> float:
    classes = decider.heads["topic"].classes
    topic = "outlook" if section == "outlook" else section
    if topic not in classes or "topic" not in doc.probs:
        return 0.0
    col = classes.index(topic)
    under = [s.index for s in doc.segments if s.start < g.end and g.start < s.end]
    return max((float(doc.probs["topic"][k, col]) for k in under), default=0.0)


def _drop(record: Record, section: str, g: Grounded) -> None:
    items = record.outlook.points if section == "outlook" else getattr(record, section)
    kept = [it for it in items if not (it.evidence and it.evidence.start == g.start and it.evidence.end == g.end)]
    if section == "outlook":
        record.outlook.points = kept
    else:
        setattr(record, section, kept)


def _item(text: str, g: Grounded) -> Item:
    quote = text[g.start:g.end]
    return Item(text=quote, evidence=Span(start=g.start, end=g.end, quote=quote))
