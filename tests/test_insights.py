"""Insights across interviews: coverage, skills and gaps, outlook, recurring advice, the referral
network, pictures and the plan, on the sample notes plus 30 synthetic records in 3 fields whose
contents are fixed below (so every count is known by hand, not by extraction quality)."""
from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
from click.testing import CliRunner

from conftest import SAMPLE, run_notes, write
from pipeline.cli import cli
from pipeline.ingest import Note
from pipeline.schema import Contact, Item, JobLead, Outlook, Record, Referral, Span

TODAY = date(2026, 3, 20)
MY_SKILLS = "SQL, python, GIS"

# --- the generated set: 10 contacts in each of 3 fields ------------------------------------
# A skill (variants, n) is named by the field's contacts 0..n-1, as variants[i % len(variants)].
FIELDS = {
    "data analytics": {"title": "Senior Data Analyst", "org": "Northwind Logistics", "month": 1, "first_day": 5, "skills": [
        (["SQL", "sql", "SQL basics"], 9), (["Python", "python"], 7), (["Excel", "excel", "MS Excel"], 6),
        (["dashboards", "Dashboard"], 4), (["Statistics"], 3), (["Tableau"], 1)],
        "sentiments": ["positive"] * 6 + ["mixed"] * 2 + ["negative", None]},
    "urban planning": {"title": "Urban Planner", "org": "City of Millbrook", "month": 2, "first_day": 2, "skills": [
        (["GIS", "gis", "experience with GIS"], 8), (["zoning codes", "Zoning code"], 6), (["public speaking", "presentations"], 5),
        (["Excel spreadsheets", "excel"], 3), (["grant writing"], 2)],
        "sentiments": ["positive"] * 3 + ["negative"] * 4 + ["neutral"] * 2 + ["mixed"]},
    "veterinary medicine": {"title": "Veterinary Technician", "org": "Harbor Animal Clinic", "month": 3, "first_day": 2, "skills": [
        (["animal handling", "Animal Handling"], 10), (["client communication", "Client Communication skills"], 7),
        (["surgery", "surgeries"], 5), (["Excel"], 2), (["radiology"], 1)],
        "sentiments": ["positive"] * 8 + ["mixed"] * 2},
}
FIRST = ["Ada", "Bruno", "Chloe", "Dmitri", "Elena", "Farid", "Greta", "Hugo", "Imani", "Jonas", "Kira", "Luca", "Mira", "Nils", "Olga",
         "Pavel", "Quinn", "Rosa", "Soren", "Tara", "Umar", "Vera", "Wes", "Xena", "Yusuf", "Zoe", "Anouk", "Bram", "Celine", "Dario"]
LAST = ["Abbott", "Barros", "Castell", "Dvorak", "Eklund", "Farouk", "Gallo", "Hartmann", "Ibsen", "Jansen", "Kowal", "Lindqvist",
        "Moretti", "Nakamura", "Osei", "Petrov", "Quiroga", "Rinaldi", "Sorensen", "Tamm", "Ueda", "Varga", "Wojcik", "Xu", "Yilmaz",
        "Zeller", "Aalto", "Bakker", "Costa", "Delgado"]
PORTFOLIO = ["Build a portfolio of small projects.", "Start a portfolio with two small projects now.",
             "A portfolio of real projects beats any certificate."]
MEETUP = ["Go to the monthly meetup, people there hire.", "Attend local meetups to meet hiring managers.", "The meetup is where hiring happens."]
VOLUNTEER = ["Volunteer first to get a foot in the door.", "Volunteering is the best foot in the door.",
             "Volunteer at a shelter first, it gets your foot in the door."]
ONCE = ["Learn to write clear emails to busy executives.", "Keep a spreadsheet of every application you send.",
        "Ask about the on-call rotation before accepting an offer.", "Read the city's comprehensive plan cover to cover.",
        "Shadow a planner during a council hearing.", "Ride the bus routes before you redesign them.",
        "Practice drawing blood on a teaching model.", "Check whether the clinic does emergency shifts."]
