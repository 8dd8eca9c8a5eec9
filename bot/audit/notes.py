"""Notes on answers: when an answer quotes a passage that a finding rests on, the answer says so, with both quotes.

"Involved" means the quoted sentence, table record or bibliography entry is one of the finding's quotes (the same
sentence id, or an overlapping span of the same document: a table quote of any cells of Kim's row is the row).
Findings labelled "different populations" and references never cited are for the audit listing only.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.audit.findings import NOTE_LABELS
from bot.types import Citation


def _involved(c: Citation, q: Mapping, doc: str) -> bool:
    if c.doc != doc:
        return False
    if c.sentence_id and c.sentence_id == q.get("sentence_id"):
        return True
    return c.start >= 0 and c.end > c.start and c.start < q["end"] and q["start"] < c.end


def _where(q: Mapping) -> str:
    role, section = q["role"], q["section"]
    if role == "table":
        table = section.split(".")[0] if section.startswith("Table") else "a table"
        return f"its {table}"
    if role in ("named entry", "cited entry", "reference list"):
        number = q.get("sentence_id", "").removeprefix("ref-")
        return f"its reference [{number}]" if number.isdigit() else "its reference list"
    return f"its text ({section})"


def note_text(finding: Mapping) -> str:
    """'The review is not consistent with itself (table-text conflict): Table 2 gives … The review's own words: its
    Table 2 says “…”; its text (2.4. Immunotherapy) says “…”' (the quotes are verbatim and complete)."""
    said = "; ".join(f"{_where(q)} says \u201c{q['quote']}\u201d" for q in finding["quotes"])
    summary = finding["summary"]
    return f"The review is not consistent with itself ({finding['kind']}): {summary}. The review's own words: {said}"


def notes_for(citations: Iterable[Citation], findings: Mapping[str, list[dict]] | Iterable[dict]) -> list[dict]:
    """One note per finding that a quoted passage of the answer is part of; `sources` numbers the answer's
    citations from 1, as the CLI and the UI show them ('Source 2')."""
    cites = list(citations)
    flat = [f for fs in findings.values() for f in fs] if isinstance(findings, Mapping) else list(findings)
    notes = []
    for f in flat:
        if f.get("label") not in NOTE_LABELS:
            continue
        sources = [i for i, c in enumerate(cites, 1) if any(_involved(c, q, f["doc"]) for q in f["quotes"])]
        if sources:
            notes.append({"finding": f["id"], "kind": f["kind"], "label": f["label"], "doc": f["doc"],
                          "sources": sources, "summary": f["summary"], "text": note_text(f),
                          "quotes": [dict(q) for q in f["quotes"]]})
    return notes
