"""The hostile corpus, built at test time: the files that cannot be kept in git (FIFOs, symlink
loops, names with newlines or bytes that are not UTF-8, encrypted PDFs, 200,000-character
lines) next to the small fixed files in this folder. README.md says what each input is.

`build_corpus(folder)` writes everything into `folder` and returns what the batch must do with
each file: store it (`Expect.stored`, maybe with text the note must keep) or report it in one
line (`Expect.reported`, with a word the line must contain).
"""
from __future__ import annotations

import os
import random
import shutil
import sysconfig
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent
LONG_LINE = 200_000
DEEP_FOLDERS = 1_500  # deeper than Python's recursion limit
ANSI = "\x1b[31m\x1b]0;owned\x07\x1b[2J"  # colour, a window-title change with a bell, clear screen


@dataclass
class Expect:
    """What the batch must do with one file: store it (keeping `keeps`), report `says`, or
    either (`stored=None`: an odd e-mail may hold no text), but never both or neither."""

    stored: bool | None
    says: str = ""
    keeps: list[str] = field(default_factory=list)


def build_corpus(folder: Path) -> dict[bytes, Expect]:
    """Write the hostile corpus into `folder`; returns {file path as bytes: expectation}."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[bytes, Expect] = {}
    for build in (_fixed_files, _mail, _documents, _long_lines, _special_files, _nesting, _odd_names):
        out.update({os.fsencode(p): e for p, e in build(folder).items()})
    return out


def remove_deep_folders(folder: Path) -> None:
    """Remove the corpus's 1,500-deep folder tree from the bottom up (shutil.rmtree recurses and
    would exhaust Python's recursion limit, in this test or in pytest's cleanup of old runs)."""
    levels = [folder / "deep"]
    while (levels[-1] / "d").is_dir():
        levels.append(levels[-1] / "d")
    for level in reversed(levels):
        if level.is_dir():
            for child in level.iterdir():
                if not child.is_dir():
                    child.unlink()
            level.rmdir()


def cpython_mail() -> list[Path]:
    """The e-mail test messages of the running interpreter's own test suite, if it ships them."""
    roots = {sysconfig.get_paths()["stdlib"], sysconfig.get_path("stdlib", vars={"installed_base": os.sys.base_prefix})}
    for root in roots:
        found = sorted(Path(root, "test", "test_email", "data").glob("msg_*.txt"))
        if found:
            return found
    return []


def big_note(n_chars: int, seed: int = 3) -> str:
    """A long note of exactly `n_chars` characters: generated interview notes one after another."""
    from pipeline.dev.generate import generate_corpus

    notes = [n.text for n in generate_corpus(60, seed=seed, lengths=[500] * 60)]
    parts, size, i = [], 0, 0
    while size < n_chars:
        parts.append(notes[i % len(notes)])
        size += len(parts[-1])
        i += 1
    return "".join(parts)[:n_chars]


# --- the builders ------------------------------------------------------------------------------

def _fixed_files(folder: Path) -> dict[Path, Expect]:
    """The small files kept in git (broken transcripts, escapes and HTML in a note, mail shapes)."""
    out = {}
    for src in sorted(HERE.glob("files/*")):
        shutil.copy(src, folder / src.name)
    out[folder / "broken_timestamps.vtt"] = Expect(True, keeps=[
        "cue with a good timing", "end time is garbage", "timing line that is not a time", "arrow is missing",
        "hours are out of range", "no timing line at all", "timing but no end"])
    out[folder / "broken_timestamps.srt"] = Expect(True, keeps=["first cue is fine", "comma and dot mixed", "no timing at all",
                                                                "timing is junk"])
    out[folder / "escapes_and_html.md"] = Expect(True, keeps=["<script>", "\x1b[31m"])
    return out


def _mail(folder: Path) -> dict[Path, Expect]:
    """CPython's own e-mail test messages (when the interpreter ships them) and the odd shapes
    kept here (nested, digest, broken MIME, raw 8-bit headers ...), all as .eml files."""
    out = {}
    for sub, sources in (("cpython", cpython_mail()), ("shapes", sorted(HERE.glob("mail/*.eml")))):
        (folder / "mail" / sub).mkdir(parents=True)
        for src in sources:
            dst = folder / "mail" / sub / (src.stem + ".eml")
            shutil.copy(src, dst)
            out[dst] = Expect(None)
    return out


