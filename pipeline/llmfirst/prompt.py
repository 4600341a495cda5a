"""The record prompt: `prompts/record.yaml` (versioned), its sections and few-shot examples.

Each section is one chat turn: the system text, then for each example a user turn (an
annotated corpus note and the section's question) and the assistant's answer (that note's gold
for the section, as the schema's JSON), then the note at hand. Examples are the shortest corpus
notes whose gold has the section, so the same prompt version always has the same examples.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.errors import FieldnotesError

PROMPT_FILE = "record.yaml"


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["list", "contact", "outlook", "referrals"]
    ask: str


class RecordPrompt(BaseModel):
    """prompts/record.yaml."""

    model_config = ConfigDict(extra="forbid")
    version: str
    system: str
    examples: int = 2
    example_max_chars: int = 1400
    input_template: str
    sections: dict[str, Section]
    schemas: dict[str, dict[str, Any]]

    def render(self, note: str, section: str) -> str:
        """The user turn for one section; fails loudly on a missing variable."""
        try:
            return self.input_template.format(note=note, ask=self.sections[section].ask)
        except KeyError as e:
            raise FieldnotesError(f"prompts/{PROMPT_FILE} ({self.version}): unknown variable {e} in input_template") from e

    def schema(self, section: str) -> dict[str, Any]:
        return self.schemas[self.sections[section].kind]

    def messages(self, note: str, section: str) -> list[dict[str, str]]:
        """System, few-shot turns, then the note's question."""
        out = [{"role": "system", "content": self.system}]
        for text, answer in few_shot(self.version, section, self.examples + 1, self.example_max_chars):
            if text == note or len(out) > 2 * self.examples:  # never the note itself as its own example
                continue
            out += [{"role": "user", "content": self.render(text, section)}, {"role": "assistant", "content": answer}]
        return out + [{"role": "user", "content": self.render(note, section)}]


@lru_cache(maxsize=None)
def load_record_prompt() -> RecordPrompt:
    """Read and validate prompts/record.yaml (every section's kind must have a schema)."""
    try:
        text = resources.files("pipeline.prompts").joinpath(PROMPT_FILE).read_text(encoding="utf-8")
        prompt = RecordPrompt.model_validate(yaml.safe_load(text))
    except (OSError, yaml.YAMLError, ValidationError) as e:
        raise FieldnotesError(f"prompts/{PROMPT_FILE}: invalid prompt file ({str(e).splitlines()[0]})") from e
    missing = {s.kind for s in prompt.sections.values()} - set(prompt.schemas)
    if missing:
        raise FieldnotesError(f"prompts/{PROMPT_FILE}: no schema for section kind(s) {', '.join(sorted(missing))}")
    return prompt


@lru_cache(maxsize=None)
def few_shot(version: str, section: str, count: int, max_chars: int) -> tuple[tuple[str, str], ...]:
    """(note text, answer JSON) of the `count` shortest corpus notes whose gold has this section."""
    from pipeline.dev.corpus import load_corpus
    from pipeline.ingest import read_note

    kind = load_record_prompt().sections[section].kind
    found = []
    for ex in load_corpus():
        answer = gold_answer(ex.gold, section, kind)
        if answer is None:
            continue
        text = read_note(ex.path).text
        if len(text) <= max_chars:
            found.append((len(text), ex.meta.note, text, json.dumps(answer, ensure_ascii=False)))
    return tuple((text, answer) for _, _, text, answer in sorted(found)[:count])


def gold_answer(gold: Any, section: str, kind: str) -> dict[str, Any] | None:
    """A gold record's answer for one section in the schema's shape (None when the gold has nothing there)."""
    if kind == "contact":
        c = gold.contact
        return {"name": c.name, "title": c.title, "organization": c.organization} if c.name else None
    if kind == "outlook":
        o = gold.outlook
        return {"sentiment": o.sentiment, "points": list(o.points)} if o.sentiment and o.points else None
    if kind == "referrals":
        return {"items": [{"name": r.name, "reason": None} for r in gold.referrals if r.name]} if gold.referrals else None
    items = list(getattr(gold, section))
    return {"items": items} if items else None
