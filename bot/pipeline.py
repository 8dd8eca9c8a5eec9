"""The library API: load once, then `ask`. The CLI and the Streamlit app are thin shells around this.

    pipeline = Pipeline.load(Settings.from_env())
    answer = pipeline.ask("What did Kitaguchi et al. find?", history=[])

Order of decisions for each question: validate input → a question about a disease or treatment the corpus never
mentions is declined → guard (a request for a patient-specific recommendation is deferred to the flowchart; small
talk is declined) → bibliography look-up ("What is reference 27?") → hybrid retrieval → scope check (does any
retrieved sentence actually answer it?) → extractive answer.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.index import store as index_mod
from bot.answer.compose import abstain, bibliography, citation_for, compose, select
from bot.retrieve.bibliography import Bibliography, asks_about_reference, entry_citation, numbered_refs
from bot.index.embed import Embedder
from bot.retrieve.search import Retriever
from bot.guard.scope import foreign_topics, judge
from bot.settings import Settings
from bot.text import tokens
from bot.types import Answer, Citation


class InputProblem(ValueError):
    """A question the bot refuses to process, with a message for the user."""


@dataclass
class Pipeline:
    settings: Settings
    index: index_mod.LoadedIndex
    embedder: Embedder
    retriever: Retriever
    bibliography: Bibliography
    warnings: list[str] = field(default_factory=list)
    _flowchart: object = None

    # ------------------------------------------------------------------------------------------- loading
    @classmethod
    def load(cls, settings: Settings, embedder: Embedder | None = None, build_missing: bool = True,
             progress: Callable[[str, int, int], None] | None = None) -> "Pipeline":
        """Load the index (building it first if there is none) and warn when it is stale."""
        embedder = embedder or Embedder(settings.model_path)
        if build_missing and index_mod.check(settings).status == "missing":
            index_mod.build(settings, embedder=embedder, progress=progress)
        loaded, retriever, bib, warnings = cls._open(settings)
        return cls(settings, loaded, embedder, retriever, bib, warnings)

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
        history = [h for h in history if isinstance(h, str) and h.strip()][-4:]
        from bot.guard.intent import classify_intent

        foreign = foreign_topics(q, self.retriever)
        if foreign:  # a question about another disease is declined, not deferred to this review's flowchart
            return abstain(q, [], "the review does not discuss " + ", ".join(foreign))
        intent = classify_intent(q, history)
        if intent.kind == "recommendation":
            return self._defer(q, history, intent.reason)
        if intent.kind == "off_topic":
            return abstain(q, [], "off topic: " + intent.reason)
        ref_answer = self._reference_answer(q, history)
        if ref_answer:
            return ref_answer
        dense_text, context = self.contextual_query(q, history)
        qvec = self.embedder.encode_query(self.retriever.expand(dense_text))
        ranking = self.retriever.search(self.retriever.make_query(q, context), qvec)
        verdict = judge(q, ranking, self.retriever)
        if not verdict.covered:
            return abstain(q, ranking.hits, verdict.reason)
        chosen = select(ranking, self.retriever, self.settings)
        return compose(q, chosen, self.index.documents)

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
    _ELLIPTIC = re.compile(r"^(and|but|or|also|what about|how about|and what|same|what of|then)\b", re.I)
    _PRONOUN = re.compile(r"\b(it|its|they|their|them|this|that|these|those|the study|the trial|the same)\b", re.I)

    def contextual_query(self, q: str, history: Sequence[str]) -> tuple[str, str | None]:
        """Resolve a follow-up against the conversation. Returns the text to embed and the context words for the
        lexical side (None when the question stands alone).

        A question that names its own study stands alone. An elliptical one ("And for persistent disease?") is
        read with the previous question; one that refers back ("their cohort", "that study") or names no study
        while the conversation did inherits the most recent study named."""
        if not history or self.retriever.anchors_in(q):
            return q, None
        last = history[-1]
        names = next((n for turn in reversed(history) for n in [self.retriever.anchors_in(turn)] if n), [])
        prefix = " ".join(names)
        if self._ELLIPTIC.match(q) or len(tokens(q)) <= 3:
            dense = f"{prefix} {last} {q}".strip()
            return dense, " ".join([prefix, *history[-2:]]).strip()
        if self._PRONOUN.search(q):
            context = f"{prefix} {last}".strip() if not names else prefix
            return f"{context}: {q}", context
        if names:
            return f"{prefix}: {q}", prefix
        return q, None

    # ------------------------------------------------------------------------------------------- bibliography
    def _reference_answer(self, q: str, history: Sequence[str]) -> Answer | None:
        """Questions about a cited publication are answered from the bibliography: the entry, quoted, and a
        sentence of the review that cites it. Returns None when the question is not about a reference."""
        docs = self.index.documents
        nums = numbered_refs(q)
        if nums:
            entries = [e for n in nums for e in self.bibliography.by_number(n)]
            if not entries:
                known = sorted({r.number for _, r in self.bibliography.entries})
                return Answer(q, "abstained", f"The review has no reference {', '.join(map(str, nums))}"
                              + (f"; its references are numbered {known[0]}–{known[-1]}." if known else "."),
                              reason="unknown reference number")
        else:
            named = self.retriever.anchors_in(q)
            if not asks_about_reference(q, named):
                return None
            earlier: list = []
            if not named and history and self._PRONOUN.search(q):  # "the title of that paper"
                named = [n for turn in reversed(history) for n in self.retriever.anchors_in(turn)][:2]
                earlier = [e for turn in reversed(history) for n in numbered_refs(turn)
                           for e in self.bibliography.by_number(n)][:1]
            entries = earlier or (self.bibliography.by_names(named) if named else [])
            entries = self.bibliography.search(q, entries) if len(entries) > 1 else entries
            entries = entries or self.bibliography.search(q)
            if not entries:
                return None
        citations, lines = [], []
        qtoks = set(tokens(q))
        for doc_id, ref in entries[:3]:
            doc = docs[doc_id]
            citations.append(entry_citation(doc, ref))
            lines.append(f"Reference [{ref.number}]: \u201c{ref.text}\u201d")
            citing = [s for s in doc.sentences if s.kind == "text" and ref.number in s.refs + s.context_refs]
            if citing:
                s = max(citing, key=lambda x: (len(qtoks & set(tokens(x.text))), ref.number in x.refs))
                citations.append(citation_for(s))
                lines.append(f"The review cites it in {s.section}: \u201c{s.text}\u201d")
        text = "\n".join(lines)
        if len(text) > self.settings.answer_chars:
            text = "\n".join(line for line in lines if line.startswith("Reference"))
        refs = sorted({n for c in citations for n in c.refs})
        return Answer(q, "answer", text, citations, refs, bibliography(refs, docs, [c.doc for c in citations]))

    # ------------------------------------------------------------------------------------------- deferral
    def _defer(self, q: str, history: Sequence[str], reason: str) -> Answer:
        from bot.guard.flowchart import FlowchartError, match_branch, to_dict, to_tree_text

        try:
            chart = self.flowchart
        except FlowchartError as exc:  # still no recommendation, only without the chart
            return Answer(q, "deferred", "I can't recommend a treatment for a particular person; that decision "
                          "belongs to the treating multidisciplinary team. (The review's management flowchart "
                          f"cannot be shown: {exc})", reason=reason, warnings=[str(exc)])
        branch = match_branch(" ".join([*history, q]))
        branch = branch if branch in chart.branches else None  # an edited chart may lack a branch: show it all
        part = chart.subgraph(branch)
        citations = []
        seen = set()
        doc = self.index.documents.get(self._main_doc())
        for node in part.nodes:
            for sup in node.support:
                if sup.quote in seen:
                    continue
                seen.add(sup.quote)
                start = doc.text.find(sup.quote) if doc else -1
                citations.append(Citation(self._main_doc(), sup.section, sup.quote, start,
                                          start + len(sup.quote) if start >= 0 else -1, list(sup.refs)))
        where = f"the part of it that matches the situation described ({branch.replace('_', ' ')})" if branch \
            else "the whole pathway"
        text = (
            "I can't recommend a treatment for a particular person: the review reports evidence, and a decision "
            "for an individual depends on details it cannot weigh. That decision belongs to the treating "
            "multidisciplinary team.\n\n"
            f"The review ends with a suggested management flowchart (its Figure 1). Below is {where}, "
            "reconstructed from the review's text (not a copy of Figure 1), with the quotes that support each step:"
            "\n\n" + to_tree_text(part, highlight=branch))
        refs = sorted({n for c in citations for n in c.refs})
        return Answer(q, "deferred", text, citations, refs, bibliography(refs, self.index.documents,
                                                                          [self._main_doc()]),
                      flowchart={"branch": branch, **to_dict(part)}, reason=reason)

    def _main_doc(self) -> str:
        return next(iter(self.index.documents), "")


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
