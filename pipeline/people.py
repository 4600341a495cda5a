"""People in a note (part of extraction): name candidates, the contact, the writer, referral cues.

Names are found deterministically (capitalised word runs checked against a first-name list,
titles like Dr./Prof., e-mail addresses) and always returned exactly as written, with offsets.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_TITLE = r"(?:Dr|Prof|Professor|Mr|Mrs|Ms|Mx|Capt|Captain|Lt|Sgt|Rev|Coach|Chef|Judge|Chaplain|Pastor|Fr|Rabbi|Imam|Deacon|Officer|Detective|Sheriff)\.?"
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"  # combining accents (Adébáyọ̀)
_CAP = rf"[A-ZÀ-ÖØ-ÞĀ-ŽƠƯ][{_MARKS}]*[\w{_MARKS}'’\-]*"
_NAME_RE = re.compile(rf"(?<![\w@.])(?:{_TITLE} ){{0,2}}{_CAP}(?: (?:(?:de|van|von|der|da|del|la|le|bin|al) )?{_CAP}){{0,3}}")
EMAIL_RE = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
PHONE_RE = re.compile(r"(?:\+?1[\s.\-]?)?\(?\d{3}\)?[\s.\-]\d{3}[\s.\-]\d{4}|\bext\.? ?\d{3,5}\b|\bx\d{3,5}\b")
URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>()\"']+[^\s<>()\"'.,;:!?]|\b[a-z0-9\-]+\.(?:com|org|edu|gov|io|net)/[^\s<>()\"']*[^\s<>()\"'.,;:!?]")

_NOT_NAME_WORDS = {w.lower() for w in """
Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mon Tue Wed Thu Fri Sat Sun January February March
April May June July August September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
The This That These Those Then Than There Their They She He Her His Him It Its I I'm I'll I've We Our You Your Yes No
Okay OK Ok So And But Or If When What Why How Who Where Also Plus Maybe Honestly Thanks Thank Hi Hello Hey Dear Best
Regards Cheers Great Good Sure Right Well Oh Um Uh Yeah Yep Nope Today Tomorrow Tonight Zoom Teams LinkedIn Slack
Google Excel Python SQL Figma Miro Notion Jira Asana Trello Canva Tableau Salesforce Workday Qualtrics Airtable Loom Epic TODO Skills Advice Outlook People Fit Day Notes Note Interview Info Subject From To
Date Cc Re Fwd Summer Spring Fall Winter Senior Junior Manager Director Engineer Lead Head Chief Associate Assistant
University College School Program Team Group Department Center Centre Hospital Inc LLC LLP Corp Company Bank Lab
New North South East West Street Ave St Road Drive Chat Call Coffee Meeting Email Phone Intern Internship Posting
Reply Forwarded Original Message Sent Tel Cell Mobile Office Follow Next Step Steps Action Items Contacts Referrals
Getting Breaking Background Career Careers Job Jobs Role Work Working Ask Call Apply Talk Reach Send Email Read Check
One Two Three Four Five Six Seven Eight Nine Ten Eleven Twelve Twenty Thirty Forty Fifty Hundred First Second Third
Haha Hah Ah Aha Ahh Ooh Oops Wow Huh Hmm Mhm Lol Omg Ugh Yay Whoa Meh Phew
German Spanish Italian Portuguese Dutch Polish Russian Ukrainian Arabic Hebrew Hindi Chinese Mandarin
Cantonese Japanese Korean Vietnamese Turkish Greek Swedish Norwegian Danish Finnish Czech American British Canadian
""".split()}
ORG_WORDS = re.compile(r"\b(University|College|School|Schools|High|Academy|Inc|LLC|LLP|Ltd|Corp|Company|Co|Bank|Hospital|Center|Centre|"
                       r"Institute|Labs?|Group|Health|Healthcare|Motors|Department|Program|Association|Society|Foundation|Agency|"
                       r"Partners|Capital|Systems|Services|Club|Council|Office|City|County|State|District|Brands|Mechanical|Electric|"
                       r"House|Productions|Software|Games|Studios?|Works|Solutions|Consulting|Media|Engineering|Construction|"
                       r"Architects|Design|Realty|Hotel|Museum|Library|Libraries|Clinic|Care|Medical|Pharmacy|Bakery|Cafe|Coffee|"
                       r"Airlines?|Energy|Power|Insurance|Financial|Fund|Trust|Press|News|Times|Union|Local|Street|Road|Avenue|"
                       r"Square|Tech|Technologies|Global|International|Industries|Enterprises|Holdings|Ventures|Analytics|Logistics|"
                       r"Freight|Lines|Network|Robotics|Events|Court|Mutual|Trades|Therapy|Security|Alliance|Firm|Bureau|Authority|"
                       r"Commission|Ministry|Board)\b")  # words that make a capitalised run an organisation, not a person

REFERRAL_CUES = re.compile(
    r"(talk(ing)? to|two people|(?:gave|give|has|had|got|have) (?:me )?(?:a |two |three |some |a few |a couple (?:of )?)?names\b|"
    r"(?:two|three|a few|some|couple of) names\b|(?:told|asked|wants?|encouraged|urged) me to (?:e-?mail|call|contact|reach out|talk|text|message|meet|ping)|"
    r"said (?:i should|to) (?:e-?mail|call|contact|reach out|talk|text|message|meet)|(?:drop|use|mention) (?:my|her|his|their) name|suggested|recommended (I|that I|talking|reaching)|speak (to|with)|reach out|contact|connect (you|with)|introduc|intro\b|e-?mail (him|her|them)|"
    r"call (him|her|them)|ask for|ask (him|her|them)|tell (him|her|them) i sent|sent you|loop (you )?in|"
    r"you should (meet|talk|email|call|contact)|worth (talking|a chat|reaching)|get in touch|pass (along|on) (my|your)|"
    r"message (him|her|them)|knows? (everyone|everybody|a lot)|would be happy to|loves talking|ping)", re.I)
# Away for now, or leaving: said of one person, they are no one to contact ("on parental leave", "better not contact her").
_AWAY = (r"on (?:parental|maternity|paternity|medical|sick) leave|(?:is|she's|he's) leaving the (?:company|firm|team)|"
         r"better not (?:contact|reach out|reach|call|e-?mail)")
NEGATIVE_CUES = re.compile(
    r"(not a contact|not relevant|not a referral|no names|no one to|nobody to|retired|passed away|\bhusband|\bwife\b|"
    r"\bspouse|partner is|her son|his son|daughter|my (friend|roommate|mom|dad|sister|brother|advisor|professor|old boss)|"
    r"cautionary|famous|\bauthor\b|\bnovel\b|memoir|documentary|brought up|(?:be|as) (?:a|my|her|his) reference|reference letter|letter of rec|\b(his|her|their|the) book|podcast|\bread\b|\bwrote\b|\bquit\b|left (the|law|to)|\bex-|former|used to work|"
    r"don'?t (?:reach out|contact|call|e-?mail|bother)|not (?:to )?contact (?:her|him|them)|" + _AWAY + "|"
    r"(?-i:\bthe late (?:Dr\.? |Mr\.? |Ms\.? |Mrs\.? |Prof\.? )?[A-Z])|"
    r"thanks to|connected us|set (this|it) up|introduced (us|me)|who (put|connected) (us|me)|intro (came )?(through|via|from)|"
    r"my (buddy|friend|cousin|roommate|classmate|partner|boyfriend|girlfriend|mentor|predecessor|boss|manager|supervisor|"
    r"advisor|adviser|\w+ \w+ prof(essor)?|\w+ prof(essor)?|prof(essor)?)|your professor|"
    r"not a person to contact|not (a |someone )?to contact|just reading|watch(es|ed)?\b|grew up on|on tv|\bblog|"
    r"doesn't have anybody|didn't have anybody|no one specific|nobody specific|"
    r"tell \S+(?: \S+)? (?:that )?i said (?:hi|hello)|say hi to|(?:give|send) \S+(?: \S+)? my (?:best|regards|love)|"
    r"(?:her|his|their) old (?:boss|manager|supervisor|mentor|teacher)|your old \w+|not (?:really )?the right person|"
    r"don'?t bother|no need to (?:contact|reach|email|call)|not worth (?:contacting|bothering|a call)|my (?:\w+ )?(?:instructor|teacher|coach|tutor))", re.I)
# Anywhere in a line that names only one person, these make that person someone merely mentioned.
GONE_CUES = re.compile(r"\b(retired|passed away|died|sold the (?:company|business|practice)|moved (?:away|to \w+)|left the (?:field|industry)|"
                       r"out of the (?:field|industry)|no longer (?:works|in)|left (?:to|for) (?:go into|do|work in|become|start)|" + _AWAY + r")\b", re.I)
# A line that says who set the interview up names the referrer, not a lead ("**Intro:** my instructor, Mr. Pruitt").
INTRO_LINE = re.compile(r"^\W*(intro|introduced by|introduction|referred by|referral from|via|how i (?:got|found|met) (?:him|her|them)|"
                        r"connection|connected (?:through|via|by)|set up by)\W*:", re.I)


@dataclass
class Mention:
    """A person name as written, with offsets into the note text."""

    name: str
    start: int
    end: int


INJECTION = re.compile(r"(ignore (all |any )?(the )?(previous|prior|above|earlier) (instructions|prompts?)|disregard (the|all|previous)|"
                       r"^\W*(system|assistant)\s*:|(list|output|answer|record) must (include|contain|say)|"
                       r"system prompt|you are now|new instructions|as an ai\b|output (only|the following)|jailbreak)", re.I)
_LEAD_IN = re.compile(r"(?:talk to|speak (?:to|with)|reach out to|contact|ask for|email|e-mail|call|introduce you to|meet|ping)\s+$", re.I)


def find_names(text: str, start: int = 0, line_start: bool = False, header: bool = False) -> list[Mention]:
    """Person-name candidates in `text` (offsets shifted by `start`), exactly as written.

    A capitalised run counts when it starts with a known first name or a title; a run of
    2-4 capitalised words also counts where the layout says "person here": at the start of a
    bullet followed by a dash, comma or bracket (`line_start`), or after "talk to", "ask for"...
    """
    out: list[Mention] = []
    for m in _NAME_RE.finditer(text):
        name, a = _clean_name(m.group(0), m.start())
        if not name:
            continue
        before = text[max(0, a - 40):a]
        if _place_before(before) or _common_word_name(name, a == 0 or bool(re.search(r"[.!?:]\s*$", before))):
            continue
        after = text[a + len(name):a + len(name) + 40]
        if before.rstrip().endswith("&") and _FIRM_AFTER.match(after) or name == "Ha" and re.match(r"[,!]", after):
            continue  # "Whitcombe & Rhys LLP" is a firm; "Ha, that's fair" a laugh (Ha Tran is a person)
        slot = (line_start and a == 0 and re.match(r"\s*[-–—,(:]", text[a + len(name):])) or _LEAD_IN.search(before)
        slot = slot or _PRONOUN_APPOSITIVE.match(text[a + len(name):])  # "Bongani Dlamini, he's a landscape architect"
        slot = slot or (re.search(r"(?:^|\n)\W*(?:A|Answer)\s*[:.)]\s*\**\s*$", before) and re.match(r"\s*[-–—,(/:]", text[a + len(name):]))
        slot = slot or (header and re.match(r"\s*[-–—,(/:]", text[a + len(name):]) and re.search(r"(^|[-–—:/,]|\bw/|\bwith)(\*\*|__)?\s*$", before))
        if looks_like_person(name) or (slot and _plausible_full_name(name)):
            out.append(Mention(name, start + a, start + a + len(name)))
    return out


_FIRM_AFTER = re.compile(r"\s*(?:LLP|LLC|Inc|Ltd|Co|Partners|Associates|Group|Law|Architects|Engineers)\b")
_PRONOUN_APPOSITIVE = re.compile(r",\s+(?:he|she|they)(?:'s|’s|'re|’re| is| was| are| does| runs| works| knows)\b")


def _place_before(before: str) -> bool:
    """'at Cornell', 'St. Aldric', 'from Lincoln': a place or organisation, not a person."""
    return bool(re.search(r"(\b(at|from|in|near|of|to the)|St\.|@)\s*$", before)) and not _LEAD_IN.search(before)


def _common_word_name(name: str, sentence_start: bool) -> bool:
    """Single capitalised words that are common English words ('Tell', 'Go', 'DO'), or acronyms."""
    words = strip_title(name).split()
    if len(words) != 1 or name != strip_title(name):
        return False
    w = words[0]
    if w.isupper():
        return True
    from wordfreq import zipf_frequency

    return zipf_frequency(w.lower(), "en") >= (5.0 if sentence_start else 5.3)


def _plausible_full_name(name: str) -> bool:
    """2-4 capitalised words, not an organisation, not all everyday English words."""
    from wordfreq import zipf_frequency

    words = strip_title(name).split()
    if not 2 <= len(words) <= 4 or ORG_WORDS.search(name) or not all(w[:1].isupper() for w in words):
        return False
    if _is_first_name(words[0].split("-")[0]):
        return True
    return zipf_frequency(words[-1].lower(), "en") < 4.5 and not all(zipf_frequency(w.lower(), "en") >= 4.0 for w in words)


def looks_like_person(name: str) -> bool:
    """A capitalised run that starts with a known first name (or a title) and is not an org."""
    words = name.split()
    parts = [p for w in words if not re.fullmatch(_TITLE, w) for p in w.split("-")]
    caps = [p.isupper() and len(p) >= 2 for p in parts]
    if len(parts) > 1 and any(caps) and not all(caps) and not (caps[-1] and not any(caps[:-1]) and len(parts) >= 3):
        return False  # "German LQA": an acronym is no part of a name ("Imani Okafor CNM" ends in a credential)
    if re.fullmatch(_TITLE, words[0]) and len(parts) == 1 and len(parts[0].strip(".")) == 1:
        return False  # "Dr. V": an initial alone; the full name is found where the note spells it
    if ORG_WORDS.search(name) or any(p.lower().strip("'’") in _NOT_NAME_WORDS or not p[:1].isupper() for p in parts if p):
        return False
    if re.fullmatch(_TITLE, words[0]) and len(words) > 1:
        return True
    first = words[0].split("-")[0]
    return _is_first_name(first) and (len(words) <= 4)


def strip_title(name: str) -> str:
    """'Dr. Kwame Asante' -> 'Kwame Asante'."""
    return re.sub(rf"^(?:{_TITLE}\s+)+", "", name).strip()


def same_person(a: str, b: str) -> bool:
    """Names match ignoring titles and case; same last name with the same first name or initial."""
    x, y = strip_title(a).lower().split(), strip_title(b).lower().split()
    if not x or not y:
        return False
    if x == y:
        return True
    if len(x) == 1 or len(y) == 1:
        return x[0] == y[0]
    return x[-1] == y[-1] and x[0][0] == y[0][0]


@lru_cache(maxsize=1)
def _first_names() -> frozenset[str]:
    """The ~48,000 first names of gender-guesser's name dictionary (lower case), read directly:
    building its Detector parses per-country frequencies we never use and takes ~1.7 s."""
    import gender_guesser

    path = Path(gender_guesser.__file__).parent / "data" / "nam_dict.txt"
    names: set[str] = set()
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line[:1] not in "#=" and line.strip():
                name = line.split()[1].lower()
                names.update({name.replace("+", r) for r in ("", " ", "-")} if "+" in name else {name})
    return frozenset(names)


def known_first_name(word: str) -> bool:
    """A first name in the name dictionary, whatever its case ("dale", "Dale")."""
    return _is_first_name(word[:1].upper() + word[1:])


@lru_cache(maxsize=20000)
def _is_first_name(word: str) -> bool:
    if len(word) < 2 or not word[0].isupper():
        return False
    return word.lower() in _first_names() or _ascii(word).lower() in _first_names()


def _ascii(word: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()


_VERBS = {"ping", "email", "e-mail", "call", "text", "ask", "message", "contact", "meet", "tell", "thank", "cc",
          "met", "interviewed", "called", "emailed", "saw", "visited", "shadowed", "thanked"}


def _clean_name(raw: str, a: int) -> tuple[str, int]:
    name = raw.rstrip("'’-")
    if name.endswith(("'s", "’s")):
        name = name[:-2]
    words = name.split()
    while words and words[-1].lower() in _NOT_NAME_WORDS:
        words.pop()
    pos = 0
    while len(words) > 1 and (words[0].lower() in _NOT_NAME_WORDS or words[0].lower() in _VERBS):
        pos += re.match(r"\S+\s+", name[pos:]).end()
        words.pop(0)
    return " ".join(words), a + pos
