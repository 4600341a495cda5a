"""The architecture holds: stages import only earlier stages, the core never imports click, every
sub-package is listed for the wheel, data files are read as package resources."""
from __future__ import annotations

import ast
import re
from pathlib import Path

PIPELINE = Path(__file__).parent.parent / "pipeline"
# The data flow, earliest first. A module may import its own stage and any earlier one.
ORDER = ["errors", "schema", "rules", "ingest", "document", "layout", "annotate", "decide", "fields", "run", "corpus",
         "followups", "store", "query", "export", "drafts", "actions", "backends", "llmfirst", "batch", "insights", "review", "dev", "cli"]
CORPUS = ("pipeline.dev.gold", "pipeline.dev.corpus")  # reading the annotated corpus: a layer of its own, used by training and few-shot prompts
SHARED = {"errors", "schema", "rules", "document"}  # vocabulary every stage may use


def stage_of(module: str) -> str | None:
    if module.startswith(CORPUS):
        return "corpus"
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "pipeline" else None


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names]
    return out


def test_no_stage_imports_a_later_one():
    bad = []
    for path in PIPELINE.rglob("*.py"):
        rel = path.relative_to(PIPELINE)
        mine = "corpus" if str(rel) in ("dev/gold.py", "dev/corpus.py") else rel.parts[0].removesuffix(".py")
        if mine in ("__init__", "__main__") or mine not in ORDER:
            continue
        for mod in imports(path):
            other = stage_of(mod)
            if other and other in ORDER and other not in SHARED and ORDER.index(other) > ORDER.index(mine):
                bad.append(f"{rel} imports {mod}")
    assert bad == []


def test_the_core_never_imports_click():
    offenders = [str(p.relative_to(PIPELINE)) for p in PIPELINE.rglob("*.py")
                 if p.name != "cli.py" and any(m == "click" or m.startswith("click.") for m in imports(p))]
    assert offenders == []


def test_every_subpackage_ships_in_the_wheel():
    listed = re.search(r"packages = \[(.*?)\]", (PIPELINE.parent / "pyproject.toml").read_text(), re.S).group(1)
    packages = {p.strip().strip('"') for p in listed.replace("\n", " ").split(",") if p.strip()}
    on_disk = {"pipeline." + ".".join(p.parent.relative_to(PIPELINE).parts) for p in PIPELINE.rglob("__init__.py") if p.parent != PIPELINE}
    assert on_disk - {"pipeline."} <= packages


def test_no_file_reads_the_source_tree_by_relative_path():
    offenders = [str(p.relative_to(PIPELINE)) for p in PIPELINE.rglob("*.py")
                 if re.search(r"Path\(__file__\)\.(?:resolve\(\)\.)?parent\.parent", p.read_text(encoding="utf-8"))]
    assert offenders == []
