"""A normal install works: the wheel carries prompts, the model registry, rule files, trained heads
and the corpus, and a fresh virtualenv runs the sample notes from another folder, with and
without the model (the compiled llama-cpp-python wheel is reused)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def llama_wheel() -> Path | None:
    base = Path(os.environ.get("FIELDNOTES_WHEEL_DIR") or Path.home() / ".cache" / "fieldnotes" / "wheels")
    found = sorted(base.glob("*/llama_cpp_python-*.whl"))
    return found[-1] if found else None


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)], check=True,
                   capture_output=True)
    return next(out.glob("fieldnotes-*.whl"))


def test_wheel_carries_the_data_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("pipeline/models/registry.yaml", "pipeline/prompts/draft.yaml", "pipeline/rules/layout.yaml",
                   "pipeline/models/heads/lexical/topic.npz", "pipeline/models/heads/lexical/meta.json", "pipeline/corpus/manifest.jsonl",
                   "pipeline/review/templates/note.html", "pipeline/review/assets/review.js", "pipeline/review/assets/review.css",
                   "pipeline/prompts/coverage.yaml", "pipeline/insights/insights.yaml"):
        assert needed in names, needed
    assert any(n.startswith("pipeline/models/heads/smollm2/") for n in names)


@pytest.mark.model
def test_fresh_virtualenv_runs_the_sample_notes(wheel, tmp_path):
    built = llama_wheel()
    if built is None:
        pytest.skip("no compiled llama-cpp-python wheel to reuse (run `make install` first)")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run(pip + [str(built)], check=True, capture_output=True)
    subprocess.run(pip + [str(wheel)], check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    notes = elsewhere / "notes"
    shutil.copytree(ROOT / "sample_notes", notes)
    exe = str(venv / "bin" / "fieldnotes")
    for extra in (["--no-llm"], []):
        db = elsewhere / f"f{len(extra)}.db"
        r = subprocess.run([exe, "run", "notes", "--db", str(db), *extra], cwd=elsewhere, capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stderr
        assert "8 processed" in r.stdout
        leads = subprocess.run([exe, "leads", "--db", str(db), "--json"], cwd=elsewhere, capture_output=True, text=True)
        assert leads.returncode == 0 and leads.stdout.startswith("[")
