"""The seeker's own profile: the skills they have, kept in the database's `me` table
(`fieldnotes me set skills "SQL, Python"`) or read from a `me.md` file (`--me me.md`).

A `me.md` gives skills as front matter (`skills: [SQL, Python]` or `skills: SQL, Python`), a
`Skills: ...` line, or the bullet and comma lists under a heading that says "skills".
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.errors import FieldnotesError
from pipeline.store.tx import now, transaction

PROFILE_KEYS = ("skills",)
SEPARATORS = (",", ";", "\n", "·")


def save_profile(db: Any, key: str, value: str) -> list[str]:
    """Replace one profile entry (a list, written comma-separated); returns what was stored."""
    _check_key(key)
    items = split_list(value)
    with transaction(db):
        db.execute("INSERT INTO me (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                   "value = excluded.value, updated_at = excluded.updated_at", [key, json.dumps(items, ensure_ascii=False), now()])
    return items


def load_profile(db: Any, key: str = "skills") -> list[str]:
    """A stored profile entry ([] when never set, or in a database from before the `me` table)."""
    _check_key(key)
    if "me" not in db.table_names():
        return []
    row = db.execute("SELECT value FROM me WHERE key = ?", [key]).fetchone()
    return json.loads(row[0]) if row and row[0] else []


def read_me_file(path: str | Path) -> list[str]:
    """The skills listed in a me.md file."""
    import frontmatter

    try:
        post = frontmatter.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise FieldnotesError(f"{path}: cannot read it ({e}); give a UTF-8 Markdown file with a skills list") from None
    given = post.metadata.get("skills") or post.metadata.get("Skills")
    skills = split_list(", ".join(map(str, given)) if isinstance(given, list) else str(given or ""))
    skills += _skills_in_body(post.content)
    if not skills:
        raise FieldnotesError(f"{path}: no skills found (write a line 'Skills: SQL, Python' or a '## Skills' list)")
    return list(dict.fromkeys(skills))


def split_list(value: str) -> list[str]:
    """'SQL, Python; Excel' -> ['SQL', 'Python', 'Excel'] (duplicates and empty parts dropped)."""
    text = value
    for sep in SEPARATORS[1:]:
        text = text.replace(sep, SEPARATORS[0])
    parts = (" ".join(p.strip().lstrip("-*+").split()) for p in text.split(SEPARATORS[0]))
    return list(dict.fromkeys(p for p in parts if p))


def _skills_in_body(body: str) -> list[str]:
    out, under = [], False
    for raw in body.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            under = "skill" in line.lower()
            continue
        head, sep, rest = line.partition(":")
        if sep and head.strip("-*+ ").lower() in ("skills", "my skills"):
            out += split_list(rest)
        elif under and line[:1] in "-*+" and line:
            out += split_list(line[1:])
    return out


def _check_key(key: str) -> None:
    if key not in PROFILE_KEYS:
        raise FieldnotesError(f"unknown profile entry '{key}' (use one of: {', '.join(PROFILE_KEYS)})")
