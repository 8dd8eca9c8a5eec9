"""`ascc-bot` as a user (and the evaluation harness) runs it: `python -m bot.cli ...` in a subprocess, pointed at the
session's indexed copy of the review through ASCC_BOT_CORPUS / ASCC_BOT_INDEX.

The JSON-lines contract is ../shared/eval/README.md. Only one subprocess here loads the embedding model (the mixed
--jsonl run, shared by the module); the others use questions answered before any embedding (a bibliography
look-up, an off-topic question, bad input) or commands that never need the model.
"""
from __future__ import annotations

import json
import re

import pytest

from conftest import REVIEW, review_env, small_corpus
from fixtures.helpers import is_document_text, quote_norm, run_cli

MODES = {"answer", "deferred", "abstained"}
KITAGUCHI = "What did Kitaguchi et al. find about salvage APR for recurrent disease?"
HUGE = ("What did Kitaguchi et al. find about salvage APR for recurrent disease? " * 1400)[:100_000]

# (id, input line) in order; None id = a line whose id cannot be read
LINES = [
    ("q-kit", json.dumps({"id": "q-kit", "question": KITAGUCHI, "history": []})),
    (None, '{"id": "broken", "question": "What is IORT?"'),
    ("q-follow", json.dumps({"id": "q-follow", "question": "And for persistent disease?", "history": [
        {"role": "user", "content": KITAGUCHI}, {"role": "assistant", "content": "The review says: ..."}]})),
    ("q-empty", json.dumps({"id": "q-empty", "question": "  \t "})),
    ("q-huge", json.dumps({"id": "q-huge", "question": HUGE})),
    ("q-france", json.dumps({"id": "q-france", "question": "What is the capital of France?"})),
    ("q-ref", json.dumps({"id": "q-ref", "question": "What is reference 27?"})),
    ("q-kim", json.dumps({"id": "q-kim", "question":
                          "What was the 12-month progression-free survival rate in Kim 2024?", "history": []})),
    ("q-advice", json.dumps({"id": "q-advice", "question": "My father's anal cancer came back after "
                             "chemoradiotherapy. Should he have an abdominoperineal resection?"})),
    (17, json.dumps({"id": 17, "question": "Which trial compared carboplatin and paclitaxel with cisplatin?"})),
    (None, json.dumps(["not", "an", "object"])),
]
ERROR_IDS = {"q-empty", "q-huge"}


@pytest.fixture(scope="module")
def review_raw_n() -> str:
    return quote_norm(REVIEW.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def jsonl_run(review_settings):
    with pytest.MonkeyPatch.context() as mp:
        review_env(mp, review_settings)
        proc, _ = run_cli("ask", "--jsonl", stdin="\n".join(line for _, line in LINES) + "\n")
    out = [json.loads(line) for line in proc.stdout.splitlines()]  # every stdout line is JSON
    return proc, out


@pytest.fixture
def env(review_settings, monkeypatch):
    review_env(monkeypatch, review_settings)
    return review_settings


def by_id(out, qid):
    return next(o for o in out if o.get("id") == qid)


def answered(out):
    return [o for (qid, _), o in zip(LINES, out) if qid is not None and qid not in ERROR_IDS]


# ------------------------------------------------------------------------------------------ --jsonl contract
def test_jsonl_one_line_per_input_line_in_order_ids_echoed(jsonl_run):
    proc, out = jsonl_run
    assert len(out) == len(LINES), proc.stderr[-2000:]
    assert [o.get("id") for o in out] == [qid for qid, _ in LINES]
    assert all(isinstance(o, dict) for o in out)
    assert "Traceback" not in proc.stderr


def test_jsonl_answers_follow_the_contract(jsonl_run, review_settings):
    _, out = jsonl_run
    documents = {REVIEW.name}
    for o in answered(out):
        assert o["mode"] in MODES, o
        assert isinstance(o["answer"], str) and o["answer"].strip()
        assert isinstance(o["citations"], list) and isinstance(o["refs"], list)
        assert all(isinstance(n, int) for n in o["refs"])
        for c in o["citations"]:
            assert {"doc", "section", "quote", "refs"} <= set(c)
            assert c["doc"] in documents and isinstance(c["section"], str) and c["section"]
            assert isinstance(c["quote"], str) and c["quote"]
            assert all(isinstance(n, int) for n in c["refs"])
    assert by_id(out, 17)["mode"] == "answer"  # a numeric id is echoed as it came


def test_jsonl_answers_are_the_right_ones(jsonl_run):
    _, out = jsonl_run
    kit = by_id(out, "q-kit")
    assert kit["mode"] == "answer" and 12 in kit["refs"]
    follow = by_id(out, "q-follow")  # the history makes "And for persistent disease?" about Kitaguchi
    shown = follow["answer"] + " ".join(c["quote"] for c in follow["citations"])
    assert follow["mode"] == "answer" and "36%" in shown and "47%" in shown
    france = by_id(out, "q-france")
    assert france["mode"] == "abstained" and france["citations"] == []
    ref = by_id(out, "q-ref")
    assert ref["mode"] == "answer" and 27 in ref["refs"] and "InterAACT" in ref["answer"]
    kim = by_id(out, "q-kim")
    assert kim["mode"] == "answer" and "45%" in kim["answer"] and 35 in kim["refs"]
    assert by_id(out, "q-advice")["mode"] in ("deferred", "answer", "abstained")


def test_jsonl_bad_lines_are_reported_and_the_rest_answered(jsonl_run):
    proc, out = jsonl_run
    for lineno, (qid, _) in enumerate(LINES, 1):
        if qid is None or qid in ERROR_IDS:
            o = out[lineno - 1]
            assert o["mode"] not in MODES and o.get("error"), o
            assert not o.get("citations")
            assert re.search(rf"\bline {lineno}\b(?! column)", proc.stderr), lineno
    assert "empty" in by_id(out, "q-empty")["error"]
    assert "100,000" in by_id(out, "q-huge")["error"] or "100000" in by_id(out, "q-huge")["error"]
    assert len([o for o in out if o["mode"] in MODES]) == len(LINES) - 4


def test_jsonl_quotes_are_verbatim_document_text(jsonl_run, review_raw_n):
    """The scorer's rule: a quote is the document's text compared on letters and digits; a table quote may be
    labelled cells of the table, each of which must be the document's text."""
    _, out = jsonl_run
    quotes = [c for o in answered(out) for c in o["citations"]]
    assert len(quotes) >= 6
    bad = [c["quote"][:80] for c in quotes if not is_document_text(c, review_raw_n)]
    assert bad == []


def test_jsonl_all_valid_input_exits_zero(env):
    lines = [json.dumps({"id": "a", "question": "What is reference 12?"}),
             json.dumps({"id": "b", "question": "What is the capital of France?", "history": []})]
    proc, _ = run_cli("ask", "--jsonl", stdin="\n".join(lines) + "\n")
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(o["id"], o["mode"]) for o in out] == [("a", "answer"), ("b", "abstained")]
    assert "Kitaguchi" in out[0]["answer"]


