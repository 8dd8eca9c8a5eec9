"""The fast retrieval paths compute exactly what their plain definitions compute: the ranker was fitted on those
numbers, and an answer must not change because a loop became an array operation.

- coverage of every sentence, paragraph, section title and table cell (bot/retrieve/coverage.py) and of windows of
  neighbouring sentences = `Lexicon.coverage` on their token sets, to the last bit;
- BM25 from precomputed terms (bot/retrieve/bm25.py) = rank_bm25's `BM25Okapi.get_scores`, to the last bit.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bot.retrieve.bm25 import Bm25
from bot.retrieve.coverage import TokenIndex
from bot.retrieve.lexicon import Concept, Query, prefixes_of
from bot.settings import PROJECT_ROOT
from bot.text import tokens

QUESTIONS = [json.loads(line)["question"] for path in (PROJECT_ROOT / "eval" / "dev_questions.jsonl",)
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def reference(lexicon, query, token_sets) -> np.ndarray:
    return np.array([lexicon.coverage(query, toks, prefixes_of(toks)) for toks in token_sets])


@pytest.fixture(scope="module")
def retriever(pipeline):
    return pipeline.retriever


def test_coverage_of_every_unit_is_lexicon_coverage_bit_for_bit(retriever):
    r = retriever
    paragraphs = r.features.para_index
    para_sets: dict[int, set[str]] = {}
    for i, toks in enumerate(r.sentence_tokens):
        para_sets.setdefault(int(r.features.para[i]), set()).update(toks)
    sections = {int(r.features.sect[i]): set(tokens(s.section)) for i, s in enumerate(r.sentences)}
    cells = [r.cell_tokens[i][j] for i, j in r.cell_owner]
    for question in QUESTIONS:
        q = r.make_query(question)
        assert np.array_equal(r.token_index.coverage(q), reference(r.lexicon, q, r.sentence_tokens)), question
        assert np.array_equal(paragraphs.coverage(q),
                              reference(r.lexicon, q, [para_sets[p] for p in range(paragraphs.n)])), question
        assert np.array_equal(r.features.section_index.coverage(q),
                              reference(r.lexicon, q, [sections[k] for k in range(len(sections))])), question
        assert np.array_equal(r.cell_index.coverage(q), reference(r.lexicon, q, cells)), question


def test_coverage_of_a_window_is_lexicon_coverage_of_its_union(retriever):
    r = retriever
    n = len(r.sentences)
    for question in QUESTIONS:
        q = r.make_query(question)
        for i in range(n - 2):
            for window in ([i], [i, i + 1], [i, i + 1, i + 2]):
                have = set().union(*(r.sentence_tokens[k] for k in window))
                pre = set().union(*(r.sentence_prefixes[k] for k in window))
                assert r.coverage_of(q, window) == r.lexicon.coverage(q, have, pre), (question, window)


def test_coverage_handles_concepts_no_unit_has_and_empty_alternatives():
    """Multi-word alternatives split across units, words no unit holds, an alternative with no word (expressed
    everywhere), prefixes and stems: the edge cases of Lexicon.coverage."""
    from bot.retrieve.lexicon import Lexicon

    units = [{"overall", "survival"}, {"overall"}, {"survival", "conclusion"}, {"surgery"}, set()]
    lex = Lexicon({}, {}, 1.0)
    q = Query(concepts=[Concept("os", 2.0, [("os",), ("overall", "survival")]),
                        Concept("conclude", 1.5, [("conclude",)]),        # stem prefix of "conclusion"
                        Concept("surg", 0.7, [("surg",)]),                # prefix of "surgery"
                        Concept("unknownword", 3.0, [("unknownword",), ("nowhere", "survival")]),
                        Concept("x", 0.25, [()])],                        # an alternative with no word
              lexical=[])
    index = TokenIndex(units)
    assert np.array_equal(index.coverage(q), reference(lex, q, units))
    for window in ([1, 2], [0], [3, 4], [4], [0, 1, 2, 3, 4]):
        have = set().union(*(units[k] for k in window))
        assert index.coverage_of(q, window) == lex.coverage(q, have, prefixes_of(have))
    assert index.coverage(Query(concepts=[], lexical=[])).tolist() == [0.0] * len(units)


def test_bm25_scores_are_rank_bm25s_bit_for_bit(retriever):
    r = retriever
    docs = [tokens(s.text) + tokens(s.section) for s in r.sentences]
    ours, theirs = Bm25(docs), BM25Okapi(docs)
    for question in QUESTIONS:
        words = r.make_query(question).lexical
        words = words + words[:2] + ["a-word-no-document-has", "a-word-no-document-has"]  # repeats count again
        assert np.array_equal(ours.get_scores(words), theirs.get_scores(words)), question
