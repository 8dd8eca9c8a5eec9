"""Questions about the review's references: "What is reference 27?", "Who was first author on the ACT I
follow-up?", "Which journal published the Ajani trial?", "What's the title of that paper?" (after a question about
a study).

The bibliography is not retrieved as body text (it would outrank the body for many questions); it is consulted
only when a question asks about a reference, and the answer quotes the entry verbatim together with a sentence of
the review that cites it.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from rank_bm25 import BM25Okapi

from bot.text import fold, tokens
from bot.types import Citation, Document, Reference

_NUMBERED = re.compile(r"\b(?:ref(?:erence)?s?|citations?|cited (?:work|paper|study)|bibliography(?: entry)?)"
                       r"\s*(?:no\.?|number|num\.?|#)?\s*\[?(\d{1,3})(?!\d)\]?|\[(\d{1,3})\]", re.I)
# Asking *about a publication*: its authors, journal, title, year, or which reference it is.
_INTENT = re.compile(r"\b(which|what) (reference|ref|citation|paper|article|publication)\b|\breference\b|"
                     r"\bfirst author\b|\bsenior author\b|\bwho (wrote|authored|led|published)\b|\bauthors? of\b|"
                     r"\b(which|what) journal\b|\bwhere (was|is) (it|that|this)\b.*published|\bwhere (was|is)\b.*\bpublished\b|"
                     r"\btitle of\b|\bwhat('s| is) the title\b")
# Words that may ask about a publication ("the journal of the Kitaguchi paper?") or only describe the study a
# question asks about ("the 2024 review in the Irish medical journal: was there a difference in dehiscence …?",
# "according to the ESMO guideline cited, how likely is …"): about the publication only when the question asks
# nothing else (at most MAX_OTHER_WORDS other content words).
_DESCRIBING = re.compile(r"\bjournal\b|\bpublished in\b|\bcited\b")
MAX_OTHER_WORDS = 3
# "this review", "the article": the question is about the review itself, answered from its front matter.
_THE_REVIEW = re.compile(r"\b(this|the|your) (review|article|manuscript|narrative review)\b|\breview's\b")
_INTENT_WORDS = set(tokens("which what reference ref citation cited paper article publication first senior author "
                           "authors wrote authored led published journal title who where when year number appear "
                           "appeared", keep_stopwords=True))


# Capitalised words in reference titles that are not names of studies.
GENERIC_CAPS = {"ASCC", "HPV", "HIV", "SCC", "SCCA", "USA", "CTLA", "JAMA", "RCT"}


def study_names(documents) -> set[str]:
    """Names of studies as a reader types them, built from each document: first authors of its references, trial
    acronyms in their titles (SCARCE, PRODIGE), and trial names in its text (KEYNOTE-158, InterAACT). The guard and
    retrieval both read this per-corpus vocabulary; no name is written into code."""
    words: set[str] = set()
    for doc in documents:
        for ref in doc.references.values():
            if re.fullmatch(r"[A-Z][\w'-]+", ref.first_author) and (len(ref.first_author) >= 3
                                                                   or ref.first_author[1:].islower()):
                words.add(ref.first_author)
            words.update(w for w in re.findall(r"(?<![\w-])[A-Z]{4,}(?![\w-])", ref.text) if w not in GENERIC_CAPS)
        words.update(re.findall(r"(?<![\w-])(?:[A-Z]{3,}-\d+|[A-Z][a-z]+[A-Z]{2,}[A-Za-z]*|[A-Z][a-z]+-[A-Z]+\d+)"
                                r"(?![\w-])", doc.text))
        # … and the authors its text cites as it spells them ("Vaio et al." for the reference list's "Vaios")
        words.update(w for w in re.findall(r"(?<![\w-])([A-Z][a-z]{2,}) et al\b", doc.text) if w not in GENERIC_CAPS)
    return words


# "the Ko systematic review", "the Ko study": a name used before what it names
_BEFORE_STUDY_NOUN = r"\s+(?:[a-z-]+\s+)?(?:study|trial|review|series|cohort|paper|analysis|meta-analysis|report)\b"


def _as_author(name: str) -> str:
    """A two-letter surname as a pattern that matches it only where it names an author."""
    n = re.escape(name)
    return rf"(?:{n}(?=\s+et\.?\s+al\b|,?\s+\(?(?:19|20)\d\d\b|['\u2019]s\b|{_BEFORE_STUDY_NOUN})|(?<=\bby ){n})"


def _as_acronym(name: str) -> str:
    """A short trial acronym that is also a word ("SCARCE", "scarce"): in capitals anywhere, in any case before a
    study noun ("scarce trial", as terse notes write it; not "scarce in trials")."""
    n = re.escape(name)
    return rf"(?:{n}|(?i:{n})(?=\s+(?:study|trial|cohort|results?)\b))"


class StudyNameFinder:
    """Finds the corpus's study names in a text. Long names match in any case ("kitaguchi"); short ones only
    capitalised ("Fields", not "fields"); a two-letter surname ("Ko", "Li") only where the text uses it as an
    author's name: before "et al", a year, "'s" or a study noun ("the Ko review"), or after "by" (not "Do", "In" or
    "US" starting a sentence)."""

    def __init__(self, names: set[str]):
        alternatives = sorted((_as_author(w) if len(w) < 3 else _as_acronym(w) if w.isupper() and len(w) < 7
                               else re.escape(w) if len(w) < 7 else f"(?i:{re.escape(w)})"
                               for w in names), key=len, reverse=True)
        self._re = re.compile(r"(?<![\w-])(" + "|".join(alternatives) + r")(?![\w-])") if names else None

    def find(self, text: str) -> list[str]:
        if not self._re or not text:
            return []
        return list(dict.fromkeys(m.group(1) for m in self._re.finditer(text)))


def numbered_refs(question: str) -> list[int]:
    """Reference numbers the question asks about by number ('reference 27', '[12]')."""
    return list(dict.fromkeys(int(a or b) for a, b in _NUMBERED.findall(question)))


def asks_about_reference(question: str, named: Sequence[str]) -> bool:
    """A question about a cited publication (not about the review itself, unless it names a study)."""
    folded = fold(question)
    if not _INTENT.search(folded):
        if not _DESCRIBING.search(folded):
            return False
        names = {t for n in named for t in tokens(n)}
        other = [t for t in tokens(question) if t not in _INTENT_WORDS and t not in names]
        if len(other) > MAX_OTHER_WORDS:
            return False
    return bool(named) or not _THE_REVIEW.search(folded)


class Bibliography:
    """All documents' reference lists, searchable by study name and by words of the entry."""

    def __init__(self, documents: dict[str, Document]):
        self.entries: list[tuple[str, Reference]] = [(d.doc_id, r) for d in documents.values()
                                                     for r in d.references.values()]
        self.bm25 = BM25Okapi([tokens(r.text) for _, r in self.entries]) if self.entries else None

    def by_number(self, n: int) -> list[tuple[str, Reference]]:
        return [(doc, r) for doc, r in self.entries if r.number == n]

    def by_names(self, names: Sequence[str]) -> list[tuple[str, Reference]]:
        """Entries whose first author or title carries one of the study names (case-insensitive)."""
        out = []
        for doc, r in self.entries:
            for name in names:
                low = fold(name)
                if fold(r.first_author) == low or re.search(rf"(?<![\w-]){re.escape(low)}(?![\w-])", fold(r.text)):
                    out.append((doc, r))
                    break
        return out

    def search(self, question: str, candidates: list[tuple[str, Reference]] | None = None,
               min_margin: float = 1.2) -> list[tuple[str, Reference]]:
        """The entry whose words best match the question's content words (not its 'which journal…' words). Among
        `candidates` when given (e.g. two papers by the same author); alone, only a clear winner is returned."""
        if not self.bm25:
            return []
        qt = [t for t in tokens(question) if t not in _INTENT_WORDS]
        if not qt:
            return candidates[:1] if candidates else []
        scores = self.bm25.get_scores(qt)
        ranked = sorted(range(len(self.entries)), key=lambda i: -scores[i])
        if candidates:
            allowed = {id(r) for _, r in candidates}
            ranked = [i for i in ranked if id(self.entries[i][1]) in allowed]
            return [self.entries[ranked[0]]] if ranked else []
        if not ranked or scores[ranked[0]] <= 0:
            return []
        second = scores[ranked[1]] if len(ranked) > 1 else 0.0
        if scores[ranked[0]] < min_margin * second:
            return []
        return [self.entries[ranked[0]]]


