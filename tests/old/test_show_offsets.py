"""`show --json` evidence offsets point into the note's plain text for every note format."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.ingest import read_note

MD = """---
date: 2026-02-17
contact: Zoë Ødegaard
company: Open Harvest Alliance
title: Senior Data Scientist
tags: [informational, data-science]
---

# Zoë Ødegaard (Open Harvest Alliance)

Intro came through a friend — 45 min on Google Meet.

## Day to day
- cleaning partner agency data that comes in as spreadsheets
- builds dashboards in Tableau for the ops team

## Skills
- SQL every day (Postgres)
- *time series* forecasting

## Advice
- a portfolio with a **messy real-world dataset** beats Kaggle

## People
- Marcus Oyelaran - data engineer at Open Harvest, marcus@openharvest.org, talk to him
"""

VTT = """WEBVTT

1
00:00:00.560 --> 00:00:05.900
<v Hannah Cole>Thank you so much for doing this, Mr. Ramírez-Ortiz.</v>

2
00:00:06.200 --> 00:00:12.740
<v José Ramírez-Ortiz>Please, José is fine. I teach seventh grade science at Westbrook Middle School.</v>

3
00:00:13.100 --> 00:00:15.480
<v Hannah Cole>What does a normal day look like?</v>

4
00:00:15.900 --> 00:00:28.300
<v José Ramírez-Ortiz>I teach five sections of life science, and in between I set up labs with cups and bins.</v>

5
00:00:28.800 --> 00:00:31.200
<v Hannah Cole>Any advice for getting in?</v>

6
00:00:31.600 --> 00:00:48.900
<v José Ramírez-Ortiz>Get your substitute license first. You should talk to Denise Walker, she runs the alternative certification program at the district, email her at dwalker@westbrook.k12.us.</v>
"""

EML = """From: Priya Natarajan <priya.natarajan@loomwork.io>
To: Sam Whitaker <sam@example.com>
Date: Wed, 11 Mar 2026 16:42:10 -0700
Subject: notes + people from our chat
MIME-Version: 1.0
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

Hi Sam,

Really enjoyed chatting this morning =E2=80=94 here is a brain dump.

What my week looks like (Senior PMM at Loomwork):
- Monday is pipeline review with sales
- writing positioning docs and launch briefs

Skills that actually matter:
- positioning and messaging
- writing tight, benefit-led copy

Advice:
1. Do a positioning teardown of a product you like.
2. Talk to salespeople, not just marketers.

People:
- Rafael Ortiz, PMM lead at Brightline, rafael@brightline.com - tell him I sent you

Best,
Priya
"""


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDNOTES_DB", str(tmp_path / "offsets.db"))
    return CliRunner()


def _spans(data, path=""):
    """Every {start, end, quote} object in a record, with where it was found."""
    if isinstance(data, dict):
        if {"start", "end", "quote"} <= set(data):
            yield path, data
        for key, value in data.items():
            yield from _spans(value, f"{path}.{key}")
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _spans(value, f"{path}.{i}")


@pytest.mark.parametrize("name,text", [("zoe.md", MD), ("jose.vtt", VTT), ("priya.eml", EML)])
def test_show_json_offsets_match_the_note_text(runner, tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    r = runner.invoke(cli, ["run", str(path), "--no-llm"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["show", str(path), "--json"])
    assert r.exit_code == 0, r.output
    rec = json.loads(r.stdout)
    note_text = read_note(path).text
    spans = list(_spans(rec))
    items = [p for p, _ in spans if p.split(".")[1] in ("day_in_life", "skills", "advice", "how_to_get_in", "fit", "outlook")]
    referrals = [p for p, _ in spans if p.startswith(".referrals.")]
    assert items, f"no grounded items extracted from {name}"
    assert referrals, f"no referral extracted from {name}"
    for where, span in spans:
        assert 0 <= span["start"] <= span["end"] <= len(note_text), where
        assert note_text[span["start"]:span["end"]] == span["quote"], where
