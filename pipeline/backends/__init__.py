"""Backends: where the model runs, behind one small interface.

`Backend` is the runtime's `Model` (token states for the heads, `complete` for drafts) plus
`chat` (LLM-first mode) and `token_states` (False when the server cannot give per-token
states, so the lexical heads decide). Two implementations:

- `local.LocalBackend`: llama-cpp-python in this process (the default; no network).
- `remote.OpenAIBackend`: any OpenAI-compatible server, reached over HTTP (`--backend openai
  --base-url URL`), round-robin over several URLs, with retries and timeouts.

`resolve_settings` merges the command line over the user's config file (`config.py`);
`load_backend` builds the backend once per run.
"""
from __future__ import annotations

from typing import Any, Protocol, Sequence

from pipeline.backends.config import BackendSettings, load_settings
from pipeline.decide.runtime import Model


class Backend(Model, Protocol):
    """What the pipeline needs from any backend."""

    token_states: bool
    prompt_style: str

    def chat(self, messages: list[dict[str, str]], schema: dict | None = None, max_tokens: int = 400) -> Any:
        """One chat turn at temperature 0 (`remote.ChatAnswer`), constrained to `schema` where supported."""


def resolve_settings(kind: str | None = None, base_urls: Sequence[str] = (), model: str | None = None, api_key_env: str | None = None,
                     timeout: float | None = None, mode: str | None = None) -> BackendSettings:
    """The backend settings of this run: command-line values win over the config file, which wins over defaults."""
    saved = load_settings().backend
    given = {"kind": kind, "base_url": [u for url in base_urls for u in url.split(",") if u] or None, "model": model,
             "api_key_env": api_key_env, "timeout": timeout, "mode": mode}
    if given["base_url"] and not kind and saved.kind == "local":
        given["kind"] = "openai"  # a URL on the command line means the server
    merged = saved.model_dump()
    merged.update({k: v for k, v in given.items() if v is not None})
    return BackendSettings.model_validate(merged)


def load_backend(settings: BackendSettings, model_name: str | None = None, threads: int | None = None) -> Backend:
    """The run's model: in-process by default, else the OpenAI-compatible client."""
    if settings.kind == "openai":
        from pipeline.backends.remote import OpenAIBackend

        return OpenAIBackend(settings, model_name)
    from pipeline.backends.local import LocalBackend
    from pipeline.decide.registry import resolve_model
    from pipeline.decide.runtime import default_threads

    return LocalBackend(resolve_model(model_name), threads or default_threads())
