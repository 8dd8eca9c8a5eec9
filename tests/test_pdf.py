"""PDF ingestion: a PDF rendering of the review reads like its text; unusable PDFs are refused by name.

The renderings are made once per session by tests/fixtures/make_pdfs.py with headless Chromium (skipped, with the
reason, when /usr/bin/chromium is missing); the refused PDFs are written byte by byte and need nothing.
"""
from __future__ import annotations

import os
import re

import pytest

from bot.ingest.corpus import CorpusError, add_document, build_document, corpus_files, load_document
from bot.ingest.pdf_blocks import Vocabulary
from bot.settings import PROJECT_ROOT, Settings
from bot.types import Answer, Citation
from fixtures import make_pdfs
from fixtures.helpers import quote_norm

REVIEW_TEXT = (PROJECT_ROOT / "corpus" / "racine2025-ascc-review.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def bad_pdfs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad-pdfs")
    make_pdfs.make_bad_pdfs(folder)
    return folder


@pytest.fixture(scope="session")
def renderings(tmp_path_factory):
    if not make_pdfs.CHROMIUM.exists():
        pytest.skip(f"{make_pdfs.CHROMIUM} is missing (apt-get install -y chromium): no PDF renderings")
    folder = tmp_path_factory.mktemp("renderings")
    make_pdfs.make_renderings(folder)
    return folder


@pytest.fixture(scope="session")
def review_text_doc():
    return build_document("review.txt", REVIEW_TEXT)


@pytest.fixture(scope="session")
def parsed(renderings):
    """Each rendering loaded once: name → Document."""
    return {name: load_document(renderings / name) for name in make_pdfs.LAYOUTS}


# ------------------------------------------------------------------ refused PDFs
@pytest.mark.parametrize("name, message", [
    ("scanned.pdf", "no text layer"),
    ("encrypted.pdf", "encrypted"),
    ("truncated.pdf", "truncated"),
    ("not-a-pdf.pdf", "is not a PDF"),
])
def test_unusable_pdfs_are_refused_by_name_and_nothing_is_written(bad_pdfs, tmp_path, name, message):
    with pytest.raises(CorpusError, match=rf"^{re.escape(name)}: .*{message}"):
        load_document(bad_pdfs / name)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with pytest.raises(CorpusError, match=rf"^{re.escape(name)}: .*{message}"):
        add_document(corpus, name, (bad_pdfs / name).read_bytes())
    assert os.listdir(corpus) == []


def test_a_bad_pdf_in_the_corpus_stops_the_build_and_keeps_the_previous_index(bad_pdfs, tmp_path, embedder):
    from bot.index import store as index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "tiny.pdf").write_bytes((bad_pdfs / "tiny.pdf").read_bytes())
    settings = Settings.from_env(corpus_dir=corpus, index_dir=tmp_path / "index")
    index.build(settings, embedder=embedder)
    before = (tmp_path / "index" / "CURRENT").read_text()
    (corpus / "scan.pdf").write_bytes((bad_pdfs / "scanned.pdf").read_bytes())
    with pytest.raises(CorpusError, match="scan.pdf: .*no text layer.*OCR"):
        index.build(settings, embedder=embedder)
    assert (tmp_path / "index" / "CURRENT").read_text() == before


def test_a_small_pdf_is_a_document_with_sections_references_and_pages(bad_pdfs, tmp_path):
    doc = load_document(bad_pdfs / "tiny.pdf")
    assert [s.title for s in doc.sections] == ["1. Introduction", "References"]
    assert doc.references[1].first_author == "Rao" and doc.references[1].year == 2021
    sent, dose = [s for s in doc.sentences if s.kind == "text"]
    assert sent.text == "Salvage surgery is offered after failed chemoradiotherapy [1]." and sent.refs == (1,)
    assert dose.text == "Docetaxel 75 mg/m\u00b2 was given on day 1."  # the superscript stays in its place
    assert sent.page == dose.page == 1
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    assert add_document(corpus, "tiny.pdf", (bad_pdfs / "tiny.pdf").read_bytes()).name == "tiny.pdf"
    assert [p.name for p in corpus_files(corpus)] == ["tiny.pdf"]


