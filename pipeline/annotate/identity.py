"""The one same-person rule, used by extraction, the store, follow-ups and the evaluation.

Names are compared without honorifics, credentials, accents, case or punctuation: the same
words; a first name alone matches a full name that starts with it; the same last name with
the same first name, first initial or a nickname of three or more letters ("Bart" for
"Bartłomiej"), or one the nicknames dataset knows ("Peg" for "Margaret"); a last initial matches the last name it starts ("Aisha B." is "Aisha Balogun").
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

from pipeline import rules


@lru_cache(maxsize=50_000)
def person_key(name: str) -> str:
    """'Dr. Dana Ruiz-Ortega, PhD' -> 'dana ruiz ortega'."""
    words = _words(name)
    return " ".join(words)


def same_person(a: str, b: str) -> bool:
    """True when two names refer to the same person (see module docstring)."""
    x, y = _words(a), _words(b)
    if not x or not y:
        return False
    if x == y:
        return True
    if len(x) == 1 or len(y) == 1:
        return x[0] == y[0]
    if x[-1] != y[-1] and not _initial(x[-1], y[-1]):
        return False
    return same_first_name(x[0], y[0])


def same_first_name(a: str, b: str) -> bool:
    """Equal, an initial, a nickname of three or more letters, or a known nickname ('Peg' and 'Margaret')."""
    if a == b:
        return True
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]
    return (a[0] == b[0] and _nickname(a, b)) or b in _nicknames(a) or a in _nicknames(b)


@lru_cache(maxsize=20_000)
def _nicknames(name: str) -> frozenset[str]:
    """Nicknames and full forms of a first name (the `nicknames` dataset)."""
    namer = _namer()
    return frozenset(namer.nicknames_of(name) | namer.canonicals_of(name)) if namer else frozenset()


@lru_cache(maxsize=1)
def _namer():
    try:
        from nicknames import NickNamer
    except ImportError:  # pragma: no cover - a dependency
        return None
    return NickNamer()


def strip_honorifics(name: str) -> str:
    """'Dr. Kwame Asante' -> 'Kwame Asante' (credentials after a comma go too)."""
    words = name.replace(",", " , ").split()
    honor, creds = rules.words("names", "honorifics"), rules.words("names", "credentials")
    while len(words) > 1 and words[0].lower().rstrip(".") in honor:
        words.pop(0)
    while len(words) > 1 and (words[-1] == "," or words[-1].lower().rstrip(".") in creds and words[-1][:1].isupper() and len(words) > 2):
        words.pop()
    return " ".join(words).replace(" , ", ", ").strip(" ,")


@lru_cache(maxsize=50_000)
def _words_cached(name: str) -> tuple[str, ...]:
    plain = unicodedata.normalize("NFKD", strip_honorifics(name)).encode("ascii", "ignore").decode().lower()
    out, cur = [], []
    for ch in plain:
        if ch.isalnum():
            cur.append(ch)
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return tuple(out)


def _words(name: str) -> list[str]:
    return list(_words_cached(name))


def _initial(a: str, b: str) -> bool:
    """'B' for 'Balogun': a one-letter last name is the initial of the other."""
    short, full = sorted((a, b), key=len)
    return len(short) == 1 and len(full) > 1 and full.startswith(short)


def _nickname(a: str, b: str) -> bool:
    short, full = sorted((a, b), key=len)
    return len(short) >= 3 and full.startswith(short)


class NameIndex:
    """Names under keys that any two names `same_person` accepts share, so finding the first
    earlier name of the same person looks at a few candidates instead of every name so far.

    Every name added stays under its keys (a person renamed to a fuller name is added again);
    candidates are always confirmed with `same_person` against the current name."""

    def __init__(self) -> None:
        self._keys: dict[str, set[int]] = {}

    def add(self, ident: int, name: str) -> None:
        for key in _index_keys(_words_cached(name)):
            self._keys.setdefault(key, set()).add(ident)

    def candidates(self, name: str) -> list[int]:
        """Ids that may be the same person as `name`, smallest first."""
        found: set[int] = set()
        for key in _query_keys(_words_cached(name)):
            found.update(self._keys.get(key, ()))
        return sorted(found)


def _index_keys(w: tuple[str, ...]) -> list[str]:
    if not w:
        return []
    if len(w) == 1:
        return [f"first:{w[0]}", f"alone:{w[0]}"]
    last = f"initial:{w[-1]}" if len(w[-1]) == 1 else f"starts:{w[-1][0]}"
    firsts = _first_keys(w[0], query=False)
    return [f"first:{w[0]}"] + [f"{kind}|{f}" for kind in (f"last:{w[-1]}", last) for f in firsts]


def _query_keys(w: tuple[str, ...]) -> list[str]:
    """Keys a name shares with every name it is the same person as (see `same_person`): a lone
    word meets names that start with it; a full name meets lone first names, and names whose
    first name could be the same (`_first_keys`) with the same last name, or with the last
    name its last initial starts (and the other way round)."""
    if not w:
        return []
    if len(w) == 1:
        return [f"first:{w[0]}"]
    last = f"starts:{w[-1]}" if len(w[-1]) == 1 else f"initial:{w[-1][0]}"
    firsts = _first_keys(w[0], query=True)
    return [f"alone:{w[0]}"] + [f"{kind}|{f}" for kind in (f"last:{w[-1]}", last) for f in firsts]


def _first_keys(first: str, query: bool) -> set[str]:
    """Two first names `same_first_name` accepts share a key: equal names and prefixes of three
    or more letters share their first three letters, a known nickname is the other name's own
    form (so its first three letters are in both), and an initial meets every name it starts
    (a name is filed under its initial, "i:", which only a lone initial asks for)."""
    keys = {f"p:{first[:3]}"} | {f"p:{n[:3]}" for n in _nicknames(first) if n}
    if len(first) == 1:
        keys.add(f"i:{first}")
    elif query:
        keys.add(f"p:{first[0]}")
    else:
        keys.add(f"i:{first[0]}")
    return keys
