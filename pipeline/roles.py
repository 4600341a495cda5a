"""Contact roles (part of extraction): a person's job title and organisation as the note writes them.

Notes introduce the contact in a handful of shapes, all read deterministically here:
appositives after the name ("Dev Kapoor, SOC Analyst II (Tier 2), Sentinel Ridge Security",
"Tanya (outpatient renal dietitian, Valley Kidney Care)"), the line below a header name
("Senior Localization Project Manager, Verbalis Language Services"), and prose ("She's a
medical social worker (LCSW) in the NICU at Riverside Children's Hospital", "Carla is VP of
Communications at Tidewater Health"). A title must contain a job word; meeting details
("Google Meet, 40 min", "this morning"), credentials ("PharmD, BCPS") and name variants are
skipped. Every value is a piece of the note's own text.
"""
from __future__ import annotations

import re

from pipeline.people import ORG_WORDS, looks_like_person

ROLE = re.compile(
    r"\b(manager|director|engineer|scientist|analyst|associate|specialist|coordinator|technician|tech|therapist|counselor|"
    r"pharmacist|nurse|worker|writer|designer|developer|planner|attorney|lawyer|librarian|archivist|biologist|actuary|"
    r"captain|pilot|officer|lieutenant|firefighter|paramedic|teacher|professor|lecturer|consultant|founder|co-founder|cto|ceo|"
    r"cfo|coo|vp|president|head|lead|partner|principal|dietitian|hygienist|interpreter|translator|pm|recruiter|editor|"
    r"reporter|journalist|producer|accountant|auditor|administrator|supervisor|chef|architect|pathologist|physician|doctor|"
    r"surgeon|resident|fellow|intern|researcher|adjuster|underwriter|economist|statistician|programmer|advisor|adviser|"
    r"representative|rep|agent|broker|curator|conservator|electrician|plumber|mechanic|operator|inspector|investigator|"
    r"paralegal|clerk|assistant|aide|owner|chief|dean|superintendent|principal|organizer|organiser|strategist|marketer|"
    r"forester|arborist|ranger|chemist|dentist|optometrist|veterinarian|vet|technologist|sonographer|machinist|welder|"
    r"carpenter|lineworker|lineman|driver|baker|farmer|gardener|landscaper|trainer|coach|instructor|tutor|ecologist|"
    r"geologist|hydrologist|epidemiologist|psychologist|sociologist|counsellor|advocate|navigator|steward|registrar|"
    r"educator|artist|musician|animator|photographer|filmmaker|author|linguist|mathematician|physicist|zoologist|"
    r"botanist|judge|deputy|sergeant|detective|medic|emt|midwife|doula|audiologist|nutritionist|cook|bartender|"
    r"receptionist|bookkeeper|banker|trader|realtor|appraiser|surveyor|drafter|contractor|builder|dispatcher|controller|"
    r"mgr|rdh|rn|lvt|slp|crc|np|pa|pmm|cra|gc|cota|ota|pta|cfi)s?\b", re.I)
_MEETING = re.compile(r"(zoom|google meet|\bmeet\b|\bteams\b|phone|\bcall\b|coffee|in person|\bmins?\b|minutes|~|cafeteria|break room|"
                      r"lunch|today|tonight|this (morning|afternoon|evening)|yesterday|last week|\d{1,2}[:/]\d|\bhe paid\b|\bshe paid\b)", re.I)
