"""Streamlit chat window over the `bot` library (started by `ascc-bot ui`).

The app holds no pipeline logic. It loads the pipeline once per process (`st.cache_resource`, keyed by the corpus,
index and model paths so tests and users with several corpora never share one by mistake), asks it questions with
the conversation's earlier questions as history, and shows what it returns so that every quote can be checked in
place: each quoted passage highlighted inside its paragraph, its section, and the full reference-list entries.

Everything a user or a document supplies is shown escaped (see ui/render.py): no HTML from a question or a document
is ever rendered as HTML. Nothing is fetched from outside the app's own host (the page icon is an emoji, drawn by
the browser; fonts and scripts come with Streamlit). On arrival, and with a help answer, example questions are
buttons that ask them. The flowchart is drawn by ui/chart.py: its footnotes and note are shown once, as text.
"""
from __future__ import annotations

import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run ui/app.py` puts only ui/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from bot.index import store as index_mod  # noqa: E402
from bot.ingest.corpus import CorpusError, add_document, remove_document  # noqa: E402
from bot.index.embed import Embedder  # noqa: E402
from bot.guard.flowchart import Flowchart, FlowchartError, to_tree_text  # noqa: E402
from bot.pipeline import InputProblem, Pipeline, describe_index  # noqa: E402
from bot.settings import Settings, corpus_changes_allowed  # noqa: E402
from bot.types import Answer  # noqa: E402
from ui.chart import CHAT_FONTS, STYLE as CHART_STYLE, WIDE_PAGE, to_screen_dot, tree_html  # noqa: E402
from ui.render import (STYLE, bibliography_block, citation_heading, esc, group_by_paragraph,  # noqa: E402
                       legend_block, md, note_block, passage_block, passage_block_multi, plural, refs_label,
                       split_tree, text_block)

DISCLAIMER = ("This chatbot reports what one review says (Racine et al., Cancers 2025), quoting it verbatim. "
              "It does not give medical advice: decisions for a patient belong to the treating multidisciplinary "
              "team.")
ARRIVAL_HELP = ("Ask about what the review reports: salvage surgery, re-irradiation, systemic therapy, the studies "
                "it cites and their results, or an entry of its reference list. Every answer quotes the review "
                "verbatim, with the review's own reference numbers in square brackets, and shows each quote in "
                "its paragraph. It cannot recommend a treatment for a particular patient (it shows the review's "
                "suggested pathway instead), and it does not answer from outside this review.")
EXAMPLES = ("What did Kitaguchi et al. find?", "What is the role of re-irradiation after failed chemoradiotherapy?",
            "What is reference 27?")


# ------------------------------------------------------------------------------------------------ resources
@st.cache_resource(show_spinner=False)
def load_embedder(model_path: str) -> Embedder:
    """One model per process: rebuilding or switching corpus never loads it again."""
    return Embedder(model_path)


@st.cache_resource(show_spinner=False)
def load_pipeline(corpus_dir: str, index_dir: str, model_path: str) -> Pipeline:
    """Load (building a missing index) and warm up once, so the first question is as fast as the later ones."""
    settings = Settings.from_env(corpus_dir=Path(corpus_dir), index_dir=Path(index_dir), model_path=model_path)
    pipeline = Pipeline.load(settings, embedder=load_embedder(model_path))
    pipeline.ask("What is the role of salvage surgery?")  # loads the model and every lazy part of the pipeline
    return pipeline


@st.cache_resource(show_spinner=False)
def pipeline_lock(index_dir: str) -> threading.RLock:
    """Sessions share one pipeline: `reload()` swaps its index, so asks and reloads must not interleave."""
    return threading.RLock()


def current_settings() -> Settings:
    return Settings.from_env()  # cheap: reads ASCC_BOT_* variables; the heavy part is cached above


def get_pipeline(settings: Settings) -> Pipeline | None:
    try:
        with st.spinner("Loading the model and the index (building the index if there is none)…"):
            pipeline = load_pipeline(str(settings.corpus_dir), str(settings.index_dir), settings.model_path)
    except (CorpusError, index_mod.IndexProblem, FlowchartError, OSError) as exc:
        st.error(md(f"The chatbot cannot start: {exc}"))
        return None
    follow_rebuilds(pipeline)
    return pipeline


def follow_rebuilds(pipeline: Pipeline) -> None:
    """If the index was rebuilt elsewhere (`ascc-bot index`, another session), pick it up without the model."""
    try:
        on_disk = index_mod.read_manifest(pipeline.settings).get("files")
    except index_mod.IndexProblem:
        return
    if on_disk and on_disk != pipeline.index.manifest.get("files"):
        with pipeline_lock(str(pipeline.settings.index_dir)):
            try:
                pipeline.reload()
            except index_mod.IndexProblem as exc:
                st.warning(md(f"The rebuilt index could not be loaded; answers use the previous one: {exc}"))
                return
        st.toast("Loaded the rebuilt index.")


# ------------------------------------------------------------------------------------------------ asking
def ask(pipeline: Pipeline, question: str, history: list[str]) -> dict[str, Any]:
    """Ask, time it, and freeze everything the message needs (passage contexts, diagram) so that redrawing the
    conversation later calls nothing in the pipeline and survives a rebuilt index."""
    t0 = time.perf_counter()
    try:
        with pipeline_lock(str(pipeline.settings.index_dir)):
            answer = pipeline.ask(question, history)
            shown: dict[str, Any] = {
                "role": "assistant", "answer": answer,
                "contexts": [pipeline.passage_context(c) for c in answer.citations],
                "nearest": [pipeline.passage_context(c) for c in answer.nearest],
                "several": len(pipeline.index.documents) > 1,  # then every quote names its document
            }
            if answer.mode == "deferred" and answer.flowchart:
                shown.update(deferred_view(pipeline.flowchart, answer))
    except InputProblem as exc:
        return {"role": "assistant", "problem": str(exc)}
    except (FlowchartError, index_mod.IndexProblem) as exc:
        return {"role": "assistant", "error": str(exc)}
    except Exception as exc:  # never a traceback on the page
        return {"role": "assistant", "error": f"Internal error while answering ({exc.__class__.__name__}: {exc})."}
    shown["seconds"] = time.perf_counter() - t0
    return shown


def deferred_view(chart: Flowchart, answer: Answer) -> dict[str, Any]:
    branch = (answer.flowchart or {}).get("branch")
    part = chart.subgraph(branch)
    prose, tree = split_tree(answer.text, to_tree_text(part, highlight=branch))
    return {"branch": branch, "prose": prose, "dot": to_screen_dot(part, highlight=branch, fonts=CHAT_FONTS, wrap=24),
            "tree": tree_html(part, highlight=branch) if tree else "",
            "footnotes": dict(chart.footnotes), "notice": chart.notice}


def history_of(messages: list[dict[str, Any]]) -> list[str]:
    """Earlier questions that were answered (a refused one, e.g. empty, is not part of the conversation)."""
    return [m["content"] for m in messages if m["role"] == "user" and m.get("accepted")]


# ------------------------------------------------------------------------------------------------ drawing
def draw_sources(answer: Answer, contexts: list[tuple[str, int, int]], several: bool = False) -> None:
    """Each paragraph once, with every quote taken from it highlighted, under 'Source 1, 2' (numbered in answer
    order; square brackets stay for the documents' own reference numbers). With several documents in the corpus
    each heading names its document by its label ("Whitfield 2024 (note.md)"), and each document's references are
    listed apart: a number means a different paper in each."""
    pairs = list(zip(answer.citations, contexts))
    for group in group_by_paragraph((c.doc, para) for c, (para, _, _) in pairs):
        cites = [pairs[i][0] for i in group]
        para = pairs[group[0]][1][0]
        refs = sorted({r for c in cites for r in c.refs})
        ctx = sorted({r for c in cites for r in c.context_refs})
        st.html(citation_heading([i + 1 for i in group], cites[0].section, document_name(cites[0], several), refs, ctx)
                + passage_block_multi(para, [pairs[i][1][1:] for i in group]))
        for i in group:  # a table record: the quote is the selected cells of the highlighted row
            c, (_, start, end) = pairs[i]
            if para[start:end] != c.quote:
                st.html(f'<div class="ascc-meta">Source {i + 1}, quoted cells: {esc(c.quote)}</div>')
        shown = {i + 1 for i in group}
        for note in answer.notes:  # the source contradicts itself in a quoted passage: said beside the quote
            if shown & set(note.get("sources", [])):
                st.html(note_block(note))
    if len(answer.bibliography_by_doc) > 1:
        names = {c.doc: c.doc_label or c.doc for c in answer.citations}
        for doc, entries in answer.bibliography_by_doc.items():
            st.markdown(md(f"References cited by {names.get(doc, doc)}") + " (from its own reference list)")
            st.html(bibliography_block(entries))
    elif answer.bibliography:
        where = f"{answer.citations[0].doc_label}'s" if several and answer.citations else "the review's"
        st.markdown(f"**References cited** (from {md(where)} reference list)")
        st.html(bibliography_block(answer.bibliography))


def document_name(citation, several: bool) -> str:
    """The document a quote comes from, as its heading shows it: the file name, or with several documents its
    label and file name."""
    if several and citation.doc_label and citation.doc_label != citation.doc:
        return f"{citation.doc_label} ({citation.doc})"
    return citation.doc


def draw_answer(msg: dict[str, Any], index: int) -> None:
    if "problem" in msg:
        st.warning(md(f"Not asked: {msg['problem']}"))
        return
    if "error" in msg:
        st.error(md(msg["error"]))
        return
    answer: Answer = msg["answer"]
    if answer.mode == "deferred" and "dot" not in msg:  # no chart available: the refusal alone
        st.html(text_block(answer.text))
    elif answer.mode == "deferred":
        st.html(text_block(msg["prose"]))
        if msg["branch"]:
            st.caption(md(f"Highlighted: the steps that match the situation described "
                          f"({msg['branch'].replace('_', ' ')})."))
        draw_chart(msg["dot"], msg["tree"], msg["footnotes"], msg["notice"], key=str(index))
        with st.expander(f"Sources — the review's quotes behind each step ({len(answer.citations)})"):
            draw_sources(answer, msg["contexts"], msg.get("several", False))
    elif answer.mode == "abstained":
        st.html(text_block(answer.text))
        if answer.nearest:
            with st.expander("Closest passages in context — these do NOT answer the question"):
                for i, (c, (para, start, end)) in enumerate(zip(answer.nearest, msg["nearest"]), 1):
                    st.html(citation_heading(None, c.section, document_name(c, msg.get("several", False)), c.refs,
                                             label=f"Passage {i}")
                            + passage_block(para, start, end))
    else:
        st.html(text_block(answer.text))
        with st.expander(f"Sources — {plural(len(answer.citations), 'quoted passage')} in context, references "
                         f"{md(refs_label(answer.refs)) or 'none'}", expanded=True):
            draw_sources(answer, msg["contexts"], msg.get("several", False))
    if answer.suggestions:
        draw_examples(answer.suggestions, key=f"suggest-{index}")
    for w in answer.warnings:
        st.warning(md(w))
    st.caption(f"Answered in {msg['seconds']:.2f} s")


def draw_chart(dot: str, tree: str, footnotes: dict[str, str], notice: str, key: str) -> None:
    """The diagram (its natural size, shrunk to the page's width when wider), then the footnotes and the
    reconstruction note (once, as text), then the wrapped text version. On a phone-sized window the text version
    replaces the diagram (CSS in ui/chart.py)."""
    with st.container(key=f"picture-{key}"):
        st.graphviz_chart(dot, width="content")
    if tree:
        with st.container(key=f"phone-{key}"):
            st.html(tree)
    st.html(legend_block(footnotes, notice))
    if tree:
        with st.container(key=f"picture-text-{key}"), st.expander("Text version of the flowchart"):
            st.html(tree)


def queue_question(question: str) -> None:
    """A button's question is asked on the run this click starts, as if typed."""
    st.session_state.pending = question


def draw_examples(questions: Sequence[str], key: str) -> None:
    """Example questions as buttons that ask them."""
    for j, q in enumerate(questions):
        st.button(q, key=f"{key}-{j}", on_click=queue_question, args=(q,), icon=":material/chat_bubble:")


def draw_arrival() -> None:
    """What the bot can and cannot do, and questions to start with."""
    with st.chat_message("assistant"), st.container(key="arrival"):
        st.html(text_block(ARRIVAL_HELP))
        st.caption("Try one of these, or type your own question below:")
        draw_examples(EXAMPLES, key="example")


def draw_conversation(messages: list[dict[str, Any]]) -> None:
    for i, msg in enumerate(messages):
        with st.chat_message(msg["role"]):
            if msg["role"] == "user":
                st.html(text_block(msg["content"]))
            else:
                draw_answer(msg, i)


def draw_flowchart_view(pipeline: Pipeline) -> None:
    """The whole pathway on its own, with the quotes behind every step."""
    try:
        chart = pipeline.flowchart
    except FlowchartError as exc:
        st.error(md(str(exc)))
        return
    st.subheader("Management flowchart")
    st.html(text_block(chart.title))
    branch = st.selectbox("Highlight the steps for a situation", [None, *chart.branches], key="branch",
                          format_func=lambda b: "none" if b is None else b.replace("_", " "))
    only = st.toggle("Show only these steps", key="branch_only", disabled=branch is None,
                     help="Only the highlighted situation and the steps that lead to it: a smaller chart.")
    shown = chart.subgraph(branch) if branch and only else chart
    st.html(WIDE_PAGE)
    draw_chart(to_screen_dot(shown, highlight=branch), tree_html(shown, highlight=branch), chart.footnotes,
               chart.notice, key="whole")
    with st.expander("The review's quotes behind each step"):
        for node in chart.nodes:
            mark = f" [{node.footnote}]" if node.footnote else ""
            st.html(f"<div><b>{esc(node.label + mark)}</b></div>")
            for sup in node.support:
                st.html(citation_heading(None, sup.section, "", sup.refs)
                        + text_block(f"\u201c{sup.quote}\u201d", "ascc-passage"))


# ------------------------------------------------------------------------------------------------ sidebar
def rebuild(settings: Settings, pipeline: Pipeline | None) -> tuple[index_mod.BuildReport | None, str]:
    """Incremental rebuild with a progress display; then the live pipeline switches to the new index."""
    embedder = pipeline.embedder if pipeline else load_embedder(settings.model_path)
    with st.status("Rebuilding the index…", expanded=True) as status:
        bar = st.progress(0.0, text="starting")

        def progress(stage: str, done: int, total: int) -> None:
            bar.progress(min(done / total, 1.0) if total else 1.0, text=f"{stage}: {done}/{total}")

        try:
            report = index_mod.build(settings, embedder=embedder, progress=progress)
        except (CorpusError, index_mod.IndexProblem) as exc:
            status.update(label="Rebuild failed", state="error")
            return None, str(exc)
        except Exception as exc:  # the previous index stays live (builds are atomic); say what happened
            status.update(label="Rebuild failed", state="error")
            return None, f"internal error ({exc.__class__.__name__}: {exc})"
        status.update(label="Index rebuilt" if report.wrote else "Index already up to date", state="complete",
                      expanded=False)
    if pipeline is None:
        load_pipeline.clear()  # the app could not start before: the next run loads the new index
    elif report.wrote:
        with pipeline_lock(str(settings.index_dir)):
            try:
                pipeline.reload()
            except index_mod.IndexProblem as exc:  # the next run retries (follow_rebuilds)
                st.warning(md(f"The new index could not be loaded yet: {exc}"))
    return report, ""


def draw_index_status(settings: Settings) -> None:
    info = describe_index(settings)
    status = info["status"]
    badge = {"fresh": ":green[:material/check_circle: fresh]",
             "stale": ":orange[:material/warning: stale] (rebuild to include the changes)",
             "missing": ":red[:material/error: missing]", "broken": ":red[:material/error: broken]"}.get(status, status)
    st.markdown(f"**Status:** {badge}")
    for reason in info["reasons"][:5]:
        st.caption(md(reason))
    counts = info["counts"] or {}
    docs = info["documents"] or {}
    rows = [f"<li>{esc(d['label'] + ' (' + name + ')' if d.get('label') else name)}: {esc(d.get('title', ''))} "
            f"({plural(int(d.get('chunks', 0)), 'chunk')})</li>" for name, d in docs.items()]
    st.html(f'<div class="ascc-bib"><b>Documents ({len(docs)})</b><ul>{"".join(rows)}</ul>'
            f'<b>Chunks:</b> {int(counts.get("chunks", 0))} · <b>Sentences:</b> {int(counts.get("sentences", 0))}'
            f'<br><b>Embedding model:</b> {esc(info["model"] or "unknown")}'
            f'<br><b>Built:</b> {esc(info["built_at"] or "never")}</div>')


def draw_sidebar(settings: Settings, pipeline: Pipeline | None) -> tuple[str, Any]:
    state = st.session_state
    sb = st.sidebar
    view = sb.radio("View", ["Chat", "Whole flowchart"], key="view",
                    help="The whole management pathway, reconstructed from the review's text, on its own.")
    clear_slot = sb.empty()  # filled by main() once this run's question is in the conversation
    sb.divider()
    sb.subheader("Index")
    status_box = sb.container()  # filled last, so it shows the state after a rebuild or an upload
    with sb:
        if st.button("Rebuild index", help="Re-index changed, added or removed documents; unchanged text is reused."):
            report, error = rebuild(settings, pipeline)
            state.index_message = ("error", f"The index was not rebuilt: {error}") if report is None \
                else ("success", report.summary())
        allowed, why = corpus_changes_allowed(st.get_option("server.address"))
        st.caption(md(why))
        if allowed:
            draw_corpus_changes(settings, pipeline)
        if state.index_message:
            kind, text = state.index_message
            (st.success if kind == "success" else st.error)(md(text))
    with status_box:
        draw_index_status(settings)
    return view, clear_slot


def draw_corpus_changes(settings: Settings, pipeline: Pipeline | None) -> None:
    """Add a document (upload) or remove one: shown only where the server allows changing the shared corpus."""
    state = st.session_state
    limit = settings.max_document_bytes
    kinds = [x.lstrip(".") for x in settings.document_suffixes]
    upload = st.file_uploader(f"Add a document ({' or '.join('.' + k for k in kinds)}, UTF-8, at most "
                              f"{limit // 1_000_000} MB)", type=kinds, key=f"upload-{state.upload_round}",
                              max_upload_size=max(1, -(-limit // 2**20)))  # the browser's cap, in MiB
    problem = upload_problem(upload, limit)
    if problem:
        st.caption(md(problem))
    if st.button("Add to the corpus and index", disabled=upload is None or bool(problem)) and upload:
        add_uploaded(settings, pipeline, upload.name, upload.getvalue())
        state.upload_round += 1  # added or refused: a fresh, empty uploader either way
        st.rerun()
    if pipeline is not None:
        draw_removal(settings, pipeline)


def draw_removal(settings: Settings, pipeline: Pipeline) -> None:
    """Take a document out of the corpus, after a confirmation, then rebuild. Every document but the review the
    flowchart comes from can be removed (the library says which: `Pipeline.corpus_documents`)."""
    state = st.session_state
    docs = {d["id"]: d for d in pipeline.corpus_documents() if d["removable"]}
    if not docs:
        return
    choice = st.selectbox("Remove a document", [None, *docs], key=f"remove-{state.remove_round}",
                          format_func=lambda k: "choose a document" if k is None else f"{docs[k]['label']} ({k})")
    st.caption("Adding or removing a document changes the corpus, and the answers, for every user of this server.")
    if st.button("Remove from the corpus…", disabled=choice is None, key="remove_ask"):
        state.confirm_remove = choice
    pending = state.get("confirm_remove")
    if pending not in docs:
        state.confirm_remove = None
        return
    st.warning(md(f"Remove {docs[pending]['label']} ({pending}) and its metadata sidecar from the corpus, and "
                  "rebuild the index? It cannot be undone from here."))
    yes, no = st.columns(2)
    if yes.button("Yes, remove it", key="remove_yes", type="primary"):
        state.confirm_remove = None
        state.remove_round += 1  # a fresh, empty choice after the rerun
        remove_and_rebuild(settings, pipeline, pending)
        st.rerun()
    if no.button("Cancel", key="remove_no"):
        state.confirm_remove = None
        st.rerun()


def remove_and_rebuild(settings: Settings, pipeline: Pipeline, name: str) -> None:
    """Remove the file (a filesystem fault is one line and removes nothing), then the incremental rebuild: the
    other documents keep their vectors."""
    state = st.session_state
    try:
        remove_document(settings.corpus_dir, name)
    except CorpusError as exc:
        state.index_message = ("error", f"Not removed: {exc}")
        return
    report, error = rebuild(settings, pipeline)
    state.index_message = (("error", f"Removed {name}, but the index was not rebuilt: {error}") if report is None
                           else ("success", f"Removed {name}. {report.summary()}"))


def upload_problem(upload: Any, limit: int) -> str:
    """Why the selected file cannot be added, from what the browser already knows (its size); the library
    checks the rest when it is added."""
    if upload is None:
        return ""
    if upload.size == 0:
        return f"{upload.name} is empty: choose another file."
    if upload.size > limit:
        return f"{upload.name} is {upload.size:,} bytes, over the {limit:,}-byte limit: choose another file."
    return ""


def clear_conversation() -> None:
    st.session_state.messages = []


def add_uploaded(settings: Settings, pipeline: Pipeline | None, name: str, data: bytes) -> None:
    """Save (the library refuses bad files and then writes nothing), then index it; a document that cannot be
    indexed is taken out again, so a bad upload changes nothing."""
    state = st.session_state
    try:
        path = add_document(settings.corpus_dir, name, data, settings.max_document_bytes,
                            settings.document_suffixes)
    except CorpusError as exc:
        state.index_message = ("error", f"Not added: {exc}")
        return
    except OSError as exc:  # e.g. the corpus folder is missing or read-only
        state.index_message = ("error", f"Not added: cannot write to {settings.corpus_dir} ({exc.strerror}).")
        return
    report, error = rebuild(settings, pipeline)
    if report is None:
        try:
            remove_document(settings.corpus_dir, path.name, with_sidecar=False)
        except CorpusError as exc:  # e.g. the folder turned read-only meanwhile: say the file is still there
            error += f"; and it could not be taken out again: {exc}"
        state.index_message = ("error", f"Not added: {name} could not be indexed ({error}).")
        return
    state.index_message = ("success", f"Added {path.name}. {report.summary()}")


# ------------------------------------------------------------------------------------------------ page
def main() -> None:
    state = st.session_state
    wide = state.get("view") == "Whole flowchart"  # the whole chart needs the page's full width
    st.set_page_config(page_title="ASCC review chatbot", page_icon="\U0001F4C4",  # an emoji: drawn locally
                       layout="wide" if wide else "centered")
    st.html(STYLE + CHART_STYLE)
    state.setdefault("messages", [])
    state.setdefault("upload_round", 0)
    state.setdefault("remove_round", 0)
    state.setdefault("index_message", None)

    st.title("ASCC review chatbot")
    st.caption("Answers from one narrative review, Racine et al., Cancers 2025: anal squamous cell carcinoma after "
               "failed chemoradiotherapy. Every answer quotes the review verbatim, with its own reference numbers.")
    st.info(DISCLAIMER, icon=":material/info:")

    settings = current_settings()
    pipeline = get_pipeline(settings)
    view, clear_slot = draw_sidebar(settings, pipeline)
    try:
        if pipeline is not None and view == "Chat":
            chat(pipeline)
        elif pipeline is not None:
            draw_flowchart_view(pipeline)
    finally:
        clear_slot.button("Clear the conversation", disabled=not state.messages, on_click=clear_conversation,
                          key="clear")


def chat(pipeline: Pipeline) -> None:
    state = st.session_state
    question = state.pop("pending", None)  # an example or suggestion button that was clicked
    if not state.messages and question is None:
        draw_arrival()
    draw_conversation(state.messages)
    typed = st.chat_input("Ask a question about the review…")
    question = typed if typed is not None else question
    if question is None:
        return
    user = {"role": "user", "content": question, "accepted": False}
    history = history_of(state.messages)
    state.messages.append(user)
    with st.chat_message("user"):
        st.html(text_block(question))
    with st.chat_message("assistant"):
        with st.spinner("Searching the review…"):
            reply = ask(pipeline, question, history)
        user["accepted"] = "answer" in reply  # refused (empty, too long) or failed questions are not history
        state.messages.append(reply)
        draw_answer(reply, len(state.messages) - 1)


main()
