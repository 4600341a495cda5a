"""The model behind an OpenAI-compatible server (llama.cpp's llama-server, llama-cpp-python's
server, Ollama, vLLM, LM Studio), with the same interface as the in-process model.

Decisions need the model's per-token hidden states, which the OpenAI API does not define. Two
servers give them, and the client finds out which one it talks to (`probe`):

- llama.cpp `llama-server --embeddings --pooling none`: `POST /tokenize` with `with_pieces`
  gives token ids and their bytes; `POST /embeddings` (not `/v1/embeddings`, which refuses
  pooling none) takes token ids and returns every token's unnormalised state.
- `python -m llama_cpp.server --embedding true`: `POST /extras/tokenize` gives ids,
  `POST /extras/detokenize` their text, and `POST /v1/embeddings` returns one state per token
  (it leaves the model's pooling, none for a causal model, and reads a note in one batch, so
  start it with `--n_batch 2048`). It takes text only, so a window of a long note is sent as
  text and checked to tokenise to the same ids.

The windows are the in-process model's (`runtime.WINDOW_TOKENS` with `WINDOW_OVERLAP`), so
both backends hand the heads the same numbers. A server that gives only pooled vectors
(Ollama, vLLM serving a chat model, LM Studio) has `token_states = False`: the run then uses
the lexical heads and says so in every record. `complete()` and `chat()` use
`/v1/completions` and `/v1/chat/completions` at temperature 0, with logprobs when the server
returns them and JSON-schema constrained output where it supports it.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

from pipeline.backends.config import BackendSettings
from pipeline.backends.http import Transport, Unsupported
from pipeline.decide.runtime import MAX_NOTE_TOKENS, WINDOW_OVERLAP, WINDOW_TOKENS, ModelStats
from pipeline.errors import BackendError

LLAMA_SERVER, LLAMA_CPP_PYTHON, NO_STATES = "llama-server", "llama-cpp-python", "none"
SEPARATOR_TEXT = "\x00"  # detokenised between unknown tokens to learn many pieces in one request
FORMATS = ("json_schema", "json_object", "none")  # response_format styles, tried in this order


@dataclass
class Probe:
    """What the server can do, found once per run."""

    protocol: str  # LLAMA_SERVER, LLAMA_CPP_PYTHON or NO_STATES
    dim: int = 0
    server_model: str = ""  # the id the server reports in /v1/models
    reason: str = ""  # why there are no token states


@dataclass
class ChatAnswer:
    text: str
    finish_reason: str = ""
    logprobs: list[float] | None = None  # one per generated token, when the server returned them

    @property
    def mean_logprob(self) -> float | None:
        return sum(self.logprobs) / len(self.logprobs) if self.logprobs else None


@dataclass
class _Pieces:
    """Token id -> its bytes (None: not valid UTF-8 on its own), shared by all threads."""

    known: dict[int, bytes | None] = field(default_factory=dict)
    separator: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class OpenAIBackend:
    """A model on OpenAI-compatible servers; `token_vectors`, `complete` and `chat` as in-process."""

    def __init__(self, settings: BackendSettings, model: str | None = None, transport: Transport | None = None) -> None:
        from pipeline.decide.registry import load_registry

        self.settings = settings
        self.model = model or settings.model
        api_key = os.environ.get(settings.api_key_env) if settings.api_key_env else None
        if settings.api_key_env and not api_key:
            raise BackendError(f"${settings.api_key_env} is not set; export the API key there or drop --api-key-env")
        self.http = transport or Transport(settings.base_url, api_key, settings.timeout, settings.retries)
        spec = load_registry().models.get(self.model or "")
        self.alias = spec.alias if spec else ""
        self.prompt_style = spec.prompt_style if spec else "plain"
        self.stats = ModelStats()
        self._stats_lock = threading.Lock()
        self._pieces = _Pieces()
        self._probe: Probe | None = None
        self._format: str | None = None
        self._logprobs = True

    # -- the Model interface -------------------------------------------------------------

    @property
    def name(self) -> str:
        return f"{self.model or self.probe().server_model or 'server model'} (openai backend)"

    @property
    def feature_name(self) -> str:
        """The registry alias whose heads read this model's vectors ("" when unknown or no states)."""
        return self.alias if self.token_states else ""

    @property
    def dim(self) -> int:
        return self.probe().dim

    @property
    def cache_key(self) -> str:
        return f"{self.alias or self.model}-openai"

    @property
    def response_format(self) -> str | None:
        """The response_format style the server accepted last ('json_schema', 'json_object' or 'none')."""
        return self._format

    @property
    def token_states(self) -> bool:
        return self.probe().protocol != NO_STATES

    def probe(self) -> Probe:
        """Ask the server once which token-state protocol it speaks, and the vectors' size."""
        if self._probe is None:
            self._probe = _find_protocol(self)
        return self._probe

    def token_vectors(self, text: str):
        """The note's token spans and hidden states, the same as the in-process model's."""
        import numpy as np

        from pipeline.decide.embed import TokenVectors, char_spans

        probe, start = self.probe(), self.http.pick()
        if probe.protocol == NO_STATES:
            raise BackendError(f"the server gives no per-token states ({probe.reason})")
        data = text.encode("utf-8")
        ids, pieces = self._tokenize(text, start)
        if len(ids) > MAX_NOTE_TOKENS:
            return None
        lengths = _piece_lengths(data, pieces)
        began = time.perf_counter()
        states = self._states(ids, lengths, data, start)
        self._count(calls=1, prompt_tokens=len(ids), prefill_seconds=time.perf_counter() - began)
        return TokenVectors(char_spans(text, data, lengths), states.astype(np.float16).astype(np.float32))

    def complete(self, prompt: str, max_tokens: int = 200, stop: Sequence[str] = ()) -> str:
        """Greedy continuation through /v1/completions."""
        body = {"prompt": prompt, "max_tokens": max_tokens, "temperature": 0.0, **self._model_field()}
        if stop:
            body["stop"] = list(stop)[:4]  # the OpenAI API takes at most four
        began = time.perf_counter()
        out = self.http.post("/v1/completions", body, check=lambda d: (d["choices"][0]["text"], d.get("usage") or {}))
        self._count(generated_tokens=int(out[1].get("completion_tokens", 0)), decode_seconds=time.perf_counter() - began)
        return out[0]

    def chat(self, messages: list[dict[str, str]], schema: dict | None = None, max_tokens: int = 400) -> ChatAnswer:
        """One chat turn at temperature 0, constrained to `schema` where the server supports it."""
        began = time.perf_counter()
        styles = [s for s in FORMATS if self._format in (None, s)] if schema else ["none"]
        for i, style in enumerate(styles):
            body = {"messages": messages, "max_tokens": max_tokens, "temperature": 0.0, **self._model_field(), **_response_format(style, schema)}
            if self._logprobs:
                body["logprobs"] = True
            try:
                answer = self.http.post("/v1/chat/completions", body, check=_chat_answer)
            except Unsupported as e:
                if self._logprobs and "logprob" in str(e).lower():
                    self._logprobs = False
                    return self.chat(messages, schema, max_tokens)
                if i + 1 < len(styles):
                    continue
                raise BackendError(f"the server refused the chat request ({e}); check --model and the server's chat support") from e
            self._format = style
            self._count(generated_tokens=len(answer.logprobs or []), decode_seconds=time.perf_counter() - began)
            return answer
        raise BackendError("the server accepted no response format")  # pragma: no cover - the loop returns or raises

    def close(self) -> None:
        self.http.close()

    # -- token states ----------------------------------------------------------------------

    def _tokenize(self, text: str, start: int) -> tuple[list[int], list[bytes | None]]:
        if self.probe().protocol == LLAMA_SERVER:
            body = {"content": text, "add_special": True, "parse_special": False, "with_pieces": True}
            toks = self.http.post("/tokenize", body, start, check=lambda d: [(int(t["id"]), _piece_bytes(t["piece"])) for t in d["tokens"]])
            return [t for t, _ in toks], [p for _, p in toks]
        ids = self.http.post("/extras/tokenize", {"input": text, **self._model_field()}, start, check=lambda d: [int(t) for t in d["tokens"]])
        return ids, self._detokenize_each(ids, start)

    def _detokenize_each(self, ids: list[int], start: int) -> list[bytes | None]:
        """Each token's bytes, as `Llama.detokenize([t])` gives them in-process (cached per token id)."""
        unknown = sorted({t for t in ids if t not in self._pieces.known})
        if unknown:
            found = self._detokenize_many(unknown, start) if self._separator(start) is not None else \
                {t: self._detokenize_one(t, start) for t in unknown}
            with self._pieces.lock:
                self._pieces.known.update(found)
        return [self._pieces.known[t] for t in ids]

    def _detokenize_many(self, ids: list[int], start: int) -> dict[int, bytes | None]:
        """Batches split at a separator token; a batch the server cannot decode is halved until the odd token is found."""
        found = self._detokenize_batch(ids, start)
        if found is not None:
            return found
        if len(ids) == 1:
            return {ids[0]: self._detokenize_one(ids[0], start)}
        half = len(ids) // 2
        return {**self._detokenize_many(ids[:half], start), **self._detokenize_many(ids[half:], start)}

    def _separator(self, start: int) -> int | None:
        if self._pieces.separator is None:
            ids = self.http.post("/extras/tokenize", {"input": SEPARATOR_TEXT, **self._model_field()}, start, check=lambda d: d["tokens"])
            ok = len(ids) == 1 and self._detokenize_one(ids[0], start) == SEPARATOR_TEXT.encode()
            self._pieces.separator = int(ids[0]) if ok else -1
        return self._pieces.separator if self._pieces.separator >= 0 else None

    def _detokenize_batch(self, ids: list[int], start: int) -> dict[int, bytes | None] | None:
        """Many tokens' bytes in one request, split at a separator token; None when that does not work out."""
        sep = self._pieces.separator
        joined = [t for i in ids for t in (i, sep)]
        try:
            text = self.http.post("/extras/detokenize", {"tokens": joined, **self._model_field()}, start, check=lambda d: d["text"], any_status=True)
        except Unsupported:
            return None
        parts = text.split(SEPARATOR_TEXT)
        if len(parts) != len(ids) + 1 or parts[-1]:
            return None
        return {t: p.encode("utf-8") for t, p in zip(ids, parts)}

    def _detokenize_one(self, token: int, start: int) -> bytes | None:
        try:
            text = self.http.post("/extras/detokenize", {"tokens": [token], **self._model_field()}, start, check=lambda d: d["text"],
                                  any_status=True)
        except Unsupported:
            return None  # llama-cpp-python's server fails on a token that is not valid UTF-8 by itself
        return text.encode("utf-8")

    def _states(self, ids: list[int], lengths: list[int], data: bytes, start: int):
        """Every token's state, window by window exactly as `LlamaModel._states` reads them."""
        import numpy as np

        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(int)
        pos = 0
        while pos < len(ids):
            left = max(0, pos - WINDOW_OVERLAP) if pos else 0
            picks = list(range(min(len(ids), WINDOW_TOKENS))) if not left else [0] + list(range(left, min(len(ids), left + WINDOW_TOKENS - 1)))
            states = self._embed([ids[k] for k in picks], b"".join(data[offsets[k]:offsets[k + 1]] for k in picks), start, len(ids) > WINDOW_TOKENS)
            take = states[pos - left + (1 if left else 0):]
            out[pos:pos + len(take)] = take
            pos += len(take)
        return out

    def _embed(self, window: list[int], text: bytes, start: int, windowed: bool):
        import numpy as np

        if self.probe().protocol == LLAMA_SERVER:
            states = self.http.post("/embeddings", {"content": window, **self._model_field()}, start, check=lambda d: _token_matrix(d[0]["embedding"]))
        else:
            try:
                body = text.decode("utf-8")
            except UnicodeDecodeError:
                raise BackendError("a window of this long note starts inside a character; use llama.cpp's llama-server, "
                                   "which takes token ids, or split the note") from None
            if windowed and self.http.post("/extras/tokenize", {"input": body, **self._model_field()}, start, check=lambda d: d["tokens"]) != window:
                raise BackendError("the server reads a window of this long note as other tokens; use llama.cpp's llama-server, "
                                   "which takes token ids, or split the note")
            states = self.http.post("/v1/embeddings", {"input": body, **self._model_field()}, start,
                                    check=lambda d: _token_matrix(d["data"][0]["embedding"]))
        if states.shape != (len(window), self.dim):
            raise BackendError(f"the server returned {states.shape[0]} token states for {len(window)} tokens; start it with a batch "
                               f"of at least {WINDOW_TOKENS} tokens (llama_cpp.server --n_batch {WINDOW_TOKENS}, llama-server -b/-ub {WINDOW_TOKENS})")
        self._count(evaluated_tokens=len(window))
        return states.astype(np.float32)

    # -- helpers ---------------------------------------------------------------------------

    def _model_field(self) -> dict[str, str]:
        return {"model": self.model} if self.model else {}

    def _count(self, **values: float) -> None:
        with self._stats_lock:
            for k, v in values.items():
                setattr(self.stats, k, getattr(self.stats, k) + v)


