"""Hybrid retrieval: dense (FAISS vectors) + lexical (BM25) over chunks, fused by reciprocal rank, then sentences.

Chunks find the right neighbourhood; sentences are what an answer quotes. A sentence is scored by its own
similarity to the question, its chunk's fused rank, and how much of the question's vocabulary it expresses —
counting the study it reports: a sentence that inherits [24] from its paragraph also matches "Hagemans".
"""
from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from bot.index.store import LoadedIndex
from bot.linear import load_models
from bot.retrieve.bibliography import GENERIC_CAPS, StudyNameFinder, study_names
from bot.retrieve.bm25 import Bm25
from bot.retrieve.coverage import TokenIndex
from bot.retrieve.features import FeatureBuilder
from bot.retrieve.lexicon import ANSWER_TYPES, GLOSSARY, METADATA_HINTS, NUMBERS, SHORTHAND, Lexicon, Query, prefixes_of
from bot.settings import Settings
from bot.text import abbreviation_definitions, fold, table_cells, tokens
from bot.types import Reference, Sentence



@dataclass
class Hit:
    sentence: Sentence
    score: float
    dense: float
    coverage: float
    chunk: float
    cells: tuple[int, ...] | None = None  # table records: the cells that answer (0 = the study's cell)
    prob: float = 0.0          # the ranker's probability that the sentence answers (`score` is relative to the best)


METADATA_SECTIONS = {"front matter", "keywords"}  # a document's title, keywords, dates and citation line


@dataclass
class Ranking:
    """Scores for every sentence; `hits` holds the best ones, `hit(id)` any other (e.g. a neighbour)."""
    query: Query
    hits: list[Hit]            # best first
    _make: object = None       # position -> Hit, for sentences outside `hits`
    _position: dict | None = None
    overview: float = 0.0      # how much the question asks for an overview (0..1)
    scores: np.ndarray | None = None  # every sentence's ranker logit, by position
    _top: tuple | None = field(default=None, init=False, repr=False, compare=False)  # (hits list, its length, id -> hit)

    def answering(self) -> list[Hit]:
        """The hits that may answer: the title, the keywords and the citation line (a document's metadata) share
        every question's words about its subject but answer nothing, unless the question is about the article."""
        if self.query.about_article or self.query.whole_document:
            return self.hits
        return [h for h in self.hits if not (h.sentence.kind == "front"
                                             and h.sentence.section.lower() in METADATA_SECTIONS)]

    def hit(self, sentence_id: str) -> Hit:
        top = self._top
        if top is None or top[0] is not self.hits or top[1] != len(self.hits):
            by_id: dict[str, Hit] = {}
            for h in self.hits:
                by_id.setdefault(h.sentence.id, h)
            top = self._top = (self.hits, len(self.hits), by_id)
        found = top[2].get(sentence_id)
        return found if found is not None else self._make(self._position[sentence_id])


def _numbered(keys: list) -> np.ndarray:
    """Each key's number, the keys numbered 0, 1, … in order of first appearance."""
    number = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    return np.array([number[k] for k in keys], dtype=np.int64)