_CREDENTIAL = re.compile(r"^(?:PharmD|PhD|MD|DO|JD|MBA|MSW|[A-Z][A-Za-z]{0,4}[A-Z](?:[-/][A-Z]{1,4})?)$")
_SPLIT = re.compile(r"(?:[,;|()]|\s[-–—]{1,2}\s|\s@\s?|^@\s?|\sat\s|\swith\s|\sw/\s?)\s*")
_ORG_MARK = re.compile(r"(?:@|\bat|\bwith|\bfor|\bw/)\s*$")
MAX_CLAUSE = 400  # characters read after a name: its title and organisation come right after it
_CLAUSE_END = re.compile(r"(?<!\bSt)(?<!\bSr)(?<!\bDr)(?<!\bMr)(?<!\bMs)(?<!\bMrs)(?<!\bJr)(?<!\bInc)(?<!\bCo)(?<!\bLt)(?<!\bAssoc)(?<!\bAsst)(?<!\bExec)(?<!\bDept)(?<!\bMgr)(?<!\bDir)(?<!\bSnr)[.!?](?:\s|$)")
_VERB = re.compile(r"\b(went|goes|does|did|runs|ran|coordinates|organizes|handles|said|says|is|was|are|were|has|had|will|would|can|"
                   r"got|gets|moved|left|joined|started|works|worked|knows|loves|hires|met)\b", re.I)
_RELATIVE = re.compile(r"\s(?:who|that|which|whose|and (?:he|she|they|i))\b.*$", re.I)
_PROSE = re.compile(
    r"(?:\b(?:she|he|they|who)(?:'?s|’s| is| was| are)|\bI'?m|\bI am|\b(?:{names})(?:'s|’s| is| was))\s+(?:now\s+|currently\s+|also\s+)?"
    r"(?:(?:a|an|the)\s+)?(?P<title>[^.,;()!?\n*]{2,80}?)(?=\s+(?:at|with|for|in|on|who|that|which|since|from|and (?:he|she|they|i))\b|"
    r"\s*[(,.;!?\n*]|$)", re.I)
_ORG_AFTER = re.compile(r"^\s*(?:\([^)]*\)\s*)?(?:,\s*)?(?:(?:in|on) the [^,.;@]{1,30}?\s+)?(?:at|with|for|@)\s+(?:the\s+)?"
                        r"(?P<org>[A-Z][\w&'’.\-]*(?:\s+(?:of|and|&|for|the|de)?\s*[A-Z0-9][\w&'’.\-]*){0,5})")
_UNIT = re.compile(r"\s+(?:in|on) the [\w&\- ]{1,30}?\b(?:group|team|department|unit|division|practice|lab|desk)\b", re.I)
_FILLER = re.compile(r"^(?:who(?:'s|’s| is)|(?:she|he|they)(?:'s|’s| is| are)|a|an|the|now|currently)\s+|\s+(?:here|now|there|today)$", re.I)
_DATE_OR_LABEL = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d|\b(?:mon|tue|tues|wed|thu|thurs|fri|sat|sun)"
                            r"(?:day)?\b|^(?:date|when|where|how|intro|via|format|length|location)\s*:", re.I)


def appositive(rest: str) -> tuple[str | None, str | None]:
    """Title and organisation from the text right after a name, up to the end of its clause
    ("Jo Li, Analyst, Acme Labs. She ..."): the first part with a job word is the title (with any unit between it and the organisation),
    the organisation is the last part marked by '@'/'at' or an organisation word, else the last
    capitalised part."""
    parts = _parts(_CLAUSE_END.split(rest[:MAX_CLAUSE], maxsplit=1)[0])
    title_at = next((i for i, (p, _) in enumerate(parts) if title_like(p)), None)
    orgs = [i for i, (p, marked) in enumerate(parts) if (title_at is None or i > title_at) and _org_like(p, marked)]
    marked = [i for i in orgs if parts[i][1] or ORG_WORDS.search(parts[i][0])]
    org_at = marked[-1] if marked else (orgs[-1] if orgs else None)
    if title_at is None:
        return None, _clean(parts[org_at][0]) if org_at is not None else None
    end = org_at if org_at is not None and org_at > title_at else title_at + 1
    kept = [parts[i][0] for i in range(title_at, end) if i == title_at or _department(parts[i][0])]
    title, org = _clean(_RELATIVE.sub("", ", ".join(kept))), _clean(parts[org_at][0]) if org_at is not None else None
    of = re.match(r"(.+?)\s+of\s+(.+)$", title or "")
    if of and not org and ORG_WORDS.search(of.group(2)) and _org_like(of.group(2), True):  # "co-founder & CTO of Kestrel Robotics"
        title, org = of.group(1), org or of.group(2)
    return title, org


