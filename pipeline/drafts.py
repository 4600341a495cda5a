"""Drafts (follow-up stage): e-mails written by the local model from the note's own facts.

The prompt gives the model only facts taken from the record (the contact, two things they
said, the referral's name), and the result is marked as a draft for the user to edit.
"""
from __future__ import annotations

import re
from typing import Any

from pipeline.decide.prompts import load_prompt
from pipeline.schema import Item, Record

DRAFT_KINDS = ("thank_you", "referral", "thank_referrer", "close_loop")
DRAFT_HEADER = "[DRAFT — edit before sending]"
MIN_FACT_WORDS = 6
MAX_WORDS = 120
_SIGN_OFF = re.compile(r"^(best( regards| wishes)?|(kind |warm )?regards|thanks( again)?|thank you|sincerely|cheers)[,.!]?$", re.I)


def compose_draft(rec: Record, task: dict[str, Any], model: Any) -> str:
    """A short e-mail for a thank-you, referral, thank-the-referrer or close-the-loop task.

    The greeting and a factual first sentence are written for the model, which continues
    from there; its text is cleaned (repeats, a cut-off last sentence and anything after the
    sign-off removed). Without usable model text the plain fallback e-mail is used.
    """
    facts = draft_facts(rec, task)
    tpl = load_prompt("draft")
    start = f"Hi {facts['greet']},\n\n{facts['opening']}"
    prompt = tpl.render(model.prompt_style, **facts) + (" " if model.prompt_style != "chatml" else "") + start
    body = clean_body(start + model.complete(prompt, max_tokens=220, stop=["<|im_end|>", "\n\n\n", "Input:"]))
    header = f"{DRAFT_HEADER} To: {facts['to']}\nSubject: {facts['subject']}\n\n"
    added = body and len(body) > len(start) + len("\n\nBest,")
    return header + (body if added else facts["fallback"])


def clean_body(text: str, max_words: int = MAX_WORDS) -> str:
    """The e-mail up to its sign-off: no repeated sentences, no cut-off last sentence, ends with "Best,"."""
    seen: set[str] = set()
    paragraphs: list[str] = []
    words = 0
    for para in re.split(r"\n\s*\n", text.strip()):
        if _SIGN_OFF.match(para.strip()):
            break
        kept = []
        for sentence in re.split(r"(?<=[.!?])\s+", para.strip()):
            key = " ".join(sentence.lower().split())
            if not key or key in seen or words + len(sentence.split()) > max_words:
                continue
            seen.add(key)
            kept.append(sentence)
            words += len(sentence.split())
        if kept and not re.search(r"[.!?,:)\"']$", kept[-1]) and len(paragraphs) > 0:
            kept.pop()  # cut off by the token limit
        if kept:
            paragraphs.append(" ".join(kept))
    return "\n\n".join(paragraphs + ["Best,"]) if paragraphs else ""


def draft_facts(rec: Record, task: dict[str, Any]) -> dict[str, str]:
    """The only facts the model may use: who, two things the contact said, who to write to and why."""
    said = two_things_said(rec)
    contact = rec.contact.name or "your contact"
    first = rec.contact.name.split()[0] if rec.contact.name else "there"
    kind, person = task["kind"], task.get("person")
    if kind == "referral" and person:
        to, subject = person, f"{contact} suggested I reach out"
        ask = f"Introduce yourself to {person}, say {contact} suggested you talk, and ask for 20 minutes."
        opening = f"{contact} suggested I reach out to you." if rec.contact.name else "I was told you would be a great person to talk to."
    elif kind == "thank_referrer" and person:
        lead = next((r.name for r in rec.referrals if r.name in task["action"]), "the person they introduced you to")
        to, subject = person, f"Thank you for introducing me to {lead}"
        ask = f"Thank {person.split()[0]} for the introduction to {lead} and say the conversation helped."
        opening = f"Thank you for introducing me to {lead}."
    elif kind == "close_loop":
        to, subject = contact, "An update since we talked"
        ask = f"Tell {first} what you did with their advice, mentioning the two things they said."
        opening = "I wanted to tell you what I did with your advice since we talked."
    else:
        to, subject = contact, "Thank you for your time"
        ask = f"Thank {first} for the conversation and mention the two things they said."
        opening = "Thank you for taking the time to talk with me."
    facts = "; ".join(f'"{s}"' for s in said) or "(none)"
    greet = to.split()[0] if to != "your contact" else "there"
    fallback = f"Hi {greet},\n\n{opening} {_fallback_line(said)}\n\nBest,"
    return {"to": to, "subject": subject, "contact": contact, "facts": facts, "task": ask, "greet": greet,
            "opening": opening, "fallback": fallback}


def two_things_said(rec: Record) -> list[str]:
    """Two specific things the contact said: advice first, then how to get in, the day, the outlook, fit.

    Items of a few words are preferred over one-word items (a skill like "Excel" is not a thing said).
    """
    items: list[Item] = rec.advice + rec.how_to_get_in + rec.day_in_life + rec.outlook.points + rec.fit
    texts = [" ".join(i.text.split()) for i in items if i.text.strip()]
    specific = [t for t in texts if len(t.split()) >= MIN_FACT_WORDS]
    return list(dict.fromkeys(specific + texts))[:2]


def _fallback_line(said: list[str]) -> str:
    """The plain middle sentence used when the model gives nothing usable."""
    if not said:
        return "I would be glad to stay in touch."
    return "I keep thinking about what you said: " + " and ".join(f'"{x}"' for x in said) + "."
