"""The Streamlit app driven headlessly with `streamlit.testing.v1.AppTest`: asking, a follow-up, a deferred answer
with its diagram, an abstention, escaping, the rebuild button, uploads (good and bad, each leaving an empty
uploader), the welcome with example buttons that ask their question, and "Clear the conversation"'s disabled
state.

The app caches its pipeline per (corpus, index, model) paths, so tests on the shared review index reuse one
pipeline, and the tests that change a corpus work on a private copy of it (and of its index) without touching the
shared one.
"""
from __future__ import annotations

import hashlib
import html
import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Widget

from bot.settings import ENV_ALLOW_UPLOADS, PROJECT_ROOT, Settings, corpus_changes_allowed
from conftest import review_env
from ui.render import group_by_paragraph, md, passage_block, passage_block_multi, plural, source_label

pytestmark = pytest.mark.slow

APP = PROJECT_ROOT / "ui" / "app.py"
DEFERRED_Q = "What treatment should I give my 62-year-old patient with metastatic anal cancer?"
ADD_BUTTON = "Add to the corpus and index"


# ------------------------------------------------------------------------------------------------ helpers
def start(monkeypatch, settings: Settings, allow_uploads: bool = True) -> AppTest:
    review_env(monkeypatch, settings)
    if allow_uploads:  # as `ascc-bot ui --allow-uploads` does (AppTest runs no server, so it has no address)
        monkeypatch.setenv(ENV_ALLOW_UPLOADS, "1")
    else:
        monkeypatch.delenv(ENV_ALLOW_UPLOADS, raising=False)
    at = AppTest.from_file(str(APP), default_timeout=180).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def html_of(node) -> str:
    return "\n".join(h.value for h in node.get("html"))


def button(at: AppTest, label: str):
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r}: {[b.label for b in at.button]}"
    return matches[0]


def spec(at: AppTest) -> str:
    return at.get("graphviz_chart")[0].proto.spec


def plain(markdown: str) -> str:
    """What a reader sees of markdown the app escaped with `md`."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("  \n", "\n")


def sidebar_text(at: AppTest) -> str:
    parts = [m.value for m in at.sidebar.markdown] + [c.value for c in at.sidebar.caption] + [html_of(at.sidebar)]
    parts += [e.value for e in at.sidebar.error] + [s.value for s in at.sidebar.success]
    return plain("\n".join(parts))


def snapshot(settings: Settings) -> dict[str, str]:
    """Every file of the corpus and index (hidden ones too), by content: what 'changes nothing' is checked on."""
    out = {}
    for root in (settings.corpus_dir, settings.index_dir):
        for p in sorted(root.rglob("*")):
            if p.is_file() and p.name != ".lock":
                out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.fixture
def scratch_settings(tmp_path, review_settings) -> Settings:
    """A private copy of the indexed review, for tests that add documents or rebuild."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(review_settings.corpus_dir, corpus)
    shutil.copytree(review_settings.index_dir, index, ignore=shutil.ignore_patterns(".lock"))
    return Settings.from_env(corpus_dir=corpus, index_dir=index)


