"""Answers (bot/pipeline.py, bot/answer/compose.py) on the real review with the real model (the session `pipeline`).

These check properties every answer must have — extractive, nothing invented, within the reading budget, with its
bibliography — on a handful of clear questions, plus the special paths (bibliography look-up, follow-up, out of
scope, bad input). Ranking quality across many questions is the evaluation's job (../shared/eval), not this file's.
"""
from __future__ import annotations

import re

import pytest

from bot.pipeline import InputProblem

KITAGUCHI = "What did Kitaguchi et al. find about salvage APR for recurrent disease?"
QUESTIONS = [
    KITAGUCHI,
    "What was the 12-month progression-free survival rate in Kim 2024?",
    "What was the median follow-up in the Fields study?",
    "What overall survival did carboplatin and paclitaxel achieve in the InterAACT trial?",
    "What did Hagemans et al. report about median overall survival?",
    "When was the review published?",
]
ANSWER_BUDGET, QUOTE_BUDGET = 1200, 2500
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
BRACKETS = re.compile(r"\[(\d{1,3}(?:\s*[-\u2013,]\s*\d{1,3})*)\]")


@pytest.fixture(scope="module")
def answers(pipeline):
    return {q: pipeline.ask(q, []) for q in QUESTIONS}


@pytest.fixture(scope="module")
def doc(pipeline):
    (only,) = pipeline.index.documents.values()
    return only


def is_table(doc, section: str) -> bool:
    return any(s.title == section and s.kind == "table" for s in doc.sections)


def expand(body: str) -> set[int]:
    """'4–6,12' → {4, 5, 6, 12}"""
    out: set[int] = set()
    for part in body.split(","):
        bounds = re.split(r"\s*[-\u2013]\s*", part.strip())
        out.update(range(int(bounds[0]), int(bounds[-1]) + 1))
    return out


# ------------------------------------------------------------------------------------------ every answer
@pytest.mark.parametrize("question", QUESTIONS)
def test_answer_is_extractive(answers, doc, question):
    a = answers[question]
    assert a.mode == "answer" and a.citations, a.text
    for c in a.citations:
        assert c.doc == doc.doc_id
        source = doc.text[c.start:c.end]
        if is_table(doc, c.section):
            # a table quote is labelled cells of one record: each 'Label: value' is that record's text
            assert source.startswith("First Author (Year): ")
            cells = re.split(r"; (?=[A-Z0-9][^;:]{0,80}: )", c.quote)
            assert cells[0].startswith("First Author (Year): ")
            for cell in cells:
                assert cell in source, cell
        else:
            assert c.quote == source  # verbatim, and the offsets point at it
        assert c.quote in a.text or not c.in_answer  # what is shown is what is cited (further passages apart)


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_number_in_the_answer_is_in_its_quotes(answers, question):
    """No generative step: a number the user reads is a number of a quoted passage (reference brackets and the
    section names of the citations aside)."""
    a = answers[question]
    text = a.text
    for m in BRACKETS.finditer(text):
        assert expand(m.group(1)) <= set(a.refs), f"{m.group(0)} shown but not among the answer's refs {a.refs}"
    text = BRACKETS.sub(" ", text)
    for c in a.citations:
        for title in (c.section, c.section.rstrip(".")):
            text = text.replace(title, " ")
    quoted = {n for c in a.citations for n in NUMBER.findall(c.quote)}
    invented = [n for n in NUMBER.findall(text) if n not in quoted]
    assert invented == [], a.text


@pytest.mark.parametrize("question", QUESTIONS)
def test_answer_fits_the_reading_budget(answers, question):
    a = answers[question]
    assert len(a.text) <= ANSWER_BUDGET
    assert sum(len(c.quote) for c in a.citations) <= QUOTE_BUDGET


@pytest.mark.parametrize("question", QUESTIONS)
def test_answer_carries_the_bibliography_of_its_refs(answers, doc, question):
    a = answers[question]
    cited = {n for c in a.citations for n in c.refs + c.context_refs}
    assert cited <= set(a.refs)
    assert set(a.bibliography) == set(a.refs)
    for n in a.refs:
        assert a.bibliography[n] == doc.references[n].text
    d = a.to_dict()  # and the JSON form keeps them
    assert set(d["bibliography"]) == {str(n) for n in a.refs}