def _find_protocol(backend: OpenAIBackend) -> Probe:
    """Probe the first answering server: which tokenize/embeddings endpoints it has, and the state size."""
    http, model = backend.http, backend._model_field()
    server_model = _server_model(http)
    try:  # llama.cpp's llama-server
        toks = http.post("/tokenize", {"content": "probe", "add_special": True, "parse_special": False, "with_pieces": True},
                         check=lambda d: _or_none(lambda: [int(t["id"]) for t in d["tokens"]]))
        states = http.post("/embeddings", {"content": toks, **model}, check=lambda d: _or_none(lambda: _token_matrix(d[0]["embedding"]))) \
            if toks else None
        if states is not None and len(states) == len(toks):
            return Probe(LLAMA_SERVER, int(states.shape[1]), server_model)
    except Unsupported:
        pass
    try:  # llama-cpp-python's server
        toks = http.post("/extras/tokenize", {"input": "probe", **model}, check=lambda d: [int(t) for t in d["tokens"]])
        emb = http.post("/v1/embeddings", {"input": "probe", **model}, check=lambda d: d["data"][0]["embedding"])
    except Unsupported as e:
        return Probe(NO_STATES, 0, server_model, f"no tokenize or per-token embeddings endpoint ({e})")
    if emb and isinstance(emb[0], list) and len(emb) == len(toks) and len(emb[0]) > 0:
        return Probe(LLAMA_CPP_PYTHON, len(emb[0]), server_model)
    return Probe(NO_STATES, 0, server_model, "its embeddings endpoint returns one pooled vector per text")