# ------------------------------------------------------------------------------------------------ asking
def test_answer_shows_text_quotes_in_context_and_bibliography(monkeypatch, review_settings, pipeline):
    at = start(monkeypatch, review_settings)
    assert any("does not give medical advice" in i.value for i in at.info)
    # a question whose answer quotes two sentences of one paragraph (the first such among a few study questions)
    candidates = ["What did Kitaguchi et al. find?", "What did Hagemans et al. report?", "What did Fields et al. find?",
                  "What did Rosen et al. report?", "What did Ko et al. find?", "What did Damron et al. report?"]
    q = next((c for c in candidates if len({(x.doc, pipeline.passage_context(x)[0]) for x in
                                            pipeline.ask(c, []).citations}) < len(pipeline.ask(c, []).citations)),
             candidates[0])
    ask(at, q)
    expected = pipeline.ask(q, [])
    assert expected.mode == "answer" and expected.citations
    user, bot = at.chat_message[-2], at.chat_message[-1]
    assert user.name == "user" and bot.name == "assistant"
    shown = html_of(bot)
    assert html.escape(expected.text) in shown  # the answer text, with its reference numbers
    assert re.search(r"\[\d+", shown)
    sources = [e for e in bot.expander if e.label.startswith("Sources")]
    assert sources, [e.label for e in bot.expander]
    in_sources = html_of(sources[0])
    contexts = [pipeline.passage_context(c) for c in expected.citations]
    for c, (para, s, e) in zip(expected.citations, contexts):  # every quote highlighted in its paragraph
        assert f"<mark>{html.escape(para[s:e])}</mark>" in in_sources
        assert html.escape(c.section) in in_sources
    # a paragraph that gives several quotes is shown once, with all of them highlighted, under "Sources 1, 2"
    groups = group_by_paragraph((c.doc, para) for c, (para, _, _) in zip(expected.citations, contexts))
    assert len(groups) < len(expected.citations), "pick a question with two quotes from one paragraph"
    assert in_sources.count('class="ascc-passage"') == len(groups)
    for group in groups:
        para = contexts[group[0]][0]
        assert passage_block_multi(para, [contexts[i][1:] for i in group]) in in_sources
        assert f"<b>{source_label([i + 1 for i in group])}</b>" in in_sources
    for n, entry in expected.bibliography.items():  # the full reference-list entry of every cited number
        assert f"<b>[{n}]</b> {html.escape(entry)}" in in_sources
    # square brackets in the sources hold the review's reference numbers and nothing else
    review_numbers = {int(n) for para, _, _ in contexts for n in re.findall(r"\[(\d+)", para)}
    review_numbers |= set(expected.bibliography) | {n for c in expected.citations for n in c.context_refs}
    assert {int(n) for n in re.findall(r"\[(\d+)", in_sources)} <= review_numbers
    assert any(c.value.startswith("Answered in") for c in bot.caption)


def test_follow_up_is_asked_with_the_earlier_questions(monkeypatch, review_settings, pipeline):
    first, follow = "What did Kitaguchi et al. find about salvage APR?", "And for persistent disease?"
    with_history, alone = pipeline.ask(follow, [first]), pipeline.ask(follow, [])
    assert with_history.text != alone.text, "pick a follow-up whose answer depends on the conversation"
    at = start(monkeypatch, review_settings)
    ask(at, first)
    ask(at, "   ")  # refused (empty): shown as a message, and not part of the conversation's history
    assert any("empty" in plain(w.value) for w in at.chat_message[-1].warning)
    ask(at, "x" * 2500)  # too long: refused with the limit, never silently cut
    assert any("limit" in plain(w.value) for w in at.chat_message[-1].warning)
    ask(at, follow)
    assert html.escape(with_history.text) in html_of(at.chat_message[-1])
    questions = [m["content"] for m in at.session_state["messages"] if m["role"] == "user"]
    assert questions == [first, "   ", "x" * 2500, follow]
    assert len(at.chat_message) == 8  # the whole conversation stays on the page


def test_deferred_answer_shows_the_highlighted_flowchart(monkeypatch, review_settings, pipeline):
    at = start(monkeypatch, review_settings)
    ask(at, DEFERRED_Q)
    bot = at.chat_message[-1]
    charts = bot.get("graphviz_chart")
    assert len(charts) == 1
    dot = charts[0].proto.spec
    assert dot.startswith("digraph") and 'fillcolor="#ffe08a"' in dot  # the matching branch is highlighted
    expected = pipeline.ask(DEFERRED_Q, [])
    assert expected.mode == "deferred" and expected.flowchart["branch"] == "systemic"
    shown = html_of(bot)
    assert "multidisciplinary team" in shown  # the referral
    chart = pipeline.flowchart
    assert shown.count(html.escape(chart.notice)) == 1  # reconstructed from the review's text: said once
    for key, text in chart.footnotes.items():  # footnotes a/b explained, once, and not inside the picture
        assert shown.count(f"<b>[{key}]</b> {html.escape(text)}") == 1
        assert text not in dot
    assert chart.notice[:40] not in dot
    assert "Footnotes:" not in shown  # the text version is the tree alone
    assert any("systemic" in c.value for c in bot.caption)
    assert any(e.label.startswith("Sources") for e in bot.expander)


