"""Finding note files: files, folders (recursive) and glob patterns, with nothing skipped in silence.

Every file a folder or pattern holds is either a note to read or a `Skipped` entry that says
why and what to do (".doc: save it as .docx"). Folders are walked without following links
into folders already seen, so a symlink loop ends. A note's identity is its resolved real
path, so the same file named by a relative path, an absolute path or a link is one file.
"""
from __future__ import annotations

import fnmatch
import glob
import os
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

BYTES_KEY = "bytes:"  # a key for a path that is not valid UTF-8: its %-escaped bytes (a real path starts with "/")

SKIP_ADVICE: dict[str, str] = {
    ".doc": "old Word format: open it and save it as .docx",
    ".pages": "Apple Pages: export it as .docx or PDF",
    ".key": "a Keynote deck, not a note: export the text as PDF",
    ".xls": "a spreadsheet: save the notes as .docx, .txt or .md",
    ".xlsx": "a spreadsheet: save the notes as .docx, .txt or .md",
    ".csv": "a table, not a note: paste the notes into a .txt or .md file (LinkedIn connections: `fieldnotes import linkedin FILE`)",
    ".png": "an image: run OCR on it or type the notes into a .txt file",
    ".jpg": "an image: run OCR on it or type the notes into a .txt file",
    ".jpeg": "an image: run OCR on it or type the notes into a .txt file",
    ".heic": "an image: run OCR on it or type the notes into a .txt file",
    ".m4a": "an audio recording: transcribe it first (e.g. to .vtt or .txt)",
    ".mp3": "an audio recording: transcribe it first (e.g. to .vtt or .txt)",
    ".wav": "an audio recording: transcribe it first (e.g. to .vtt or .txt)",
    ".msg": "an Outlook message: save it as .eml",
}


@dataclass(frozen=True)
class Skipped:
    """A file that was found but is not read, and what the user can do about it."""

    path: str
    reason: str

    def message(self) -> str:
        return f"{display_path(self.path)}: skipped, {self.reason}"


def find_note_files(paths: list[str], formats: dict[str, str]) -> tuple[list[Path], list[tuple[str, str]], list[Skipped]]:
    """Expand user paths into (note files, (path, error) problems, skipped files).

    Files named explicitly are kept whatever their extension (reading them reports the type).
    The same real file named twice is kept once.
    """
    files: list[Path] = []
    problems: list[tuple[str, str]] = []
    skipped: list[Skipped] = []
    for raw in paths:
        _expand(raw, formats, files, problems, skipped)
    return _unique(files), problems, skipped


def note_key(path: Path | str) -> str:
    """The identity of a file on disk: its resolved real path, as text the database can store
    (a name with bytes that are not UTF-8 becomes "bytes:" and its %-escaped bytes)."""
    real = os.path.realpath(path)
    try:
        real.encode("utf-8")
    except UnicodeEncodeError:
        return BYTES_KEY + urllib.parse.quote_from_bytes(os.fsencode(real), safe="/")
    return real


def key_path(key: str) -> str | bytes:
    """The path a note key names, to check whether the file is still there."""
    if key.startswith(BYTES_KEY):
        return urllib.parse.unquote_to_bytes(key[len(BYTES_KEY):])
    return key


def display_path(path: str | Path) -> str:
    """A path as printable text: control characters and undecodable bytes escaped."""
    text = os.fsdecode(path) if isinstance(path, bytes) else str(path)
    out = []
    for ch in text:
        if ch in "\n\r\t" or ord(ch) < 32 or ord(ch) == 127 or 0xDC80 <= ord(ch) <= 0xDCFF:
            out.append(f"\\x{ord(ch) & 0xFF:02x}")
        else:
            out.append(ch)
    return "".join(out)