def prose_role(text: str, names: list[str]) -> tuple[str | None, str | None]:
    """Title and organisation from a sentence such as "She's the Director of Development at X"
    (or "Helen Mabry is the Wildlife Biologist who...", with the contact's first or last name)."""
    rx = re.compile(_PROSE.pattern.replace("{names}", "|".join(re.escape(n) for n in names if n) or "(?!)"), re.I)
    for m in rx.finditer(text[:2000]):
        title = _clean(m.group("title"))
        if title and title_like(title) and len(title.split()) <= 8:
            unit = _UNIT.match(text[m.end():])  # "an associate in the healthcare group"
            title, end = (f"{title}{unit.group(0)}", m.end() + unit.end()) if unit else (title, m.end())
            org = _ORG_AFTER.match(text[end:])
            return title, _clean(org.group("org")) if org else None
    return None, None


def _parts(rest: str) -> list[tuple[str, bool]]:
    """Pieces between separators, each with whether '@'/'at'/'with' marked it as an organisation."""
    out: list[tuple[str, bool]] = []
    pos = 0
    rest = " ".join(rest.split())
    rest = re.sub(r"\*\*|__|(?<!\w)[*_](?!\s)|(?<=\S)[*_](?!\w)", "", rest)  # markdown emphasis
    for m in list(_SPLIT.finditer(rest)) + [None]:
        end = m.start() if m else len(rest)
        piece = rest[pos:end].strip(" \"'“”")
        lead = re.match(r"(?:at|@|with|w/)\s*", piece)
        if piece:
            out.append((piece[lead.end():] if lead else piece, bool(lead) or bool(_ORG_MARK.search(rest[max(0, pos - 8):pos]))))
        if m:
            pos = m.end()
    return [(p, marked) for p, marked in out if not _skip(p)]


def _skip(part: str) -> bool:
    words = part.split()
    if _MEETING.search(part) or _DATE_OR_LABEL.search(part) or not re.search(r"[A-Za-z]", part) or len(words) > 10:
        return True
    if all(_CREDENTIAL.match(w.strip(".")) for w in words) and not ROLE.search(part):
        return True  # "PharmD, BCPS" (but "CRC II" and "RDH" are job titles)
    return looks_like_person(part) and not ROLE.search(part)


def title_like(part: str) -> bool:
    part = _RELATIVE.sub("", part)
    sentence_break = re.search(r"[.!?]\s", re.sub(r"\b(?:Sr|Jr|Snr|Asst|Assoc|Exec|Dir|Mgr|Dept)\.", "", part))
    clause = re.match(r"(he|she|they|i|we|you|it|and|or|but|so|then|if|to|on|in|about|from|by|re)\b", part, re.I) or _VERB.search(part)
    return bool(ROLE.search(part)) and not sentence_break and not clause and len(part.split()) <= 9


def _org_like(part: str, marked: bool) -> bool:
    words = [w for w in part.split() if w.lower() not in ("of", "the", "and", "&", "for", "at", "de")]
    capitalised = sum(w[:1].isupper() or w[:1].isdigit() for w in words)
    return 0 < len(words) <= 6 and capitalised >= max(1, len(words) - (1 if marked else 0)) and (not ROLE.search(part) or bool(ORG_WORDS.search(part)))


def _department(part: str) -> bool:
    """'Group Life & Disability Pricing', 'Baseball R&D': a capitalised unit between title and org."""
    words = part.split()
    return 0 < len(words) <= 6 and all(w[:1].isupper() or w in ("of", "and", "&", "for") for w in words)


def _clean(value: str | None) -> str | None:
    if not value:
        return None
    value = " ".join(value.split()).strip(" ,.;:-–—\"'“”")
    for _ in range(3):  # "she's the training director" -> "training director"
        value = _FILLER.sub("", value)
    return value.strip(" ,.;:") or None


# --- why a referral is worth contacting --------------------------------------------------------

