"""Tests for the ingest stage: every format to plain text, metadata, and every bad input."""
from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from pipeline.errors import IngestError
from pipeline.ingest import Note, find_note_files, read_note, read_stdin_note


def write(path: Path, data: bytes | str) -> Path:
    """Write bytes (or UTF-8 text) to `path`, creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def assert_span(note: Note, phrase: str) -> None:
    """The phrase is found in note.text and slicing by its offsets gives it back."""
    start = note.text.index(phrase)
    assert note.text[start:start + len(phrase)] == phrase


def ingest_error(path: Path, **kwargs) -> str:
    """Read `path`, expect IngestError, and return its (one-line) message."""
    with pytest.raises(IngestError) as info:
        read_note(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert message.endswith(")")
    return message


# ---------------------------------------------------------------------------
# Plain text and encodings
# ---------------------------------------------------------------------------


def test_txt_utf8_basic(tmp_path: Path) -> None:
    data = "Coffee with Jamal Price at Acme.\nHe said: apply via referral.\n".encode()
    note = read_note(write(tmp_path / "jamal.txt", data))
    assert note.text == data.decode()
    assert note.format == "txt"
    assert note.source == str(tmp_path / "jamal.txt")
    assert note.sha256 == hashlib.sha256(data).hexdigest()
    assert len(note.metadata["file_mtime"]) == 10
    assert_span(note, "apply via referral")


@pytest.mark.parametrize(
    "encoding",
    ["utf-8", "utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom", "cp1252"],
)
def test_txt_encodings_and_crlf(tmp_path: Path, encoding: str) -> None:
    text = "Met Itzel at the café — talked résumé tips.\r\nNext: send “thank you” note.\r\n"
    if encoding == "utf-16-le-bom":
        data = b"\xff\xfe" + text.encode("utf-16-le")
    elif encoding == "utf-16-be-bom":
        data = b"\xfe\xff" + text.encode("utf-16-be")
    else:
        data = text.encode(encoding)
    note = read_note(write(tmp_path / "note.txt", data))
    assert note.text == text.replace("\r\n", "\n")
    assert "\ufeff" not in note.text
    assert_span(note, "café — talked résumé")
    assert_span(note, "“thank you”")
    assert note.sha256 == hashlib.sha256(data).hexdigest()


def test_txt_bomless_utf16_and_lone_cr(tmp_path: Path) -> None:
    note = read_note(write(tmp_path / "a.text", "line one\rline two\r".encode("utf-16-le")))
    assert note.text == "line one\nline two\n"
    assert note.format == "txt"


def test_txt_is_deterministic(tmp_path: Path) -> None:
    path = write(tmp_path / "n.txt", "café — résumé\r\n".encode("cp1252"))
    assert read_note(path) == read_note(path)


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------

MARKDOWN = """---
title: Coffee with [[Jamal Price]]
date: 2024-03-05
contact: [[Jamal Price]]
company: "[[Acme Robotics]]"
role: Staff Engineer
tags: [networking, robotics]
location: Zoom
rating: 4
nested: {a: 1}
---

# Notes

