"""The annotated corpus: its notes read, analysed and (for a model's heads) read through the model.

`load_corpus()` finds the corpus (the package's own, or a folder), `prepare()` turns each
example into a `TrainDoc`: the analysed document, its gold record and manifest row, with the
model's vectors from the disk cache when a model is given.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable

from pipeline.dev.gold import Example, Gold, ManifestRow, load_examples
from pipeline.document import Doc
from pipeline.ingest import read_note
from pipeline.run import analyse


CORPUS_DATE = date(2026, 12, 1)  # "today" for the corpus notes (their gold reads a bare "March 3" as 2026)


@dataclass
class TrainDoc:
    doc: Doc
    gold: Gold
    meta: ManifestRow
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.meta.note


def corpus_dir(folder: str | Path | None = None) -> Path:
    """The corpus folder: the one given, else the one shipped in the package."""
    if folder:
        return Path(folder)
    return Path(str(resources.files("pipeline.corpus")))


def load_corpus(folders: Iterable[str | Path] = ()) -> list[Example]:
    """Examples of every folder given (default: the shipped corpus), in order."""
    folders = list(folders) or [corpus_dir()]
    out: list[Example] = []
    for f in folders:
        out.extend(load_examples(Path(f)))
    return out


def prepare(examples: list[Example], model: Any = None, progress: Callable[[str], None] | None = None) -> list[TrainDoc]:
    """Analyse every example; with a model, attach its (cached) vectors."""
    from pipeline.decide.embed import cached_vectors

    out = []
    for ex in examples:
        doc = analyse(ex.note if ex.note is not None else read_note(ex.path), today=CORPUS_DATE)
        if model is not None:
            doc.vectors = cached_vectors(model, doc.text)
        out.append(TrainDoc(doc, ex.gold, ex.meta))
        if progress:
            progress(ex.meta.note)
    return out
