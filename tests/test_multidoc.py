"""Several documents, never ambiguous (issue 9, part 2), with an on-topic second document: a short Markdown note on
anal-cancer screening (tests/fixtures/multidoc/anal-screening-note.md, written for these tests: `#` headings, `[n]`
citations, a numbered "## References" list, no metadata sidecar). It competes with the review for retrieval.

The note is added to a copy of the session's indexed review, so only the note is embedded. Unless a test says
otherwise it is named `anal-screening-note.md`, which sorts before `racine2025-ascc-review.txt`: the note is the
corpus's *first* document, the case where anything still tied to "the first document" would show.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.answer.compose import compose
from bot.guard.flowchart import load_flowchart, normalise_doi, source_document
from bot.index import store as index_mod
from bot.ingest.corpus import load_document, parse, remove_document
from bot.pipeline import Pipeline
from bot.retrieve.search import Hit
from bot.settings import PROJECT_ROOT, Settings
from bot.types import document_label

NOTE = Path(__file__).resolve().parent / "fixtures" / "multidoc" / "anal-screening-note.md"
NOTE_FIRST = "anal-screening-note.md"   # sorts before the review
NOTE_LAST = "zz-screening-note.md"      # sorts after it
REVIEW = "racine2025-ascc-review.txt"
NOTE_LABEL, REVIEW_LABEL = "Whitfield 2024", "Racine 2025"
ANCHOR_Q = "What did the ANCHOR trial show about treating anal HSIL?"


def with_note(root: Path, review_settings: Settings, embedder, name: str = NOTE_FIRST):
    """The indexed review copied to `root`, the note added as `name`, and the incremental build's report."""
    corpus, index = root / "corpus", root / "index"
    shutil.copytree(review_settings.corpus_dir, corpus)
    shutil.copytree(review_settings.index_dir, index, ignore=shutil.ignore_patterns(".lock"))
    shutil.copy(NOTE, corpus / name)
    settings = Settings.from_env(corpus_dir=corpus, index_dir=index)
    return settings, index_mod.build(settings, embedder=embedder)


@pytest.fixture(scope="module")
def multi(tmp_path_factory, review_settings, embedder):
    settings, report = with_note(tmp_path_factory.mktemp("multidoc"), review_settings, embedder)
    return settings, report, Pipeline.load(settings, embedder=embedder, build_missing=False)


@pytest.fixture(scope="module")
def both(multi) -> Pipeline:
    return multi[2]


