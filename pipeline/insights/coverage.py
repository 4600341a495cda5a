"""Coverage per interview: which of the topics an informational interview is for (field and job,
typical day, skills, outlook, fit, way in, referrals, job leads) a note covers, with the evidence
spans, and questions to ask next time for what is missing, worded for this contact and field
from the versioned templates in `prompts/coverage.yaml`.

With a model, `fill_questions` lets it word one question per missing topic from the note's own
facts; an answer that names anything the note and the template do not is dropped.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict

from pipeline.decide.prompts import PromptTemplate, load_prompt_file
from pipeline.errors import FieldnotesError
from pipeline.insights.data import Interview, evidence, locate, settings
from pipeline.schema import Record

TOPICS = ("field_and_job", "typical_day", "skills", "outlook", "fit", "way_in", "referrals", "job_leads")
MAX_FACTS = 4
MAX_QUESTION_WORDS = 30


class TopicQuestions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str
    questions: list[str]


class FillPrompt(BaseModel):
    model_config = ConfigDict(extra="forbid")
    instructions: str
    input_template: str


class QuestionExample(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: str
    values: dict[str, str]
    question: str


class QuestionTemplates(BaseModel):
    """`prompts/coverage.yaml`: per topic a label and question templates."""

    model_config = ConfigDict(extra="forbid")
    version: str
    defaults: dict[str, str]
    topics: dict[str, TopicQuestions]
    fill: Optional[FillPrompt] = None
    examples: list[QuestionExample] = []

    def question(self, topic: str, title: str | None = None, org: str | None = None, field: str | None = None) -> str:
        """The first question for a topic, worded for this contact and field; fails loudly on a bad template."""
        values = {"a_title": with_article(title) if title else self.defaults["a_title"], "org": org or self.defaults["org"],
                  "field": field or self.defaults["field"]}
        try:
            return self.topics[topic].questions[0].format(**values)
        except (KeyError, IndexError) as e:
            raise FieldnotesError(f"prompts/coverage.yaml ({self.version}): no usable question for '{topic}' ({e})") from e


@lru_cache(maxsize=None)
def load_questions() -> QuestionTemplates:
    """The question templates, checked to cover every topic."""
    tpl = load_prompt_file("coverage", QuestionTemplates)
    missing = [t for t in TOPICS if t not in tpl.topics]
    if missing:
        raise FieldnotesError(f"prompts/coverage.yaml: no questions for {', '.join(missing)}; reinstall Fieldnotes")
    return tpl


def extract_coverage(iv: Interview) -> dict[str, Any]:
    """One interview's coverage: each topic covered or not with its evidence, and the questions
    to ask next time for the topics it misses."""
    rec, tpl = iv.record, load_questions()
    topics = [{"topic": t, "label": tpl.topics[t].label, "evidence": _evidence(t, rec, iv.text)} for t in TOPICS]
    for t in topics:
        t["covered"] = bool(t["evidence"])
    missing = [t["topic"] for t in topics if not t["covered"]]
    questions = [{"topic": t, "question": tpl.question(t, rec.contact.title, rec.contact.organization, rec.field), "by": tpl.version}
                 for t in missing]
    return {"source": iv.source, "contact": iv.contact, "field": rec.field, "interview_date": rec.interview_date,
            "covered": len(TOPICS) - len(missing), "total": len(TOPICS), "missing": missing, "topics": topics, "questions": questions}


def fill_questions(cov: dict[str, Any], iv: Interview, model: Any) -> dict[str, Any]:
    """Let the model word each missing topic's question from the note's facts; keep its answer
    only when it is one short question naming nothing the note or the template does not."""
    tpl = load_questions()
    if tpl.fill is None:
        return cov
    prompt_tpl = PromptTemplate(version=tpl.version, instructions=tpl.fill.instructions, options=[], input_template=tpl.fill.input_template)
    facts = "; ".join(f'"{f}"' for f in _facts(iv.record)) or "(none)"
    contact = ", ".join(x for x in (iv.record.contact.name, iv.record.contact.title, iv.record.contact.organization) if x) or "(unknown)"
    for q in cov["questions"]:
        prompt = prompt_tpl.render(model.prompt_style, contact=contact, facts=facts, topic=tpl.topics[q["topic"]].label)
        answer = _one_question(model.complete(prompt, max_tokens=60, stop=["<|im_end|>", "\n\n", "Input:"]))
        if answer and grounded(answer, iv.text + "\n" + q["question"] + "\n" + contact):
            q.update(question=answer, by=f"{tpl.version}+{getattr(model, 'name', 'model')}")
    return cov


def grounded(question: str, known: str) -> bool:
    """True when every capitalised word and every number after the question's first word appears in `known`."""
    words = [w.strip("?,.;:!()\"'") for w in question.split()[1:]]
    plain = known.casefold()
    return all(w.casefold() in plain for w in words if w and (w[0].isupper() or any(c.isdigit() for c in w)) and w != "I")


