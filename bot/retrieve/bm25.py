"""BM25 (Okapi) scores with each word's contribution computed once, when the index is loaded.

rank_bm25's `BM25Okapi.get_scores` rebuilds every query word's term frequencies with a Python loop over all
documents, for every question. The scores depend on the question only through which words it has, so each word's
contribution to each document that holds it is computed here once, with rank_bm25's own formula, statistics and
IDF (negative IDFs floored at epsilon × the mean IDF), in the same order of operations: a question's scores are then
a sum of a few precomputed rows, equal to rank_bm25's to the last bit (tests/test_coverage.py checks it).
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
        # word -> (documents holding it, its term in each): rank_bm25's expression, element by element
        self.terms: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for word, (docs, counts) in postings.items():
            idx = np.array(docs, dtype=np.int64)
            q_freq = np.array(counts)
            dl = doc_len[idx]
            term = (ref.idf.get(word) or 0) * (q_freq * (ref.k1 + 1) /
                                                (q_freq + ref.k1 * (1 - ref.b + ref.b * dl / ref.avgdl)))
            self.terms[word] = (idx, term)

    def get_scores(self, query: list[str]) -> np.ndarray:
        """BM25 of every document for the query's words (a word the corpus never uses adds nothing)."""
        score = np.zeros(self.n)
        for word in query:
            hit = self.terms.get(word)
            if hit is not None:
                score[hit[0]] += hit[1]
        return score
