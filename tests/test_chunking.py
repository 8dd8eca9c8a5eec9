"""Chunking (bot/ingest/chunking.py): whole sentences of one section, within all-MiniLM-L6-v2's 256-word-piece window.

The window is checked with the REAL model's tokenizer (the session `embedder`), special tokens included: the model
silently drops whatever lies past it, so a chunk over the limit would lose text without any error.
"""
from __future__ import annotations

import re

import pytest

from bot.ingest.chunking import chunk_document, token_counter
from bot.ingest.corpus import build_document, load_document
from bot.settings import Settings
from conftest import REVIEW, small_corpus
from fixtures.helpers import SpyEmbedder, tiny_docs

WINDOW = 256


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings.from_env()


@pytest.fixture(scope="module")
def count(settings):
    return token_counter(settings.model_path)


@pytest.fixture(scope="module")
def model_len(embedder):
    """Word pieces exactly as the loaded model sees them: [CLS] … [SEP], nothing truncated."""
    tok = embedder.model.tokenizer
    return lambda text: len(tok(text, add_special_tokens=True, truncation=False)["input_ids"])


@pytest.fixture(scope="module")
def review():
    return load_document(REVIEW)


@pytest.fixture(scope="module")
def review_chunks(review, count, settings):
    return chunk_document(review, count, settings.max_tokens, settings.chunk_tokens)


def long_sentence(n_words: int = 600, commas: bool = False) -> str:
    vocab = ("salvage abdominoperineal resection after chemoradiotherapy showed perineal wound complications "
             "in patients with persistent or recurrent squamous carcinoma of the anal canal treated with "
             "reirradiation intraoperative radiotherapy pembrolizumab nivolumab carboplatin paclitaxel").split()
    words = [f"{vocab[i % len(vocab)]}{i}" for i in range(n_words)]
    words[0] = words[0].capitalize()  # a paragraph starts with a capital (else it reads as a page-break continuation)
    if commas:
        words = [w + ("," if i % 17 == 16 else "") for i, w in enumerate(words)]
    return " ".join(words)


# ------------------------------------------------------------------------------------------ the window
def test_model_window_is_what_the_settings_assume(embedder, settings):
    assert embedder.max_tokens == WINDOW == settings.max_tokens


def test_no_review_chunk_exceeds_the_models_window(review_chunks, model_len, embedder):
    assert len(review_chunks) > 20
    sizes = {c.id: model_len(c.embed_text) for c in review_chunks}
    too_long = {i: n for i, n in sizes.items() if n > WINDOW or n > embedder.max_tokens}
    assert too_long == {}
    assert max(sizes.values()) > 100  # chunks are packed, not one tiny sentence each


def test_no_chunk_in_the_built_index_exceeds_the_window(review_settings, model_len, embedder):
    from bot.index import store as index

    loaded = index.load(review_settings)
    assert loaded.chunks
    assert max(model_len(c.embed_text) for c in loaded.chunks) <= min(WINDOW, embedder.max_tokens)


def test_the_fast_counter_agrees_with_the_model_tokenizer(review_chunks, count, model_len):
    for c in review_chunks[:40]:
        assert count(c.embed_text) == model_len(c.embed_text)


# ------------------------------------------------------------------------------------------ structure
def test_chunks_stay_inside_one_section_and_map_back_to_the_text(review, review_chunks):
    sentences = {s.id: s for s in review.sentences}
    for c in review_chunks:
        assert review.text[c.start:c.end] == c.text
        assert c.embed_text.endswith(c.text) and c.section in c.embed_text
        inside = [s for s in review.sections if s.title == c.section and s.start <= c.start and c.end <= s.end]
        assert inside, f"chunk {c.id} crosses a section border ({c.section})"
        members = [sentences[i] for i in c.sentence_ids]
        assert {s.section for s in members} == {c.section}
        assert members[0].start <= c.start and c.end <= members[-1].end
        assert set(c.refs) == {n for s in members for n in s.refs}
        for n in re.findall(r"\[(\d+)\]", c.text):  # every single-number citation in the text is in refs
            assert int(n) in c.refs


