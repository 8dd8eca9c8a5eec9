"""The LangChain retriever (bot/lc.py, issue 9 item 4): the bot's hybrid retrieval dropped into a user's LCEL chain.

On the real review with the real packaged model (the session `pipeline`). The chat model is langchain-core's
ParrotFakeChatModel, which answers with the prompt it was given: the chain's output is then exactly what a real model
would have been shown, so the tests can check that the quotes, their document and their reference numbers reach it.
"""
from __future__ import annotations

import asyncio
import socket
import subprocess
import sys

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models.fake_chat_models import ParrotFakeChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough
from pydantic import ValidationError

from bot.lc import MAX_K, HybridRetriever, format_documents
from bot.pipeline import InputProblem
from bot.settings import PROJECT_ROOT
from bot.text import table_cells

pytestmark = pytest.mark.slow

PROMPT = ChatPromptTemplate.from_messages([
    ("system", "Answer only from the sources, quoting them with their reference numbers."),
    ("human", "Sources:\n{context}\n\nQuestion: {question}"),
])


class Recorder(BaseCallbackHandler):
    """What the chain did: the documents its retriever returned and the messages its chat model received."""

    def __init__(self):
        self.documents: list = []
        self.prompts: list = []

    def on_retriever_end(self, documents, **kwargs):
        self.documents.append(list(documents))

    def on_chat_model_start(self, serialized, messages, **kwargs):
        self.prompts.append(messages)


@pytest.fixture
def no_network(monkeypatch):
    """Every attempt to resolve a name or open a connection is refused and recorded."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args[1:] or args)
        raise OSError("network use in an offline test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: refuse(None, *a))
    return attempts


def kitaguchi_number(pipeline) -> int:
    (doc_id, ref), = pipeline.bibliography.by_names(["Kitaguchi"])
    return ref.number


def test_lcel_chain_runs_offline_and_the_model_sees_the_quotes(pipeline, no_network):
    retriever = HybridRetriever(pipeline=pipeline, k=4)
    chain = ({"context": retriever | format_documents, "question": RunnablePassthrough()}
             | PROMPT | ParrotFakeChatModel() | StrOutputParser())
    seen = Recorder()
    question = "What did Kitaguchi et al. find?"

    out = chain.invoke(question, config={"callbacks": [seen]})

    assert no_network == []
    (docs,) = seen.documents
    assert len(docs) == 4
    number = kitaguchi_number(pipeline)
    assert number in docs[0].metadata["refs"]  # the best passage cites the study asked about, by its own number
    assert "Kitaguchi" in docs[0].page_content
    # The model is given every retrieved quote with its document, section and reference numbers, and the question.
    (messages,) = seen.prompts[0]
    assert out == messages[-1].content
    assert f"Question: {question}" in out
    for i, d in enumerate(docs, start=1):
        assert f"\u201c{d.page_content}\u201d" in out
        assert f"Source {i} (Racine 2025, {d.metadata['section']})" in out
    assert f"[{number}]" in out.split("Source 2")[0]


QUESTIONS = ["What did Kitaguchi et al. find?", "What is the 5-year overall survival after salvage APR?",
             "How many patients were in the study with the longest follow-up?",
             "What is the role of immunotherapy after failure of chemoradiotherapy?"]


@pytest.mark.parametrize("question", QUESTIONS)
def test_metadata_locates_every_quote_in_its_document(pipeline, question):
    docs = HybridRetriever(pipeline=pipeline, k=8).invoke(question)

    assert len(docs) == 8
    assert [d.metadata["rank"] for d in docs] == list(range(1, 9))
    scores = [d.metadata["score"] for d in docs]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)
    assert len({d.id for d in docs}) == 8
    by_id = {s.id: s for s in pipeline.index.sentences}
    for d in docs:
        m = d.metadata
        doc = pipeline.index.documents[m["doc_id"]]
        assert m["doc_label"] == "Racine 2025" and m["title"] == doc.title
        assert m["sentence_id"] == d.id and by_id[d.id].section == m["section"]
        assert (by_id[d.id].start, by_id[d.id].end) == (m["start"], m["end"])
        assert m["page"] is None  # the review is indexed from its text here; a PDF's sentences carry their page
        span = doc.text[m["start"]:m["end"]]
        if m["kind"] == "table_record":  # the labelled cells that answer, each one in the record's span
            cells = table_cells(d.page_content)
            assert cells and all(f"{label}: {value}" in span for label, value in cells)
        else:
            assert d.page_content == span
        assert any(m["start"] >= sec.start and m["end"] <= sec.end and sec.title == m["section"]
                   for sec in doc.sections)
        for n in m["refs"] + m["context_refs"]:  # every number resolves in the document's own reference list
            assert n in doc.references
        assert not set(m["refs"]) & set(m["context_refs"])
    assert any(d.metadata["refs"] or d.metadata["context_refs"] for d in docs)  # the reader can cite them


def test_a_table_record_comes_out_as_its_labelled_cells(pipeline):
    docs = HybridRetriever(pipeline=pipeline, k=3).invoke(
        "How many patients were in the study with the longest follow-up?")
    records = [d for d in docs if d.metadata["kind"] == "table_record"]
    assert records
    rows = {s.id: s.text for s in pipeline.index.sentences}
    # The cells that answer (study, size, follow-up), as the bot quotes them, not the whole row.
    assert any(len(table_cells(d.page_content)) < len(table_cells(rows[d.id])) for d in records)
    for d in records:
        labels = [label for label, _ in table_cells(d.page_content)]
        assert labels[0] == "First Author (Year)"  # the study's cell always leads
        assert any("Patients" in label for label in labels) and any("Follow-Up" in label for label in labels)
        assert d.metadata["section"].startswith("Table")
        assert d.metadata["refs"]  # the study's own number, read from its cell


def test_k_is_honoured_and_bounded(pipeline):
    assert len(HybridRetriever(pipeline=pipeline, k=1).invoke("salvage surgery")) == 1
    assert len(HybridRetriever(pipeline=pipeline, k=MAX_K).invoke("salvage surgery")) == MAX_K
    for bad in (0, -1, MAX_K + 1):
        with pytest.raises(ValidationError):
            HybridRetriever(pipeline=pipeline, k=bad)
    with pytest.raises(ValidationError):
        HybridRetriever(pipeline="not a pipeline")


def test_bad_queries_get_the_bots_messages(pipeline):
    retriever = HybridRetriever(pipeline=pipeline)
    with pytest.raises(InputProblem, match="the question is empty"):
        retriever.invoke("   ")
    with pytest.raises(InputProblem, match="characters long; the limit is"):
        retriever.invoke("why " * pipeline.settings.max_question_chars)


def test_async_and_batch_give_the_same_documents(pipeline):
    retriever = HybridRetriever(pipeline=pipeline, k=3)
    questions = ["What did Kitaguchi et al. find?", "Which trials tested immunotherapy?"]
    expected = [[d.id for d in retriever.invoke(q)] for q in questions]
    assert expected[0] != expected[1]
    assert [[d.id for d in docs] for docs in retriever.batch(questions)] == expected
    assert [d.id for d in asyncio.run(retriever.ainvoke(questions[0]))] == expected[0]


def test_the_rest_of_the_package_does_not_import_langchain_core():
    code = ("import sys, bot.pipeline, bot.cli; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'langchain_core'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