def test_whole_flowchart_view(monkeypatch, review_settings, pipeline):
    at = start(monkeypatch, review_settings)
    at.sidebar.radio(key="view").set_value("Whole flowchart").run()
    assert not at.exception
    charts = at.get("graphviz_chart")
    assert len(charts) == 1 and "fillcolor" not in charts[0].proto.spec
    assert "ascc-tree" in html_of(at.main)  # the text version: a list that wraps
    for node in pipeline.flowchart.nodes:  # the whole chart, not a branch
        assert f'"{node.id}"' in charts[0].proto.spec
    assert not at.chat_input
    shown = html_of(at.main)
    assert shown.count(html.escape(pipeline.flowchart.notice)) == 1 and "Insufficient evidence" not in spec(at)
    assert at.toggle(key="branch_only").disabled  # nothing to narrow down before a situation is chosen
    at.selectbox(key="branch").set_value("inguinal").run()  # a situation's steps highlighted in the whole chart
    assert spec(at).count('fillcolor="#ffe08a"') == len(pipeline.flowchart.branches["inguinal"])
    at.toggle(key="branch_only").set_value(True).run()  # only that situation and the steps leading to it
    part = pipeline.flowchart.subgraph("inguinal")
    assert spec(at).count(" -> ") == len(part.edges) < len(pipeline.flowchart.edges)
    at.sidebar.radio(key="view").set_value("Chat").run()
    assert at.chat_input and not at.get("graphviz_chart")


def test_abstention_says_the_review_does_not_cover_it(monkeypatch, review_settings):
    at = start(monkeypatch, review_settings)
    ask(at, "What does the review say about HPV vaccination?")
    bot = at.chat_message[-1]
    assert "does not appear to cover this question" in html_of(bot)
    assert not bot.get("graphviz_chart")
    assert not [e for e in bot.expander if e.label.startswith("Sources")]


def test_html_in_a_question_is_shown_as_text(monkeypatch, review_settings):
    at = start(monkeypatch, review_settings)
    q = "<script>alert(1)</script><img src=x onerror=alert(2)> **bold** $x$"
    ask(at, q)
    assert html_of(at.chat_message[-2]) == f'<div class="ascc-text">{html.escape(q)}</div>'
    for node in at:  # nothing on the page carries the question's markup unescaped (inputs hold what was typed)
        value = None if isinstance(node, Widget) else getattr(node, "value", None)
        if isinstance(value, str):
            assert "<script" not in value.lower() and "<img" not in value.lower(), (node.type, value)
    for m in at.markdown:
        assert not m.proto.allow_html or "script" not in m.value


def test_markdown_escaping_keeps_every_character_literal():
    s = "<b>x</b> **y** $z$ :red[w] [a](http://e) # h"
    escaped = md(s)
    assert "<" not in escaped.replace("\\<", "") and "*" not in escaped.replace("\\*", "")
    assert escaped.replace("\\", "") == s.replace("\\", "")


# ------------------------------------------------------------------------------------------------ index
def test_an_app_without_documents_says_why_and_offers_the_upload(monkeypatch, tmp_path):
    empty = Settings.from_env(corpus_dir=tmp_path / "no-corpus", index_dir=tmp_path / "no-index")
    at = start(monkeypatch, empty)
    assert any("cannot start" in plain(e.value) and "does not exist" in plain(e.value) for e in at.error)
    assert not at.chat_input
    assert at.sidebar.file_uploader and "missing" in sidebar_text(at)