def _or_none(fn):
    """The value of `fn()`, or None when the answer has another shape (an endpoint of the same name on another server)."""
    try:
        return fn()
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def _server_model(http: Transport) -> str:
    try:
        return str(http.get("/v1/models", check=lambda d: d["data"][0]["id"]))
    except (Unsupported, BackendError):
        return ""


def _response_format(style: str, schema: dict | None) -> dict[str, Any]:
    if style == "json_schema" and schema:
        return {"response_format": {"type": "json_schema", "json_schema": {"name": "answer", "strict": True, "schema": schema}}}
    if style == "json_object" and schema:
        return {"response_format": {"type": "json_object", "schema": schema}}
    return {}


def _chat_answer(d: dict) -> ChatAnswer:
    choice = d["choices"][0]
    text = choice["message"]["content"]
    if not isinstance(text, str):
        raise TypeError("message content is not text")
    lp = (choice.get("logprobs") or {}).get("content") if isinstance(choice.get("logprobs"), dict) else None
    values = [float(t["logprob"]) for t in lp] if lp else None
    return ChatAnswer(text, str(choice.get("finish_reason") or ""), values)


def _token_matrix(rows: Any):
    import numpy as np

    arr = np.asarray(rows, dtype=np.float32)
    if arr.ndim != 2 or not arr.size:
        raise ValueError("expected one vector per token")
    return arr


