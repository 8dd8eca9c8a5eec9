"""What the ranker sees about each sentence for one question: generic evidence, never a sentence's identity.

Every feature is a number computed from the question and the document's structure (sentence, paragraph, section,
chunk, table record, the study a paragraph reports), so a ranker fitted on one document carries over to another.
`FEATURES` is the order the ranker's weights (bot/data/ranker.json) are stored in; changing it means retraining
(`python eval/train_ranker.py`).
"""
from __future__ import annotations

import math

import numpy as np

from bot.retrieve.lexicon import NUMBERS, Query

FEATURES = (
    "dense",             # cosine of the sentence to the question
    "dense_rel",         # … minus the best sentence's cosine (questions differ in how similar anything can be)
    "chunk_dense",       # best cosine of the chunks holding the sentence (≤ 256 word pieces each)
    "para_dense",        # best sentence cosine in the sentence's paragraph
    "section_dense",     # best chunk cosine in the sentence's section
    "bm25",              # sentence BM25, normalised by the best
    "chunk_bm25",        # best BM25 of its chunks, normalised
    "rrf",               # its chunks' fused (dense + BM25) reciprocal rank, normalised
    "in_top_chunk",      # one of its chunks is among the top chunks
    "coverage",          # IDF-weighted share of the question's concepts it expresses (tables: best cell)
    "coverage_rel",      # … minus the best coverage
    "para_coverage",     # coverage by the whole paragraph
    "neighbour_dense",   # best cosine of the previous / next sentence of the paragraph
    "wants_hit",         # the question asks for a kind of value (rate, duration, count…) and the sentence has it
    "wants_miss",        # … and the sentence has not
    "findings_number",   # "what did X find?" and the sentence reports a number
    "named_about",       # the question names a study and the sentence is about it (own or paragraph citation)
    "named_other",       # the question names a study and the sentence is not about it
    "named_reports",     # the sentence sits in the paragraph that reports the named study
    "is_table",
    "table_asked",       # the question mentions a table and this is a table record
    "front_article",     # front matter, for a question about the article itself
    "front_other",       # front matter, for any other question (abstracts restate the body without references)
    "is_caption",
    "is_stub",           # one or two words: quotes nothing useful
    "section_named",     # the question names this part of the article ("the conclusions")
    "section_coverage",  # share of the question's concepts that the sentence's section title expresses
    "first_in_para",     # the paragraph's first sentence (its topic sentence)
    "overview_first",    # first_in_para, weighted by how much the question asks for an overview
    "overview_para",     # para_dense, weighted by the same
    "log_length",
)


class GroupMax:
    """For each unit, the maximum of a value over its group (paragraph, section): one reduceat over the units sorted
    by group, the groups numbered 0..n-1 in order of first appearance."""

    def __init__(self, groups: np.ndarray, n_groups: int):
        self.groups = groups
        self.order = None if np.all(np.diff(groups) >= 0) else np.argsort(groups, kind="stable")
        ordered = groups if self.order is None else groups[self.order]
        self.starts = np.searchsorted(ordered, np.arange(n_groups))

    def __call__(self, values: np.ndarray) -> np.ndarray:
        values = values.astype(np.float64, copy=False)  # float64 out, whatever comes in (sentence cosines: float32)
        ordered = values if self.order is None else values[self.order]
        return np.maximum.reduceat(ordered, self.starts)[self.groups]


