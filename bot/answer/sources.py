"""Which document each quote and reference number belongs to.

A reference number is read inside its document: [2] is one paper in the review and another in a note added beside
it. So an answer keeps each document's numbers apart: `refs_by_doc` and `bibliography_by_doc` map a document id to
its numbers and to their entries in *its own* reference list. The top-level `refs` and `bibliography` are those of
the answer's first document (the document of its first quote, or the one the caller names, e.g. the flowchart's),
which keeps the evaluation contract of a one-document corpus unchanged. Every citation carries its document's
short label ("Racine 2025").
"""
from __future__ import annotations

from collections.abc import Iterable

from bot.types import Answer, Document, document_labels


def entries(refs: Iterable[int], doc: Document | None) -> dict[int, str]:
    """The reference-list entries of `refs` in one document (numbers it does not list are left out)."""
    if doc is None:
        return {}
    return {n: doc.references[n].text for n in refs if n in doc.references}


def attach_sources(answer: Answer, documents: dict[str, Document], with_context: bool = True,
                   first: str | None = None) -> Answer:
    """Label the answer's citations and fill its references per document; `refs`/`bibliography` become those of
    `first` (default: the document of the first citation). `with_context`: count the numbers a quote inherits from
    its paragraph too."""
    labels = document_labels(documents)
    for c in [*answer.citations, *answer.nearest]:
        c.doc_label = labels.get(c.doc, c.doc_label)
    by_doc: dict[str, set[int]] = {}
    for c in answer.citations:
        if c.doc in documents:
            by_doc.setdefault(c.doc, set()).update(c.refs + (c.context_refs if with_context else []))
    answer.refs_by_doc = {d: sorted(nums) for d, nums in by_doc.items() if nums}
    answer.bibliography_by_doc = {d: entries(nums, documents[d]) for d, nums in answer.refs_by_doc.items()}
    first = first or next((c.doc for c in answer.citations if c.doc in documents), None)
    answer.refs = list(answer.refs_by_doc.get(first, []))
    answer.bibliography = dict(answer.bibliography_by_doc.get(first, {}))
    return answer
