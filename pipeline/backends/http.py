"""HTTP transport to one or more OpenAI-compatible servers: round-robin, retries, timeouts.

Every request goes to one of the configured base URLs; a note's requests start at the URL the
round-robin gave it and move to the next URL when one fails. 429, 5xx, timeouts, refused
connections and answers that are not the JSON expected are retried with exponential backoff
(honouring Retry-After); after the last try the caller gets a `BackendError`, which the batch
reports like any bad input. httpx is imported lazily, so a local run never loads it.
"""
from __future__ import annotations

import itertools
import random
import threading
import time
from typing import Any, Callable, Sequence

from pipeline.errors import BackendError

RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
BACKOFF_BASE = 0.5  # seconds before the second round of tries; doubles each round
BACKOFF_CAP = 8.0
CONNECT_TIMEOUT = 5.0


class Unsupported(Exception):
    """The server answered that it does not have this endpoint or option (4xx); not retried."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(f"HTTP {status}: {text[:200]}")
        self.status = status


class Transport:
    """A pooled httpx client over several base URLs of servers that serve the same model."""

    def __init__(self, urls: Sequence[str], api_key: str | None = None, timeout: float = 120.0, retries: int = 3,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        import httpx

        if not urls:
            raise BackendError("no server URL given; pass --base-url URL or run `fieldnotes config set backend.base_url URL`")
        self.urls, self.retries, self.timeout, self._sleep = list(urls), retries, timeout, sleep
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=16)
        self._client = httpx.Client(headers=headers, timeout=httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout)), limits=limits,
                                    trust_env=False)
        self._next = itertools.count()
        self._lock = threading.Lock()

    def pick(self) -> int:
        """The URL index a new note starts at (round-robin)."""
        with self._lock:
            return next(self._next) % len(self.urls)

    def post(self, path: str, payload: dict[str, Any], start: int | None = None, check: Callable[[Any], Any] | None = None,
             any_status: bool = False) -> Any:
        """POST JSON and return `check(answer)` (a ValueError/KeyError/TypeError there counts as a garbled answer).

        With `any_status`, every HTTP error status raises `Unsupported` at once (the caller
        handles it); refused connections and timeouts are still retried.
        """
        return self._send("POST", path, payload, start, check, any_status)

    def get(self, path: str, start: int | None = None, check: Callable[[Any], Any] | None = None) -> Any:
        return self._send("GET", path, None, start, check, False)

    def close(self) -> None:
        self._client.close()

    def _send(self, method: str, path: str, payload: Any, start: int | None, check: Callable[[Any], Any] | None, any_status: bool) -> Any:
        import httpx

        start = self.pick() if start is None else start
        tries = self.retries + 1
        problem = ""
        for attempt in range(tries):
            url = self.urls[(start + attempt) % len(self.urls)]
            wait = None
            try:
                resp = self._client.request(method, url + path, json=payload)
            except httpx.TimeoutException:
                problem = f"{url}{path}: no answer within {self.timeout:g}s"
            except httpx.HTTPError as e:
                problem = f"{url}{path}: cannot connect ({type(e).__name__})"
            else:
                if resp.status_code in RETRY_STATUS and not any_status:
                    problem = f"{url}{path}: HTTP {resp.status_code}"
                    wait = _retry_after(resp)
                elif resp.status_code >= 400:
                    raise Unsupported(resp.status_code, resp.text)
                else:
                    try:
                        data = resp.json()
                        return check(data) if check else data
                    except (ValueError, KeyError, TypeError, IndexError) as e:
                        problem = f"{url}{path}: unexpected answer ({type(e).__name__}: {str(e)[:80]})"
            if attempt + 1 < tries and (wait is not None or (attempt + 1) % len(self.urls) == 0):
                self._sleep(_backoff((attempt + 1) // len(self.urls), wait))
        raise BackendError(f"{problem} after {tries} tr{'y' if tries == 1 else 'ies'}; check the server, then run the same command again "
                           "(finished notes are kept)")


def _backoff(round_: int, retry_after: float | None) -> float:
    """Seconds to wait before the next round of tries: Retry-After when given (capped), else exponential with jitter."""
    if retry_after is not None:
        return min(BACKOFF_CAP, max(0.0, retry_after))
    return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, round_ - 1)) * (0.8 + 0.4 * random.random())


def _retry_after(resp: Any) -> float | None:
    value = resp.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
