"""Skills across interviews: skill names grouped across notes (case, plurals, filler words,
aliases from `insights.yaml`), ranked per field by how many contacts named them, and set
against the seeker's own skills and fit notes as a gap list."""
from __future__ import annotations

import math
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

from pipeline.insights.data import Interview, evidence, settings

KEEP_CHARS = "+#./"


@dataclass
class SkillGroup:
    """One skill as several notes name it."""

    key: str
    contacts: dict[str, str] = field(default_factory=dict)  # contact key -> display name
    mentions: list[dict[str, Any]] = field(default_factory=list)
    forms: Counter = field(default_factory=Counter)

    @property
    def name(self) -> str:
        """The most common way the notes write it (ties: the one with more capitals)."""
        return max(self.forms.items(), key=lambda kv: (kv[1], sum(c.isupper() for c in kv[0]), kv[0]))[0] if self.forms else self.key

    def as_dict(self, of: int) -> dict[str, Any]:
        return {"skill": self.name, "key": self.key, "contacts": len(self.contacts), "of": of, "names": sorted(self.contacts.values()),
                "sources": sorted({m["source"] for m in self.mentions}), "mentions": self.mentions}


def rank_skills(interviews: Iterable[Interview]) -> list[dict[str, Any]]:
    """Skills named in these interviews, most contacts first (then by name), each with who named
    it, where (`mentions`: text, source, contact, evidence) and `of` (the contacts in the set)."""
    interviews = list(interviews)
    groups: dict[str, SkillGroup] = {}
    for iv in interviews:
        for it in iv.record.skills:
            key = skill_key(it.text)
            if not key:
                continue
            g = groups.setdefault(key, SkillGroup(key))
            g.contacts[iv.contact_key] = iv.contact
            g.forms[cased_key(key, it.text)] += 1
            g.mentions.append({"text": it.text, "source": iv.source, "contact": iv.contact, **evidence(it.evidence)})
    of = len({iv.contact_key for iv in interviews})
    ranked = sorted(groups.values(), key=lambda g: (-len(g.contacts), g.name.casefold()))
    return [g.as_dict(of) for g in ranked]


def find_gaps(ranked: list[dict[str, Any]], my_skills: Iterable[str], fit_notes: Iterable[dict[str, Any]] = (),
              share: float | None = None) -> list[dict[str, Any]]:
    """Skills at least `share` of the contacts named (default `gap_share` in insights.yaml) that
    are not in `my_skills`, each with the seeker's fit notes that mention it."""
    mine = {skill_key(s) for s in my_skills} - {""}
    share = settings()["gap_share"] if share is None else share
    fits = list(fit_notes)
    gaps = []
    for s in ranked:
        if s["key"] in mine or s["contacts"] < max(1, math.ceil(share * s["of"])):
            continue
        said = [f for f in fits if _mentions(f["text"], s["key"])]
        gaps.append({"skill": s["skill"], "key": s["key"], "contacts": s["contacts"], "of": s["of"], "fit_notes": said,
                     "text": f"named by {s['contacts']} of {s['of']} contacts, not in your skills: {s['skill']}"})
    return gaps


def skill_key(text: str) -> str:
    """The name a skill is grouped by: 'Pivot Tables' -> 'pivot table', 'MS Excel' -> 'excel'."""
    return _skill_key(text)


@lru_cache(maxsize=20_000)
def _skill_key(text: str) -> str:
    words = _words(text)
    fillers = _set("skill_fillers")
    while words and words[0] in fillers:
        words.pop(0)
    while words and words[-1] in fillers:
        words.pop()
    if not words:
        return ""
    words[-1] = singular(words[-1])
    key = " ".join(words)
    return settings()["aliases"].get(key, key)


def singular(word: str) -> str:
    """A plural English noun made singular ('policies' -> 'policy'); words in `not_plural` stay."""
    if word in _set("not_plural") or len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def cased_key(key: str, written: str) -> str:
    """The key in the casing the note used ('sql', 'SQL basics' -> 'SQL'; 'Pivot Tables' -> 'Pivot Table')."""
    seen = {singular(k): v for k, v in ((w.casefold(), w) for w in written.replace("-", " ").replace("/", " ").split())}
    out = []
    for w in key.split():
        orig = seen.get(w, "")
        if orig.casefold() == w:
            out.append(orig)
        else:
            out.append(w.upper() if orig.isupper() and len(orig) > 1 else w.capitalize() if orig[:1].isupper() else w)
    return " ".join(out)


def word_set(text: str) -> set[str]:
    """The singular lower-case words of a text (for matching skills in free text)."""
    return {singular(w) for w in _words(text)}


def _mentions(text: str, key: str) -> bool:
    return set(key.split()) <= word_set(text)


def _words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    cleaned = "".join(ch if ch.isalnum() or ch in KEEP_CHARS else " " for ch in plain)
    return [w.strip("./") for w in cleaned.split() if w.strip("./")]


@lru_cache(maxsize=None)
def _set(key: str) -> frozenset[str]:
    return frozenset(str(w).casefold() for w in settings()[key])