_REASON_END = r"(?=\s*(?:[.;:!?()\[\],\n]|\s[-–—]\s|\s(?:and|but|so) (?:she|he|they|i|you)\b|$))"
_REASON_ABOUT = re.compile(r"\b(?:(?:questions|ask(?: (?:her|him|them))?|talk(?: to (?:her|him|them))?|hear|learn(?: more)?) )?"
                           r"(?<![\w'’])(?P<r>(?:about|re:?|regarding)\s+[^.;:!?()\[\],\n]{3,80}?)" + _REASON_END, re.I)
_REASON_FOR = re.compile(r"\b(?:good |great |best )?(?P<r>for (?:questions about |the |a )[^.;:!?()\[\]\"“”,\n]{2,60}?"
                         r"\b(?:side|perspective|setting|route|angle|part|world|end|track|program|questions?)\b)", re.I)
_REASON_DOES = re.compile(r"(?:^|[,;(]\s*|\s[-–—]\s+|\b(?:she|he|they|who)\s+)(?:also\s+|actually\s+)?(?P<r>(?:does|handles|runs|coordinates|organizes|organises|"
                          r"owns|decides(?: on)?|hires|supervises|books|oversees|manages|leads|screens|schedules|mentors|teaches)\s+"
                          r"[^.;:!?()\[\]\"“”,\n]{3,70}?)" + _REASON_END, re.I)


_CONTENT = re.compile(r"\b(?!(?:about|re|regarding|for|the|a|an|of|to|and|or|in|on|at|with)\b)[A-Za-z][\w'’/+-]*")
_APPROXIMATE = re.compile(r"^about\s+(?:as\b|\$?\d|an? (?:year|month|week|day|hour|minute|half)|half|once|twice|\w+ (?:minutes|hours|days|weeks|months|years)\b)", re.I)
_NEXT_SENTENCE_REASON = re.compile(r"\s*(?:(?:good|great|best|useful|helpful) for|(?:ask|talk to) (?:her|him|them) about|for the)\b", re.I)


def referral_reason(line: str, name_start: int, name_end: int) -> tuple[int, int] | None:
    """Why the seeker should contact the person named at line[name_start:name_end], as offsets in
    `line`: "about the part-time MSW", "for the corporate side", "she does all tech hiring" ->
    "does all tech hiring", read in the clause after the name; failing those, an "about ..." earlier
    in the same sentence ("if you want to hear about the CRA side, my old coworker Tyrell ...")."""
    clause, *rest = _CLAUSE_END.split(line[name_end:name_end + MAX_CLAUSE], maxsplit=1)
    for rx in (_REASON_ABOUT, _REASON_FOR, _REASON_DOES):
        m = rx.search(clause)
        if m and not _APPROXIMATE.match(m.group("r")) and len(_CONTENT.findall(m.group("r"))) >= 2:
            return name_end + m.start("r"), name_end + m.end("r")
    if rest and _NEXT_SENTENCE_REASON.match(rest[0]):  # "Rachel Tsai, PM at X. Good for the public side."
        base = name_end + len(line[name_end:name_end + MAX_CLAUSE]) - len(rest[0])
        nxt = _CLAUSE_END.split(rest[0], maxsplit=1)[0]
        m = _REASON_ABOUT.search(nxt) or _REASON_FOR.search(nxt)
        if m:
            return base + m.start("r"), base + m.end("r")
    sentence_start = max((m.end() for m in _CLAUSE_END.finditer(line, max(0, name_start - 200), name_start)), default=max(0, name_start - 200))
    m = _REASON_ABOUT.search(line, sentence_start, name_start)
    return (m.start("r"), m.end("r")) if m else None


# --- career field ------------------------------------------------------------------------------

