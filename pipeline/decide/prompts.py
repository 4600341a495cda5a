"""Prompt templates: YAML files in `prompts/`, each with a version, rendered for a model style.

Rendering keeps the fixed text (instructions and few-shot examples) first and the varying
input last, so consecutive calls share a long prefix that llama.cpp reuses from its KV cache.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.errors import FieldnotesError

PROMPT_PACKAGE = "pipeline.prompts"
T = TypeVar("T", bound=BaseModel)


class Example(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: str
    answer: str


class PromptTemplate(BaseModel):
    """One prompt file."""

    model_config = ConfigDict(extra="forbid")
    version: str
    instructions: str
    options: list[str]
    examples: list[Example] = []
    input_template: str
    calibrate: float = 0.5  # weight of the content-free ("N/A") baseline subtracted from the scores

    def render(self, style: str, **values: str) -> str:
        """The full prompt for one question; fails loudly on a missing variable."""
        try:
            text = self.input_template.format(**values)
        except KeyError as e:
            raise FieldnotesError(f"prompt {self.version}: missing variable {e} (pass it to render)") from e
        return self.prefix(style) + _turn(style, text)

    def prefix(self, style: str) -> str:
        """The fixed part shared by every call."""
        if style == "chatml":
            head = f"<|im_start|>system\n{self.instructions}<|im_end|>\n"
            return head + "".join(_turn(style, ex.input) + f"{ex.answer}<|im_end|>\n" for ex in self.examples)
        return f"{self.instructions}\n\n" + "".join(_turn(style, ex.input) + f" {ex.answer}\n\n" for ex in self.examples)

    def option_strings(self, style: str) -> list[str]:
        """How each option is written right after the prompt (base models need a leading space)."""
        return list(self.options) if style == "chatml" else [" " + o for o in self.options]


@lru_cache(maxsize=None)
def load_prompt(name: str) -> PromptTemplate:
    """Read and validate `prompts/<name>.yaml`."""
    tpl = load_prompt_file(name, PromptTemplate)
    for ex in tpl.examples:
        if ex.answer not in tpl.options:
            raise FieldnotesError(f"prompts/{name}.yaml: example answer {ex.answer!r} is not one of the options {tpl.options}")
    return tpl


def load_prompt_file(name: str, shape: type[T]) -> T:
    """Read `prompts/<name>.yaml` and validate it as `shape` (a pydantic model of that kind of prompt file)."""
    try:
        text = resources.files(PROMPT_PACKAGE).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
        return shape.model_validate(yaml.safe_load(text))
    except (OSError, yaml.YAMLError, ValidationError) as e:
        raise FieldnotesError(f"prompts/{name}.yaml: invalid prompt file ({str(e).splitlines()[0]})") from e


def prompt_versions() -> str:
    """All prompt versions joined, stored with every record."""
    return "+".join(load_prompt(n).version for n in ("topic", "referral", "job_lead", "sentiment"))


def _turn(style: str, text: str) -> str:
    if style == "chatml":
        return f"<|im_start|>user\n{text}<|im_end|>\n<|im_start|>assistant\n"
    return f"Input: {text}\nAnswer:"