Jamal suggested I talk to Itzel Domínguez-Pérez about the platform team.
"""


def test_markdown_front_matter(tmp_path: Path) -> None:
    note = read_note(write(tmp_path / "2024-03-05 jamal.md", MARKDOWN))
    meta = note.metadata
    assert note.text == MARKDOWN
    assert note.format == "md"
    assert meta["date"] == "2024-03-05"
    assert meta["title"] == "Coffee with Jamal Price"
    assert meta["contact"] == "Jamal Price"
    assert meta["company"] == "Acme Robotics"
    assert meta["role"] == "Staff Engineer"
    assert meta["tags"] == ["networking", "robotics"]
    assert meta["location"] == "Zoom"
    assert meta["rating"] == 4
    assert "nested" not in meta
    assert note.text[meta["body_offset"]:].startswith("\n# Notes")
    assert_span(note, "Itzel Domínguez-Pérez")


def test_markdown_without_front_matter(tmp_path: Path) -> None:
    note = read_note(write(tmp_path / "plain.markdown", "# Call\r\nTalked to Dana.\r\n"))
    assert note.format == "md"
    assert note.text == "# Call\nTalked to Dana.\n"
    assert note.metadata["body_offset"] == 0
    assert "date" not in note.metadata


def test_markdown_date_string_and_crlf_offsets(tmp_path: Path) -> None:
    text = "---\r\ndate: March 5, 2024\r\ntags: solo\r\n---\r\nBody here\r\n"
    note = read_note(write(tmp_path / "a.md", text))
    assert note.metadata["date"] == "2024-03-05"
    assert note.metadata["tags"] == "solo"
    assert note.text[note.metadata["body_offset"]:] == "Body here\n"


def test_markdown_bad_yaml(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.md", "---\ntitle: [unclosed\n---\nbody\n")
    assert "front matter is not valid YAML" in ingest_error(path)


# ---------------------------------------------------------------------------
# Word
# ---------------------------------------------------------------------------


def make_docx(path: Path) -> Path:
    """A .docx with a heading, a paragraph, a bulleted list, a table, then a paragraph."""
    import datetime as dt

    import docx

    document = docx.Document()
    document.add_heading("Call with Itzel Domínguez-Pérez", level=1)
    document.add_paragraph("She leads the platform team at Acme.")
    document.add_paragraph("Ask about the hiring freeze", style="List Bullet")
    document.add_paragraph("Send portfolio link", style="List Number")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Name"
    table.cell(0, 1).text = "Role"
    table.cell(1, 0).text = "Jamal Price"
    table.cell(1, 1).text = "Staff Engineer"
    document.add_paragraph("Follow up next Tuesday.")
    document.core_properties.created = dt.datetime(2024, 3, 5, 14, 30)
    document.save(str(path))
    return path


def test_docx_order_lists_and_tables(tmp_path: Path) -> None:
    note = read_note(make_docx(tmp_path / "itzel.docx"))
    assert note.format == "docx"
    assert note.text.split("\n") == [
        "## Call with Itzel Domínguez-Pérez",
        "She leads the platform team at Acme.",
        "- Ask about the hiring freeze",
        "- Send portfolio link",
        "Name | Role",
        "Jamal Price | Staff Engineer",
        "Follow up next Tuesday.",
    ]
    assert note.metadata["created"] == "2024-03-05"
    assert_span(note, "Itzel Domínguez-Pérez")
    assert_span(note, "Jamal Price | Staff Engineer")


def test_docx_corrupt(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.docx", b"PK\x03\x04 this is not really a zip")
    assert "not a readable .docx file" in ingest_error(path)


def test_docx_zip_without_document(tmp_path: Path) -> None:
    path = tmp_path / "empty.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "not a readable .docx file" in ingest_error(path)


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------


def make_pdf(path: Path, pages: list[str]) -> Path:
    """A PDF with one text line per page (a page given as '' holds only a rectangle)."""
    from fpdf import FPDF

    pdf = FPDF()
    for text in pages:
        pdf.add_page()
        if text:
            pdf.set_font("Helvetica", size=12)
            pdf.cell(text=text)
        else:
            pdf.rect(20, 20, 80, 40)
    path.write_bytes(bytes(pdf.output()))
    return path


def test_pdf_pages_joined(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "n.pdf", ["Coffee chat notes page one", "Itzel Domínguez-Pérez"])
    note = read_note(path)
    assert note.format == "pdf"
    first, second = note.text.split("\n\n")
    assert "Coffee chat notes page one" in first
    assert "Itzel Domínguez-Pérez" in second
    assert_span(note, "Itzel Domínguez-Pérez")


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    message = ingest_error(make_pdf(tmp_path / "scan.pdf", [""]))
    assert "PDF has no text layer" in message
    assert "run OCR" in message


def test_pdf_corrupt(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write(tmp_path / "bad.pdf", b"%PDF-1.4\n garbage garbage \x01\x02")
    assert "not a readable PDF" in ingest_error(path)
    # pypdf's warnings about the damaged file do not leak to the terminal
    assert not [record for record in caplog.records if record.name.startswith("pypdf")]


def test_pdf_truncated(tmp_path: Path) -> None:
    good = make_pdf(tmp_path / "good.pdf", ["hello"]).read_bytes()
    path = write(tmp_path / "cut.pdf", good[: len(good) // 3])
    message = ingest_error(path)
    assert "PDF" in message


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------

HTML = """<!DOCTYPE html>
<html><head><title>Coffee with  Jamal</title>
<style>p { color: red; }</style><script>var secret = "hidden";</script></head>
<body>
<h1>Notes</h1>
<p>Met <b>Jamal Price</b> at Acme&nbsp;Robotics &amp; friends.</p>
<noscript>Enable JavaScript</noscript>
<ul><li>Ask about referrals</li><li>Send résumé</li></ul>
<div>Line one<br>Line two</div>
<table><tr><td>Name</td><td>Role</td></tr></table>
<script>alert("also hidden")</script>
</body></html>
"""


def test_html_visible_text(tmp_path: Path) -> None:
    note = read_note(write(tmp_path / "page.htm", HTML))
    assert note.format == "html"
    assert note.metadata["title"] == "Coffee with Jamal"
    assert note.text.split("\n") == [
        "# Notes",
        "Met Jamal Price at Acme Robotics & friends.",
        "- Ask about referrals",
        "- Send résumé",
        "Line one",
        "Line two",
        "Name | Role",
    ]
    for hidden in ("secret", "color", "Enable JavaScript", "also hidden", "Coffee with"):
        assert hidden not in note.text
    assert_span(note, "Send résumé")


# ---------------------------------------------------------------------------
# Transcripts
# ---------------------------------------------------------------------------

VTT = """WEBVTT