# (field, contact index) -> advice texts. Portfolio: analytics 0-4 (0 says it twice) + vet 6 = 6 contacts;
# meetup: analytics 5-6 + planning 0-2 = 5; volunteer: planning 3-5 + vet 0-5 = 9; the rest are said once.
ADVICE = {("data analytics", i): [PORTFOLIO[i % 3]] for i in range(5)}
ADVICE[("data analytics", 0)].append(PORTFOLIO[1])
ADVICE.update({("data analytics", 5): [MEETUP[0]], ("data analytics", 6): [MEETUP[1]], ("veterinary medicine", 6): [PORTFOLIO[2]]})
ADVICE.update({("urban planning", i): [MEETUP[i % 3]] for i in range(3)})
ADVICE.update({("urban planning", i): [VOLUNTEER[i % 3]] for i in range(3, 6)})
ADVICE.update({("veterinary medicine", i): [VOLUNTEER[i % 3]] for i in range(6)})
ADVICE.update({("data analytics", 7): [ONCE[0]], ("data analytics", 8): [ONCE[1]], ("data analytics", 9): [ONCE[2]],
               ("urban planning", 6): [ONCE[3]], ("urban planning", 7): [ONCE[4], ONCE[5]],
               ("veterinary medicine", 7): [ONCE[6]], ("veterinary medicine", 8): [ONCE[7]]})
# Referrals: (field, referrer index) -> people referred (a contact index, or a lead never interviewed).
LEADS = {"Xavier Quinn": ("Analytics Manager", "Northwind Logistics"), "Yara Quist": ("Data Engineer", "Lumen"),
         "Zed Quarry": ("Analytics Manager", "Meridian Bank"), "Wanda Kline": ("Planning Director", "City of Millbrook"),
         "Omar Bell": ("Transit Planner", "Metro Transit"), "Petra Voss": ("Practice Manager", "Harbor Animal Clinic")}
REFERRALS = {("data analytics", 0): [1, 2], ("data analytics", 1): [3], ("data analytics", 3): [4], ("data analytics", 4): ["Xavier Quinn"],
             ("data analytics", 2): ["Yara Quist"], ("data analytics", 5): ["Zed Quarry"], ("data analytics", 6): ["Zed Quarry"],
             ("urban planning", 0): [1], ("urban planning", 1): ["Wanda Kline"], ("urban planning", 2): ["Wanda Kline"],
             ("urban planning", 3): ["Omar Bell"], ("veterinary medicine", 0): ["Petra Voss"]}
FIT = {("data analytics", 0): "My Excel is rusty, I mostly used Google Sheets.", ("data analytics", 1): "The on-call schedule worries me.",
       ("data analytics", 2): "I liked how the team talks about the work.", ("veterinary medicine", 3): "I fainted once watching a surgery video."}
JOB_LEADS = {("data analytics", 0): ("Junior Analyst", "2026-03-25"), ("urban planning", 0): ("Planning Intern", None)}


def contact_name(field: str, i: int) -> str:
    k = list(FIELDS).index(field) * 10 + i
    return f"{FIRST[k]} {LAST[k]}"


class NoteWriter:
    """Builds a note's text line by line and the grounded spans of what each line says."""

    def __init__(self) -> None:
        self.text = ""

    def line(self, text: str, part: str | None = None) -> Span:
        start = len(self.text) + (text.index(part) if part else 0)
        self.text += text + "\n"
        quote = part or text
        return Span(start=start, end=start + len(quote), quote=quote)

    def item(self, text: str, prefix: str = "- ") -> Item:
        return Item(text=text, evidence=self.line(prefix + text, text))


