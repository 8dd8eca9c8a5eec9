"""What a finding is: a kind, a label, a one-line summary and the verbatim quotes (with offsets) it rests on.

Findings are stored as plain dicts (JSON in the index); `Finding` builds them and `quote_*` make the quotes, each
of which is `document.text[start:end]` exactly.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from bot.types import Document, Sentence, content_id

NAME_MISMATCH = "citation-name mismatch"
TABLE_TEXT = "table-text conflict"
HYGIENE = "reference hygiene"

# labels: what the finding claims
MISMATCH = "mismatch"
CONFLICT = "conflict"
POPULATIONS = "different populations"  # listed by the audit, never shown as a note
OUTSIDE = "citation outside the reference list"
UNCITED = "reference never cited"

NOTE_LABELS = frozenset({MISMATCH, CONFLICT, OUTSIDE})


@dataclass(frozen=True)
class Quote:
    role: str         # text | table | named entry | cited entry | reference list
    section: str
    quote: str        # == document.text[start:end]
    start: int
    end: int
    sentence_id: str  # the sentence or table record it is part of ("ref-N" for bibliography entry N)


@dataclass
class Finding:
    kind: str
    label: str
    doc: str
    summary: str
    quotes: list[Quote]
    refs: list[int] = field(default_factory=list)
    measure: str = ""

    def to_dict(self) -> dict:
        d = asdict(self)
        d["id"] = content_id(self.doc, self.kind, self.label, self.measure,
                             *[f"{q.start}:{q.end}" for q in self.quotes])
        return d


def quote_sentence(s: Sentence, role: str = "text") -> Quote:
    return Quote(role, s.section, s.text, s.start, s.end, s.id)


def quote_cell(doc: Document, record: Sentence, label: str, value: str) -> Quote:
    """One labelled cell of a table record ('Treatment: Pembrolizumab + mDCF'), as it stands in the text."""
    cell = f"{label}: {value}"
    at = doc.text.find(cell, record.start, record.end)
    if at < 0:  # cannot happen for a rebuilt record; quote the whole record rather than invent offsets
        return quote_sentence(record, "table")
    return Quote("table", record.section, cell, at, at + len(cell), record.id)


def quote_entry(doc: Document, number: int, role: str) -> Quote | None:
    """Bibliography entry `number` as it stands in the reference list (without its leading 'N. ')."""
    ref = doc.references.get(number)
    if ref is None:
        return None
    sec = next((s for s in doc.sections if s.kind == "references"), None)
    at = doc.text.find(ref.text, sec.start if sec else 0)
    if at < 0:
        return None
    return Quote(role, sec.title if sec else "References", ref.text, at, at + len(ref.text), f"ref-{number}")
