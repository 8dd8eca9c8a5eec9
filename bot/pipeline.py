"""The library API: load once, then `ask`. The CLI and the Streamlit app are thin shells around this.

    pipeline = Pipeline.load(Settings.from_env())
    answer = pipeline.ask("What did Kitaguchi et al. find?", history=[])

Order of decisions for each question: validate input → a question about a disease or treatment the corpus never
mentions is declined → guard (a request for a patient-specific recommendation is deferred to the flowchart; small
talk is declined) → bibliography look-up ("What is reference 27?") → hybrid retrieval → scope check (does any
retrieved sentence actually answer it?) → extractive answer.
"""
from __future__ import annotations

import dataclasses

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from bot.index import store as index_mod
from bot.answer.compose import abstain, compose, further_passages, select
from bot.answer.sources import attach_sources
from bot.audit.notes import notes_for
from bot.answer.references import not_a_first_author, reference_answer
from bot.retrieve.bibliography import Bibliography
from bot.retrieve.conversation import contextual_query
from bot.index.embed import Embedder
from bot.retrieve.descriptors import resolve_descriptors
from bot.retrieve.lexicon import tidied
from bot.retrieve.search import Ranking, Retriever
from bot.guard.classifier import IntentClassifier
from bot.guard.scope import foreign_topics, judge
from bot.settings import Settings
from bot.types import Answer, Citation, document_labels


class InputProblem(ValueError):
    """A question the bot refuses to process, with a message for the user."""


