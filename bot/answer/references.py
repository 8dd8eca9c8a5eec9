"""Answers from the reference lists: "What is reference 27?", "the title of the Kitaguchi paper", and "What did
Smith et al. find?" when Smith is only ever a co-author. A reference number is read inside each document that has it.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.answer.compose import citation_for
from bot.answer.sources import attach_sources
from bot.retrieve.bibliography import (Bibliography, asks_about_reference, coauthored, entry_citation, numbered_refs,
                                       study_authors_asked)
from bot.retrieve.conversation import PRONOUN
from bot.text import tokens
from bot.types import Answer, Citation, Document, document_labels


def reference_answer(q: str, history: Sequence[str], documents: dict[str, Document], bibliography: Bibliography,
                     anchors_in: Callable[[str], list[str]], answer_chars: int) -> Answer | None:
    """Questions about a cited publication are answered from the bibliography: the entry, quoted, and a
    sentence of the review that cites it. A number is read in every document that has it ("What is reference
    2?" with two documents: both entries, each named by its document). Returns None when the question is not
    about a reference."""
    docs = documents
    several = len(docs) > 1
    labels = document_labels(docs)
    if _HOW_MANY_REFERENCES.search(q):
        return reference_count(q, docs)
    nums = numbered_refs(q)
    if nums:
        entries = [e for n in nums for e in bibliography.by_number(n)]
        if not entries:
            return Answer(q, "abstained", no_such_reference(nums, documents), reason="unknown reference number")
    else:
        named = anchors_in(q)
        if not asks_about_reference(q, named):
            return None
        earlier: list = []
        if not named and history and PRONOUN.search(q):  # "the title of that paper"
            named = [n for turn in reversed(history) for n in anchors_in(turn)][:2]
            earlier = [e for turn in reversed(history) for n in numbered_refs(turn)
                       for e in bibliography.by_number(n)][:1]
        entries = earlier or (bibliography.by_names(named) if named else [])
        entries = bibliography.search(q, entries) if len(entries) > 1 else entries
        entries = entries or bibliography.search(q)
        if not entries:
            return None
    citations, lines = [], []
    qtoks = set(tokens(q))
    for doc_id, ref in entries[:3]:
        doc = docs[doc_id]
        citations.append(entry_citation(doc, ref))
        of = f" of {labels[doc_id]}" if several else ""
        lines.append(f"Reference [{ref.number}]{of}: \u201c{ref.text}\u201d")
        citing = [s for s in doc.sentences if s.kind == "text" and ref.number in s.refs + s.context_refs]
        if citing:
            s = max(citing, key=lambda x: (len(qtoks & set(tokens(x.text))), ref.number in x.refs))
            citations.append(citation_for(s))
            who = labels[doc_id] if several else "The review"
            lines.append(f"{who} cites it in {s.section}: \u201c{s.text}\u201d")
    text = "\n".join(lines)
    if len(text) > answer_chars:
        text = "\n".join(line for line in lines if line.startswith("Reference"))
    answer = Answer(q, "answer", text, citations, reason="answered from the reference list")
    return attach_sources(answer, docs, with_context=False)


def no_such_reference(nums: list[int], documents: dict[str, Document]) -> str:
    """"The review has no reference 99; its references are numbered 1–52", for each document of the corpus."""
    asked = ", ".join(map(str, nums))
    numbered = {doc_id: sorted(doc.references) for doc_id, doc in documents.items()}
    if len(numbered) <= 1:
        known = next(iter(numbered.values()), [])
        return f"The review has no reference {asked}" + (
            f"; its references are numbered {known[0]}–{known[-1]}." if known else ".")
    labels = document_labels(documents)
    ranges = [f"{labels[d]}'s {k[0]}–{k[-1]}" if k else f"{labels[d]} has none" for d, k in numbered.items()]
    return f"No document has a reference {asked}; the references are numbered: " + ", ".join(ranges) + "."


def not_a_first_author(q: str, documents: dict[str, Document], bibliography: Bibliography) -> Answer | None:
    """"What did Smith et al. find?" when no study of the corpus has Smith as first author: say so, and name the
    references that list Smith as a co-author, rather than quoting other studies."""
    for name in study_authors_asked(q):
        first, co = coauthored(bibliography, name)
        if first or not co:
            continue  # a real first author, or a name the corpus never lists (the scope check words that)
        nums = sorted({r.number for r in co})
        if len(documents) > 1:
            return coauthor_in_documents(q, name, co, documents, bibliography)
        text = (f"No study in the review has {name} as its first author, so I cannot say what \u201c{name} et "
                f"al.\u201d found. {name} is a co-author of reference{'s' if len(nums) > 1 else ''} "
                + ", ".join(f"[{n}]" for n in nums) + ":\n" + "\n".join(f"[{r.number}] {r.text}" for r in co[:4]))
        return Answer(q, "abstained", text, refs=nums,
                      bibliography={r.number: r.text for r in co},
                      reason=f"no study in the review has {name} as first author")
    return None


def coauthor_in_documents(q: str, name: str, co: list, documents: dict[str, Document],
                          bibliography: Bibliography) -> Answer:
    """The co-author answer for a corpus of several documents: each entry named by its document, numbers kept
    per document (a number means a different paper in each)."""
    doc_of = {id(r): d for d, r in bibliography.entries}
    labels = document_labels(documents)
    by_doc: dict[str, dict[int, str]] = {}
    for r in co:
        by_doc.setdefault(doc_of[id(r)], {})[r.number] = r.text
    text = (f"No study in the documents has {name} as its first author, so I cannot say what \u201c{name} et "
            f"al.\u201d found. {name} is a co-author of:\n"
            + "\n".join(f"[{r.number}] of {labels[doc_of[id(r)]]}: {r.text}" for r in co[:4]))
    first = next(iter(by_doc))
    return Answer(q, "abstained", text, refs=sorted(by_doc[first]), bibliography=dict(by_doc[first]),
                  reason=f"no study in the documents has {name} as first author",
                  refs_by_doc={d: sorted(e) for d, e in by_doc.items()}, bibliography_by_doc=by_doc)


# "How many references does the review cite?", "the number of citations", "how long is the bibliography?"
_HOW_MANY_REFERENCES = re.compile(
    r"\b(?:how many|number of|count of)\s+(?:\w+\s+){0,2}?(?:references|citations|cited (?:works|papers|studies|"
    r"publications|articles)|bibliographic entries)\b"
    r"|\bhow many\b[^?.]{0,40}\b(?:does|do|did)\s+(?:the|this|its)?\s*(?:review|article|paper|authors?)\s+(?:cite|list|"
    r"reference)\b"
    r"|\bhow (?:long|big|extensive) is (?:the|its|this)\s+(?:\w+\s+)?(?:reference list|bibliography)\b", re.I)


def reference_count(q: str, documents: dict[str, Document]) -> Answer | None:
    """How many entries each document's reference list has, with its last entry quoted as the text numbers it
    ("36. Kim, S.; …"): the count is that number, shown beside it. None when no document has a reference list."""
    lines, citations = [], []
    labels = document_labels(documents)
    for doc_id, doc in documents.items():
        if not doc.references:
            continue
        last = doc.references[max(doc.references)]
        start = doc.text.find(last.text)
        label = labels[doc_id] if len(documents) > 1 else "The review"
        numbered = f"{last.number}. "
        if start >= len(numbered) and doc.text[start - len(numbered):start] == numbered:
            start -= len(numbered)
        quote = doc.text[start:start + len(numbered) + len(last.text)] if start >= 0 else last.text
        lines.append(f"{label}'s reference list has {len(doc.references)} entries, numbered "
                     f"{min(doc.references)} to {last.number}; the last reads: \u201c{quote}\u201d")
        citations.append(Citation(doc_id, "References", quote, start, start + len(quote) if start >= 0 else -1,
                                  [last.number], sentence_id=f"ref-{last.number}"))
    if not lines:
        return None
    answer = Answer(q, "answer", "\n".join(lines), citations, reason="answered from the reference list")
    return attach_sources(answer, documents, with_context=False)