def generated_note(field: str, i: int) -> tuple[Note, Record]:
    """One synthetic interview: the record is exactly what the tables above say."""
    spec, w = FIELDS[field], NoteWriter()
    name, day = contact_name(field, i), f"2026-{spec['month']:02d}-{spec['first_day'] + i:02d}"
    w.line(f"Informational interview with {name}, {spec['title']} at {spec['org']}")
    w.line(f"Date: {day}")
    rec = Record(source=f"generated/{field.replace(' ', '_')}_{i}.md", sha256="", field=field, interview_date=day,
                 contact=Contact(name=name, title=spec["title"], organization=spec["org"]))
    rec.day_in_life = [w.item(f"Most days start with a stand-up, then {field} work ({i}).")] if i < 8 else []
    rec.skills = [w.item(variants[i % len(variants)]) for variants, n in spec["skills"] if i < n]
    sentiment = spec["sentiments"][i]
    rec.outlook = Outlook(sentiment=sentiment, points=[w.item(f"The outlook for {field} is {sentiment} this year.")] if sentiment else [])
    rec.advice = [w.item(a) for a in ADVICE.get((field, i), [])]
    rec.how_to_get_in = [w.item(f"Most people start through the {field} internship.")] if i % 2 == 0 else []
    rec.fit = [w.item(FIT[(field, i)])] if (field, i) in FIT else []
    for who in REFERRALS.get((field, i), []):
        ref = contact_name(field, who) if isinstance(who, int) else who
        title, org = (spec["title"], spec["org"]) if isinstance(who, int) else LEADS[who]
        rec.referrals.append(Referral(name=ref, title=title, organization=org, evidence=w.line(f"Talk to {ref}, {title} at {org}.", ref)))
    if (field, i) in JOB_LEADS:
        title, deadline = JOB_LEADS[(field, i)]
        rec.job_leads = [JobLead(title=title, organization=spec["org"], deadline=deadline,
                                 evidence=w.line(f"{spec['org']} has a {title} opening.", title))]
    sha = hashlib.sha256(w.text.encode()).hexdigest()
    rec.sha256 = sha
    note = Note(source=rec.source, text=w.text, sha256=sha, format="md", metadata={}, key=f"/generated/{rec.source}")
    return note, rec


def save_generated(db) -> None:
    from pipeline.store import save_note

    for field in FIELDS:
        for i in range(10):
            note, rec = generated_note(field, i)
            save_note(db, note, rec, {}, "test")


@pytest.fixture(scope="module")
def gen_db(tmp_path_factory):
    from pipeline.actions import mark_lead_status
    from pipeline.store import open_db

    path = tmp_path_factory.mktemp("gen") / "gen.db"
    db = open_db(path, create=True)
    save_generated(db)
    yara = db.execute("SELECT id FROM people WHERE name = 'Yara Quist'").fetchone()[0]
    mark_lead_status(db, yara, "contacted")
    return path


@pytest.fixture(scope="module")
def mixed_db(tmp_path_factory):
    """The sample notes (extracted with the shipped lexical heads) plus the generated set."""
    from pipeline.store import open_db

    path = tmp_path_factory.mktemp("mixed") / "mixed.db"
    db = open_db(path, create=True)
    run_notes(db, [SAMPLE])
    save_generated(db)
    return path


def _db(path):
    from pipeline.store import open_db

    return open_db(path)


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _skills(field_report):
    return {s["skill"]: s["contacts"] for s in field_report["skills"]}


# --- word lists and templates ---------------------------------------------------------------

def test_insights_yaml_examples():
    from pipeline.insights.coverage import with_article
    from pipeline.insights.data import settings
    from pipeline.insights.skills import skill_key

    examples = settings()["examples"]
    assert len(examples) > 10
    for ex in examples:
        if "skill" in ex:
            assert skill_key(ex["skill"]) == ex["key"], ex
        else:
            assert with_article(ex["title"]) == f"{ex['article']} {ex['title']}", ex


