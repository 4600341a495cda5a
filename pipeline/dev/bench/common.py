"""What every part of the benchmark shares: summaries of repeated timings (median, min, max),
commands timed in a fresh process with their peak memory, the load average and the machine."""
from __future__ import annotations

import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

REPEATS = 5


def summary(samples: Sequence[float], scale: float = 1.0, digits: int = 3) -> dict[str, Any]:
    """Median, min, max (and p95 when there are 20 or more) of the samples, times `scale`."""
    xs = [x * scale for x in samples]
    if not xs:
        return {"n": 0, "median": None, "min": None, "max": None}
    out = {"n": len(xs), "median": round(statistics.median(xs), digits), "min": round(min(xs), digits), "max": round(max(xs), digits)}
    if len(xs) >= 20:
        out["p95"] = round(percentile(xs, 95), digits)
    return out


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear-interpolated percentile (numpy's default) without numpy."""
    xs = sorted(values)
    k = (len(xs) - 1) * pct / 100
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def timed(fn: Callable[[], Any], repeats: int = REPEATS) -> list[float]:
    """Wall seconds of `repeats` calls of `fn`."""
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def run_command(cmd: list[str], stdout: Path | None = None, env: dict[str, str] | None = None, cwd: Path | None = None) -> dict[str, Any]:
    """Run a command in a fresh process: wall seconds, peak RSS in MB, exit code, output bytes.

    A small Python process starts it and reads its peak memory: a child forked straight from
    this (large) process would count this process's memory as its own until it execs."""
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL
    try:
        proc = subprocess.run([sys.executable, "-c", _SPAWN, *cmd], stdout=out, stderr=subprocess.PIPE, env=env, cwd=cwd, text=True)
    finally:
        if stdout:
            out.close()
    seconds, rss_kb, code = proc.stderr.split()[-3:]
    return {"seconds": float(seconds), "peak_rss_mb": round(int(rss_kb) / 1024, 1), "exit": int(code),
            "bytes": stdout.stat().st_size if stdout else None}


_SPAWN = """import resource, subprocess, sys, time
t = time.perf_counter()
code = subprocess.call(sys.argv[1:], stderr=subprocess.DEVNULL)
seconds = time.perf_counter() - t
sys.stderr.write(f"{seconds} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss} {code}")
"""


def time_command(cmd: list[str], repeats: int = REPEATS, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Median/min/max wall seconds of a command over repeats (each in a fresh process)."""
    runs = [run_command(cmd, env=env) for _ in range(repeats)]
    return dict(summary([r["seconds"] for r in runs]), exit=max(r["exit"] for r in runs),
                peak_rss_mb=max(r["peak_rss_mb"] for r in runs))


def fieldnotes_cmd(*args: str) -> list[str]:
    """The installed console script if there is one beside this Python, else `python -m pipeline`."""
    script = Path(sys.executable).parent / "fieldnotes"
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "pipeline", *args]


def load_average() -> list[float] | None:
    """1, 5 and 15 minute load averages."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def machine_info() -> dict[str, Any]:
    """CPU counts and model, platform, Python, SQLite and llama-cpp-python versions."""
    import sqlite3
    from importlib import metadata

    try:
        llama = metadata.version("llama_cpp_python")
    except metadata.PackageNotFoundError:
        llama = None
    try:
        import psutil

        physical = psutil.cpu_count(logical=False)
    except ImportError:  # pragma: no cover
        physical = None
    return {"cpu_count": os.cpu_count(), "physical_cores": physical, "cpu_model": _cpu_model(), "platform": platform.platform(),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "llama_cpp_python": llama}


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
