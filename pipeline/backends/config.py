"""User settings: `fieldnotes config set backend.base_url URL`, kept in the user's config folder.

The file is YAML at `platformdirs.user_config_dir("fieldnotes")/config.yaml` (on Linux
`$XDG_CONFIG_HOME/fieldnotes/config.yaml`); `$FIELDNOTES_CONFIG` names another file. Keys are
dotted (`backend.base_url`), every value is validated by the pydantic models below, and an API
key is never stored: only the name of the environment variable that holds it.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.errors import ConfigError


class BackendSettings(BaseModel):
    """Which model backend a run uses and how it reaches it."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["local", "openai"] = "local"
    base_url: list[str] = Field(default_factory=list)  # several: notes go to them round-robin
    model: Optional[str] = None  # the server's model name (a registry alias picks the trained heads)
    api_key_env: Optional[str] = None  # the environment variable holding the API key
    timeout: float = Field(120.0, gt=0)  # seconds to wait for one answer
    retries: int = Field(3, ge=0, le=10)  # extra tries after a 429 / 5xx / timeout / refused connection
    mode: Literal["auto", "heads", "llm"] = "auto"  # llm: the model writes the record, the heads fall back

    @field_validator("base_url", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [v for v in value.replace(" ", ",").split(",") if v]
        return [normalise_url(v) for v in value] if isinstance(value, list) else value


class RunSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    jobs: int = Field(1, ge=1, le=64)


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    backend: BackendSettings = Field(default_factory=BackendSettings)
    run: RunSettings = Field(default_factory=RunSettings)


def config_path() -> Path:
    """$FIELDNOTES_CONFIG, else config.yaml in the user's config folder."""
    env = os.environ.get("FIELDNOTES_CONFIG")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("fieldnotes", appauthor=False)) / "config.yaml"


def load_settings(path: Path | None = None) -> Settings:
    """The user's settings (defaults when there is no file); a ConfigError names a bad file."""
    path = path or config_path()
    if not path.is_file():
        return Settings()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return Settings.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as e:
        raise ConfigError(f"{path}: invalid config file ({_first_line(e)}); fix it or remove it with `fieldnotes config unset KEY`") from e


def set_setting(key: str, raw: str, path: Path | None = None) -> Any:
    """Validate and store one dotted key; returns the stored value."""
    section, name = _split_key(key)
    path = path or config_path()
    data = load_settings(path).model_dump(exclude_defaults=True)
    data.setdefault(section, {})[name] = yaml.safe_load(raw) if name not in ("model", "api_key_env") else raw
    try:
        settings = Settings.model_validate(data)
    except ValidationError as e:
        raise ConfigError(f"{key}: {_first_line(e)}") from e
    _write(path, settings)
    return getattr(getattr(settings, section), name)


def unset_setting(key: str, path: Path | None = None) -> None:
    """Remove one key (back to its default)."""
    section, name = _split_key(key)
    path = path or config_path()
    data = load_settings(path).model_dump(exclude_defaults=True)
    data.get(section, {}).pop(name, None)
    _write(path, Settings.model_validate(data))


def setting_rows(path: Path | None = None) -> list[dict[str, Any]]:
    """Every key with its value and whether the user set it, for `fieldnotes config list`."""
    settings = load_settings(path)
    mine = settings.model_dump(exclude_defaults=True)
    return [{"key": f"{section}.{name}", "value": value, "set": name in mine.get(section, {})}
            for section, values in settings.model_dump().items() for name, value in values.items()]


def normalise_url(url: str) -> str:
    """`http://host:port` without a trailing slash or `/v1` (the client adds the paths)."""
    url = str(url).strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"'{url}' is not an http:// or https:// URL")
    return url[:-3] if url.endswith("/v1") else url


def _split_key(key: str) -> tuple[str, str]:
    section, _, name = key.partition(".")
    fields = Settings.model_fields
    if section not in fields or name not in fields[section].annotation.model_fields:  # type: ignore[union-attr]
        known = ", ".join(f"{s}.{n}" for s, f in fields.items() for n in f.annotation.model_fields)  # type: ignore[union-attr]
        raise ConfigError(f"unknown setting '{key}' (known: {known})")
    return section, name


def _write(path: Path, settings: Settings) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(settings.model_dump(exclude_defaults=True), sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def _first_line(e: Exception) -> str:
    text = str(e).strip()
    if isinstance(e, ValidationError):
        err = e.errors()[0]
        return f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
    return text.splitlines()[0] if text else type(e).__name__
