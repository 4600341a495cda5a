"""Layout stage: lines, speaker turns and segments with their context. No topic decisions.

Reads `doc.note`; adds `doc.lines` and `doc.segments`.
"""
from __future__ import annotations

from pipeline.document import Doc
from pipeline.layout.lines import read_lines
from pipeline.layout.segments import build_segments
from pipeline.layout.turns import assign_speakers

ADDS = ("lines", "segments")


def build_layout(doc: Doc) -> Doc:
    """Read the note's lines and split it into segments."""
    doc.lines = read_lines(doc.text)
    speakers = assign_speakers(doc.lines, doc.text)
    doc.segments = build_segments(doc.text, doc.lines, speakers)
    return doc