NOTE Interview with Jamal Price, 2024-03-05

00:00:01.250 --> 00:00:04.000
<v Jamal Price>Thanks for reaching out about
the platform role.</v>

00:00:04.500 --> 00:00:07.000
<v.loud Dana Li>Happy to chat, café is fine.

00:00:08.000 --> 00:00:10.000
Jamal Price: Send me your résumé.

00:00:10.000 --> 00:00:11.000
No speaker on this one.
"""


def test_vtt_speakers_notes_and_timestamps(tmp_path: Path) -> None:
    note = read_note(write(tmp_path / "call.vtt", VTT.replace("\n", "\r\n")))
    assert note.format == "vtt"
    assert note.text.split("\n") == [
        "Interview with Jamal Price, 2024-03-05",
        "Jamal Price: Thanks for reaching out about the platform role.",
        "Dana Li: Happy to chat, café is fine.",
        "Jamal Price: Send me your résumé.",
        "No speaker on this one.",
    ]
    assert note.metadata["speakers"] == ["Jamal Price", "Dana Li"]
    stamps = note.metadata["timestamps"]
    assert [s["start"] for s in stamps] == [
        "00:00:01.250", "00:00:04.500", "00:00:08.000", "00:00:10.000"
    ]
    assert stamps[0]["end"] == "00:00:04.000"
    for stamp, line in zip(stamps, note.text.split("\n")[1:]):
        assert note.text[stamp["offset"]:].startswith(line)
    assert "-->" not in note.text
    assert_span(note, "Send me your résumé")


def test_vtt_malformed(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.vtt", "this is not a transcript\n")
    assert "not a WebVTT transcript" in ingest_error(path)


SRT = (
    "1\r\n00:00:01,000 --> 00:00:02,500\r\nJamal: Hello there\r\n\r\n"
    "2\r\n00:00:03,000 --> 00:00:04,000\r\n<i>Itzel Domínguez-Pérez: Hi Jamal</i>\r\n\r\n"
    "3\r\n00:00:05,000 --> 00:00:06,000\r\n(laughs)\r\n"
)


def test_srt(tmp_path: Path) -> None:
    note = read_note(write(tmp_path / "call.srt", SRT))
    assert note.format == "srt"
    assert note.text == "Jamal: Hello there\nItzel Domínguez-Pérez: Hi Jamal\n(laughs)"
    assert note.metadata["speakers"] == ["Jamal", "Itzel Domínguez-Pérez"]
    stamps = note.metadata["timestamps"]
    assert stamps[1] == {"start": "00:00:03.000", "end": "00:00:04.000", "offset": 19}
    assert note.text[stamps[2]["offset"]:] == "(laughs)"


# ---------------------------------------------------------------------------
# E-mail
# ---------------------------------------------------------------------------


def make_eml(html_only: bool = False) -> bytes:
    """A multipart e-mail (plain + HTML alternative) replying with a quoted thread."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "Jamal Price <jamal@acme.example>"
    message["To"] = "Me <me@example.org>, Dana Li <dana@example.org>"
    message["Cc"] = "Itzel Domínguez-Pérez <itzel@acme.example>"
    message["Date"] = "Tue, 05 Mar 2024 09:15:00 -0500"
    message["Subject"] = "Re: Coffee next week — résumé"
    plain = (
        "Happy to meet Thursday.\n\nOn Mon, you wrote:\n> Could we chat about the role?\n"
        ">> Earlier: thanks for the intro\n"
    )
    if html_only:
        message.set_content("<p>Happy to <b>meet</b> Thursday.</p><p>Bring your résumé.</p>",
                            subtype="html")
    else:
        message.set_content(plain)
        message.add_alternative("<p>HTML version should not be used</p>", subtype="html")
    return bytes(message)