def test_a_server_open_beyond_this_machine_offers_no_upload_and_says_why(monkeypatch, scratch_settings):
    """Every user shares the corpus: without --allow-uploads, a server that is not on a loopback address (AppTest
    runs none, so it has no address) shows no uploader and no removal, and says how to allow them."""
    at = start(monkeypatch, scratch_settings, allow_uploads=False)
    assert not at.sidebar.file_uploader
    assert not any(b.label.startswith("Remove") for b in at.button)
    assert "--allow-uploads" in sidebar_text(at) and "every user" in sidebar_text(at)
    assert any(b.label == "Rebuild index" for b in at.button)  # rebuilding changes no document: still offered


def test_corpus_changes_are_allowed_on_a_loopback_address_or_with_the_flag(monkeypatch):
    monkeypatch.delenv(ENV_ALLOW_UPLOADS, raising=False)
    assert corpus_changes_allowed("127.0.0.1")[0] and corpus_changes_allowed("localhost")[0]
    assert not corpus_changes_allowed("0.0.0.0")[0] and not corpus_changes_allowed(None)[0]
    assert "0.0.0.0" in corpus_changes_allowed("0.0.0.0")[1]
    monkeypatch.setenv(ENV_ALLOW_UPLOADS, "1")
    assert corpus_changes_allowed("0.0.0.0")[0]


def test_rebuild_button_reports_what_changed(monkeypatch, scratch_settings):
    (scratch_settings.corpus_dir / "extra-notes.txt").write_text(
        "Notes on follow-up after chemoradiotherapy\n\nPatients with anal cancer are examined every three months "
        "after chemoradiotherapy. A biopsy confirms persistent disease before salvage surgery is discussed.\n",
        encoding="utf-8")
    at = start(monkeypatch, scratch_settings)
    assert "stale" in sidebar_text(at) and "extra-notes.txt is new" in sidebar_text(at)
    button(at, "Rebuild index").click().run()
    assert not at.exception, [e.value for e in at.exception]
    text = sidebar_text(at)
    assert "1 added" in text and "1 unchanged" in text, text
    assert "fresh" in text and "Documents (2)" in text and "extra-notes.txt" in text
    assert "Racine 2025 (racine2025-ascc-review.txt)" in text  # each document by the label its quotes carry
    assert at.sidebar.status and at.sidebar.status[0].label == "Index rebuilt"
    button(at, "Rebuild index").click().run()
    assert "up to date" in sidebar_text(at)
    ask(at, "What did Kitaguchi et al. find?")  # the reloaded pipeline still answers
    assert "Kitaguchi" in html_of(at.chat_message[-1])


