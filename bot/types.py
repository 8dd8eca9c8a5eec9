"""The pipeline's data: documents are cut into sentences and chunks; answers carry citations back to them.

Ids are content hashes (never list positions), so a rebuilt index keeps the ids of unchanged text and an answer can
only cite what was actually retrieved.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Literal

Mode = Literal["answer", "deferred", "abstained"]


def content_id(*parts: object) -> str:
    """A short stable id from content: same text → same id, across rebuilds and machines."""
    h = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8"))
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class Reference:
    """One entry of a document's bibliography, e.g. [27] Rao, S.; ... InterAACT."""
    number: int
    text: str
    first_author: str
    year: int | None


@dataclass(frozen=True)
class Section:
    title: str
    kind: str  # front | body | table | figure | references | back
    start: int
    end: int


@dataclass(frozen=True)
class Sentence:
    """The unit an answer quotes. `refs` are the numbers in its own brackets; `context_refs` are those of the
    paragraph it belongs to, for sentences that report a study cited earlier in the paragraph."""
    id: str
    doc_id: str
    section: str
    kind: str  # text | table_record | front | caption
    start: int
    end: int
    text: str
    paragraph: int  # offset of the paragraph's start in the document text: groups neighbours
    refs: tuple[int, ...] = ()
    context_refs: tuple[int, ...] = ()
    page: int | None = None  # the PDF page the sentence starts on; None for a text document

    def __hash__(self) -> int:
        # The id is a hash of the content already: equal sentences have equal ids. Hashing the id alone (a string
        # caches its hash) keeps the answer's caches keyed by sentence cheap.
        return hash(self.id)


@dataclass(frozen=True)
class Chunk:
    """The unit of retrieval: whole sentences of one section, within the embedding model's window."""
    id: str
    doc_id: str
    section: str
    start: int
    end: int
    text: str
    embed_text: str  # what the model sees: section title + text
    refs: tuple[int, ...]
    sentence_ids: tuple[str, ...]


@dataclass
class Document:
    """A cleaned corpus document: `text` is what offsets point into."""
    doc_id: str
    path: str
    sha256: str
    title: str
    text: str
    sections: list[Section]
    sentences: list[Sentence]
    references: dict[int, Reference]
    metadata: dict = field(default_factory=dict)


def document_label(doc: Document) -> str:
    """A short name for a document, from its metadata: `label` when the sidecar gives one, else the first author's
    surname and the year ("Racine 2025"), else the title. Citations, answers and the UI name documents by it."""
    meta = doc.metadata or {}
    if meta.get("label"):
        return str(meta["label"])
    authors = meta.get("authors") or []
    first = authors[0].strip() if authors and isinstance(authors[0], str) else ""
    surname = first.split(",")[0].strip() if "," in first else (first.split() or [""])[-1]
    if surname:
        return f"{surname} {meta['year']}" if meta.get("year") else f"{surname} et al."
    title = doc.title or doc.doc_id
    return title if len(title) <= 40 else title[:39].rsplit(" ", 1)[0] + "\u2026"


def document_labels(documents: dict[str, Document]) -> dict[str, str]:
    """Each document's label, made unique: two documents that would share one ("Smith 2024") get their file
    name after it, so a label always names one document."""
    labels = {doc_id: document_label(doc) for doc_id, doc in documents.items()}
    counts: dict[str, int] = {}
    for label in labels.values():
        counts[label] = counts.get(label, 0) + 1
    return {doc_id: label if counts[label] == 1 else f"{label} ({doc_id})" for doc_id, label in labels.items()}


@dataclass
class Citation:
    """A verbatim quote with where it comes from. `quote == document.text[start:end]` for prose; a table quote is
    the record's labelled cells ('Column: value; Column: value')."""
    doc: str
    section: str
    quote: str
    start: int
    end: int
    refs: list[int]
    context_refs: list[int] = field(default_factory=list)
    sentence_id: str = ""
    page: int | None = None  # the PDF page the quote starts on; None for a text document
    in_answer: bool = True   # False: a further passage the ranker found relevant, listed with the sources only
    doc_label: str = ""      # the document's short name ("Racine 2025"); `doc` stays its id (the file name)


@dataclass
class Answer:
    question: str
    mode: Mode
    text: str
    citations: list[Citation] = field(default_factory=list)
    refs: list[int] = field(default_factory=list)  # the reference numbers of the answer's first document
    bibliography: dict[int, str] = field(default_factory=dict)  # their entries, from that document's list only
    nearest: list[Citation] = field(default_factory=list)  # abstained: closest passages, explicitly not answers
    flowchart: dict | None = None
    reason: str = ""
    warnings: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)  # example questions (a help answer), shown as buttons
    notes: list[dict] = field(default_factory=list)  # the source's own inconsistencies in quoted passages (bot/audit)
    # A number means a different paper in each document: every document's numbers and entries, by document id.
    refs_by_doc: dict[str, list[int]] = field(default_factory=dict)
    bibliography_by_doc: dict[str, dict[int, str]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["answer"] = d.pop("text")  # the JSON-lines contract calls the shown text "answer"
        d["bibliography"] = {str(k): v for k, v in self.bibliography.items()}
        d["bibliography_by_doc"] = {doc: {str(k): v for k, v in entries.items()}
                                    for doc, entries in self.bibliography_by_doc.items()}
        return d