def test_eml_multipart_with_quotes(tmp_path: Path) -> None:
    note = read_note(write(tmp_path / "reply.eml", make_eml()))
    meta = note.metadata
    assert note.format == "eml"
    assert note.text.startswith(
        "From: Jamal Price <jamal@acme.example>\n"
        "To: Me <me@example.org>, Dana Li <dana@example.org>\n"
        "Cc: Itzel Domínguez-Pérez <itzel@acme.example>\n"
        "Date: Tue, 05 Mar 2024 09:15:00 -0500\n"
        "Subject: Re: Coffee next week — résumé\n\n"
    )
    assert note.text[meta["body_offset"]:].startswith("Happy to meet Thursday.")
    assert "> Could we chat about the role?" in note.text.split("\n")  # quote marks stay: the layout reads them
    assert ">> Earlier: thanks for the intro" in note.text.split("\n")
    assert "HTML version" not in note.text
    assert meta["from"] == "Jamal Price <jamal@acme.example>"
    assert meta["subject"] == "Re: Coffee next week — résumé"
    assert meta["date"] == "2024-03-05"
    assert meta["people"] == [
        {"name": "Jamal Price", "email": "jamal@acme.example"},
        {"name": "Me", "email": "me@example.org"},
        {"name": "Dana Li", "email": "dana@example.org"},
        {"name": "Itzel Domínguez-Pérez", "email": "itzel@acme.example"},
    ]
    assert_span(note, "Could we chat about the role?")
    assert_span(note, "Itzel Domínguez-Pérez")


def test_eml_html_only(tmp_path: Path) -> None:
    note = read_note(write(tmp_path / "html.eml", make_eml(html_only=True)))
    body = note.text[note.metadata["body_offset"]:]
    assert body == "Happy to meet Thursday.\nBring your résumé.\n"


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------


def test_unsupported_extension(tmp_path: Path) -> None:
    message = ingest_error(write(tmp_path / "notes.xyz", "hello"))
    assert "unsupported file type '.xyz'" in message
    assert ".txt" in message and ".eml" in message and "convert it" in message


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n  "])
def test_empty_or_whitespace(tmp_path: Path, data: bytes) -> None:
    assert "file is empty" in ingest_error(write(tmp_path / "empty.txt", data))


def test_whitespace_only_utf16(tmp_path: Path) -> None:
    path = write(tmp_path / "blank.txt", "  \n \n".encode("utf-16"))
    assert "no text found" in ingest_error(path)


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4,
        bytes(range(1, 32)) * 40,
    ],
    ids=["nul-bytes", "control-bytes"],
)
def test_binary_renamed_txt(tmp_path: Path, data: bytes) -> None:
    message = ingest_error(write(tmp_path / "photo.txt", data))
    assert "looks like a binary file, not text" in message
    assert "remove it from the folder" in message


def test_too_large(tmp_path: Path) -> None:
    path = write(tmp_path / "big.txt", b"a" * 5_300_000)
    message = ingest_error(path)
    assert "file is 5.3 MB, over the 1 MB limit" in message
    assert "--max-bytes" in message


def test_custom_max_bytes(tmp_path: Path) -> None:
    path = write(tmp_path / "small.txt", b"x" * 300)
    assert "file is 300 bytes, over the 200 bytes limit" in ingest_error(path, max_bytes=200)
    assert read_note(path, max_bytes=300).text == "x" * 300


def test_unreadable_permissions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "secret.txt", "private")
    if os.geteuid() == 0:  # root reads anything: simulate the failure instead

        def deny(path: Path) -> int:
            raise PermissionError(13, "Permission denied", str(path))

        monkeypatch.setattr("pipeline.ingest._open_fd", deny)
    else:
        path.chmod(0)
    try:
        assert "permission denied" in ingest_error(path)
    finally:
        path.chmod(0o644)


def test_broken_symlink(tmp_path: Path) -> None:
    link = tmp_path / "gone.md"
    link.symlink_to(tmp_path / "deleted.md")
    message = ingest_error(link)
    assert "broken link" in message and "deleted.md" in message