def test_jsonl_history_turns_that_are_not_text_are_named_not_silently_dropped(env):
    """A history item whose content is not text (here nested one level too deep) is left out with a warning that
    names the line, and the question is still answered."""
    nested = {"role": "user", "content": {"role": "user", "content": KITAGUCHI}}
    lines = [json.dumps({"id": "n", "question": "What is reference 12?", "history": [nested, "fine turn"]})]
    proc, _ = run_cli("ask", "--jsonl", stdin="\n".join(lines) + "\n")
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert out[0]["mode"] == "answer"
    assert re.search(r"warning: line 1 \(id n\): 1 earlier turn of the history ignored", proc.stderr), proc.stderr


# ------------------------------------------------------------------------------------------ ask "..."
def test_ask_json_prints_one_object(env, review_raw_n):
    proc, _ = run_cli("ask", "--json", "What is reference 27?")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(proc.stdout.strip().splitlines()) == 1
    obj = json.loads(proc.stdout)
    assert obj["mode"] == "answer" and 27 in obj["refs"] and "InterAACT" in obj["answer"]
    assert "InterAACT" in obj["bibliography"]["27"]
    assert all(is_document_text(c, review_raw_n) for c in obj["citations"])


def test_ask_prints_a_readable_answer_with_sources(env):
    proc, _ = run_cli("ask", "Who", "wrote", "reference", "12?")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Kitaguchi" in proc.stdout
    assert "[12]" in proc.stdout
    with pytest.raises(ValueError):
        json.loads(proc.stdout)  # readable text, not JSON
    assert "Source 1: " in proc.stdout  # sources are numbered in words; brackets hold only the review's numbers
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", proc.stdout)}
    entries = {int(n) for n in re.findall(r"^  \[(\d+)\] ", proc.stdout, flags=re.M)}
    assert cited and cited <= entries, (cited, entries)


def test_index_up_to_date_says_document_in_the_singular(env):
    proc, _ = run_cli("index")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "(1 document unchanged)" in proc.stdout, proc.stdout


@pytest.mark.parametrize("args", [["ask", ""], ["ask", "   \t  "], ["ask"], ["ask", HUGE]],
                         ids=["empty", "whitespace", "no-question", "100k-characters"])
def test_ask_bad_question_clear_message_nonzero_exit(env, args):
    proc, _ = run_cli(*args)
    assert proc.returncode != 0
    assert proc.stderr.startswith("error: ") and "question" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    if args[-1] == HUGE:
        assert "100,000" in proc.stderr


# ------------------------------------------------------------------------------------------ cheap commands
@pytest.mark.parametrize("args", [["--help"], ["ask", "--help"], ["index", "--help"]])
def test_help_works_without_importing_the_model_stack(args):
    proc, heavy = run_cli(*args, inspect=True)
    assert proc.returncode == 0
    assert "usage: ascc-bot" in proc.stdout
    assert heavy == []


def test_index_fails_on_a_non_utf8_corpus_file_naming_it(tmp_path, monkeypatch):
    corpus = small_corpus(tmp_path, {"good.txt": "1. Note\n\nSalvage surgery was studied in 12 patients [1].\n"})
    (corpus / "notes-latin1.txt").write_bytes("Résumé: the café cohort had 12 patients [1].".encode("latin-1"))
    monkeypatch.setenv("ASCC_BOT_CORPUS", str(corpus))
    monkeypatch.setenv("ASCC_BOT_INDEX", str(tmp_path / "index"))
    proc, heavy = run_cli("index", inspect=True)
    assert proc.returncode != 0
    assert "notes-latin1.txt" in proc.stderr and "UTF-8" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert heavy == []  # refused before loading the model
    assert not (tmp_path / "index" / "CURRENT").exists()
    proc, _ = run_cli("ask", "What did the notes say?")  # answering commands build first: same message
    assert proc.returncode != 0 and "notes-latin1.txt" in proc.stderr and "Traceback" not in proc.stderr
