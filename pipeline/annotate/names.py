"""Person-name candidates: every span that may name a person, found generously.

Capitalised word runs (with honorifics and name particles), a known first name alone, lower-case
first names in notes typed in lower case, speaker labels and e-mail header names. Whether a
candidate is a person at all, and which role it plays, is the trained person head's decision.
First names come from gender-guesser's name dictionary; the word lists from `rules/names.yaml`.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from functools import lru_cache
from pathlib import Path

from pipeline import rules
from pipeline.annotate.identity import NameIndex, same_person, strip_honorifics
from pipeline.document import Doc, Mention, Person

_TOKEN = re.compile(r"[^\W\d_][\w'’\-.]*[\w]|[^\W\d_]")
MAX_NAME_WORDS = 4
SINGLE_NAME_ZIPF = 5.5  # a lone capitalised first name more common than this is a word ('My', 'Will', 'Hope')
LOWER_FIRST_ZIPF = 4.8  # in lower-case notes a first name must be rarer than this ('ben', 'dale', not 'will')
LOWER_SURNAME_ZIPF = 4.0
SENTENCE_START_NAME_ZIPF = 4.6  # ... and at the start of a sentence ('Hope so.', 'Grace period')
LEAD_WORD_ZIPF = 4.3  # a run's first word this common is a sentence start, not a name


def find_mentions(doc: Doc) -> list[Mention]:
    """Name candidates in segments and in line labels (speakers, header fields), in order."""
    starts = [s.start for s in doc.segments]
    lower = _lower_case_note(doc)
    found: list[Mention] = []
    for line in doc.lines:
        if line.kind in ("turn", "speaker", "label", "header") and line.label:
            origin = {"turn": "speaker", "speaker": "speaker", "header": "header"}.get(line.kind, "label")
            found += _scan(doc.text, line.start, line.body if line.kind != "speaker" else line.end, origin, lower)
    for seg in doc.segments:
        origin = "header" if seg.kind == "header" else "text"
        found += _scan(doc.text, seg.start, seg.end, origin, lower)
    found = _drop_overlaps(sorted(found, key=lambda m: (m.start, -m.end)))
    for m in found:
        m.segment = max(0, bisect_right(starts, m.start) - 1)
    return _keep_plausible(found)


def group_people(mentions: list[Mention]) -> list[Person]:
    """Mentions of one person share a `Person` (the fullest name wins), by the one same-person rule;
    'Prof. Quinlan' also joins 'Deirdre Quinlan'. Each mention joins the earliest person it matches."""
    people: list[Person] = []
    index = NameIndex()
    by_last: dict[str, set[int]] = {}  # last word of each person's name (any name they had) -> people
    surnames: dict[str, list[int]] = {}  # people known only as "Ranger Tsosie": their surname -> people
    for k, m in enumerate(mentions):
        name = strip_honorifics(m.text)
        words = name.split()
        match = next((i for i in index.candidates(name) if same_person(name, people[i].name)), None)
        if match is None and name != m.text and len(words) == 1:
            match = min((i for i in by_last.get(name.lower(), ()) if people[i].name.split()[-1].lower() == name.lower()), default=None)
        if match is None and len(words) > 1:
            match = next(iter(surnames.get(words[-1].lower(), [])), None)
        if match is None:
            people.append(Person(name, [k]))
            match = len(people) - 1
            if name != m.text and len(words) == 1:
                surnames.setdefault(name.lower(), []).append(match)
        else:
            p = people[match]
            p.mentions.append(k)
            if len(words) > len(p.name.split()):
                if match in surnames.get(p.name.lower(), ()):
                    surnames[p.name.lower()].remove(match)
                p.name = name
        m.person = match
        index.add(match, people[match].name)
        if people[match].name.split():
            by_last.setdefault(people[match].name.split()[-1].lower(), set()).add(match)
    return people


def known_first_name(word: str) -> bool:
    """A first name in the dictionary, whatever its case or accents."""
    w = word.lower().strip(".'’")
    return len(w) >= 2 and (w in _first_names() or _ascii(w) in _first_names())


def _scan(text: str, start: int, end: int, origin: str, lower: bool) -> list[Mention]:
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text, start, end)]
    out: list[Mention] = []
    i = 0
    while i < len(tokens):
        run = _run_at(text, tokens, i, lower)
        if run:
            a, b, n = run
            out.append(Mention(a, b, text[a:b], -1, origin))
            i += n
        else:
            i += 1
    return out


def _run_at(text: str, tokens: list[tuple[int, int]], i: int, lower: bool) -> tuple[int, int, int] | None:
    """The name run starting at token i: (start, end, tokens used), or None."""
    honor = rules.words("names", "honorifics")
    j, words = i, []
    while j < len(tokens) and _word(text, tokens[j]).lower().rstrip(".") in honor and _cap(text, tokens[j]):
        j += 1
    first = j
    while j < len(tokens) and len(words) < MAX_NAME_WORDS and _adjacent(text, tokens, j, first):
        w = _word(text, tokens[j])
        if j == first and _listed_first_name(text, tokens, j):
            words.append(w)
            j += 1
        elif _name_word(w, lower and j == first or lower and words and known_first_name(words[0])):
            words.append(w)
            j += 1
        elif words and w.lower() in rules.words("names", "particles") and _capital_after_particles(text, tokens, j):
            words.append(w)
            j += 1
        else:
            break
    while words and words[-1].lower() in rules.words("names", "particles"):
        words.pop()
        j -= 1
    lead = 0
    while first == i and len(words) - lead > 1 and _common_lead(words[lead]):
        lead += 1
    if not words[lead:]:
        return None
    a, b = tokens[i if first > i else first + lead][0], tokens[j - 1][1]
    words = words[lead:]
    b = _strip_possessive(text, a, b)
    if not _plausible(words, honored=first > i, lower=lower, sentence_start=_sentence_start(text, a)):
        return None
    return a, b, j - i


def _capital_after_particles(text: str, tokens: list[tuple[int, int]], j: int) -> bool:
    """'van der Berg': the word after a run of particles is capitalised."""
    particles = rules.words("names", "particles")
    k = j
    while k < len(tokens) and _word(text, tokens[k]).lower() in particles:
        k += 1
    return k < len(tokens) and k - j <= 3 and _cap(text, tokens[k])


def _listed_first_name(text: str, tokens: list[tuple[int, int]], j: int) -> bool:
    """'Thu Nguyễn', 'May Chen', 'June Park': a month or weekday that is also a first name, before a capitalised name."""
    w = _word(text, tokens[j])
    dated = set(rules.load("dates")["months"]) | set(rules.load("dates")["weekdays"])
    if w.lower() not in dated or not w[0].isupper() or not known_first_name(w) or j + 1 >= len(tokens):
        return False
    nxt = _word(text, tokens[j + 1])
    return _adjacent(text, tokens, j + 1, j) and nxt[0].isupper() and nxt.lower() not in rules.words("names", "not_name_words")


def _common_lead(w: str) -> bool:
    """A common word starting a capitalised run ('Met Keoni Kahananui', 'Emailing Priya')."""
    if known_first_name(w) and _zipf(w) < SINGLE_NAME_ZIPF:
        return False
    return _zipf(w) >= LEAD_WORD_ZIPF or w.lower().endswith(("ing", "ed")) or w.lower() in rules.words("names", "not_name_words")


def _adjacent(text: str, tokens: list[tuple[int, int]], j: int, first: int) -> bool:
    """Tokens of one name are separated by a single space (no punctuation, no line break)."""
    if j == first or j == 0:
        return True
    gap = text[tokens[j - 1][1]:tokens[j][0]]
    return gap in (" ", "\u00a0") or (gap == ". " and tokens[j - 1][1] - tokens[j - 1][0] == 1)


def _name_word(w: str, allow_lower: bool) -> bool:
    low = w.lower()
    if low in rules.words("names", "not_name_words") or low in rules.words("names", "chat_words"):
        return False
    if w[0].isupper():
        return True
    return allow_lower and (known_first_name(w) and _zipf(w) < LOWER_FIRST_ZIPF or _zipf(w) < LOWER_SURNAME_ZIPF)


def _plausible(words: list[str], honored: bool, lower: bool, sentence_start: bool = False) -> bool:
    """A single word must be a known first name that is not a common word (or follow an honorific);
    a lower-case run must start with a first name."""
    if honored:
        return True
    particles = rules.words("names", "particles")
    if any(w[0].islower() and w.lower() not in particles for w in words) or words[0][0].islower():
        return known_first_name(words[0]) and _zipf(words[0]) < LOWER_FIRST_ZIPF and all(len(w) > 1 for w in words) and len(words) <= 2
    if len(words) == 1:
        w = words[0]
        limit = SENTENCE_START_NAME_ZIPF if sentence_start else SINGLE_NAME_ZIPF
        return known_first_name(w) and not (w.isupper() and len(w) <= 4) and _zipf(w) < limit
    return True


def _sentence_start(text: str, a: int) -> bool:
    """The first word of a line or sentence, where any word is capitalised."""
    k = a - 1
    while k >= 0 and text[k] in " \t\"'“(*_-•>":
        k -= 1
    return k < 0 or text[k] in "\n.!?:"


def _keep_plausible(mentions: list[Mention]) -> list[Mention]:
    return [m for m in mentions if m.end > m.start and any(ch.isalpha() for ch in m.text)]


def _drop_overlaps(mentions: list[Mention]) -> list[Mention]:
    out: list[Mention] = []
    for m in mentions:
        if out and m.start < out[-1].end:
            continue
        out.append(m)
    return out


def _strip_possessive(text: str, a: int, b: int) -> int:
    if text[b - 2:b] in ("'s", "’s"):
        return b - 2
    return b


def _word(text: str, tok: tuple[int, int]) -> str:
    return text[tok[0]:tok[1]]


def _cap(text: str, tok: tuple[int, int]) -> bool:
    return text[tok[0]].isupper()


@lru_cache(maxsize=100_000)
def _zipf(word: str) -> float:
    """How common a word is in English (wordfreq's Zipf scale: 'the' 7.7, 'John' 5.4, 'Marisol' 2.5)."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word.lower(), "en")


def _lower_case_note(doc: Doc) -> bool:
    starts = [doc.text[s.start] for s in doc.segments if s.end > s.start and doc.text[s.start].isalpha()]
    return len(starts) >= 3 and sum(c.islower() for c in starts) / len(starts) > 0.6


def _ascii(word: str) -> str:
    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()


@lru_cache(maxsize=1)
def _first_names() -> frozenset[str]:
    """The ~48,000 first names of gender-guesser's dictionary, read directly (its Detector is slow to build)."""
    import gender_guesser

    path = Path(gender_guesser.__file__).parent / "data" / "nam_dict.txt"
    names: set[str] = set()
    with path.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            if line[:1] not in "#=" and line.strip():
                parts = line.split()
                if len(parts) > 1:
                    name = parts[1].lower()
                    names.update({name.replace("+", r) for r in ("", " ", "-")} if "+" in name else {name})
    return frozenset(names)