class FeatureBuilder:
    """Precomputes the document structure once per loaded index; `compute` then takes well under a millisecond
    per question beyond the retriever's own arrays."""

    def __init__(self, retriever):
        r = retriever
        self.r = r
        sents = r.sentences
        self.para, self.sect = r.paragraph_of, r.section_of
        self.n_para, self.n_sect = int(self.para.max(initial=-1)) + 1, int(self.sect.max(initial=-1)) + 1
        self.para_max, self.sect_max = GroupMax(self.para, self.n_para), GroupMax(self.sect, self.n_sect)
        self.para_index = r.token_index.part("paragraphs")
        self.section_index = r.token_index.part("sections")
        n = len(sents)
        same_prev = np.array([i > 0 and self.para[i - 1] == self.para[i] for i in range(n)], dtype=bool)
        same_next = np.array([i + 1 < n and self.para[i + 1] == self.para[i] for i in range(n)], dtype=bool)
        # The previous / next sentence of the same paragraph, or n: the slot of -1 appended to the cosines.
        self.prev_idx = np.where(same_prev, np.arange(n) - 1, n)
        self.next_idx = np.where(same_next, np.arange(n) + 1, n)
        self.first_in_para = (~same_prev).astype(float)
        self.log_length = np.array([math.log(1 + len(s.text)) for s in sents])
        # Each sentence's (one or two) chunks as two index arrays, -1 (the "no chunk" slot) for none: two gathers
        # and an element-wise maximum, cheaper than a maximum over rows of two.
        self.chunk_a, self.chunk_b = (np.ascontiguousarray(r.sentence_chunks[:, k]) for k in (0, 1))
        # Reciprocal-rank steps 1/(k + rank) of the chunks' fusion, rank 1 first.
        self.rrf_steps = 1.0 / (r.settings.rrf_k + np.arange(1, len(r.chunk_matrix) + 1))
        # The feature matrix of a question starts from this one: columns that depend only on the document (and the
        # question-dependent ones at the value they take when the question does not ask for them: 0, or
        # front_other = is_front, which only a question about the article itself sets to 0).
        self.column = {name: k for k, name in enumerate(FEATURES)}
        self.template = np.zeros((n, len(FEATURES)))
        for name, values in (("is_table", r.is_table), ("is_caption", r.is_caption), ("is_stub", r.is_stub),
                             ("front_other", r.is_front), ("first_in_para", self.first_in_para),
                             ("log_length", self.log_length)):
            self.template[:, self.column[name]] = values

    def compute(self, query: Query, qvec: np.ndarray, overview: float = 0.0) -> dict[str, np.ndarray]:
        """Every feature for every sentence, plus the intermediate arrays the answer needs (cells, coverage)."""
        r = self.r
        q = qvec[0]
        qtoks = query.lexical
        # Chunks: dense and BM25, fused by reciprocal rank; the extra last slot stands for "no chunk" (-1).
        chunk_dense = r.chunk_matrix @ q
        chunk_lex = r.chunk_bm25.get_scores(qtoks) if qtoks else np.zeros(len(chunk_dense))
        rrf = np.zeros(len(chunk_dense) + 1)
        for scores in (chunk_dense, chunk_lex):
            rrf[np.argsort(-scores)] += self.rrf_steps
        rrf /= rrf.max()
        top = np.zeros(len(rrf), dtype=bool)
        top[np.argsort(-rrf[:-1])[: r.settings.top_chunks]] = True
        best_lex = chunk_lex.max()
        cd = self._of_chunks(np.append(chunk_dense, -1.0))
        cl = self._of_chunks(np.append(chunk_lex / best_lex if best_lex > 0 else chunk_lex, 0.0))

        dense = r.sentence_matrix @ q
        lex = r.sentence_bm25.get_scores(qtoks) if qtoks else np.zeros(len(dense))
        best_lex = lex.max()
        lex = lex / best_lex if best_lex > 0 else lex
        coverage = r.token_index.coverage(query)
        cells = r.table_cells(query, coverage)  # updates coverage of table records in place
        para_dense = self.para_max(dense)
        rrf_of = self._of_chunks(rrf)

        x = self.template.copy()  # the columns that do not depend on the question are filled in already
        col = self.column
        x[:, col["dense"]] = dense
        x[:, col["dense_rel"]] = dense - dense.max()
        x[:, col["chunk_dense"]] = cd
        x[:, col["para_dense"]] = para_dense
        x[:, col["section_dense"]] = self.sect_max(cd)
        x[:, col["bm25"]] = lex
        x[:, col["chunk_bm25"]] = cl
        x[:, col["rrf"]] = rrf_of
        x[:, col["in_top_chunk"]] = top[self.chunk_a] | top[self.chunk_b]
        x[:, col["coverage"]] = coverage
        x[:, col["coverage_rel"]] = coverage - coverage.max()
        x[:, col["para_coverage"]] = self.para_index.coverage(query)[self.para]
        beside = np.append(dense, -1.0)
        x[:, col["neighbour_dense"]] = np.maximum(beside[self.prev_idx], beside[self.next_idx])
        if query.wants:
            wants_hit = np.logical_and.reduce([r.pattern_hits[id(p)] for p in query.wants])
            x[:, col["wants_hit"]] = wants_hit
            x[:, col["wants_miss"]] = 1.0 - wants_hit
        if query.findings:
            x[:, col["findings_number"]] = r.pattern_hits[id(NUMBERS)]
        if query.named:
            about = np.logical_or.reduce([r.token_index.has_all(name) for name in query.named])
            x[:, col["named_about"]] = about
            x[:, col["named_other"]] = ~about
            x[:, col["named_reports"]] = np.logical_or.reduce([r.primary_index.has_all(name) for name in query.named])
        if query.tables:
            x[:, col["table_asked"]] = r.is_table
        if query.about_article:
            x[:, col["front_article"]] = r.is_front
            x[:, col["front_other"]] = 0.0
        if query.sections:
            x[:, col["section_named"]] = [any(p in t for p in query.sections) for t in r.section_titles]
        x[:, col["section_coverage"]] = self.section_index.coverage(query)[self.sect]
        x[:, col["overview_first"]] = overview * self.first_in_para
        x[:, col["overview_para"]] = overview * para_dense
        return {"features": x, "dense": dense, "coverage": coverage, "chunk": rrf_of, "cells": cells}

    def _of_chunks(self, values: np.ndarray) -> np.ndarray:
        """Each sentence's best value over the (one or two) chunks holding it; `values` has a last slot for "none"."""
        return np.maximum(values[self.chunk_a], values[self.chunk_b])