def test_question_templates_examples_and_every_topic():
    from pipeline.insights.coverage import TOPICS, load_questions

    tpl = load_questions()
    assert tpl.version.startswith("coverage-") and set(TOPICS) <= set(tpl.topics)
    for ex in tpl.examples:
        assert tpl.question(ex.topic, **ex.values) == ex.question


def test_a_broken_template_fails_loudly():
    from pipeline.errors import FieldnotesError
    from pipeline.insights.coverage import QuestionTemplates

    tpl = QuestionTemplates(version="t", defaults={"a_title": "x", "org": "y", "field": "z"},
                            topics={"skills": {"label": "Skills", "questions": ["What about {nonsense}?"]}})
    with pytest.raises(FieldnotesError, match="nonsense"):
        tpl.question("skills")


# --- coverage -------------------------------------------------------------------------------

def test_coverage_of_generated_notes(gen_db):
    from pipeline.insights.coverage import extract_coverage
    from pipeline.insights.data import load_interviews

    covs = {c["contact"]: c for c in (extract_coverage(iv) for iv in load_interviews(_db(gen_db), "data analytics"))}
    full, bare = covs[contact_name("data analytics", 0)], covs[contact_name("data analytics", 9)]
    assert (full["covered"], full["missing"], full["questions"]) == (8, [], [])
    assert bare["covered"] == 1 and bare["missing"] == ["typical_day", "skills", "outlook", "fit", "way_in", "referrals", "job_leads"]
    assert bare["questions"][0]["question"] == "Could you walk me through a typical day or week as a Senior Data Analyst at Northwind Logistics?"
    field_topic = bare["topics"][0]
    assert field_topic["evidence"][0]["quote"] == "Senior Data Analyst"  # the title, found in the note's text
    skills = next(t for t in full["topics"] if t["topic"] == "skills")
    assert [e["quote"] for e in skills["evidence"]] == ["SQL", "Python", "Excel", "dashboards", "Statistics", "Tableau"]
    # hand count over the 10 analytics notes: topics missing
    missing = sum((c["missing"] for c in covs.values()), [])
    assert {t: missing.count(t) for t in set(missing)} == {"typical_day": 2, "skills": 1, "outlook": 1, "fit": 7, "way_in": 5,
                                                          "referrals": 3, "job_leads": 9}


def test_coverage_of_the_sample_notes_matches_their_records(mixed_db):
    from pipeline.insights.coverage import extract_coverage
    from pipeline.insights.data import load_interviews

    samples = [iv for iv in load_interviews(_db(mixed_db)) if "sample_notes" in iv.source]
    assert len(samples) == 8
    for iv in samples:
        cov = extract_coverage(iv)
        by = {t["topic"]: t for t in cov["topics"]}
        assert by["typical_day"]["covered"] is bool(iv.record.day_in_life)
        assert by["referrals"]["covered"] is bool(iv.record.referrals)
        assert len(cov["questions"]) == 8 - cov["covered"]
        for topic in cov["topics"]:
            for ev in topic["evidence"]:
                assert ev["start"] is None or iv.text[ev["start"]:ev["end"]] == ev["quote"]


def test_coverage_cli(mixed_db):
    one = invoke("coverage", "01_hospice_nurse.txt", "--db", mixed_db)
    assert one.exit_code == 0 and "Renee Castillo" in one.output and "[x] Typical day" in one.output
    rows = json.loads(invoke("coverage", "--db", mixed_db, "--json").output)
    assert len(rows) == 38 and {"source", "topics", "questions", "missing"} <= set(rows[0])
    assert invoke("coverage", "--db", mixed_db, "--csv").output.startswith('\ufeff"source","contact"')