# ------------------------------------------------------------------------------------------------ the public score
def _facts_ok(answer, facts) -> bool:
    """The scorer's rule (../shared/eval/run_eval.py): an answer, every fact in its text or quotes (a list is
    alternatives), within the length budget."""
    norm = lambda s: re.sub(r" ?- ?", "-", re.sub(r"\s+", " ", s.translate(  # noqa: E731
        dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212"), "-")).lower()))
    d = answer.to_dict()
    text = norm(d["answer"] + "\n" + "\n".join(c["quote"] for c in d["citations"]))
    within = len(d["answer"]) <= 1200 and sum(len(c["quote"]) for c in d["citations"]) <= 2500
    return d["mode"] == "answer" and within and all(
        any(norm(alt) in text for alt in (f if isinstance(f, list) else [f])) for f in facts)


# A handful of the public cases (../shared/eval/questions.jsonl, not in this repository), chosen where the note
# competes: q001 (anal cancer's share of cancers: the note gives incidence), q003 (HPV: the note names HPV), q005,
# q021, q035, q038, q069 (reference 27: the note has no 27), q072 (when and where the review was published: the
# note has its own year), q073 (a follow-up), q079 and q085 (deferred), q086 and q091 (abstained).
PUBLIC = [
    ("q001", "fact", "What share of gastrointestinal cancers does anal cancer account for?", [], ["<3%"]),
    ("q003", "fact", "What proportion of anal squamous cell carcinomas are caused by HPV infection?", [],
     ["80–85%"]),
    ("q005", "fact", "What chemotherapy is usually given concurrently with radiotherapy as primary treatment?", [],
     ["Mitomycin C", ["5-Fluorouracyl", "5-FU"]]),
    ("q021", "fact", "What did Kitaguchi et al. find about salvage APR for recurrent disease?", [], ["75%", "42%"]),
    ("q035", "fact", "How likely is inguinal nodal involvement in T3 tumours?", [], ["20%"]),
    ("q038", "fact", "What is the standard chemotherapy for metastatic or unresectable recurrent ASCC?", [],
     ["carboplatin", "paclitaxel"]),
    ("q069", "fact", "What is reference 27?", [], ["InterAACT"]),
    ("q072", "fact", "When was the review published and in which journal?", [], ["Cancers", "2025"]),
    ("q073", "follow_up", "And for persistent disease?",
     ["What did Kitaguchi et al. find about salvage APR for recurrent disease?"], ["36%", "47%"]),
    ("q079", "recommend", "What treatment should I give a 62-year-old man with metastatic anal cancer?", [], []),
    ("q085", "recommend", "Which treatment is best for me?", [], []),
    ("q086", "out_of_scope", "What is the capital of France?", [], []),
    ("q091", "out_of_scope", "Does the review report results for CAR-T cell therapy?", [], []),
]


def _score(pipeline: Pipeline) -> set[str]:
    ok = set()
    for qid, kind, question, history, facts in PUBLIC:
        answer = pipeline.ask(question, history)
        passed = {"recommend": answer.mode == "deferred", "out_of_scope": answer.mode == "abstained"}.get(
            kind, _facts_ok(answer, facts) if kind in ("fact", "follow_up") else False)
        if passed:
            ok.add(qid)
    return ok


def test_adding_an_on_topic_document_changes_the_public_score_by_at_most_one_case(pipeline, both):
    alone, with_it = _score(pipeline), _score(both)
    assert len(alone) >= len(PUBLIC) - 1  # the cases pass on the review alone (the test would mean little)
    assert len(alone ^ with_it) <= 1, (sorted(alone - with_it), sorted(with_it - alone))


# ------------------------------------------------------------------------------------------------ naming documents
def test_the_note_gets_its_title_authors_and_year_from_its_own_first_lines():
    doc = load_document(NOTE)  # no .meta.json sidecar beside it
    assert doc.title == "Screening for Anal Cancer in People Living with HIV: A Short Note"
    assert doc.metadata["authors"] == ["Clara Whitfield", "Tomas Berglund"] and doc.metadata["year"] == 2024
    assert doc.metadata["metadata_source"] == "text"  # says the title was read from the text, not given
    assert document_label(doc) == NOTE_LABEL
    review_text = (PROJECT_ROOT / "corpus" / REVIEW).read_text(encoding="utf-8")
    bare = parse(REVIEW, review_text)  # the review without its sidecar reads the same title off its first page
    given = load_document(PROJECT_ROOT / "corpus" / REVIEW)
    assert bare.title == given.title and document_label(bare) == document_label(given) == REVIEW_LABEL
    assert "metadata_source" not in given.metadata  # a sidecar's metadata is used as given


def test_a_document_without_sidecar_or_author_line_is_labelled_by_its_title():
    doc = parse("notes.md", "# Follow-up after chemoradiotherapy for anal cancer in clinic\n\nBackground\n\n"
                            "Patients are examined every three months after treatment ends.\n")
    assert doc.title == "Follow-up after chemoradiotherapy for anal cancer in clinic"
    assert doc.metadata == {"metadata_source": "text", "title": doc.title}  # no authors or year invented
    assert document_label(doc) == "Follow-up after chemoradiotherapy for\u2026"  # the title, shortened
    given = parse("notes.md", "# A heading\n\nSome text about anal cancer here.\n", metadata={"title": "Given"})
    assert given.title == "Given" and given.metadata == {"title": "Given"}  # a sidecar's title is used as given


def test_an_answer_about_the_second_document_quotes_it_and_names_it(both):
    answer = both.ask(ANCHOR_Q)
    quoted = [c for c in answer.citations if c.in_answer]
    assert answer.mode == "answer" and quoted
    assert {c.doc for c in quoted} == {NOTE_FIRST}
    assert answer.text.startswith(f"{NOTE_LABEL} says:\n") and "57%" in answer.text
    note = both.index.documents[NOTE_FIRST]
    for c in quoted:  # verbatim, located in the note
        assert note.text[c.start:c.end] == c.quote and c.doc_label == NOTE_LABEL
    d = answer.to_dict()
    assert {(c["doc"], c["doc_label"]) for c in d["citations"] if c["in_answer"]} == {(NOTE_FIRST, NOTE_LABEL)}


def test_an_answer_about_the_review_names_the_review_and_a_one_document_answer_is_unchanged(pipeline, both):
    q = "What did Kitaguchi et al. find about salvage APR for recurrent disease?"
    alone, beside = pipeline.ask(q), both.ask(q)
    assert alone.text.startswith("The review says:\n")  # one document: the text the evaluation scores
    assert beside.text.startswith(f"{REVIEW_LABEL} says:\n")
    assert beside.text.removeprefix(f"{REVIEW_LABEL} says:\n") == alone.text.removeprefix("The review says:\n")
    assert [c.quote for c in beside.citations if c.in_answer] == [c.quote for c in alone.citations if c.in_answer]


# ------------------------------------------------------------------------------------------------ reference numbers
def test_the_notes_references_resolve_to_its_own_list(both):
    answer = both.ask(ANCHOR_Q)
    palefsky = both.index.documents[NOTE_FIRST].references[2].text
    gondal = both.index.documents[REVIEW].references[2].text
    assert palefsky.startswith("Palefsky") and gondal.startswith("Gondal")
    note = both.index.documents[NOTE_FIRST]
    assert 2 in answer.refs_by_doc[NOTE_FIRST] and answer.refs == answer.refs_by_doc[NOTE_FIRST]
    assert answer.bibliography[2] == palefsky  # the note's [2], never the review's
    assert answer.bibliography == answer.bibliography_by_doc[NOTE_FIRST] == {
        n: note.references[n].text for n in answer.refs}
    assert gondal not in answer.bibliography.values()


def _hit(sentence) -> Hit:
    return Hit(sentence, 1.0, 1.0, 1.0, 1.0)


def test_one_answer_quoting_both_documents_keeps_each_documents_numbers_apart(both):
    """[2] in the note is Palefsky; [2] in the review is Gondal: an answer quoting both lists each under its
    document, names each quote's document, and its top-level numbers are its first document's."""
    docs = both.index.documents
    review_2 = next(s for s in docs[REVIEW].sentences if s.kind == "text" and s.refs == (2,))
    note_2 = next(s for s in docs[NOTE_FIRST].sentences if s.refs == (2,))
    answer = compose("q", [_hit(review_2), _hit(note_2)], docs, limit=1150)
    assert answer.text.startswith("The documents say:\n")
    assert f"({REVIEW_LABEL}, {review_2.section})" in answer.text and f"({NOTE_LABEL}, {note_2.section})" in answer.text
    assert answer.refs_by_doc == {REVIEW: [2], NOTE_FIRST: [2]}
    assert answer.bibliography_by_doc[REVIEW][2].startswith("Gondal")
    assert answer.bibliography_by_doc[NOTE_FIRST][2].startswith("Palefsky")
    assert answer.refs == [2] and answer.bibliography[2].startswith("Gondal")  # the first quote's document
    flipped = compose("q", [_hit(note_2), _hit(review_2)], docs)
    assert flipped.bibliography[2].startswith("Palefsky")


def test_what_is_reference_2_gives_the_entry_of_each_document_labelled(both, pipeline):
    answer = both.ask("What is reference 2?")
    assert answer.mode == "answer"
    palefsky = both.index.documents[NOTE_FIRST].references[2].text
    gondal = both.index.documents[REVIEW].references[2].text
    assert f"Reference [2] of {NOTE_LABEL}: \u201c{palefsky}\u201d" in answer.text
    assert f"Reference [2] of {REVIEW_LABEL}: \u201c{gondal}\u201d" in answer.text
    assert answer.bibliography_by_doc == {NOTE_FIRST: {2: palefsky}, REVIEW: {2: gondal}}
    for c in answer.citations:  # each entry and citing sentence is quoted from its own document
        assert both.index.documents[c.doc].text[c.start:c.end] == c.quote
    alone = pipeline.ask("What is reference 2?")  # one document: as it always was
    assert alone.text.startswith(f"Reference [2]: \u201c{gondal}\u201d") and " of " not in alone.text.split("\n")[0]
    unknown = both.ask("What is reference 30?")  # the note stops at 3; the review goes on to 36
    assert unknown.mode == "answer" and unknown.citations[0].doc == REVIEW
    none = both.ask("What is reference 99?")
    assert none.mode == "abstained" and NOTE_LABEL in none.text and REVIEW_LABEL in none.text


def test_a_co_author_of_the_notes_references_is_named_with_the_note(both):
    answer = both.ask("What did Poynten et al. find?")  # a co-author of the note's [1] and [3], first author of none
    assert answer.mode == "abstained"
    assert f"[1] of {NOTE_LABEL}: Clifford" in answer.text and f"[3] of {NOTE_LABEL}: Stier" in answer.text
    assert answer.refs_by_doc == {NOTE_FIRST: [1, 3]} and answer.refs == [1, 3]
    assert set(answer.bibliography.values()) <= {r.text for r in both.index.documents[NOTE_FIRST].references.values()}


# ------------------------------------------------------------------------------------------------ the index
def test_adding_embeds_only_the_note_and_removing_it_restores_the_index_without_reembedding(multi, review_settings,
                                                                                            embedder):
    settings, added, _ = multi
    note = load_document(NOTE)
    assert added.added == [NOTE_FIRST] and added.embedded_sentences == len(note.sentences)
    before = index_mod.load(review_settings)
    scratch = settings.corpus_dir.parent.parent / "removed"
    corpus, index = scratch / "corpus", scratch / "index"
    shutil.copytree(settings.corpus_dir, corpus)
    shutil.copytree(settings.index_dir, index, ignore=shutil.ignore_patterns(".lock"))
    again = Settings.from_env(corpus_dir=corpus, index_dir=index)
    remove_document(corpus, NOTE_FIRST)
    report = index_mod.build(again, embedder=embedder)
    assert report.removed == [NOTE_FIRST] and report.unchanged == [REVIEW]
    assert report.embedded_chunks == report.embedded_sentences == 0  # the review is not embedded again
    after = index_mod.load(again)
    assert list(after.documents) == [REVIEW]
    assert [s.id for s in after.sentences] == [s.id for s in before.sentences]
    assert [c.id for c in after.chunks] == [c.id for c in before.chunks]
    n = before.sentence_vectors.ntotal
    assert np.array_equal(after.sentence_vectors.reconstruct_n(0, n), before.sentence_vectors.reconstruct_n(0, n))
    assert index_mod.check(again).status == "fresh"


# ------------------------------------------------------------------------------------------------ the flowchart
DEFERRED_Q = "My patient has a local recurrence after chemoradiotherapy; should we operate?"


@pytest.mark.parametrize("name", [NOTE_FIRST, NOTE_LAST])
def test_a_deferral_shows_the_reviews_flowchart_with_its_quotes_located_in_the_review(name, tmp_path,
                                                                                     review_settings, embedder):
    settings, _ = with_note(tmp_path, review_settings, embedder, name)
    pipe = Pipeline.load(settings, embedder=embedder, build_missing=False)
    assert (list(pipe.index.documents)[0] == name) == (name == NOTE_FIRST)
    answer = pipe.ask(DEFERRED_Q)
    assert answer.mode == "deferred" and answer.flowchart and answer.citations
    review = pipe.index.documents[REVIEW]
    for c in answer.citations:
        assert c.doc == REVIEW and c.doc_label == REVIEW_LABEL and c.start >= 0
        assert review.text[c.start:c.end] == c.quote
    assert answer.refs and set(answer.bibliography) == set(answer.refs)
    assert all(answer.bibliography[n] == review.references[n].text for n in answer.refs)
    assert list(answer.refs_by_doc) == [REVIEW]
    assert not answer.warnings


def test_a_deferral_without_the_review_in_the_corpus_shows_the_chart_and_says_its_quotes_are_not_located(
        tmp_path, embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(NOTE, corpus / NOTE_FIRST)
    shutil.copy(PROJECT_ROOT / "corpus" / "flowchart.json", corpus / "flowchart.json")
    settings = Settings.from_env(corpus_dir=corpus, index_dir=tmp_path / "index")
    pipe = Pipeline.load(settings, embedder=embedder)
    answer = pipe.ask(DEFERRED_Q)
    assert answer.mode == "deferred" and answer.flowchart and answer.citations
    assert all(c.doc == "" and c.start == -1 for c in answer.citations)  # never credited to the note
    assert answer.bibliography == {} and answer.refs  # the review's numbers, without entries to read them in
    assert any("10.3390/cancers17091511" in w and "not in the corpus" in w for w in answer.warnings)
    assert [d["removable"] for d in pipe.corpus_documents()] == [True]


def test_the_flowchart_finds_the_review_by_doi_in_a_pdf_or_a_text_without_sidecar(tmp_path):
    """The chart names its document by DOI; a PDF of the review has no sidecar, so its DOI is read from its first
    page. A document that only cites the review (its DOI in its reference list) is not the review."""
    chart = load_flowchart(PROJECT_ROOT / "corpus" / "flowchart.json")
    assert chart.source_doi == "10.3390/cancers17091511" == normalise_doi("https://doi.org/10.3390/Cancers17091511")
    review_text = (PROJECT_ROOT / "corpus" / REVIEW).read_text(encoding="utf-8")
    citing = NOTE.read_text(encoding="utf-8") + ("4. Racine, M.; et al. Management of Squamous Cell Carcinomas. "
                                                 "Cancers 2025, 17, 1511. https://doi.org/10.3390/cancers17091511\n")
    docs = {"a-note.md": parse("a-note.md", citing), "review.txt": parse("review.txt", review_text)}
    assert "doi" not in docs["review.txt"].metadata
    assert source_document(chart, docs) == "review.txt"
    assert source_document(chart, {"a-note.md": docs["a-note.md"]}) is None
    from fixtures import make_pdfs
    if not make_pdfs.CHROMIUM.exists():
        pytest.skip(f"{make_pdfs.CHROMIUM} is missing: the PDF half of this test needs a rendering")
    make_pdfs.make_renderings(tmp_path, names=("review-2col.pdf",))
    pdf = load_document(tmp_path / "review-2col.pdf")
    assert source_document(chart, {"a-note.md": docs["a-note.md"], pdf.doc_id: pdf}) == pdf.doc_id
    assert document_label(pdf) == REVIEW_LABEL and pdf.metadata["metadata_source"] == "text"
    quotes = [s.quote for node in chart.nodes for s in node.support]
    assert all(pdf.text.find(q) >= 0 for q in quotes)  # so a deferral locates every quote in the PDF's text


# ------------------------------------------------------------------------------------------------ the UI
def test_the_ui_names_each_quotes_document_and_removes_a_document_after_a_confirmation(monkeypatch, tmp_path,
                                                                                      review_settings, embedder):
    from streamlit.testing.v1 import AppTest

    from conftest import review_env

    settings, _ = with_note(tmp_path, review_settings, embedder)
    review_env(monkeypatch, settings)
    monkeypatch.setenv("ASCC_BOT_ALLOW_UPLOADS", "1")  # as `ascc-bot ui --allow-uploads`
    at = AppTest.from_file(str(PROJECT_ROOT / "ui" / "app.py"), default_timeout=180).run()
    assert not at.exception, [e.value for e in at.exception]
    at.chat_input[0].set_value(ANCHOR_Q).run()
    assert not at.exception, [e.value for e in at.exception]
    sources = next(e for e in at.chat_message[-1].expander if e.label.startswith("Sources"))
    shown = "\n".join(h.value for h in sources.get("html"))
    assert f"{NOTE_LABEL} ({NOTE_FIRST})" in shown  # each quote's heading names its document
    assert "Palefsky" in shown and "Gondal" not in shown  # the note's [2], from its own list
    choice = at.sidebar.selectbox[0]
    assert choice.label == "Remove a document" and choice.options[1:] == [f"{NOTE_LABEL} ({NOTE_FIRST})"]
    choice.set_value(NOTE_FIRST).run()  # the review, which the flowchart comes from, is not offered
    next(b for b in at.sidebar.button if b.label == "Remove from the corpus…").click().run()
    assert (settings.corpus_dir / NOTE_FIRST).exists()  # nothing removed before the confirmation
    assert any(NOTE_FIRST in re.sub(r"\\(.)", r"\1", w.value) for w in at.sidebar.warning)  # md()-escaped
    next(b for b in at.sidebar.button if b.label == "Yes, remove it").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not (settings.corpus_dir / NOTE_FIRST).exists()
    done = re.sub(r"\\(.)", r"\1", " ".join(s.value for s in at.sidebar.success))
    assert f"Removed {NOTE_FIRST}" in done and "1 removed" in done and "embedded 0 chunks" in done, done
    assert not at.sidebar.selectbox  # only the review is left: nothing to remove
    at.chat_input[0].set_value(ANCHOR_Q).run()
    assert NOTE_LABEL not in "\n".join(h.value for h in at.chat_message[-1].get("html"))
