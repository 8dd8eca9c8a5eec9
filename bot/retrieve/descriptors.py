"""Descriptors: a question may name a study or the authors by where they come from ("the Swiss authors", "the
American registry study") rather than by name. The glossary maps the demonym to a place (bot/data/glossary.json);
the documents' own material says who is from there:

1. an affiliation line of a document's front matter → that document's own authors ("the Swiss authors" → "the
   review", when an affiliation reads "Geneva, Switzerland");
2. a table record that names the place ("National Cancer Database (USA)") → the study of that record, by its
   first author;
3. a bibliography entry whose title or journal names the place → its first author.

The question is rewritten for retrieval only; the user's words are kept in the answer. A descriptor that links to
nothing is left in place: the scope check then answers from the question's other words or declines, naming it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.text import fold

_AFFILIATION = re.compile(r"\b(department|university|hospital|institute|centre|center|faculty|clinic|school of|"
                          r"division|unit of|service of)\b", re.I)
_GROUP_NOUNS = r"(?:authors?|team|group|researchers|investigators|surgeons|writers|experts)"


@dataclass
class Resolution:
    query: str                                        # the question as retrieval reads it
    resolved: dict[str, str] = field(default_factory=dict)   # demonym → what it was resolved to
    unresolved: list[str] = field(default_factory=list)


def resolve_descriptors(question: str, retriever, bibliography) -> Resolution:
    out = Resolution(question)
    for demonym, place in retriever.lexicon.places(question):
        where = re.compile(rf"(?<![\w-]){re.escape(place)}(?![\w-])")
        rx = re.compile(rf"\b{re.escape(demonym)}\b", re.I)
        own = [s for s in retriever.sentences if s.kind == "front" and where.search(fold(s.text))
               and _AFFILIATION.search(s.text)]
        if own:
            # "the Swiss authors/team" → "the review"; any other use of the word simply goes
            grouped = re.compile(rf"\b(?:the\s+)?{re.escape(demonym)}\s+{_GROUP_NOUNS}\b", re.I)
            out.query = grouped.sub("the review", out.query) if grouped.search(out.query) else rx.sub("", out.query)
            out.resolved[demonym] = "the authors of the review"
            continue
        names: list[str] = []
        for s in retriever.sentences:
            if s.kind == "table_record" and where.search(fold(s.text)):
                for n in s.refs:
                    names += [r.first_author for _, r in bibliography.by_number(n)]
        if not names:
            names = [r.first_author for _, r in bibliography.entries if where.search(fold(r.text))]
        names = list(dict.fromkeys(n for n in names if n))
        if names:
            out.query = rx.sub(" and ".join(names[:2]), out.query)
            out.resolved[demonym] = ", ".join(names[:2])
        else:
            out.unresolved.append(demonym)
    out.query = re.sub(r"\s{2,}", " ", out.query).strip()
    return out