def _expand(raw: str, formats: dict[str, str], files: list[Path], problems: list[tuple[str, str]], skipped: list[Skipped]) -> None:
    path = Path(raw)
    if not os.path.lexists(path):
        if glob.has_magic(raw):
            before = len(files) + len(skipped)
            _glob(raw, formats, files, problems, skipped)
            if len(files) + len(skipped) == before:
                problems.append((raw, f"{display_path(raw)}: no note files match this pattern (check it; supported: {', '.join(formats)})"))
            return
        problems.append((raw, f"{display_path(raw)}: no such file or folder (check the path)"))
    elif path.is_dir():
        before = len(files) + len(skipped)
        _walk(path, formats, files, problems, skipped, lambda rel: True)
        if len(files) + len(skipped) == before:
            problems.append((raw, f"{display_path(raw)}: no note files in this folder (add files of a supported type: {', '.join(formats)})"))
    else:
        files.append(path)


def _glob(pattern: str, formats: dict[str, str], files: list[Path], problems: list[tuple[str, str]], skipped: list[Skipped]) -> None:
    """A glob pattern (with **) matched while walking its fixed base folder, loop-safe."""
    parts = Path(pattern).parts
    fixed = next((i for i, p in enumerate(parts) if glob.has_magic(p)), len(parts))
    base = Path(*parts[:fixed]) if fixed else Path(".")
    rest = parts[fixed:]
    if base.is_dir():
        _walk(base, formats, files, problems, skipped, lambda rel: _match(rel, rest), report_other=False)


def _walk(root: Path, formats: dict[str, str], files: list[Path], problems: list[tuple[str, str]], skipped: list[Skipped],
          wanted, report_other: bool = True) -> None:
    """Collect files under `root` (sorted, hidden ones left out) that `wanted(relative parts)` accepts.

    Folders are visited depth first with a stack of our own (a tree thousands of folders deep
    cannot exhaust Python's recursion), following links but never into a folder already seen."""
    seen: set[str] = set()
    stack = [(Path(root), os.path.realpath(root))]
    while stack:
        folder, real = stack.pop()
        if real in seen:
            continue
        seen.add(real)
        try:
            with os.scandir(folder) as found:
                entries = sorted(found, key=lambda e: e.name)
        except OSError as exc:
            problems.append((str(folder), f"{display_path(folder)}: cannot open this folder ({exc.strerror or exc}; check its permissions)"))
            continue
        folders = []
        for entry in entries:
            if _hidden(entry.name):
                continue
            if _is_dir(entry):  # a real path is resolved again only through a link, so a deep tree costs its size
                inner = folder / entry.name
                folders.append((inner, os.path.realpath(inner) if entry.is_symlink() else os.path.join(real, entry.name)))
            else:
                _keep_file(folder / entry.name, root, formats, files, skipped, wanted, report_other)
        stack.extend(reversed(folders))


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()  # follows links
    except OSError:  # a link loop or a name too long: reading it as a file reports it
        return False


def _keep_file(path: Path, root: Path, formats: dict[str, str], files: list[Path], skipped: list[Skipped], wanted,
               report_other: bool) -> None:
    if not wanted(path.relative_to(root).parts):
        return
    suffix = path.suffix.lower()
    if suffix in formats:
        files.append(path)
    elif report_other or glob.has_magic(path.name) is False:
        skipped.append(Skipped(str(path), SKIP_ADVICE.get(suffix, f"unsupported file type '{suffix or 'no extension'}' "
                                                                    f"(supported: {', '.join(formats)})")))


def _match(rel: tuple[str, ...], pat: tuple[str, ...]) -> bool:
    """Glob match of path components, '**' standing for any number of folders."""
    if not pat:
        return not rel
    if pat[0] == "**":
        return any(_match(rel[i:], pat[1:]) for i in range(len(rel) + 1))
    return bool(rel) and fnmatch.fnmatchcase(rel[0], pat[0]) and _match(rel[1:], pat[1:])


def _hidden(name: str) -> bool:
    """Dot-files and Office lock files (~$name.docx)."""
    return name.startswith((".", "~$"))


def _unique(paths: list[Path]) -> list[Path]:
    seen: set[str] = set()
    out = []
    for path in paths:
        key = note_key(path)
        if key not in seen:
            seen.add(key)
            out.append(path)
    return out
