"""The in-process backend: the GGUF model through llama-cpp-python (the default, as before).

`LocalBackend` is `decide.runtime.LlamaModel` (embedding-mode token states for the heads,
`complete` for drafts) plus `chat`, which LLM-first mode uses: a chat turn at temperature 0
through the model's own chat template, constrained by llama.cpp's grammar built from the JSON
schema (`{"type": "json_object", "schema": ...}`, the only form llama-cpp-python honours).
"""
from __future__ import annotations

import time

from pipeline.backends.remote import ChatAnswer
from pipeline.decide.runtime import LlamaModel, _open_llama


class LocalBackend(LlamaModel):
    """LlamaModel with a chat turn; opens no socket."""

    token_states = True

    def chat(self, messages: list[dict[str, str]], schema: dict | None = None, max_tokens: int = 400) -> ChatAnswer:
        if self._generator is None:
            self._generator = _open_llama(self._path, self.spec.n_ctx, self.threads, embedding=False)
        started = time.perf_counter()
        fmt = {"response_format": {"type": "json_object", "schema": schema}} if schema else {}
        out = self._generator.create_chat_completion(messages, temperature=0.0, max_tokens=max_tokens, logprobs=True, **fmt)
        choice = out["choices"][0]
        content = (choice.get("logprobs") or {}).get("content") or []
        self.stats.generated_tokens += out.get("usage", {}).get("completion_tokens", 0)
        self.stats.decode_seconds += time.perf_counter() - started
        return ChatAnswer(choice["message"]["content"] or "", choice.get("finish_reason") or "", [float(t["logprob"]) for t in content] or None)