def _documents(folder: Path) -> dict[Path, Expect]:
    text = "Coffee with Dana Ruiz, data analyst at Acme Health. She said learn SQL and talk to Gabe Moreno."
    out = {}
    for name, owner, user, method in (("encrypted_with_password.pdf", "owner", "secret", "RC4"),
                                      ("encrypted_owner_only_rc4.pdf", "owner", "", "RC4"),
                                      ("encrypted_owner_only_aes.pdf", "owner", "", "AES_256")):
        _pdf(folder / name, text, owner, user, method)
        out[folder / name] = Expect(False, "password") if user else Expect(True, keeps=["Dana Ruiz"])
    (folder / "zero_bytes.docx").write_bytes(b"")
    out[folder / "zero_bytes.docx"] = Expect(False, "empty")
    (folder / "junk.docx").write_bytes(random.Random(5).randbytes(4096))
    out[folder / "junk.docx"] = Expect(False, ".docx")
    (folder / "zip_junk.docx").write_bytes(b"PK\x03\x04" + random.Random(6).randbytes(2000))
    out[folder / "zip_junk.docx"] = Expect(False, ".docx")
    with zipfile.ZipFile(folder / "zip_without_document.docx", "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    out[folder / "zip_without_document.docx"] = Expect(False, ".docx")
    (folder / "zero_bytes.pdf").write_bytes(b"")
    out[folder / "zero_bytes.pdf"] = Expect(False, "empty")
    return out


def _long_lines(folder: Path) -> dict[Path, Expect]:
    words = "she said the night shift is hard but the team is kind and you should learn charting early".split()
    rng = random.Random(9)
    prose = " ".join(rng.choice(words) for _ in range(LONG_LINE // 4))[:LONG_LINE]
    (folder / "long_line_prose.txt").write_text(f"Coffee with Dana Ruiz on 2026-03-03.\n{prose}\nAdvice: learn SQL.\n")
    (folder / "long_line_no_spaces.txt").write_text("Coffee with Dana Ruiz.\n" + "x" * LONG_LINE + "\n")
    (folder / "long_line_front_matter.md").write_text(f"---\ntitle: {'t' * LONG_LINE}\n---\nCoffee with Dana Ruiz.\n")
    return {folder / "long_line_prose.txt": Expect(True, keeps=["Advice: learn SQL."]),
            folder / "long_line_no_spaces.txt": Expect(True, keeps=["x" * 1000]),
            folder / "long_line_front_matter.md": Expect(True, keeps=["Coffee with Dana Ruiz."])}


def _special_files(folder: Path) -> dict[Path, Expect]:
    """A FIFO with a note's name, symlink loops a folder walk and a glob must get out of."""
    out = {}
    os.mkfifo(folder / "pipe.txt")
    out[folder / "pipe.txt"] = Expect(False, "not a regular file")
    loop = folder / "loop"
    (loop / "inner").mkdir(parents=True)
    (loop / "inner" / "note.txt").write_text("Call with Priya Patel, nurse at Mercy. She said talk to Owen Kim.\n")
    (loop / "self").symlink_to(".")
    (loop / "inner" / "up").symlink_to("../..")
    out[loop / "inner" / "note.txt"] = Expect(True, keeps=["Priya Patel"])
    (folder / "loop_a.txt").symlink_to("loop_b.txt")
    (folder / "loop_b.txt").symlink_to("loop_a.txt")
    out[folder / "loop_a.txt"] = Expect(False, "link")
    out[folder / "loop_b.txt"] = Expect(False, "link")
    (folder / "dangling.txt").symlink_to("nowhere.txt")
    out[folder / "dangling.txt"] = Expect(False, "link")
    deep = folder / "deep"
    for _ in range(DEEP_FOLDERS):
        deep = deep / "d"
        deep.mkdir(parents=deep.parent == folder / "deep")
    (deep / "bottom.txt").write_text("Call with Owen Kim, ranger at State Parks, at the bottom of the tree.\n")
    out[deep / "bottom.txt"] = Expect(True, keeps=["Owen Kim"])
    return out


def _nesting(folder: Path) -> dict[Path, Expect]:
    """Markup nested far deeper than any note: HTML and MIME parts."""
    (folder / "deeply_nested.html").write_text("<html><body>" + "<div>" * 50_000 + "Coffee with Dana Ruiz." + "</div>" * 50_000)
    parts = "".join(f"Content-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\n" for i in range(3000))
    (folder / "deeply_nested.eml").write_text(f"From: x@example.org\nMIME-Version: 1.0\n{parts}Content-Type: text/plain\n\nDeep inside.\n")
    return {folder / "deeply_nested.html": Expect(True, keeps=["Coffee with Dana Ruiz."]), folder / "deeply_nested.eml": Expect(False, "nested too deeply")}


def _odd_names(folder: Path) -> dict[Path, Expect]:
    """Names with a newline, with bytes that are not UTF-8, with escapes and HTML."""
    body = "Coffee with Lena Fischer, designer at Hollow Oak, on 2026-02-02. She said build a portfolio.\n"
    out = {}
    for raw in (b"new\nline.txt", b"not_utf8_\xff\xfe.txt", b"latin1_caf\xe9.txt", b"tab\tand\rcr.txt",
                b"\x1b[31mred\x1b[0m_\x07bell.txt", b"<b onmouseover=alert(1)>html&amp;<br>.txt", b" =cmd|' ~x.txt"):
        path = os.path.join(os.fsencode(folder), raw)
        with open(path, "wb") as f:
            f.write(body.encode())
        out[Path(os.fsdecode(path))] = Expect(True, keeps=["Lena Fischer"])
    return out


def _pdf(path: Path, text: str, owner: str, user: str, method: str) -> None:
    from fpdf import FPDF
    from fpdf.enums import EncryptionMethod

    pdf = FPDF()
    pdf.set_encryption(owner_password=owner, user_password=user, encryption_method=getattr(EncryptionMethod, method))
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(w=0, text=text)
    path.write_bytes(bytes(pdf.output()))