def test_symlink_to_file_is_read(tmp_path: Path) -> None:
    target = write(tmp_path / "real.txt", "real notes")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    assert read_note(link).text == "real notes"


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "notes.md"
    folder.mkdir()
    assert "is a folder, not a file" in ingest_error(folder)


def test_missing_file(tmp_path: Path) -> None:
    assert "no such file" in ingest_error(tmp_path / "nope.txt")


@pytest.mark.parametrize("name", ["x.docx", "x.pdf", "x.eml", "x.html", "x.vtt", "x.srt", "x.md"])
def test_random_bytes_never_leak_other_errors(tmp_path: Path, name: str) -> None:
    data = bytes((i * 37 + 11) % 256 for i in range(2000))
    ingest_error(write(tmp_path / name, data))


# ---------------------------------------------------------------------------
# stdin
# ---------------------------------------------------------------------------


def test_stdin_text_and_vtt() -> None:
    note = read_stdin_note("café — résumé\r\n".encode("cp1252"))
    assert (note.source, note.format, note.text) == ("-", "txt", "café — résumé\n")
    assert "file_mtime" in note.metadata
    vtt = read_stdin_note(VTT.encode(), name="<stdin>")
    assert vtt.format == "vtt"
    assert vtt.metadata["speakers"] == ["Jamal Price", "Dana Li"]


def test_stdin_errors() -> None:
    with pytest.raises(IngestError, match=r"^-: file is empty"):
        read_stdin_note(b"  \n")
    with pytest.raises(IngestError, match="over the 10 bytes limit"):
        read_stdin_note(b"x" * 20, max_bytes=10)


# ---------------------------------------------------------------------------
# find_note_files
# ---------------------------------------------------------------------------


def make_tree(root: Path) -> None:
    """A notes folder with hidden files/folders, unsupported files and a broken link."""
    for rel in ["b.md", "a.txt", "sub/c.docx", "sub/deeper/d.vtt", "photo.png",
                ".hidden.md", ".obsidian/workspace.md", "sub/.trash/old.txt", "~$lock.docx"]:
        write(root / rel, "x")
    (root / "dangling.md").symlink_to(root / "missing.md")


def test_find_folder_recursive_skips_hidden(tmp_path: Path) -> None:
    make_tree(tmp_path / "notes")
    files, errors, skipped = find_note_files([str(tmp_path / "notes")])
    assert errors == []
    rels = [str(path.relative_to(tmp_path / "notes")) for path in files]
    assert rels == ["a.txt", "b.md", "dangling.md", "sub/c.docx", "sub/deeper/d.vtt"]
    assert [(Path(s.path).name, "OCR" in s.reason) for s in skipped] == [("photo.png", True)]  # nothing skipped in silence


def test_find_explicit_files_and_missing(tmp_path: Path) -> None:
    make_tree(tmp_path)
    missing = str(tmp_path / "nope.md")
    files, errors, _ = find_note_files(
        [str(tmp_path / "photo.png"), str(tmp_path / ".hidden.md"), missing,
         str(tmp_path / "photo.png")]
    )
    assert files == [tmp_path / "photo.png", tmp_path / ".hidden.md"]
    assert errors == [(missing, f"{missing}: no such file or folder (check the path)")]


def test_find_globs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    files, errors, _ = find_note_files(["*.md"])
    assert (files, errors) == ([Path("b.md"), Path("dangling.md")], [])
    files, errors, _ = find_note_files(["**/*.docx", "sub/**/*.vtt"])
    assert files == [Path("sub/c.docx"), Path("sub/deeper/d.vtt")]
    files, errors, _ = find_note_files(["*.xyz"])
    assert files == [] and errors[0][0] == "*.xyz"
    assert "no note files match" in errors[0][1]


def test_find_literal_name_with_glob_characters(tmp_path: Path) -> None:
    path = write(tmp_path / "call [draft].md", "x")
    assert find_note_files([str(path)]) == ([path], [], [])


def test_find_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    files, errors, _ = find_note_files([str(tmp_path / "empty")])
    assert files == []
    assert "no note files in this folder" in errors[0][1]


def test_find_then_read_reports_broken_link(tmp_path: Path) -> None:
    make_tree(tmp_path)
    files, _, _ = find_note_files([str(tmp_path)])
    link = next(path for path in files if path.name == "dangling.md")
    assert "broken link" in ingest_error(link)
