"""A tiny stand-in for a model server, on 127.0.0.1 in a thread, for the backend fault tests.

It speaks llama.cpp's `llama-server` protocol (`/tokenize` with pieces, `/embeddings` with token
ids and per-token states), `/v1/models`, `/v1/chat/completions` and `/v1/completions`, and can
misbehave on purpose: answer 500, answer garbage, answer slowly, or fail every Nth embeddings
request. `StubModel` computes the same token states in-process, so records made through the
stub can be compared with records made without HTTP.
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

from pipeline.decide.embed import TokenVectors, char_spans
from pipeline.decide.runtime import ModelStats

DIM = 16
PIECE = re.compile(r"\s*\w+|\s*[^\w\s]|\s+")


def pieces_of(text: str) -> list[str]:
    return PIECE.findall(text)


def state_of(piece: str) -> np.ndarray:
    seed = int(hashlib.sha1(piece.strip().lower().encode()).hexdigest()[:8], 16)
    return np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)


class StubModel:
    """The stub server's token states without HTTP (the reference the client must reproduce)."""

    name = feature_name = "smollm2"
    cache_key, prompt_style, dim, token_states = "stub", "chatml", DIM, True

    def __init__(self) -> None:
        self.stats = ModelStats()

    def token_vectors(self, text: str) -> TokenVectors:
        pieces = pieces_of(text) or [""]
        data = text.encode("utf-8")
        spans = char_spans(text, data, [len(p.encode("utf-8")) for p in pieces])
        return TokenVectors(spans, np.stack([state_of(p) for p in pieces]).astype(np.float16).astype(np.float32))

    def complete(self, prompt: str, max_tokens: int = 200, stop=()) -> str:
        return "Thank you so much for your time."


class StubServer:
    """Start with `with StubServer(mode=...) as s:`; `s.url` is its base URL."""

    def __init__(self, mode: str = "ok", every: int = 0, delay: float = 0.0, pooled_only: bool = False, die_after: int = 0) -> None:
        self.mode, self.every, self.delay, self.pooled_only, self.die_after = mode, every, delay, pooled_only, die_after
        self.vocab: dict[str, int] = {}
        self.calls: dict[str, int] = {}
        self.in_flight = self.max_in_flight = 0
        self.chat_answers: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "StubServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, path: str, body: dict) -> tuple[int, object]:
        """(status, JSON body, or bytes sent as they are) for one request."""
        with self._lock:
            n = self.calls[path] = self.calls.get(path, 0) + 1
        if self.delay:
            time.sleep(self.delay)
        if self.die_after and path == "/embeddings" and n > self.die_after:
            threading.Thread(target=self.stop, daemon=True).start()
            raise ConnectionAbortedError("the stub server died")  # the connection closes without an answer
        if self.mode == "500" or (self.mode == "flaky" and path == "/embeddings" and n % self.every == 0):
            return 500, {"error": {"message": "stub failure"}}
        if self.mode == "garbage" and path != "/v1/models":
            return 200, b"<html>not json"
        if path == "/v1/models":
            return 200, {"object": "list", "data": [{"id": "smollm2-stub", "object": "model"}]}
        if path == "/tokenize" and not self.pooled_only:
            return 200, {"tokens": [{"id": self._id(p), "piece": p} for p in pieces_of(body["content"])]}
        if path == "/embeddings" and not self.pooled_only:
            words = {i: p for p, i in self.vocab.items()}
            return 200, [{"index": 0, "embedding": [state_of(words[i]).tolist() for i in body["content"]]}]
        if path == "/v1/embeddings":
            return 200, {"data": [{"embedding": state_of(body["input"]).tolist(), "index": 0}]}
        if path == "/v1/chat/completions":
            text = self.chat_answers.pop(0) if self.chat_answers else "{}"
            return 200, {"choices": [{"message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]}
        if path == "/v1/completions":
            return 200, {"choices": [{"text": "Thank you so much for your time."}], "usage": {"completion_tokens": 7}}
        return 404, {"error": {"message": f"no {path}"}}

    def _id(self, piece: str) -> int:
        with self._lock:
            return self.vocab.setdefault(piece, len(self.vocab) + 1)

    def enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1


def _handler(stub: StubServer):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            return None

        def do_GET(self) -> None:
            self._reply(*stub.answer(self.path, {}))

        def do_POST(self) -> None:
            stub.enter()
            try:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                self._reply(*stub.answer(self.path, body))
            except ConnectionAbortedError:
                self.close_connection = True
            finally:
                stub.leave()

        def _reply(self, status: int, payload: object) -> None:
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler
