"""Local model servers for the tests and the backend benchmark: llama-cpp-python's own server
(`python -m llama_cpp.server`, its `[server]` extra) on 127.0.0.1 only, with the embedded model.

The server is started so its token states equal the in-process model's: embedding mode (the
model's pooling, none for SmolLM2), the in-process context and window (`n_ctx` 2048), and a
batch that holds a whole window (`n_batch` 2048; llama.cpp still computes in ubatches of 512,
as in-process). `stop()` ends it; `kill()` ends it at once (the fault tests' "server died").
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from pipeline.decide.runtime import WINDOW_TOKENS

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port nobody listens on, on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class LocalServer:
    """One `llama_cpp.server` process serving `model_path` as `alias` on 127.0.0.1."""

    def __init__(self, model_path: str | Path, alias: str = "smollm2", threads: int = 1, port: int | None = None,
                 log: Path | None = None) -> None:
        self.model_path, self.alias, self.threads = str(model_path), alias, threads
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log = log
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "LocalServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, wait: float = 120.0) -> "LocalServer":
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", self.model_path, "--model_alias", self.alias, "--host", HOST,
               "--port", str(self.port), "--embedding", "true", "--n_ctx", str(WINDOW_TOKENS), "--n_batch", str(WINDOW_TOKENS),
               "--n_threads", str(self.threads), "--n_threads_batch", str(self.threads), "--verbose", "false"]
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready(wait)
        return self

    def stop(self) -> None:
        """End the server (SIGTERM, then SIGKILL after 10 s)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """End the server at once, as a crash would."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def _wait_ready(self, wait: float) -> None:
        import httpx

        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {self.proc.returncode} (is the [server] extra installed?)")
            try:
                if httpx.get(self.url + "/v1/models", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.kill()
        raise RuntimeError(f"llama_cpp.server did not answer on {self.url} within {wait:.0f}s")