def _piece_bytes(piece: Any) -> bytes:
    return piece.encode("utf-8") if isinstance(piece, str) else bytes(int(b) for b in piece)


def _piece_lengths(data: bytes, pieces: list[bytes | None]) -> list[int]:
    """Each token's byte length in the note: its piece where the note has it there, 0 for a control token.

    A piece that is not valid UTF-8 on its own (None) gets its share of the bytes between its
    known neighbours. The lengths must add up to the note; otherwise the server read the note
    differently (special-token text) and the note fails with a clear message.
    """
    lengths = [0] * len(pieces)
    pos, k = 0, 0
    while k < len(pieces):
        piece = pieces[k]
        if piece is not None:
            lengths[k] = len(piece) if data.startswith(piece, pos) else 0
            pos += lengths[k]
            k += 1
            continue
        run_end = k
        while run_end < len(pieces) and pieces[run_end] is None:
            run_end += 1
        nxt = next((p for p in pieces[run_end:] if p), None)
        stop = data.find(nxt, pos + 1) if nxt else len(data)
        total = (stop if stop >= 0 else len(data)) - pos
        share, extra = divmod(total, run_end - k)
        for j in range(k, run_end):
            lengths[j] = share + (1 if j - k < extra else 0)
        pos += total
        k = run_end
    if pos != len(data):
        raise BackendError("the server splits this note into tokens that do not add up to its text (it may contain special-token "
                           "text such as <|im_end|>); run it with the local backend")
    return lengths