@dataclass
class Pipeline:
    settings: Settings
    index: index_mod.LoadedIndex
    embedder: Embedder
    retriever: Retriever
    bibliography: Bibliography
    intent: IntentClassifier
    warnings: list[str] = field(default_factory=list)
    _flowchart: object = None
    _branches: object = None  # the learned branch classifier, loaded at the first deferral

    # ------------------------------------------------------------------------------------------- loading
    @classmethod
    def load(cls, settings: Settings, embedder: Embedder | None = None, build_missing: bool = True,
             progress: Callable[[str, int, int], None] | None = None) -> "Pipeline":
        """Load the index (building it first if there is none) and warn when it is stale."""
        embedder = embedder or Embedder(settings.model_path, index_dir=settings.index_dir)
        if build_missing and index_mod.check(settings).status == "missing":
            index_mod.build(settings, embedder=embedder, progress=progress)
        loaded, retriever, bib, warnings = cls._open(settings)
        return cls(settings, loaded, embedder, retriever, bib, IntentClassifier.load(), warnings)

    @staticmethod
    def _open(settings: Settings):
        """Check, load and prepare the index; refuse one whose vectors the configured model cannot be compared
        with. Raises IndexProblem with the fix."""
        fresh = index_mod.check(settings)
        if fresh.status in ("missing", "broken"):
            raise index_mod.IndexProblem(fresh.reasons[0] if fresh.reasons else "the index cannot be used.")
        if any(r.startswith("model_fingerprint") for r in fresh.reasons):
            raise index_mod.IndexProblem("the index was built with a different embedding model than the one "
                                         "configured, so its vectors cannot be compared: rebuild it with "
                                         "`ascc-bot index`.")
        warnings = []
        if fresh.status == "stale":
            warnings.append("the index is stale (" + "; ".join(fresh.reasons[:3]) +
                            "): answers come from the last build; run `ascc-bot index` to update it.")
        loaded = index_mod.load(settings)
        return loaded, Retriever(loaded, settings), Bibliography(loaded.documents), warnings

    def reload(self) -> None:
        """Pick up a rebuilt index without reloading the model. Everything is prepared first and swapped at the
        end, so a failure leaves the pipeline answering from the index it had."""
        loaded, retriever, bib, warnings = self._open(self.settings)
        self.index, self.retriever, self.bibliography, self.warnings = loaded, retriever, bib, warnings
        self._flowchart = None  # corpus/flowchart.json may have changed with the documents

    @property
    def flowchart(self):
        if self._flowchart is None:
            from bot.guard.flowchart import load_flowchart
            self._flowchart = load_flowchart(self.settings.corpus_dir / "flowchart.json")
        return self._flowchart

    # ------------------------------------------------------------------------------------------- asking
    def validate(self, question: object) -> str:
        if not isinstance(question, str):
            raise InputProblem("the question must be text.")
        q = question.strip()
        if not q:
            raise InputProblem("the question is empty: type a question about the review.")
        if len(q) > self.settings.max_question_chars:
            raise InputProblem(f"the question is {len(q):,} characters long; the limit is "
                               f"{self.settings.max_question_chars:,}. Ask something shorter.")
        try:
            q.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InputProblem("the question contains characters that are not valid text (e.g. a stray byte "
                               "from a mis-encoded paste); retype it.") from exc
        return q

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer:
        answer = self._answer(self.validate(question), history)
        answer.warnings = list(self.warnings) + answer.warnings
        return answer

    def _answer(self, q: str, history: Sequence[str]) -> Answer:
        """Intent first: a request for a decision about a particular person is never answered with quotes, whatever
        other words it holds. Scope is judged after that, for questions only."""
        history = [h for h in history if isinstance(h, str) and h.strip()][-4:]
        q = tidied(q)  # "table2 ott design", "recurrence timing 24 mo": as the documents write them
        qvec = self.embedder.encode_query(self.retriever.expand(q))  # once: the guard and retrieval share it
        intent = self.intent.classify(q, history, qvec, self.retriever.anchors_in(q))
        if intent.kind == "recommendation":
            foreign = foreign_topics(q, self.retriever)
            if foreign and self.intent.other_disease(qvec) >= 0.5:
                return self._refer(q, foreign, intent.reason)
            return self._defer(q, history, intent.reason, qvec)
        if intent.kind == "off_topic":
            return self._help(q, intent.rule)
        ref_answer = self._reference_answer(q, history)
        if ref_answer:
            return ref_answer
        not_first = self._not_a_first_author(q)
        if not_first:
            return not_first
        # "the Swiss authors" → the review; "the Colorectal Disease review" → Ko (a journal is not a topic)
        described = resolve_descriptors(q, self.retriever, self.bibliography)
        foreign = foreign_topics(described.query, self.retriever)
        if foreign:  # a question about another disease: the review has nothing on it
            return abstain(q, [], "the review does not discuss " + ", ".join(foreign), self.index.documents)
        if described.query != q:
            qvec = None
        read = self.contextual_query(described.query, history)
        ranking = self.rank(described.query, history, qvec, read)
        # A turn that carries on the conversation ("and the modified version?") is read with it: however little it
        # says by itself, it is not small talk.
        continues = read[0] != described.query
        verdict = judge(described.query, ranking, self.retriever, unrelated=0.0 if continues else intent.unrelated)
        if not verdict.covered:
            return abstain(q, ranking.hits, verdict.reason, self.index.documents)
        # a note said before the quotes ("The review does not state which study is Irish; …") takes its room
        settings = dataclasses.replace(self.settings, answer_chars=self.settings.answer_chars - len(verdict.note) - 1) \
            if verdict.note else self.settings
        chosen = select(ranking, self.retriever, settings)
        answer = compose(q, chosen, self.index.documents, further_passages(ranking, chosen, settings),
                         limit=settings.answer_chars)
        answer.notes = notes_for(answer.citations, self.index.findings)  # the source's own inconsistencies
        if verdict.note:
            answer.text = verdict.note + "\n" + answer.text
        return answer

    def rank(self, q: str, history: Sequence[str], qvec: np.ndarray | None = None,
             read: tuple[str, str | None, bool] | None = None) -> Ranking:
        """Every sentence scored for the question, read with the conversation only when it depends on it (`read`:
        `contextual_query(q, history)`, when the caller has it already)."""
        dense_text, context, carry = read or self.contextual_query(q, history)
        if qvec is None or dense_text != q:
            qvec = self.embedder.encode_query(self.retriever.expand(dense_text))
        return self.retriever.search(self.retriever.make_query(q, context, carry_names=carry), qvec)

    def _help(self, q: str, rule) -> Answer:
        """Small talk and unrelated requests: what the bot can and cannot do, with example questions taken from
        the documents' own section titles."""
        greeting = "small talk" in rule.reason
        opening = ("Hello. " if greeting else
                   "That is outside what I can answer: I only answer questions about the documents in my corpus. ")
        titles = self.documents_described()
        text = (opening + f"I answer questions about {titles}, with verbatim quotes and the source's own "
                "reference numbers, and I say so when the source does not cover a question. I do not give "
                "treatment advice for a particular person; for such a request I show the review's management "
                "flowchart and leave the decision to the treating team.")
        return Answer(q, "abstained", text, reason="help: " + ("greeting" if greeting else "unrelated request"),
                      suggestions=self.example_questions())

    def documents_described(self) -> str:
        """The corpus in a phrase: the review's title, or each document's label and title (saying when a title was
        read from the document's own text, for want of a metadata sidecar)."""
        docs = list(self.index.documents.values())
        if len(docs) == 1:
            return f"the review \u201c{docs[0].title}\u201d"
        labels = document_labels(self.index.documents)

        def one(d) -> str:
            read = " (title read from its text)" if d.metadata.get("metadata_source") == "text" else ""
            return f"{labels[d.doc_id]}: \u201c{d.title}\u201d{read}"

        return f"{len(docs)} documents (" + "; ".join(one(d) for d in docs[:3]) + ("…" if len(docs) > 3 else "") + ")"

    def example_questions(self, n: int = 4) -> list[str]:
        """"What does the review say about <topic>?" for the first body sections of the first document."""
        doc = next(iter(self.index.documents.values()), None)
        if doc is None:
            return []
        topics = []
        for sec in doc.sections:
            title = re.sub(r"^[\d.]+\s*", "", sec.title).strip()
            if sec.kind == "body" and title and title.lower() not in ("introduction", "discussion", "conclusions",
                                                                     "conclusion", "methods", "results"):
                topics.append(title[0].lower() + title[1:])
        return [f"What does the review say about {t}?" for t in dict.fromkeys(topics)][:n]

    def _refer(self, q: str, foreign: list[str], why: str) -> Answer:
        """A personal request about a disease the corpus does not cover: declined as out of scope, with the
        referral, and no flowchart, since the review's pathway is for another disease."""
        what = ", ".join(foreign)
        text = ("The review does not cover this: it is about anal squamous cell carcinoma and does not discuss "
                f"{what}, so its management flowchart does not apply. I can't recommend a treatment for a "
                "particular person in any case; that decision belongs to the treating multidisciplinary team.")
        return Answer(q, "abstained", text, reason=f"{why}, about {what}, which the review does not cover")

    def passage_context(self, citation: Citation) -> tuple[str, int, int]:
        """The paragraph around a quote and the quote's span inside it, so a reader can check the quote in
        place. Table quotes (selected cells) highlight their whole record."""
        doc = self.index.documents.get(citation.doc)
        if doc is None or citation.start < 0:
            return citation.quote, 0, len(citation.quote)
        text = doc.text
        para_start = text.rfind("\n\n", 0, citation.start)
        para_start = 0 if para_start < 0 else para_start + 2
        para_end = text.find("\n\n", citation.end)
        para_end = len(text) if para_end < 0 else para_end
        return text[para_start:para_end], citation.start - para_start, citation.end - para_start

    # ------------------------------------------------------------------------------------------- conversation
    def contextual_query(self, q: str, history: Sequence[str]) -> tuple[str, str | None, bool]:
        """The question read with the conversation when it depends on it (bot/retrieve/conversation.py)."""
        return contextual_query(q, history, self.retriever.anchors_in)

    # ------------------------------------------------------------------------------------------- bibliography
    def _reference_answer(self, q: str, history: Sequence[str]) -> Answer | None:
        return reference_answer(q, history, self.index.documents, self.bibliography, self.retriever.anchors_in,
                                self.settings.answer_chars)

    def _not_a_first_author(self, q: str) -> Answer | None:
        return not_a_first_author(q, self.index.documents, self.bibliography)

    # ------------------------------------------------------------------------------------------- deferral
    def _defer(self, q: str, history: Sequence[str], reason: str, qvec: np.ndarray | None = None) -> Answer:
        from bot.guard.flowchart import FlowchartError, to_dict, to_tree_text

        try:
            chart = self.flowchart
        except FlowchartError as exc:  # still no recommendation, only without the chart
            return Answer(q, "deferred", "I can't recommend a treatment for a particular person; that decision "
                          "belongs to the treating multidisciplinary team. (The review's management flowchart "
                          f"cannot be shown: {exc})", reason=reason, warnings=[str(exc)])
        branch = self.branch_of(q, history, qvec)
        branch = branch if branch in chart.branches else None  # an edited chart may lack a branch: show it all
        part = chart.subgraph(branch)
        doc_id = self.flowchart_document(chart)
        doc = self.index.documents.get(doc_id) if doc_id else None
        citations = []
        seen = set()
        for node in part.nodes:
            for sup in node.support:
                if sup.quote in seen:
                    continue
                seen.add(sup.quote)
                start = doc.text.find(sup.quote) if doc else -1
                citations.append(Citation(doc_id or "", sup.section, sup.quote, start,
                                          start + len(sup.quote) if start >= 0 else -1, list(sup.refs),
                                          page=_page_at(doc, start)))
        where = f"the part of it that matches the situation described ({branch.replace('_', ' ')})" if branch \
            else "the whole pathway"
        text = (
            "I can't recommend a treatment for a particular person: the review reports evidence, and a decision "
            "for an individual depends on details it cannot weigh. That decision belongs to the treating "
            "multidisciplinary team.\n\n"
            f"The review ends with a suggested management flowchart (its Figure 1). Below is {where}, "
            "reconstructed from the review's text (not a copy of Figure 1), with the quotes that support each step:"
            "\n\n" + to_tree_text(part, highlight=branch))
        answer = Answer(q, "deferred", text, citations, flowchart={"branch": branch, **to_dict(part)}, reason=reason)
        if doc is None:  # the review is not in the corpus: its quotes and numbers cannot be located or resolved
            answer.refs = sorted({n for c in citations for n in c.refs})
            answer.warnings.append(f"the document the flowchart was reconstructed from (DOI {chart.source_doi}) is "
                                   "not in the corpus, so its quotes are shown without their place in it and its "
                                   "reference numbers without their entries.")
            return answer
        return attach_sources(answer, self.index.documents, with_context=False, first=doc_id)

    def flowchart_document(self, chart=None) -> str | None:
        """The id of the document the flowchart was reconstructed from: the one whose DOI (metadata, else its own
        text) is the chart's, wherever it sits in the corpus; a chart that names no DOI belongs to the first
        document. None when the corpus does not hold it or there is no usable chart."""
        from bot.guard.flowchart import FlowchartError, source_document

        try:
            chart = chart or self.flowchart
        except FlowchartError:
            return None
        return source_document(chart, self.index.documents) if chart.source_doi else (self._main_doc() or None)

    def corpus_documents(self) -> list[dict]:
        """The documents of the index for a listing: id (file name), label, title, whether the title was read from
        the document's text (no metadata sidecar), and whether a user may remove it: every document but the one
        the flowchart was reconstructed from, which deferrals quote."""
        labels = document_labels(self.index.documents)
        keep = self.flowchart_document()
        return [{"id": d.doc_id, "label": labels[d.doc_id], "title": d.title,
                 "title_from_text": d.metadata.get("metadata_source") == "text", "removable": d.doc_id != keep}
                for d in self.index.documents.values()]

    def branch_of(self, q: str, history: Sequence[str] = (), qvec: np.ndarray | None = None) -> str | None:
        """The flowchart branch the described situation belongs to (bot/guard/branches.py: learned, with the cue
        families as anchors); the rules alone when the learned model cannot be loaded. `qvec`: the question's own
        embedding, reused when there is no earlier turn to read with it."""
        from bot.guard.flowchart import match_branch

        text = " ".join([*history, q])
        if self._branches is None:
            from bot.guard.branches import BranchClassifier
            from bot.linear import ModelProblem

            try:
                self._branches = BranchClassifier.load()
            except (ModelProblem, ValueError) as exc:
                self.warnings.append(f"flowchart branches are matched by rules only: {exc}")
                self._branches = False
        if not self._branches:
            return match_branch(text)
        if qvec is None or history:
            qvec = self.embedder.encode_query(self.retriever.expand(text))
        return self._branches.branch(text, qvec)

    def _main_doc(self) -> str:
        """The first document: the flowchart's when its file names no DOI (a chart made for a one-document corpus)."""
        return next(iter(self.index.documents), "")


def _page_at(doc, offset: int) -> int | None:
    """The PDF page a located quote starts on (the page of the sentence holding that offset); None for text."""
    if doc is None or offset < 0:
        return None
    return next((s.page for s in doc.sentences if s.start <= offset < s.end and s.page is not None), None)


def describe_index(settings: Settings) -> dict:
    """Status for the UI sidebar: no model, no vectors loaded."""
    fresh = index_mod.check(settings)
    try:
        manifest = index_mod.read_manifest(settings)
    except index_mod.IndexProblem:
        manifest = {}
    return {"status": fresh.status, "reasons": fresh.reasons, "built_at": manifest.get("built_at"),
            "model": manifest.get("model_name"), "counts": manifest.get("counts", {}),
            "documents": manifest.get("documents", {})}
