"""Transcripts (.vtt, .srt): one "Speaker: text" line per speaker turn.

A tolerant reader of its own, because real exports are often slightly broken: a cue whose
timing line cannot be read keeps its text (only its time is lost), voice tags
(`<v Full Name>`) and "Name:" prefixes name the speaker, other markup is dropped, and
consecutive cues of one speaker join into one line so sentences are not cut at cue ends.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from pipeline.ingest.decode import decode, ingest_error, nfc, normalise_newlines

MAX_TURN_CHARS = 600  # a long monologue is broken into lines at a sentence end after this many characters


@dataclass
class Cue:
    start: str | None
    end: str | None
    speaker: str | None
    text: str


def parse_vtt(data: bytes, source: str) -> tuple[str, dict[str, Any]]:
    """WebVTT: NOTE blocks first as plain lines, then the speaker turns."""
    text = normalise_newlines(decode(data, source)).lstrip("\ufeff")
    if not text.lstrip().startswith("WEBVTT"):
        raise ingest_error(source, "not a WebVTT transcript (no WEBVTT header)", "check the file, or rename it to .txt")
    blocks = _blocks(text)
    title = blocks[0][0][len("WEBVTT"):].strip(" \t-") if blocks else ""
    notes, cues = [], []
    for block in blocks[1:]:
        if block[0].startswith("NOTE"):
            notes.append(" ".join(" ".join(block)[4:].split()))
        elif block[0].strip() not in ("STYLE", "REGION"):
            cues.extend(_cue(block))
    out, meta = _turns(notes, cues)
    if title:
        meta["title"] = title
    return out, meta


def parse_srt(data: bytes, source: str) -> tuple[str, dict[str, Any]]:
    """SubRip: numbered cues with timings; the numbers are dropped."""
    text = normalise_newlines(decode(data, source)).lstrip("\ufeff")
    cues = [c for block in _blocks(text) for c in _cue(block[1:] if block[0].strip().isdigit() else block)]
    if not cues:
        raise ingest_error(source, "no subtitle cues found", "check the cue numbers and timings, or rename it to .txt")
    return _turns([], cues)


def _blocks(text: str) -> list[list[str]]:
    """Groups of non-blank lines."""
    blocks, cur = [], []
    for line in text.split("\n"):
        if line.strip():
            cur.append(line.rstrip())
        elif cur:
            blocks.append(cur)
            cur = []
    if cur:
        blocks.append(cur)
    return blocks


def _cue(block: list[str]) -> list[Cue]:
    """One cue from its lines: an optional id, a timing line, text. A broken timing keeps the
    text: an unreadable time is None, and a timing line without its arrow is not taken as text."""
    timing = next((i for i, line in enumerate(block[:2]) if "-->" in line), None)
    start = end = None
    if timing is not None:
        left, _, right = block[timing].partition("-->")
        start, end = _time(left), _time((right.split() or [""])[0])
        body = block[timing + 1:]
    else:
        body = block[next((i for i, line in enumerate(block[:2]) if not _timing_like(line)), len(block[:2])):]
    raw = " ".join(" ".join(body).split())
    speaker, words = _speaker(raw)
    return [Cue(start, end, speaker, words)] if words else []


def _time(text: str) -> str | None:
    """A cue time as HH:MM:SS.mmm (or MM:SS.mmm) when it is one, else None."""
    text = text.strip().replace(",", ".")
    clock, _, millis = text.partition(".")
    parts = clock.split(":")
    if not 2 <= len(parts) <= 3 or not all(p.isdigit() for p in parts) or (millis and not millis.isdigit()):
        return None
    if any(int(p) >= 60 for p in parts[1:]):
        return None
    return text


def _timing_like(line: str) -> bool:
    """A cue number or a timing line that lost its arrow ('00:00:09.000 - 00:00:10.000')."""
    return bool(line.strip()) and all(ch.isdigit() or ch in ":.,-–> " for ch in line.strip())


def _speaker(raw: str) -> tuple[str | None, str]:
    """Split off a voice tag or a 'Name:' prefix; strip the remaining tags."""
    speaker = None
    if raw.startswith("<v") and ">" in raw:
        tag, _, raw = raw[2:].partition(">")
        speaker = tag.strip(" .") or None
        if "." in tag.split(" ", 1)[0]:  # <v.loud Name>
            speaker = tag.split(" ", 1)[1].strip() if " " in tag else None
    words = nfc(html.unescape(_strip_tags(raw))).strip()
    head, sep, rest = words.partition(": ")
    if speaker is None and sep and _name_like(head):
        speaker, words = head.strip(), rest.strip()
    return speaker, words


def _strip_tags(text: str) -> str:
    out, depth = [], 0
    for ch in text:
        if ch == "<":
            depth += 1
        elif ch == ">" and depth:
            depth -= 1
        elif not depth:
            out.append(ch)
    return "".join(out)


def _name_like(head: str) -> bool:
    words = head.split()
    return 0 < len(words) <= 4 and head[0].isalpha() and head[0].isupper() and not any(c.isdigit() for c in head[:1])


def _turns(notes: list[str], cues: list[Cue]) -> tuple[str, dict[str, Any]]:
    """Join consecutive cues of one speaker; record each line's cue times and offset."""
    lines = [n for n in notes if n]
    offset = sum(len(n) + 1 for n in lines)
    speakers: list[str] = []
    timestamps: list[dict[str, Any]] = []
    cur: Cue | None = None
    for cue in cues + [Cue(None, None, "\x00end", "")]:
        if cur and cue.speaker == cur.speaker and cue.text and not (len(cur.text) > MAX_TURN_CHARS and cur.text[-1:] in ".?!"):
            cur.text += " " + cue.text
            cur.end = cue.end or cur.end
            continue
        if cur:
            line = f"{cur.speaker}: {cur.text}" if cur.speaker else cur.text
            timestamps.append({"start": cur.start, "end": cur.end, "offset": offset})
            lines.append(line)
            offset += len(line) + 1
        cur = Cue(cue.start, cue.end, cue.speaker, cue.text)
        if cue.speaker and cue.speaker != "\x00end" and cue.speaker not in speakers:
            speakers.append(cue.speaker)
    return "\n".join(lines), {"timestamps": timestamps, "speakers": speakers}