_ET_AL = re.compile(r"\b([A-Z][A-Za-z'\-]{1,30})(?:\s+and\s+(?:colleagues|co-?workers))?\s+(?:et\s+al\b|and colleagues\b|"
                    r"and co-?workers\b|'s (?:study|trial|group|team|paper|series|cohort)\b)")


def study_authors_asked(question: str) -> list[str]:
    """Names the question uses as a study's author: "Smith et al.", "Smith and colleagues", "Smith's study"."""
    return list(dict.fromkeys(m.group(1) for m in _ET_AL.finditer(question)))


def coauthored(bibliography: "Bibliography", name: str) -> tuple[list[Reference], list[Reference]]:
    """(entries with `name` as first author, entries listing `name` only as a co-author)."""
    low = fold(name)
    first, co = [], []
    for _, r in bibliography.entries:
        if fold(r.first_author) == low:
            first.append(r)
        elif re.search(rf"(?<![\w-]){re.escape(low)},", fold(r.text)):
            co.append(r)
    return first, co


def entry_citation(doc: Document, ref: Reference) -> Citation:
    start = doc.text.find(ref.text)
    return Citation(doc.doc_id, "References", ref.text, start, start + len(ref.text) if start >= 0 else -1,
                    [ref.number], sentence_id=f"ref-{ref.number}")