BAD_UPLOADS = [  # refused when "Add" is clicked: the library reads the file
    ("scan.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
    ("notes-latin1.txt", "Résumé: the café study of anal cancer follow-up.".encode("latin-1"), "not valid UTF-8"),
    ("blank.md", b" \n\n  \n", "empty"),
]
UNADDABLE = [  # the size says it all: "Add" stays disabled and the reason is shown at once
    ("nothing.txt", b"", "is empty"),
    ("huge.txt", b"word " * 400_001, "over the 2,000,000-byte limit"),
]


def uploader_is_reset(at: AppTest) -> bool:
    return at.sidebar.file_uploader[0].value is None and button(at, ADD_BUTTON).disabled


def test_bad_uploads_get_a_message_change_nothing_and_reset_the_uploader(monkeypatch, scratch_settings):
    at = start(monkeypatch, scratch_settings)
    before = snapshot(scratch_settings)
    assert uploader_is_reset(at)  # nothing chosen: nothing to add
    for name, data, message in BAD_UPLOADS:
        at.sidebar.file_uploader[0].set_value((name, data, "text/plain")).run()
        assert not button(at, ADD_BUTTON).disabled
        button(at, ADD_BUTTON).click().run()
        assert not at.exception, [e.value for e in at.exception]
        errors = [plain(e.value) for e in at.sidebar.error]
        assert errors and message in errors[-1] and "Not added" in errors[-1], (name, errors)
        assert snapshot(scratch_settings) == before, name
        assert uploader_is_reset(at), name  # the refused file is gone: clicking again cannot repeat it
    for name, data, message in UNADDABLE:
        at.sidebar.file_uploader[0].set_value((name, data, "text/plain")).run()
        assert button(at, ADD_BUTTON).disabled, name
        assert any(message in plain(c.value) for c in at.sidebar.caption), (name, message)
        assert snapshot(scratch_settings) == before, name


def test_good_upload_is_saved_indexed_and_escaped(monkeypatch, scratch_settings):
    at = start(monkeypatch, scratch_settings)
    data = ("# Clinic notes on <b>salvage</b> surgery\n\nAfter an abdominoperineal resection the perineal wound is "
            "reviewed weekly. The <img src=x onerror=alert(1)> multidisciplinary team meets every Tuesday.\n")
    at.sidebar.file_uploader[0].set_value(("clinic-notes.md", data.encode("utf-8"), "text/markdown")).run()
    button(at, ADD_BUTTON).click().run()
    assert not at.exception, [e.value for e in at.exception]
    text = sidebar_text(at)
    assert "Added clinic-notes.md" in text and "1 added" in text, text
    assert (scratch_settings.corpus_dir / "clinic-notes.md").read_text(encoding="utf-8") == data
    assert "Documents (2)" in text and "fresh" in text
    assert "<b>salvage" not in html_of(at.sidebar) and "<img" not in html_of(at.sidebar)
    assert uploader_is_reset(at)  # added: the uploader is empty again, ready for the next file


# ------------------------------------------------------------------------------------------------ arrival
def test_arrival_explains_the_bot_and_an_example_button_asks_its_question(monkeypatch, review_settings, pipeline):
    at = start(monkeypatch, review_settings)
    welcome = html_of(at.main)
    assert "cannot recommend a treatment" in welcome and "reference numbers" in welcome
    assert button(at, "Clear the conversation").disabled  # nothing to clear yet
    q = "What did Kitaguchi et al. find?"
    button(at, q).click().run()
    assert not at.exception, [e.value for e in at.exception]
    user, bot = at.chat_message[-2], at.chat_message[-1]
    assert user.name == "user" and html_of(user) == f'<div class="ascc-text">{html.escape(q)}</div>'
    assert html.escape(pipeline.ask(q, []).text) in html_of(bot)
    assert "cannot recommend a treatment" not in html_of(at.main)  # the welcome has made way for the conversation
    assert not [b for b in at.button if b.label == q]
    assert not button(at, "Clear the conversation").disabled
    button(at, "Clear the conversation").click().run()
    assert not at.session_state["messages"] and "cannot recommend a treatment" in html_of(at.main)
    assert button(at, "Clear the conversation").disabled


def test_hello_gets_help_with_examples_that_ask_their_question(monkeypatch, review_settings, pipeline):
    expected = pipeline.ask("hello", [])
    assert expected.reason.startswith("help") and expected.suggestions
    assert "(none)" not in expected.text
    at = start(monkeypatch, review_settings)
    ask(at, "hello")
    bot = at.chat_message[-1]
    assert html.escape(expected.text) in html_of(bot)
    labels = [b.label for b in bot.button]
    assert labels == expected.suggestions
    q = expected.suggestions[0]
    bot.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert html_of(at.chat_message[-2]) == f'<div class="ascc-text">{html.escape(q)}</div>'
    assert "Answered in" in " ".join(c.value for c in at.chat_message[-1].caption)


# ------------------------------------------------------------------------------------------------ wording
def test_wording_helpers():
    assert plural(1, "document") == "1 document" and plural(2, "document") == "2 documents"
    assert plural(0, "quoted passage") == "0 quoted passages"
    assert source_label(1) == "Source 1" and source_label([1, 3]) == "Sources 1, 3"
    para = "Alpha beta. Gamma delta. Epsilon."
    shown = passage_block_multi(para, [(12, 24), (0, 11), (5, 11)])  # overlaps merged, order kept
    assert shown == ('<div class="ascc-passage"><mark>Alpha beta.</mark> <mark>Gamma delta.</mark> '
                     'Epsilon.</div>')
    assert passage_block(para, 0, 5) == passage_block_multi(para, [(0, 5)])
