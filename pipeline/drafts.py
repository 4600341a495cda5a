"""Drafts (follow-up stage): e-mails written by the local model from the note's own facts.

The prompt gives the model only facts taken from the record (the contact, two things they
said, the referral's name), and the result is marked as a draft for the user to edit.
"""
from __future__ import annotations

from typing import Any

from pipeline.prompts import load_prompt
from pipeline.schema import Record


def compose_draft(rec: Record, task: dict[str, Any], model: Any) -> str:
    """A short e-mail for a thank-you, referral or close-the-loop task."""
    facts = draft_facts(rec, task)
    tpl = load_prompt("draft")
    prompt = tpl.render(model.prompt_style, **facts)
    body = model.complete(prompt, max_tokens=220, stop=["<|im_end|>", "\n\n\n", "Input:"]).strip()
    header = f"[DRAFT — edit before sending] To: {facts['to']}\nSubject: {facts['subject']}\n\n"
    return header + (body or facts["fallback"])


def draft_facts(rec: Record, task: dict[str, Any]) -> dict[str, str]:
    """The only facts the model may use."""
    said = [i.text for i in (rec.advice + rec.day_in_life + rec.outlook.points)][:2]
    contact = rec.contact.name or "there"
    first = contact.split()[0]
    if task["kind"] == "referral" and task.get("person"):
        to, subject = task["person"], f"{contact} suggested I reach out"
        ask = f"Introduce yourself to {task['person']}, say {contact} suggested you talk, and ask for 20 minutes."
    else:
        to, subject = contact, "Thank you for your time"
        ask = f"Thank {first} for the conversation and mention the two things they said."
    facts = "; ".join(f'"{s}"' for s in said) or "(none)"
    fallback = f"Hi {to.split()[0]},\n\nThank you for your time. {ask}\n\nBest,"
    return {"to": to, "subject": subject, "contact": contact, "facts": facts, "task": ask, "fallback": fallback}
