"""Start-up: what a query command imports before it answers (`python -X importtime`), and how
long `fieldnotes --help` and `fieldnotes search x` take in a fresh process."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from pipeline.dev.bench.common import fieldnotes_cmd, time_command

# modules a query command must never import: the model, numerics, the extraction stages, date parsing
HEAVY = ("numpy", "sklearn", "scipy", "llama_cpp", "dateparser", "pydantic", "sqlite_utils", "bs4", "pipeline.ingest",
         "pipeline.layout", "pipeline.annotate", "pipeline.decide", "pipeline.fields", "pipeline.schema")
QUERY_COMMANDS = (("search", "x"), ("leads",), ("followups",))


def bench_startup(dbs: dict[str, Path], repeats: int) -> dict[str, Any]:
    """`--help` and `search x` wall time, and each query command's import profile on each database."""
    out: dict[str, Any] = {"help": time_command(fieldnotes_cmd("--help"), repeats)}
    for label, db in dbs.items():
        out[f"search_x_{label}"] = time_command(fieldnotes_cmd("search", "x", "--db", str(db)), repeats)
        out[f"imports_{label}"] = {" ".join(args): import_profile([*args, "--db", str(db)]) for args in QUERY_COMMANDS}
    return out


def import_profile(args: list[str]) -> dict[str, Any]:
    """`python -X importtime -m pipeline ARGS`: total import time, module count, the heavy modules
    imported and the slowest top-level imports."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "pipeline", *args], capture_output=True, text=True)
    rows = [_row(line) for line in proc.stderr.splitlines() if line.startswith("import time:") and "|" in line]
    rows = [r for r in rows if r]
    top = [(name, cum) for name, cum, depth in rows if depth == 0]
    names = {name for name, _, _ in rows}
    return {"exit": proc.returncode, "import_ms": round(sum(c for _, c in top) / 1000, 1), "modules": len(names),
            "heavy": sorted(h for h in HEAVY if any(n == h or n.startswith(h + ".") for n in names)),
            "slowest": [[n, round(c / 1000, 1)] for n, c in sorted(top, key=lambda x: -x[1])[:6]]}


def _row(line: str) -> tuple[str, int, int] | None:
    parts = line.split("|")
    try:
        cumulative = int(parts[1].strip())
    except (IndexError, ValueError):
        return None  # the header line
    name = parts[2].rstrip()
    return name.strip(), cumulative, (len(name) - len(name.lstrip())) // 2  # ' a' top level, '   b' inside it