def with_article(title: str) -> str:
    """'hospice case manager' -> 'a hospice case manager', 'RN case manager' -> 'an RN case manager'."""
    first = title.split()[0]
    acronym = first.isupper() and len(first) > 1
    letters = settings()["acronym_vowel_letters" if acronym else "vowel_letters"]
    return f"{'an' if first[0].lower() in letters else 'a'} {title}"


def _evidence(topic: str, rec: Record, text: str) -> list[dict[str, Any]]:
    """The items that show a topic was covered, each with its span (a title is found in the note's text)."""
    if topic == "field_and_job":
        values = [v for v in (rec.contact.title, rec.field) if v]
        return [{"text": v, **evidence(locate(text, v))} for v in dict.fromkeys(values)]
    if topic == "outlook":
        return [{"text": i.text, **evidence(i.evidence)} for i in rec.outlook.points]
    if topic in ("referrals", "job_leads"):
        rows = rec.referrals if topic == "referrals" else rec.job_leads
        return [{"text": getattr(r, "name", None) or getattr(r, "title"), **evidence(r.evidence)} for r in rows]
    kind = {"typical_day": "day_in_life", "way_in": "how_to_get_in"}.get(topic, topic)
    return [{"text": i.text, **evidence(i.evidence)} for i in getattr(rec, kind)]


def _facts(rec: Record) -> list[str]:
    items = rec.advice + rec.how_to_get_in + rec.day_in_life + rec.outlook.points + rec.skills
    return list(dict.fromkeys(" ".join(i.text.split()) for i in items if i.text.strip()))[:MAX_FACTS]


def _one_question(text: str) -> str | None:
    line = " ".join(text.strip().split("\n")[0].split()).strip(' "')
    if not line.endswith("?") or line.count("?") > 1 or len(line.split()) > MAX_QUESTION_WORDS or len(line.split()) < 4:
        return None
    return line


def coverage_text(rows: list[dict[str, Any]], detail: bool = False) -> str:
    """One line per interview, or (`detail`) every topic with its first evidence and the questions."""
    from pipeline.export.safe import terminal as t

    if not rows:
        return "No interviews stored yet (run `fieldnotes run NOTES` first)."
    if not detail:
        return "\n".join(f"{t(r['source'])}  {t(r['contact'])}  {r['covered']}/{r['total']}"
                         + (f"  missing: {', '.join(_label(m) for m in r['missing'])}" if r["missing"] else "") for r in rows)
    out = []
    for r in rows:
        out.append(f"{t(r['source'])} — {t(r['contact'])}: {r['covered']} of {r['total']} topics covered")
        for topic in r["topics"]:
            ev = topic["evidence"]
            first = f": \"{t(_short(ev[0]['text']))}\"" + (f" @{ev[0]['start']}-{ev[0]['end']}" if ev[0]["start"] is not None else "") if ev else ""
            more = f" (+{len(ev) - 1} more)" if len(ev) > 1 else ""
            out.append(f"  [{'x' if topic['covered'] else ' '}] {topic['label']}{first}{more}")
        if r["questions"]:
            out.append(f"  Next time, ask {t(r['contact'].split()[0])}:")
            out += [f"    - {t(q['question'])}" for q in r["questions"]]
    return "\n".join(out)


def _label(topic: str) -> str:
    return load_questions().topics[topic].label.lower()


def _short(text: str, n: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
