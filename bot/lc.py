"""The hybrid retrieval as a LangChain retriever, for users who build their own chain on the corpus.

    from bot.lc import HybridRetriever, format_documents
    retriever = HybridRetriever(pipeline=Pipeline.load(Settings.from_env()), k=4)
    docs = retriever.invoke("What did Kitaguchi et al. find?")

A thin adapter over `Pipeline.rank`: the same dense + BM25 search and learned sentence ranker the bot answers with,
each hit returned as a langchain `Document` whose text is the verbatim quote the bot would show (a table record as
its labelled cells) and whose metadata says where it comes from (document, section, offsets, reference numbers,
sentence id, ranker score). The pipeline, with its model and index, is loaded once by the caller and passed in.

Only retrieval: the guard is not applied here. A request for a treatment decision about a particular person is
retrieved like any question; `Pipeline.ask` is the entry point that defers it to the review's flowchart.

This is the only module of the package that imports langchain-core; loading the pipeline, asking and the CLI
never import it (langchain-text-splitters, which depends on it, is imported only while chunking a build).
"""
from __future__ import annotations

from collections.abc import Sequence

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import Field, InstanceOf

from bot.answer.compose import citation_for, fmt_refs
from bot.pipeline import Pipeline
from bot.retrieve.search import Hit
from bot.types import document_label, document_labels  # noqa: F401  (document_label: re-exported, it lived here)

MAX_K = 40  # Retriever.search keeps the best 40 sentences of a ranking


class HybridRetriever(BaseRetriever):
    """The `k` best sentences for a question, best first, as langchain `Document`s.

    `page_content` is the verbatim quote: for prose, exactly the document's text at `[start:end]`; for a table
    record, the labelled cells that answer ("Study: …; Patients: …"), which lie within `[start:end]`.
    `metadata`: `doc_id`, `doc_label`, `title`, `source` (the document's file), `section`, `kind` (text,
    table_record, front, caption), `start`, `end`, `refs` (the numbers in the quote's own brackets), `context_refs`
    (numbers inherited from its paragraph), `sentence_id` (also the Document's `id`), `page` (the PDF page the
    quote starts on; None for a text document), `score` (the ranker's probability, 0..1, that the sentence answers
    the question) and `rank` (1 = best).
    """

    pipeline: InstanceOf[Pipeline]  # checked with isinstance only: never copied or walked by pydantic
    k: int = Field(default=4, ge=1, le=MAX_K)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        question = self.pipeline.validate(query)  # an empty, overlong or non-text query: InputProblem, with why
        ranking = self.pipeline.rank(question, history=())
        return [self._document(hit, rank) for rank, hit in enumerate(ranking.hits[:self.k], start=1)]

    def _document(self, hit: Hit, rank: int) -> Document:
        s = hit.sentence
        citation = citation_for(s, hit.cells)
        docs = self.pipeline.index.documents
        doc = docs[s.doc_id]
        metadata = {
            "doc_id": s.doc_id, "doc_label": document_labels(docs)[s.doc_id], "title": doc.title,
            "source": doc.path or s.doc_id,
            "section": s.section, "kind": s.kind, "start": citation.start, "end": citation.end,
            "refs": list(citation.refs), "context_refs": list(citation.context_refs), "sentence_id": s.id,
            "page": citation.page, "score": hit.prob, "rank": rank,
        }
        return Document(page_content=citation.quote, metadata=metadata, id=s.id)


def format_documents(docs: Sequence[Document]) -> str:
    """Retrieved documents as prompt text, one numbered source a paragraph, each with its document, section and
    reference numbers: 'Source 1 (Racine 2025, 3. Surgery) [12]: “…”'."""
    out = []
    for i, d in enumerate(docs, start=1):
        m = d.metadata
        refs = fmt_refs([*m.get("refs", []), *m.get("context_refs", [])])
        where = ", ".join(x for x in (m.get("doc_label"), m.get("section")) if x)
        out.append(f"Source {i}" + (f" ({where})" if where else "") + (f" {refs}" if refs else "")
                   + f": \u201c{d.page_content}\u201d")
    return "\n\n".join(out)