def test_coverage_questions_worded_by_the_model_only_when_grounded(gen_db, fake_model):
    from pipeline.insights.coverage import extract_coverage, fill_questions
    from pipeline.insights.data import load_interviews

    iv = next(i for i in load_interviews(_db(gen_db), "data analytics") if i.contact == contact_name("data analytics", 9))
    fake_model.enqueue("What does a week at Northwind Logistics look like for you?",  # grounded: kept
                       "Would Google hire me as an analyst?",  # Google is not in the note: dropped
                       "not a question")
    cov = fill_questions(extract_coverage(iv), iv, fake_model)
    assert cov["questions"][0]["question"] == "What does a week at Northwind Logistics look like for you?"
    assert cov["questions"][0]["by"] == "coverage-v1+fake"
    assert cov["questions"][1]["by"] == cov["questions"][2]["by"] == "coverage-v1"
    assert "Northwind Logistics" in fake_model.history[0] and "Jonas Jansen" in fake_model.history[0]


# --- skills, gaps, outlook ------------------------------------------------------------------

def test_skills_ranked_per_field_with_gaps(gen_db):
    from pipeline.insights.report import build_insights

    report = build_insights(_db(gen_db), my_skills=["SQL", "python", "GIS"])
    assert (report["interviews"], report["contacts"]) == (30, 30)
    fields = {f["field"]: f for f in report["fields"]}
    assert _skills(fields["data analytics"]) == {"SQL": 9, "Python": 7, "Excel": 6, "Dashboard": 4, "Statistics": 3, "Tableau": 1}
    assert _skills(fields["urban planning"]) == {"GIS": 8, "Zoning code": 6, "presenting": 5, "Excel": 3, "grant writing": 2}
    assert _skills(fields["veterinary medicine"]) == {"Animal Handling": 10, "client communication": 7, "surgery": 5, "Excel": 2,
                                                      "radiology": 1}
    assert [s["skill"] for s in fields["data analytics"]["skills"]][:3] == ["SQL", "Python", "Excel"]
    sql = fields["data analytics"]["skills"][0]
    assert sql["of"] == 10 and len(sql["sources"]) == 9 and {m["text"] for m in sql["mentions"]} == {"SQL", "sql", "SQL basics"}
    # across fields: Excel 6 + 3 + 2 contacts
    assert [(s["skill"], s["contacts"]) for s in report["skills"][:4]] == [("Excel", 11), ("Animal Handling", 10), ("SQL", 9), ("GIS", 8)]
    gaps = {f: [(g["skill"], g["contacts"], g["of"]) for g in fields[f]["gaps"]] for f in fields}
    assert gaps == {"data analytics": [("Excel", 6, 10)], "urban planning": [("Zoning code", 6, 10), ("presenting", 5, 10)],
                    "veterinary medicine": [("Animal Handling", 10, 10), ("client communication", 7, 10), ("surgery", 5, 10)]}
    excel = fields["data analytics"]["gaps"][0]
    assert excel["text"] == "named by 6 of 10 contacts, not in your skills: Excel"
    assert [f["text"] for f in excel["fit_notes"]] == ["My Excel is rusty, I mostly used Google Sheets."]
    assert [f["text"] for f in fields["veterinary medicine"]["gaps"][2]["fit_notes"]] == ["I fainted once watching a surgery video."]


def test_outlook_per_field(gen_db):
    from pipeline.insights.report import build_insights

    fields = {f["field"]: f["outlook"] for f in build_insights(_db(gen_db))["fields"]}
    assert fields["data analytics"]["sentiment"] == {"positive": 6, "mixed": 2, "negative": 1, "neutral": 0, "unknown": 1}
    assert fields["urban planning"]["sentiment"] == {"positive": 3, "mixed": 1, "negative": 4, "neutral": 2, "unknown": 0}
    assert fields["veterinary medicine"]["sentiment"] == {"positive": 8, "mixed": 2, "negative": 0, "neutral": 0, "unknown": 0}
    assert [len(f["points"]) for f in fields.values()] == [9, 10, 10]
    point = fields["urban planning"]["points"][4]
    assert point["sentiment"] == "negative" and point["contact"] == contact_name("urban planning", 4) and point["quote"] == point["text"]