def test_an_encrypted_pdf_that_opens_without_a_password_is_still_refused(bad_pdfs, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with pytest.raises(CorpusError, match=r"^encrypted-blank\.pdf: .*encrypted"):
        add_document(corpus, "encrypted-blank.pdf", (bad_pdfs / "encrypted-blank.pdf").read_bytes())
    assert os.listdir(corpus) == []


def test_a_landscape_page_reads_as_displayed(bad_pdfs):
    """/Rotate 90 with the text drawn turned: the same document as the upright control."""
    turned, upright = load_document(bad_pdfs / "tiny-rotated.pdf"), load_document(bad_pdfs / "tiny.pdf")
    assert [s.title for s in turned.sections] == [s.title for s in upright.sections]
    assert [(s.text, s.page) for s in turned.sentences] == [(s.text, s.page) for s in upright.sentences]
    assert turned.references[1].first_author == "Rao"


def test_a_table_ruled_with_stroked_lines_becomes_labelled_records(bad_pdfs):
    doc = load_document(bad_pdfs / "table.pdf")
    records = [s.text for s in doc.sentences if s.kind == "table_record"]
    assert records == ["Study: Kitaguchi (2023); Overall survival: 75% (5 y)", "Study: Rosen (2024); Overall survival: NR"]
    assert not any("Kitaguchi" in s.text for s in doc.sentences if s.kind != "table_record")  # out of the prose


def test_characters_beyond_u_ffff_are_read_whole(tmp_path):
    """PDFium reports them as two UTF-16 halves; a lone half would make the text unwritable."""
    if not make_pdfs.CHROMIUM.exists():
        pytest.skip(f"{make_pdfs.CHROMIUM} is missing (apt-get install -y chromium)")
    page = ("<!doctype html><html><head><meta charset='utf-8'></head><body><p>The \U0001d6fc error of the test "
            "was set at 5% in both trials.</p></body></html>")
    make_pdfs.print_to_pdf(page, tmp_path / "alpha.pdf", header_footer=False)
    doc = load_document(tmp_path / "alpha.pdf")
    assert [s.text for s in doc.sentences] == ["The \U0001d6fc error of the test was set at 5% in both trials."]


def test_page_numbers_travel_with_citations_into_the_json():
    c = Citation(doc="review.pdf", section="1. Introduction", quote="q", start=0, end=1, refs=[], page=3)
    d = Answer(question="?", mode="answer", text="t", citations=[c]).to_dict()
    assert d["citations"][0]["page"] == 3


@pytest.mark.parametrize("prev, nxt, joined", [
    ("a key factor contri-", "buting to these", "a key factor contributing to these"),
    ("persistence post-", "radiation [12]", "persistence post-radiation [12]"),
    ("particularly in PD-", "L1-positive tumors", "particularly in PD-L1-positive tumors"),
    ("Median Follow-", "Up (Months)", "Median Follow-Up (Months)"),
    ("the 5-", "year overall survival", "the 5-year overall survival"),
    ("a meta-", "analysis of", "a meta-analysis of"),
    ("95% CI, 1.04–", "2.49", "95% CI, 1.04–2.49"),
])
def test_line_end_hyphens_join_split_words_and_keep_real_ones(prev, nxt, joined):
    assert Vocabulary([]).join(prev, nxt) == joined


# ------------------------------------------------------------------ renderings of the review
@pytest.mark.parametrize("name", list(make_pdfs.LAYOUTS))
def test_a_rendering_reads_like_the_text(parsed, review_text_doc, name):
    doc, ref = parsed[name], review_text_doc
    corpus_n = quote_norm(REVIEW_TEXT)
    # reading order, columns, hyphens, running lines: every sentence is the review's text, and none is missing
    prose = [s for s in doc.sentences if s.kind != "table_record"]
    assert [s.text for s in prose if quote_norm(s.text) not in corpus_n] == []
    assert [quote_norm(s.text) for s in doc.sentences] == [quote_norm(s.text) for s in ref.sentences]
    assert [s.title for s in doc.sections] == [s.title for s in ref.sections]
    assert {n: (quote_norm(r.text), r.first_author, r.year) for n, r in doc.references.items()} == \
        {n: (quote_norm(r.text), r.first_author, r.year) for n, r in ref.references.items()}
    assert [s.text for s in doc.sentences if s.kind == "table_record"] == \
        [s.text for s in ref.sentences if s.kind == "table_record"]
    for real in ("post-radiation", "PD-L1", "meta-analysis", "5-year"):
        assert real in doc.text
    for running in ("Racine et al.", "Cancers 2025, 17, 1511", "Racine 2025 review", "file://", " AM"):
        assert doc.text.count(running) == ref.text.count(running), running
    page_number = re.compile(r"\b\d{1,2} ?(of|/) ?1[01]\b")
    assert len(page_number.findall(doc.text)) == len(page_number.findall(ref.text))


@pytest.mark.parametrize("name", ["review-1col.pdf", "review-2col.pdf"])  # no running lines between pages
def test_every_sentence_knows_the_page_it_starts_on(parsed, renderings, name):
    import pypdfium2

    pdf = pypdfium2.PdfDocument(renderings / name)
    pages = [quote_norm(pdf[i].get_textpage().get_text_range()) for i in range(len(pdf))]
    doc = parsed[name]
    assert all(s.page is not None for s in doc.sentences)
    for s in doc.sentences:
        start = quote_norm(s.text)[:25] if s.kind != "table_record" else quote_norm(s.text.split(";")[0].split(":")[1])
        here_and_next = pages[s.page - 1] + (pages[s.page] if s.page < len(pages) else "")
        assert -1 < here_and_next.find(start[:12]) < len(pages[s.page - 1]), (s.page, s.text[:80])
    assert doc.sentences[0].page == 1 and doc.sentences[-1].page == len(pdf)


@pytest.mark.slow
def test_a_pdf_only_corpus_answers_with_verbatim_quotes_and_their_pages(renderings, review_settings, tmp_path,
                                                                        embedder):
    import shutil

    from bot.index import store as index
    from bot.pipeline import Pipeline

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(renderings / "review-2col-running.pdf", corpus / "racine2025-ascc-review.pdf")
    shutil.copytree(review_settings.index_dir, tmp_path / "index")  # the text's vectors: only new text is embedded
    settings = Settings.from_env(corpus_dir=corpus, index_dir=tmp_path / "index")
    report = index.build(settings, embedder=embedder)
    assert report.added == ["racine2025-ascc-review.pdf"] and report.removed == ["racine2025-ascc-review.txt"]
    answer = Pipeline.load(settings, embedder=embedder, build_missing=False).ask(
        "What was the 5-year overall survival in the Kitaguchi study for recurrent disease?")
    assert answer.mode == "answer" and "75%" in answer.text + " ".join(c.quote for c in answer.citations)
    corpus_n = quote_norm(REVIEW_TEXT)
    for c in answer.citations:
        assert c.doc == "racine2025-ascc-review.pdf" and c.page is not None and 1 <= c.page <= 11
        assert quote_norm(c.quote) in corpus_n or "Table" in c.section
    # A deferral shows the review's flowchart with its quotes located in the PDF, each on its page.
    shutil.copy(PROJECT_ROOT / "corpus" / "flowchart.json", corpus / "flowchart.json")
    deferred = Pipeline.load(settings, embedder=embedder, build_missing=False).ask(
        "My father's anal cancer came back after chemoradiation, no spread. Should he have an APR?")
    assert deferred.mode == "deferred" and deferred.flowchart and len(deferred.citations) >= 10
    assert all(c.doc == "racine2025-ascc-review.pdf" and c.start >= 0 and c.page for c in deferred.citations)