def ref_anchors(ref: Reference) -> list[str]:
    """Words a question may use for a cited study: its first author, year and trial acronyms in its title."""
    acronyms = [w for w in re.findall(r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*", ref.text)
                if (sum(ch.isupper() for ch in w) >= 3 and not w.isupper()) or re.search(r"[A-Z]+-\d", w)
                or (w.isupper() and len(w) >= 4 and w not in GENERIC_CAPS)]
    words = [ref.first_author] + ([str(ref.year)] if ref.year else []) + acronyms
    return tokens(" ".join(words))


def _tables(sentences) -> dict[tuple[str, str], tuple[str, frozenset[str]]]:
    """Every table, as (document, section): its records and its caption share the table's section. For each, its
    number ("2" for "Table 2. Summary of immunotherapy studies.") and the words of its title that tell it from the
    document's other tables ("immunotherapy", not "summary" or "studies")."""
    titles = {(s.doc_id, s.section) for s in sentences if s.kind == "table_record"}
    words = {t: frozenset(tokens(t[1])) for t in titles}
    out = {}
    for doc, section in titles:
        others = [words[t] for t in titles if t[0] == doc and t != (doc, section)]
        common = frozenset.intersection(*others) & words[(doc, section)] if others else frozenset()
        number = re.match(r"\s*table\s+(\w+)", fold(section))
        out[(doc, section)] = (number.group(1) if number else "", words[(doc, section)] - common)
    return out


_RESTATES = re.compile(r"\b(?:abstract|summary|conclusions?)\b", re.I)


class Retriever:
    """Built once per loaded index (BM25 tables, lexicon, sentence maps); `search` takes a few milliseconds."""

    def __init__(self, index: LoadedIndex, settings: Settings, models: dict | None = None):
        """`models`: the fitted ranker ({"sentence": …, "overview": …}); by default bot/data/ranker.json."""
        self.settings = settings
        self.models = load_models("ranker")["models"] if models is None else models
        self.sentences = index.sentences
        self.position = {s.id: i for i, s in enumerate(self.sentences)}
        self.sentence_matrix = index.sentence_vectors.reconstruct_n(0, index.sentence_vectors.ntotal)
        self.chunk_matrix = index.chunk_vectors.reconstruct_n(0, index.chunk_vectors.ntotal)
        anchors = {(d.doc_id, n): ref_anchors(r) for d in index.documents.values() for n, r in d.references.items()}
        self.anchor_words = study_names(index.documents.values())
        self.name_finder = StudyNameFinder(self.anchor_words)
        # A question is searched for study names by several steps (the guard, follow-ups, the bibliography, the
        # query): the last few texts' names are kept.
        self._names_in = functools.lru_cache(maxsize=64)(lambda text: tuple(self.name_finder.find(text)))

        docs_tokens = []
        self.sentence_tokens: list[set[str]] = []
        self.cell_tokens: dict[int, list[set[str]]] = {}
        for i, s in enumerate(self.sentences):
            toks = tokens(s.text) + tokens(s.section)
            for n in s.refs + s.context_refs:
                toks += anchors.get((s.doc_id, n), [])
            toks += self._metadata_hints(s, index.documents[s.doc_id].metadata)
            docs_tokens.append(toks)
            self.sentence_tokens.append(set(toks))
            cells = self._cells(s, set(toks) - set(tokens(s.text))) if s.kind == "table_record" else []
            if cells:  # a record whose cells cannot be read is scored as a plain sentence
                self.cell_tokens[i] = cells
        self.sentence_prefixes = [prefixes_of(t) for t in self.sentence_tokens]
        # The study a paragraph is about: the references of its first citing sentence. "Unlike the Kitaguchi et
        # al. study [12], …" sits in a paragraph about Rosen [23]; it mentions Kitaguchi but does not report it.
        lead: dict[tuple[str, int], tuple[int, ...]] = {}
        for s in self.sentences:
            if s.refs and (s.doc_id, s.paragraph) not in lead:
                lead[(s.doc_id, s.paragraph)] = s.refs
        self.primary_index = TokenIndex([
            {a for n in lead.get((s.doc_id, s.paragraph), s.refs) for a in anchors.get((s.doc_id, n), [])}
            for s in self.sentences])
        # Table cells, as units of their own: (record position, cell number) for each.
        self.cell_owner = [(i, j) for i, cells in self.cell_tokens.items() for j in range(len(cells))]
        # Paragraphs (numbered in reading order) and sections (by title), as the ranker's features group sentences.
        self.paragraph_of = _numbered([(s.doc_id, s.paragraph) for s in self.sentences])
        self.section_of = _numbered([(s.doc_id, s.section) for s in self.sentences])
        paragraphs: list[set[str]] = [set() for _ in range(int(self.paragraph_of.max(initial=-1)) + 1)]
        for p, toks in zip(self.paragraph_of.tolist(), self.sentence_tokens):
            paragraphs[p].update(toks)
        titles = dict(zip(self.section_of.tolist(), (s.section for s in self.sentences)))
        # Every unit whose coverage the ranker reads, in one index: a question's plan is made once for all of them.
        self.token_index = TokenIndex(self.sentence_tokens, parts={
            "paragraphs": paragraphs, "sections": [set(tokens(titles[k])) for k in range(len(titles))],
            "cells": [self.cell_tokens[i][j] for i, j in self.cell_owner]})
        self.cell_index = self.token_index.part("cells")
        # Each record's cells are consecutive units of cell_index: where they start; and the [rest, end) bounds
        # of the cells after the study's cell (the study's cell alone when the record has no other).
        sizes = np.array([len(c) for c in self.cell_tokens.values()], dtype=np.int64)
        self._cell_records = np.array(list(self.cell_tokens), dtype=np.int64)
        self._cell_first = np.cumsum(sizes) - sizes
        rest = np.where(sizes == 1, self._cell_first, self._cell_first + 1)
        self._cell_bounds = np.column_stack([rest, self._cell_first + sizes]).reshape(-1)
        self._cell_list = list(zip(self._cell_records.tolist(), self._cell_first.tolist(), sizes.tolist()))
        kinds = np.array([s.kind for s in self.sentences])
        # A line of one or two words ("Review", a lone label) quotes nothing useful.
        self.is_stub = np.array([len(s.text.split()) < 3 for s in self.sentences])
        self.is_front, self.is_caption = kinds == "front", kinds == "caption"
        self.is_table = kinds == "table_record"
        self.tables = _tables(self.sentences)
        self.section_titles = [fold(s.section) for s in self.sentences]
        self.pattern_hits = {id(p): np.array([bool(p.search(s.text)) for s in self.sentences])
                             for _, p in ANSWER_TYPES + [(None, NUMBERS)]}
        self.sentence_bm25 = Bm25(docs_tokens) if docs_tokens else None
        self.chunk_bm25 = Bm25([tokens(c.embed_text) + [a for n in c.refs for a in anchors.get((c.doc_id, n), [])]
                                     for c in index.chunks]) if index.chunks else None
        self.vocabulary = set().union(*self.sentence_tokens) if self.sentence_tokens else set()
        # The words only an abstract, a summary or the conclusions use: they restate the body in words of their own
        # ("refractory disease" where the body says "already-treated"), so no body passage gives a value with them
        restating = [s.kind in ("text", "front") and _RESTATES.search(s.section) is not None for s in self.sentences]
        body = set().union(*(t for t, r, s in zip(self.sentence_tokens, restating, self.sentences)
                             if not r and s.kind != "front"))
        self.restated_only = set().union(*(t for t, r in zip(self.sentence_tokens, restating) if r)) - body
        for doc in index.documents.values():
            for ref in doc.references.values():
                self.vocabulary.update(tokens(ref.text))
        self.vocab_list = sorted(self.vocabulary)
        df = Counter(t for toks in self.sentence_tokens for t in toks)
        n = max(len(self.sentence_tokens), 1)
        idf = {t: math.log(1 + n / c) for t, c in df.items()}
        glossary = dict(GLOSSARY)
        long_forms: dict[str, set[str]] = {}
        for doc in index.documents.values():
            for abbr, long in abbreviation_definitions(doc.text):
                glossary.setdefault(abbr, long)
                long_forms.setdefault(abbr, set()).add(long.lower())
        # A median survival measure in oncologists' notation, "m" before its abbreviation ("mPFS"; not "mos", which
        # notes also use for months)
        for abbr, long in list(glossary.items()):
            if abbr.isalpha() and re.fullmatch(r"[\w-]+(?: [\w-]+)* survival", long.lower()) \
                    and "m" + abbr not in SHORTHAND:
                glossary.setdefault("m" + abbr, "median " + long)
        # An abbreviation defined twice in other words ("re-radiotherapy (reRT)", "reirradiation (reRT)"): its one-word
        # long forms stand for each other, hyphenated or not.
        same = [{f for long in longs for f in (long, long.replace("-", ""))} for longs in long_forms.values()
                if len(longs) > 1 and all(len(long.split()) == 1 for long in longs)]
        # (a title read from a paragraph, when a document has none of its own, is no subject: one sentence at most)
        titles = [set(tokens(d.title)) for d in index.documents.values()
                  if d.title and len(d.title) <= 250 and not re.search(r"[.!?]\s+[A-Z]", d.title)]
        subject = set.intersection(*titles) if titles else set()
        self.lexicon = Lexicon(glossary, idf, math.log(1 + n), subject=subject, same_words=same)
        chunk_of: dict[str, list[int]] = {}
        for ci, c in enumerate(index.chunks):
            for sid in c.sentence_ids:
                chunk_of.setdefault(sid, []).append(ci)
        # Each sentence is in one or two chunks (neighbouring chunks share a sentence): -1 pads the second.
        self.sentence_chunks = np.array([(chunk_of.get(s.id, [-1]) + [-1])[:2] for s in self.sentences],
                                        dtype=np.int64).reshape(-1, 2)
        self.features = FeatureBuilder(self)

    # ----------------------------------------------------------------------------------- study names
    @staticmethod
    def _cells(s: Sentence, context: set[str]) -> list[set[str]]:
        """Token sets of a record's cells, each with the study's cell and the record's context (caption, study
        names): a record answers a question when one of its cells does, not because its labels cover many words."""
        cells = table_cells(s.text)
        if not cells:
            return []
        base = context | set(tokens(f"{cells[0][0]} {cells[0][1]}"))
        return [base] + [base | set(tokens(f"{label} {value}")) for label, value in cells[1:]]

    def anchors_in(self, text: str) -> list[str]:
        """Study names mentioned in `text` (also used to carry a study across follow-up questions)."""
        return list(self._names_in(text)) if isinstance(text, str) else self.name_finder.find(text)

    @staticmethod
    def _metadata_hints(s: Sentence, metadata: dict) -> list[str]:
        """Front-matter lines answer questions in words they do not contain ('Who wrote it?', 'the DOI', 'which
        journal'): a line that contains a metadata value gets that field's words."""
        if s.kind != "front" or not metadata:
            return []
        hints = []
        low = fold(s.text)
        for key, words in METADATA_HINTS.items():
            values = metadata.get(key)
            values = values if isinstance(values, list) else [values]
            if any(v and fold(str(v)) in low for v in values):
                hints += tokens(words)
        return hints

    # ----------------------------------------------------------------------------------- search
    def expand(self, text: str) -> str:
        return self.lexicon.expand(text)

    def make_query(self, question: str, context: str | None = None, carry_names: bool = True) -> Query:
        """The question's concepts; `context` (earlier turns) adds words to the lexical side and, when
        `carry_names`, the study names it holds."""
        named = self.anchors_in(question) or (self.anchors_in(context) if context and carry_names else [])
        return self.lexicon.query(question, extra_text=context or "", named=named)

    def coverage_of(self, query: Query, positions: list[int]) -> float:
        """Lexicon.coverage of the sentences at `positions` taken together (their token sets and prefixes)."""
        return self.token_index.coverage_of(query, positions)

    def question_kind(self, qvec: np.ndarray) -> float:
        """How much the question asks for an overview ("role of", "summarise", "what is known") rather than one
        fact: a probability from a small model over the question's embedding."""
        return float(self.models["overview"].proba(qvec)[0]) if "overview" in self.models else 0.0

    def search(self, query: Query, qvec: np.ndarray, limit: int = 40, overview: float | None = None) -> Ranking:
        """Score every sentence for a question; `qvec` is the embedding of the (expanded) question. A sentence's
        score is the learned ranker's probability that it answers (bot/retrieve/features.py lists what it sees)."""
        if not self.sentences:
            return Ranking(query, [])
        overview = self.question_kind(qvec) if overview is None else overview
        out = self.features.compute(query, qvec, overview)
        logit = self.models["sentence"].logits(out["features"])[:, 0]
        logit[self.is_stub] = -30.0  # a line of one or two words ("Review", a lone label) is never quoted
        relative = np.exp(logit - logit.max())       # the best sentence is 1; a sentence half as likely, 0.5
        prob = 1.0 / (1.0 + np.exp(-logit))
        dense, coverage, chunk, cells = out["dense"], out["coverage"], out["chunk"], out["cells"]

        def make(i: int) -> Hit:
            return Hit(self.sentences[i], float(relative[i]), float(dense[i]), float(coverage[i]), float(chunk[i]),
                       cells.get(i), float(prob[i]))

        order = np.argsort(-logit, kind="stable")[:limit].tolist()
        top = zip(order, *(a[order].tolist() for a in (relative, dense, coverage, chunk, prob)))  # as Python floats
        hits = [Hit(self.sentences[i], r, d, c, k, cells.get(i), p) for i, r, d, c, k, p in top]
        return Ranking(query, hits, make, self.position, overview, logit)

    def table_cells(self, query: Query, coverage: np.ndarray) -> dict[int, tuple[int, ...] | None]:
        """A table record's coverage is that of its best cell (with the study's cell); the cells kept for the
        quote are every column the question touches at all ("how many patients and what
        follow-up"). Updates `coverage` in place for records."""
        if not self.cell_owner:
            return {}
        cell_cov = self.cell_index.coverage(query)
        key = cell_cov[self._cell_first]  # the study's cell of each record
        # its best other cell (the study's cell itself when it has none): maxima over [rest, end) of each record
        best = np.maximum.reduceat(np.append(cell_cov, -np.inf), self._cell_bounds)[::2]
        coverage[self._cell_records] = np.maximum(key, best)
        out: dict[int, tuple[int, ...] | None] = dict.fromkeys(self.cell_tokens)
        better = np.flatnonzero(best > key).tolist()
        if better:  # as Python floats: the same doubles, without a numpy scalar per comparison
            covs, keys, bests = cell_cov.tolist(), key.tolist(), best.tolist()
            for r in better:
                i, start, n_cells = self._cell_list[r]
                floor = 0.15 * (bests[r] - keys[r])
                out[i] = (0,) + tuple(j for j in range(1, n_cells) if covs[start + j] - keys[r] >= floor)
        return out
