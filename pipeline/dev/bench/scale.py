"""Scale: databases of N generated notes built through `save_note`; whether storing a note costs
the same at the end as at the start (medians of the first and last 100 saves and of every tenth
of the build; and 100 new notes stored alternately into the full database and an empty one, the
comparison a busy machine does not blur), and the database's size per note, table by table."""
from __future__ import annotations

import sqlite3
import statistics
from pathlib import Path
from typing import Any, Callable

from pipeline.dev.bench.build import Build, build_database
from pipeline.dev.bench.common import ratio

EDGE = 100  # notes at each end of the build compared


def bench_build(path: Path, n: int, progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Build the database and report its storing cost and size."""
    build = build_database(path, n, progress=progress)
    size = database_size(path, n)  # before the paired saves add their notes
    return {"notes": n, "build_seconds": round(build.seconds, 1), **storing_cost(build), "store_paired_ms": paired_saves(path, n), **size}


def paired_saves(path: Path, n: int) -> dict[str, Any]:
    """100 new notes stored one by one into the built database and, between them, into an empty one:
    the same notes under the same load, so the ratio is the database's size alone (ms, medians)."""
    import tempfile

    from pipeline.dev.bench.build import Saves, store_notes
    from pipeline.dev.generate import SEED, iter_corpus
    from pipeline.store import open_db

    notes = list(iter_corpus(EDGE, seed=SEED + 1))
    full, late, early = open_db(path), Saves(), Saves()
    with tempfile.TemporaryDirectory(prefix="fieldnotes-empty-") as tmp:
        empty = open_db(Path(tmp) / "empty.db", create=True)
        for k, note in enumerate(notes):
            late.extend(store_notes(full, [note], EDGE, start=n + k, folder="paired"))
            early.extend(store_notes(empty, [note], EDGE, start=n + k, folder="paired"))
        empty.conn.close()
    full.conn.close()
    out = {}
    for clock in ("wall", "cpu"):
        a, b = _ms(getattr(early, clock)), _ms(getattr(late, clock))
        out[clock] = {"empty": a, "full": b, "ratio": ratio(b, a)}
    return out


def storing_cost(build: Build) -> dict[str, Any]:
    """Milliseconds per `save_note`: first and last 100 (wall and CPU), their ratio, and per tenth."""
    out: dict[str, Any] = {}
    for clock, xs in (("wall", build.saves.wall), ("cpu", build.saves.cpu)):
        first, last = _ms(xs[:EDGE]), _ms(xs[-EDGE:])
        out[f"store_{clock}_ms"] = {"first_100": first, "last_100": last, "ratio": ratio(last, first)}
    tenth = max(1, len(build.saves) // 10)
    out["store_wall_ms_by_tenth"] = [_ms(build.saves.wall[i:i + tenth]) for i in range(0, len(build.saves), tenth)][:10]
    return out


def database_size(path: Path, n: int) -> dict[str, Any]:
    """Bytes per note of the file, and the largest tables and indexes (SQLite's dbstat)."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall()
    except sqlite3.OperationalError:  # SQLite built without dbstat
        rows = []
    finally:
        conn.close()
    size = path.stat().st_size
    return {"bytes": size, "kb_per_note": round(size / n / 1024, 2),
            "largest_kb_per_note": [[name, round(b / n / 1024, 2)] for name, b in rows[:8]]}


def _ms(xs: list[float]) -> float | None:
    return round(statistics.median(xs) * 1000, 2) if xs else None