def test_field_filter_and_unknown_field(mixed_db):
    from pipeline.errors import NotFound
    from pipeline.insights.report import build_insights

    db = _db(mixed_db)
    only = build_insights(db, field="URBAN")
    assert [f["field"] for f in only["fields"]] == ["urban planning"] and only["interviews"] == 10
    with pytest.raises(NotFound, match="no interviews in a field called 'astronomy'"):
        build_insights(db, field="astronomy")


def test_mixed_database_counts(mixed_db):
    from pipeline.insights.report import build_insights

    db = _db(mixed_db)
    report = build_insights(db)
    assert report["interviews"] == 38
    from pipeline.store import load_record_by_id

    samples_naming_excel = sum(any(s.text.lower() == "excel" for s in load_record_by_id(db, row[0], corrected=False).skills) for row in db.execute(
        "SELECT r.note_id FROM records r JOIN notes n ON n.id = r.note_id WHERE n.source LIKE '%sample_notes%'").fetchall())
    assert samples_naming_excel >= 1
    assert next(s for s in report["skills"] if s["key"] == "excel")["contacts"] == 11 + samples_naming_excel
    fields = {f["field"]: f for f in report["fields"]}
    assert _skills(fields["data analytics"])["SQL"] == 9 and fields["data analytics"]["interviews"] == 10


# --- advice ---------------------------------------------------------------------------------

def test_recurring_advice_grouped_across_contacts(gen_db):
    from pipeline.insights.report import build_insights

    advice = build_insights(_db(gen_db))["advice"]
    assert [(g["contacts"], set(g["terms"]) & {"portfolio", "meetup", "volunteer"}) for g in advice] == [
        (9, {"volunteer"}), (6, {"portfolio"}), (5, {"meetup"})]
    portfolio = advice[1]
    assert len(portfolio["items"]) == 7  # contact 0 said it twice: one contact, two items
    assert contact_name("veterinary medicine", 6) in portfolio["names"] and contact_name("data analytics", 0) in portfolio["names"]
    assert all(i["quote"] == i["text"] for i in portfolio["items"])
    per_field = build_insights(_db(gen_db), field="veterinary medicine")["advice"]
    assert [g["contacts"] for g in per_field] == [6]  # portfolio is said by one vet only


def test_advice_grouped_by_model_embeddings(fake_model):
    from pipeline.insights.advice import group_advice
    from pipeline.insights.data import Interview

    said = ["Build a portfolio of small projects.", "Build a portfolio of small projects.", "Build a portfolio of small projects now.",
            "Ask about the night shifts.", "Learn the zoning code by heart."]
    ivs = [Interview(k, Record(source=f"n{k}", sha256="x", contact=Contact(name=f"Person {chr(65 + k)}ly"), advice=[Item(text=t)]), t)
           for k, t in enumerate(said)]
    groups = group_advice(ivs, model=fake_model)
    assert [(g["contacts"], g["advice"]) for g in groups] == [(3, "Build a portfolio of small projects.")]
    assert fake_model.stats.calls == 5


# --- network --------------------------------------------------------------------------------

def test_network_hops_and_leads(gen_db):
    from pipeline.insights.report import build_insights

    net = build_insights(_db(gen_db), field="data analytics")["network"]
    hops = {p["name"]: p["hops"] for p in net["people"]}
    a = [contact_name("data analytics", i) for i in range(10)]
    assert net["first_contact"] == a[0]
    assert hops == {a[0]: 0, a[1]: 1, a[2]: 1, a[3]: 2, a[4]: 3, "Xavier Quinn": 4, "Yara Quist": 2, a[5]: 0, a[6]: 0, "Zed Quarry": 1,
                    a[7]: 0, a[8]: 0, a[9]: 0}
    assert next(p for p in net["people"] if p["name"] == "Xavier Quinn")["chain"] == [a[0], a[1], a[3], a[4], "Xavier Quinn"]
    assert len(net["edges"]) == 8
    assert [(p["name"], p["referred_by"]) for p in net["leads_not_contacted"]] == [("Zed Quarry", [a[5], a[6]]), ("Xavier Quinn", [a[4]])]
    whole = build_insights(_db(gen_db))["network"]
    assert len(whole["edges"]) == 8 + 4 + 1 and len(whole["leads_not_contacted"]) == 5 and whole["first_contact"] == a[0]


