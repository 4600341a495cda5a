"""CSV that spreadsheets open right: converted by LibreOffice headless and read back with openpyxl,
no cell is a formula, non-ASCII text is intact and E.164 phones stay text.

Needs `soffice` (Debian: apt-get install --no-install-recommends libreoffice-calc-nogui); without it
the test skips and says so."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
CONTACTS = Path(__file__).parent / "contacts"
FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+SUM(1,2)", "-2+3", "@cmd", "  =1+1"]

needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (soffice not on PATH); "
                                   "install it with: apt-get install --no-install-recommends libreoffice-calc-nogui")


def invoke(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def to_xlsx(csv_files: list[Path], out: Path) -> None:
    """LibreOffice's own CSV import (comma, double quote, UTF-8, from line 1), saved as .xlsx beside them."""
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{out / 'profile'}", "--headless", "--infilter=CSV:44,34,76,1",
                    "--convert-to", "xlsx", "--outdir", str(out), *map(str, csv_files)], check=True, capture_output=True, timeout=180)


def sheet(path: Path) -> list[list]:
    import openpyxl

    ws = openpyxl.load_workbook(path).active
    assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"], "a cell became a formula"
    return [[c.value for c in row] for row in ws.iter_rows()]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """leads, people and follow-ups CSV of notes with phones, accents and formula-looking tasks."""
    folder = tmp_path_factory.mktemp("sheets")
    db = folder / "f.db"
    invoke("run", CONTACTS / "priya_raman.md", CONTACTS / "tomas_ibanez.txt", "--db", db, "--no-llm")
    for text in FORMULAS:
        invoke("followups", "add", "--db", db, "--", text)
    for name, args in (("leads", ["leads"]), ("people", ["people"]), ("followups", ["followups", "--status", "all"])):
        (folder / f"{name}.csv").write_bytes(invoke(*args, "--db", db, "--csv").stdout_bytes)
    return folder


@needs_soffice
def test_libreoffice_keeps_phones_accents_and_neutralises_formulas(exported):
    to_xlsx([exported / f"{name}.csv" for name in ("leads", "people", "followups")], exported)
    leads = sheet(exported / "leads.xlsx")
    header, rows = leads[0], {r[1]: dict(zip(leads[0], r)) for r in leads[1:]}
    assert header[:6] == ["id", "name", "title", "organization", "email", "phone"]  # the byte-order mark is not in the first cell
    assert set(rows) == {"Tomás Ibáñez", "Mei Lin", "Zoë"}  # non-ASCII intact
    assert rows["Tomás Ibáñez"]["phone"] == "'+442079460958" and rows["Mei Lin"]["phone"] == "'+14155550199"  # text, not a number

    people = sheet(exported / "people.xlsx")
    priya = next(dict(zip(people[0], r)) for r in people[1:] if r[0] == "Priya Raman")
    assert priya["phone"] == "'+14155550134" and priya["email"] == "priya.raman@northwind.org"

    tasks = sheet(exported / "followups.xlsx")
    actions = [dict(zip(tasks[0], r))["action"] for r in tasks[1:]]
    for text in FORMULAS:
        assert "'" + text in actions  # shown as typed, behind the apostrophe, never evaluated