@pytest.mark.parametrize("question, facts, refs", [
    (KITAGUCHI, ["75%"], {12}),
    ("What was the 12-month progression-free survival rate in Kim 2024?", ["45%"], {35}),
    ("What was the median follow-up in the Fields study?", ["27.1", "26.6"], {25}),
    ("What overall survival did carboplatin and paclitaxel achieve in the InterAACT trial?", ["20 months"], {27}),
    ("What did Hagemans et al. report about median overall survival?", ["47 months"], {24}),
    ("When was the review published?", ["30 April 2025"], set()),
])
def test_answer_states_the_fact_with_its_reference(answers, question, facts, refs):
    a = answers[question]
    for fact in facts:
        assert fact in a.text
    assert refs <= set(a.refs)


# ------------------------------------------------------------------------------------------ special paths
def test_reference_question_is_answered_from_the_bibliography(pipeline, doc):
    a = pipeline.ask("What is reference 27?", [])
    assert a.mode == "answer" and 27 in a.refs
    assert "InterAACT" in a.text and "Rao" in a.text
    entry = [c for c in a.citations if c.section == "References"]
    assert len(entry) == 1 and entry[0].quote == doc.references[27].text and entry[0].refs == [27]
    assert "InterAACT" in a.bibliography[27]
    assert len(a.text) <= ANSWER_BUDGET
    who = pipeline.ask("Who wrote reference 12?", [])
    assert who.mode == "answer" and "Kitaguchi" in who.text and 12 in who.refs


def test_reference_citation_points_into_the_text(pipeline, doc):
    a = pipeline.ask("What is reference 27?", [])
    for c in a.citations:
        assert c.start >= 0 and doc.text[c.start:c.end] == c.quote


@pytest.mark.parametrize("question", ["How many references does the review cite?",
                                      "How many papers does this article list in its bibliography?",
                                      "how long is the reference list"])
def test_the_number_of_references_is_the_last_entry_quoted_with_its_number(pipeline, doc, question):
    """The count is read off the reference list and shown beside its last entry, quoted as the text numbers it;
    a question about a study's own numbers is not a question about the reference list."""
    a = pipeline.ask(question, [])
    last = max(doc.references)
    assert a.mode == "answer" and f"has {last} entries" in a.text, (a.mode, a.text[:200])
    (entry,) = [c for c in a.citations if c.section == "References"]
    assert entry.quote.startswith(f"{last}. ") and doc.text[entry.start:entry.end] == entry.quote
    other = pipeline.ask("How many patients did Hagemans et al. include?", [])
    assert "reference list" not in other.text


def test_unknown_reference_number_is_abstained(pipeline):
    a = pipeline.ask("What is reference 99?", [])
    assert a.mode == "abstained" and a.citations == [] and a.refs == []
    assert "99" in a.text


def test_follow_up_uses_the_history(pipeline):
    a = pipeline.ask("And for persistent disease?", [KITAGUCHI])
    assert a.mode == "answer"
    shown = a.text + "\n".join(c.quote for c in a.citations)
    assert "36%" in shown and "47%" in shown
    assert 12 in a.refs


def test_out_of_scope_question_is_abstained_without_citations(pipeline):
    a = pipeline.ask("What is the capital of France?", [])
    assert a.mode == "abstained"
    assert a.citations == [] and a.refs == [] and a.bibliography == {}
    assert "Paris" not in a.text


@pytest.mark.parametrize("question", ["", "   \n\t ", "x" * 100_000, None, 42],
                         ids=["empty", "whitespace", "100k", "none", "not-text"])
def test_bad_questions_raise_input_problem(pipeline, question):
    with pytest.raises(InputProblem) as exc:
        pipeline.ask(question, [])
    assert str(exc.value)  # a message for the user


def test_a_recommendation_is_still_refused_when_the_flowchart_file_is_missing(pipeline, tmp_path):
    """Deferral must not depend on the chart: without corpus/flowchart.json the reply still refuses to
    recommend, points to the treating team, and says why the chart is not shown."""
    import dataclasses

    from bot.pipeline import Pipeline

    settings = dataclasses.replace(pipeline.settings, corpus_dir=tmp_path)  # an empty folder: no flowchart.json
    bare = Pipeline(settings, pipeline.index, pipeline.embedder, pipeline.retriever, pipeline.bibliography,
                    pipeline.intent)
    answer = bare.ask("What treatment should I give my 62-year-old patient with metastatic anal cancer?")
    assert answer.mode == "deferred"
    assert answer.flowchart is None
    assert "multidisciplinary team" in answer.text
    assert "flowchart.json" in answer.text


@pytest.mark.parametrize("question", ["What type of article is this?", "What sort of review is this paper?"])
def test_the_kind_of_article_is_answered_from_its_title(pipeline, question):
    """A title often says what kind of article it is ("…: A Narrative Review"): a question about the article's type
    is about the article itself, and quotes its title."""
    a = pipeline.ask(question, [])
    assert a.mode == "answer" and "A Narrative Review" in a.text, a.text[:300]
