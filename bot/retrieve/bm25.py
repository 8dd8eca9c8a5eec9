"""BM25 (Okapi) scores with each word's contribution computed once, when the index is loaded.

rank_bm25's `BM25Okapi.get_scores` rebuilds every query word's term frequencies with a Python loop over all
documents, for every question. The scores depend on the question only through which words it has, so each word's
contribution to each document that holds it is computed here once, with rank_bm25's own formula, statistics and
IDF (negative IDFs floored at epsilon × the mean IDF), in the same order of operations: a question's scores are then
a sum of a few precomputed rows (one array operation), equal to rank_bm25's to the last bit (tests/test_coverage.py
checks it).
"""
from __future__ import annotations

import numpy as np
from rank_bm25 import BM25Okapi


class Bm25:
    def __init__(self, corpus: list[list[str]], k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25):
        ref = BM25Okapi(corpus, k1=k1, b=b, epsilon=epsilon)
        self.n = ref.corpus_size
        doc_len = np.array(ref.doc_len)
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for d, freqs in enumerate(ref.doc_freqs):
            for word, f in freqs.items():
                docs, counts = postings.setdefault(word, ([], []))
                docs.append(d)
                counts.append(f)
        # a row per word: its term in each document holding it (0 elsewhere), rank_bm25's expression element by
        # element
        self.row = {word: k for k, word in enumerate(postings)}
        self.terms = np.zeros((len(postings), self.n))
        for word, (docs, counts) in postings.items():
            idx = np.array(docs, dtype=np.int64)
            q_freq = np.array(counts)
            dl = doc_len[idx]
            self.terms[self.row[word], idx] = (ref.idf.get(word) or 0) * (
                q_freq * (ref.k1 + 1) / (q_freq + ref.k1 * (1 - ref.b + ref.b * dl / ref.avgdl)))

    def get_scores(self, query: list[str]) -> np.ndarray:
        """BM25 of every document for the query's words: their rows summed in the query's order, row after row, as
        rank_bm25 adds them (a word the corpus never uses adds nothing; a repeated word counts again)."""
        rows = [k for word in query if (k := self.row.get(word)) is not None]
        return np.add.reduce(self.terms[rows], axis=0) if rows else np.zeros(self.n)
