"""Rules as data: lexicons and structural patterns in YAML files beside this module.

Each file has a `version`, its entries and `examples` that the tests run. `lexicon(file, key)`
compiles a phrase list into one case-insensitive whole-word matcher; `pattern(file, key)`
compiles a named structural pattern. Everything is compiled once per process.
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from pipeline.errors import FieldnotesError


@lru_cache(maxsize=None)
def load(name: str) -> dict[str, Any]:
    """The parsed rule file `<name>.yaml`."""
    return load_data(__name__, name)


def load_data(package: str, name: str) -> dict[str, Any]:
    """A versioned YAML data file `<name>.yaml` inside `package` (a rule file, or a stage's own data file)."""
    try:
        text = resources.files(package).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as e:
        raise FieldnotesError(f"rule file {name}.yaml is missing or invalid ({str(e).splitlines()[0]}); reinstall Fieldnotes") from e
    if not isinstance(data, dict) or "version" not in data:
        raise FieldnotesError(f"rule file {name}.yaml has no version; reinstall Fieldnotes")
    return data


def words(name: str, key: str) -> frozenset[str]:
    """A word list as a lower-cased set."""
    return _words(name, key)


@lru_cache(maxsize=None)
def _words(name: str, key: str) -> frozenset[str]:
    return frozenset(str(w).lower() for w in _entry(name, key))


def lexicon(name: str, key: str) -> re.Pattern[str]:
    """A phrase list as one whole-word, case-insensitive matcher (longest phrase first)."""
    return _lexicon(name, key)


@lru_cache(maxsize=None)
def _lexicon(name: str, key: str) -> re.Pattern[str]:
    phrases = sorted({str(p) for p in _entry(name, key)}, key=len, reverse=True)
    body = "|".join(_phrase_regex(p) for p in phrases) or r"(?!x)x"
    return re.compile(rf"(?<![\w])(?:{body})(?![\w])", re.IGNORECASE)


def pattern(name: str, key: str) -> re.Pattern[str]:
    """A structural pattern from a rule file's `patterns` section."""
    return _pattern(name, key)


@lru_cache(maxsize=None)
def _pattern(name: str, key: str) -> re.Pattern[str]:
    spec = load(name).get("patterns", {}).get(key)
    if spec is None:
        raise FieldnotesError(f"rule file {name}.yaml has no pattern '{key}'; reinstall Fieldnotes")
    flags = re.IGNORECASE if isinstance(spec, dict) and spec.get("ignore_case") else 0
    source = spec["regex"] if isinstance(spec, dict) else spec
    return re.compile(source, flags | re.MULTILINE)


def table(name: str, key: str) -> dict[str, Any]:
    """A mapping entry (e.g. job word -> field)."""
    value = _entry(name, key)
    if not isinstance(value, dict):
        raise FieldnotesError(f"rule file {name}.yaml: '{key}' is not a mapping")
    return value


def _entry(name: str, key: str) -> Any:
    data = load(name)
    if key not in data:
        raise FieldnotesError(f"rule file {name}.yaml has no entry '{key}'; reinstall Fieldnotes")
    return data[key]


def _phrase_regex(phrase: str) -> str:
    """A phrase with flexible spaces; '*' at the end of a word matches any word ending."""
    parts = []
    for word in phrase.split():
        stem = re.escape(word.rstrip("*"))
        parts.append(stem + (r"\w*" if word.endswith("*") else ""))
    return r"\s+".join(parts)