_FIELD_OF = {  # job word -> field word ("" names no field); regular -ologist/-therapist/... words follow `_field_word`
    "pharmacist": "pharmacy", "dietitian": "dietetics", "nutritionist": "nutrition", "librarian": "library science",
    "actuary": "actuarial science", "attorney": "law", "lawyer": "law", "paralegal": "law", "paramedic": "EMS", "emt": "EMS",
    "pilot": "aviation", "captain": "aviation", "nurse": "nursing", "rn": "nursing", "physician": "medicine",
    "doctor": "medicine", "surgeon": "surgery", "dentist": "dentistry", "hygienist": "hygiene", "rdh": "dental hygiene",
    "archivist": "archives", "curator": "curation", "journalist": "journalism", "arborist": "arboriculture",
    "musician": "music", "therapist": "therapy", "planner": "planning", "counselor": "counseling",
    "counsellor": "counselling", "organizer": "organizing", "reporter": "reporting", "producer": "production",
    "trainer": "training", "instructor": "instruction", "advisor": "advising", "inspector": "inspection",
    "investigator": "investigation", "programmer": "programming", "marketer": "marketing", "strategist": "strategy",
    "architect": "architecture", "editor": "editing", "fundraiser": "fundraising", "researcher": "research", "economist": "economics", "chemist": "chemistry",
    "electrician": "electrical work", "plumber": "plumbing", "accountant": "accounting", "auditor": "auditing",
    "teacher": "teaching", "professor": "academia", "interpreter": "interpreting", "translator": "translation",
    "analyst": "analysis", "consultant": "consulting", "recruiter": "recruiting", "vet": "veterinary technology",
    "lvt": "veterinary technology", "crc": "clinical research", "cra": "clinical research", "slp": "speech-language pathology",
    "firefighter": "firefighting", "worker": "work", "scientist": "science", "technician": "technology", "tech": "technology",
    "forester": "forestry", "engineer": "engineering", "developer": "development", "designer": "design", "writer": "writing", "officer": "", "associate": "", "manager": "management",
    "director": "", "lead": "", "head": "", "chief": "", "founder": "", "co-founder": "", "cto": "", "ceo": "", "vp": "",
    "president": "", "principal": "", "partner": "", "specialist": "", "assistant": "", "coordinator": "coordination",
}
_SENIORITY = re.compile(r"\b(senior|sr\.?|junior|jr\.?|lead|staff|principal|chief|head|assistant|associate|deputy|board-certified|"
                        r"certified|licensed|registered|outpatient|inpatient|pediatric|prenatal|and reproductive|i{1,3}|iv|[a-z]?\d+)\b", re.I)


def field_from_title(title: str | None) -> str | None:
    """A career field named from a job title: 'Wildlife Biologist' -> 'wildlife biology',
    'Senior Localization Project Manager' -> 'localization project management', 'A320 captain' -> 'aviation'."""
    if not title:
        return None
    head = re.split(r"[,(/;]| - | — | of | at | in ", title)[0]
    words = [w for w in _SENIORITY.sub(" ", head).split() if w not in ("&", "and", "+")]
    if not words:
        return None
    last = words[-1].lower()
    field = _FIELD_OF.get(last, _field_word(last))
    if field is None:
        return None  # "Bakery Owner", "Nurse Practitioner": no regular field word; the title stands in
    rest = " ".join(w for w in words[:-1] if _FIELD_OF.get(w.lower()) != "")
    of = re.search(r"\bof ([A-Za-z][\w &-]{2,40})$", title)
    if field == "" and not rest:
        return of.group(1).lower() if of else None  # "Director of Development" -> "development"
    if field in ("work", "analysis", "management", "coordination") and not rest:
        return None  # "Analyst", "Manager": the title alone names no field
    if last in ("pilot", "captain", "paramedic", "emt", "crc", "cra", "lvt", "vet", "slp", "rdh", "actuary", "librarian", "professor"):
        return field
    return f"{rest} {field}".strip().lower() if rest and not rest.isupper() else f"{rest} {field}".strip()


def _field_word(word: str) -> str | None:
    """Only the derivations that are regular: -ologist, -therapist, -ographer, -eer, -ician."""
    for suffix, repl in (("ologist", "ology"), ("therapist", "therapy"), ("ographer", "ography"), ("eer", "eering"), ("ician", "ics")):
        if word.endswith(suffix) and len(word) >= len(suffix) + 2:
            return word[: -len(suffix)] + repl
    return None