def test_every_sentence_outside_the_bibliography_is_in_some_chunk(review, review_chunks):
    covered = {i for c in review_chunks for i in c.sentence_ids}
    assert {s.id for s in review.sentences} <= covered
    assert not [c for c in review_chunks if c.section == "References"]


def test_each_table_record_is_its_own_chunk(review, review_chunks):
    records = {s.id for s in review.sentences if s.kind == "table_record"}
    assert len(records) == 8
    for c in review_chunks:
        if set(c.sentence_ids) & records:
            assert len(c.sentence_ids) == 1


# ------------------------------------------------------------------------------------------ ids
def test_chunk_ids_are_content_hashes(count):
    text = tiny_docs("alpha.txt")["alpha.txt"]
    before = chunk_document(build_document("alpha.txt", text), count)
    shifted_doc = build_document("alpha.txt", "0. Preface\n\nAn unrelated preface was added in a new edition.\n\n"
                                 + text)
    after = chunk_document(shifted_doc, count)
    after_by_id = {c.id: c for c in after}
    for c in before:  # same text, same id, although every offset moved
        assert c.id in after_by_id
        moved = after_by_id[c.id]
        assert moved.text == c.text and moved.start > c.start
    assert len(after) == len(before) + 1
    edited = chunk_document(build_document("alpha.txt", text.replace("mild", "moderate")), count)
    assert len({c.id for c in edited} - {c.id for c in before}) == 1  # only the edited chunk gets a new id
    again = chunk_document(build_document("alpha.txt", text), count)
    assert [c.id for c in again] == [c.id for c in before]  # deterministic


def test_chunk_ids_are_unique_even_for_repeated_passages(count, review_chunks):
    assert len({c.id for c in review_chunks}) == len(review_chunks)
    boilerplate = long_sentence(200) + "."  # too long for one chunk: cut into pieces, twice the same pieces
    doc = build_document("rep.txt", f"1. Repeats\n\n{boilerplate} A short sentence sits between.\n\n{boilerplate}\n")
    chunks = chunk_document(doc, count)
    texts = [c.text for c in chunks]
    repeated = {t for t in texts if texts.count(t) == 2}
    assert len(repeated) >= 2  # the same passages occur twice...
    assert len({c.id for c in chunks}) == len(chunks)  # ...each occurrence with its own id
    assert len({s.id for s in doc.sentences}) == len(doc.sentences)


# ------------------------------------------------------------------------------------------ over-long text
@pytest.mark.parametrize("commas", [False, True], ids=["no-punctuation", "commas"])
def test_overlong_sentence_is_split_not_truncated(count, model_len, commas):
    sentence = long_sentence(600, commas)
    assert model_len(sentence) > 3 * WINDOW
    doc = build_document("long.txt", f"1. Long\n\n{sentence}\n")
    assert [s.text for s in doc.sentences] == [sentence]  # one sentence, no full stop
    chunks = chunk_document(doc, count)
    assert len(chunks) >= 4
    for c in chunks:
        assert model_len(c.embed_text) <= WINDOW
        assert doc.text[c.start:c.end] == c.text
    # nothing lost, nothing repeated: the pieces read back as the sentence
    assert " ".join(c.text for c in chunks).split() == sentence.split()
    assert len({c.id for c in chunks}) == len(chunks)


def test_index_build_never_sends_the_model_more_than_its_window(tmp_path, embedder, model_len):
    """Sentences are embedded too (for quote selection): an over-long one is embedded in pieces."""
    from bot.index import store as index

    docs = {"long.txt": f"1. Long\n\n{long_sentence(600)}\n\n2. Short\n\nA short sentence follows [1].\n"}
    settings = Settings.from_env(corpus_dir=small_corpus(tmp_path, docs), index_dir=tmp_path / "index")
    spy = SpyEmbedder(embedder)
    report = index.build(settings, embedder=spy)
    assert report.wrote and spy.texts
    assert max(model_len(t) for t in spy.texts) <= WINDOW
    embedded_words = " ".join(t for t in spy.texts if not t.startswith("1. Long:") and "short" not in t).split()
    assert embedded_words == long_sentence(600).split()  # the long sentence, whole, in pieces