# --- pictures -------------------------------------------------------------------------------

def test_pictures_render_with_their_labels(gen_db, tmp_path):
    from PIL import Image

    from pipeline.insights.charts import save_html, save_pictures
    from pipeline.insights.report import build_insights

    report = build_insights(_db(gen_db))
    png, svg = tmp_path / "i.png", tmp_path / "i.svg"
    assert save_pictures(report, png, svg) == [str(png), str(svg)]
    text = svg.read_text()
    for label in ("Excel", "Animal Handling", "SQL", "Skills named by the most contacts",
                  "Who referred whom (not shown: 18 contacts without referrals)", "Xavier Quinn", "Zed Quarry", contact_name("data analytics", 0)):
        assert f">{label}<" in text.replace("</tspan>", "<"), label
    assert 'width="936pt"' in text and 'height="432pt"' in text  # 13 x 6 inches
    image = Image.open(png)
    assert image.size == (1300, 600) and len(image.convert("RGB").getcolors(1 << 20)) > 50  # not blank
    assert "Excel 11" in image.text["Description"] and "Xavier Quinn" in image.text["Description"]
    assert svg.read_bytes() == _again_svg(report)  # the same report draws the same file
    page = save_html(report, tmp_path / "i.html")
    html = (tmp_path / "i.html").read_text()
    assert page.endswith("i.html") and "<svg" in html and "Zed Quarry" in html
    assert "named by 6 of 10 contacts, not in your skills: Excel" in html  # no skills set: every skill half the contacts named


def _again_svg(report) -> bytes:
    from pipeline.insights.charts import render_picture

    return render_picture(report, "svg")


def test_terminal_bar_chart():
    from pipeline.insights.report import bar_chart

    assert bar_chart([("SQL", 9), ("Excel", 3)], "#", width=9) == ["  SQL    ######### 9", "  Excel  ### 3"]


# --- me ---------------------------------------------------------------------------------------

def test_me_set_and_show_and_me_file(gen_db, tmp_path):
    from pipeline.insights.me import read_me_file

    assert invoke("me", "set", "skills", "SQL, python;  GIS", "--db", gen_db).output == "skills: SQL, python, GIS\n"
    assert invoke("me", "--db", gen_db).output == "skills: SQL, python, GIS\n"
    out = json.loads(invoke("insights", "--db", gen_db, "--json", "--field", "data analytics").output)
    assert out["my_skills"] == ["SQL", "python", "GIS"] and [g["skill"] for g in out["fields"][0]["gaps"]] == ["Excel"]
    me = write(tmp_path / "me.md", "---\nskills: [Excel]\n---\n# Me\nSkills: SQL, Tableau\n\n## Other skills\n- Python, dashboards\n\n## Hobbies\n- chess\n")
    assert read_me_file(me) == ["Excel", "SQL", "Tableau", "Python", "dashboards"]
    out = json.loads(invoke("insights", "--db", gen_db, "--json", "--field", "data analytics", "--me", me).output)
    assert out["my_skills_from"] == str(me) and out["fields"][0]["gaps"] == []


def test_me_on_a_database_from_before_the_me_table(tmp_path):
    from pipeline.insights.me import load_profile
    from pipeline.store import open_db

    db = open_db(tmp_path / "old.db", create=True)
    db.execute("DROP TABLE me")
    assert load_profile(db) == []


# --- the CLI ------------------------------------------------------------------------------------

def test_insights_cli_text_json_and_files(mixed_db, tmp_path):
    out = invoke("insights", "--db", mixed_db, "--field", "data analytics")
    assert out.exit_code == 0, out.output
    assert "  SQL         " + "#" * 30 + " 9\n" in out.output  # the longest bar (not a terminal: # bars)
    data = json.loads(invoke("insights", "--db", mixed_db, "--json").output)
    assert data["interviews"] == 38 and {"skills", "fields", "advice", "network", "my_skills"} <= set(data)
    files = invoke("insights", "--db", mixed_db, "--png", tmp_path / "a.png", "--svg", tmp_path / "a.svg", "--html", tmp_path / "a.html")
    assert files.exit_code == 0 and all((tmp_path / f"a.{x}").stat().st_size > 1000 for x in ("png", "svg", "html"))


# --- plan ---------------------------------------------------------------------------------------

def test_plan_counts(gen_db):
    from pipeline.insights.plan import build_plan

    db = _db(gen_db)
    week = build_plan(db, today=TODAY, week=True)
    # overdue on 2026-03-20: 30 thank-yous (interview + 1 day), 13 referral outreaches (+3), 20 close-the-loops of the
    # January and February interviews (+21), the planning internship without a deadline (+7)
    assert len(week["overdue"]) == 30 + 13 + 20 + 1
    # due 2026-03-20..26: the March close-the-loops of contacts 0-3 (03-23..03-26), the analyst opening (deadline 03-25 - 2)
    assert sorted((t["kind"], t["due"]) for t in week["due"]) == [("close_loop", "2026-03-23"), ("close_loop", "2026-03-24"),
                                                                   ("close_loop", "2026-03-25"), ("close_loop", "2026-03-26"),
                                                                   ("job_lead", "2026-03-23")]
    assert build_plan(db, today=TODAY)["due"] == []
    assert [(p["name"], p["days_ago"]) for p in week["leads"]] == [("Zed Quarry", 69), ("Wanda Kline", 45), ("Xavier Quinn", 70),
                                                                   ("Omar Bell", 43), ("Petra Voss", 18)]
    assert week["leads"][0]["why"] == f"referred by {contact_name('data analytics', 5)}, {contact_name('data analytics', 6)}, 69 days ago"
    zed = week["questions"][0]
    assert zed["person"] == "Zed Quarry" and [(q["topic"], q["missing_in"]) for q in zed["questions"]] == [
        ("job_leads", 9), ("fit", 7), ("way_in", 5)]
    assert zed["questions"][0]["question"] == "Are there openings, internships or events at Meridian Bank or elsewhere in data analytics that I should watch for?"


def test_plan_formats(gen_db):
    from pipeline.insights.plan import build_plan, plan_ics, plan_markdown, plan_text

    plan = build_plan(_db(gen_db), today=TODAY, week=True, leads=2)
    md = plan_markdown(plan)
    assert md.startswith("# Plan for 2026-03-20 to 2026-03-26") and "## Overdue" in md and "- [ ] Zed Quarry — referred by" in md
    ics = plan_ics(plan)
    assert ics.count("BEGIN:VTODO") == 64 + 5 + 2 and "SUMMARY:Contact Zed Quarry" in ics
    assert "Questions to ask next" in plan_text(plan)
    cli_md = invoke("plan", "--db", gen_db, "--week", "--format", "md", "--on", "2026-03-20")
    assert cli_md.exit_code == 0 and cli_md.output == plan_markdown(build_plan(_db(gen_db), today=TODAY, week=True))
    assert "BEGIN:VCALENDAR" in invoke("plan", "--db", gen_db, "--format", "ics").output
    as_json = json.loads(invoke("plan", "--db", gen_db, "--format", "json", "--on", "2026-03-20").output)
    assert as_json["today"] == "2026-03-20" and len(as_json["overdue"]) == 64
