"""Inputs found by review to break things before: each must now give a clear message or keep working."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.index import store as index
from bot.retrieve.bibliography import numbered_refs
from bot.pipeline import InputProblem, Pipeline
from bot.settings import Settings
from conftest import small_corpus


LOWER_TABLE = """1. Results

The trial enrolled patients with recurrent disease [1].

Table 1. Outcomes.

study\tpatients\tresponse
alpha (2020) [1]\t40\t30%

2. Discussion

The response was modest [1].

References

1. Alpha, A. A trial. J. Test. 2020, 1, 1-2.
"""


def test_a_table_with_a_lower_case_header_does_not_break_questions(tmp_path, embedder):
    corpus = small_corpus(tmp_path, {"lower.txt": LOWER_TABLE})
    settings = Settings.from_env(corpus_dir=corpus, index_dir=tmp_path / "index")
    index.build(settings, embedder=embedder)
    pipeline = Pipeline.load(settings, embedder=embedder, build_missing=False)
    answer = pipeline.ask("How many patients were in the alpha study?")
    assert answer.mode in ("answer", "abstained")
    assert any("patients: 40" in c.quote for c in answer.citations) or answer.mode == "abstained"


def test_a_crlf_document_with_a_bom_is_fresh_after_its_build(tmp_path, embedder):
    """Freshness compares the file's bytes, so a Windows-saved document is not stale forever."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "win.txt").write_bytes("\ufeff1. Intro\r\n\r\nA short text about salvage surgery [1].\r\n".encode())
    settings = Settings.from_env(corpus_dir=corpus, index_dir=tmp_path / "index")
    index.build(settings, embedder=embedder)
    assert index.check(settings).status == "fresh"
    assert not index.build(settings, embedder=embedder).wrote


def test_a_year_is_not_read_as_a_reference_number():
    assert numbered_refs("refs 2020 and 2021") == []
    assert numbered_refs("What is reference 27?") == [27]


def test_a_question_with_a_stray_byte_is_refused_with_a_message(pipeline):
    with pytest.raises(InputProblem, match="not valid text"):
        pipeline.ask("a \udcff b")


def _cli(args, settings, stdin=""):
    env = {"ASCC_BOT_CORPUS": str(settings.corpus_dir), "ASCC_BOT_INDEX": str(settings.index_dir),
           "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=300)


def test_absurdly_nested_json_line_is_reported_and_the_next_line_answered(review_settings):
    lines = "[" * 100_000 + "\n" + json.dumps({"id": "ok", "question": "What is reference 27?"}) + "\n"
    p = _cli(["ask", "--jsonl"], review_settings, lines)
    out = [json.loads(x) for x in p.stdout.splitlines()]
    assert out[0]["mode"] == "error" and out[0]["line"] == 1
    assert out[1]["id"] == "ok" and out[1]["mode"] == "answer"
    assert "Traceback" not in p.stderr


def test_unknown_flowchart_branch_is_a_clear_error(review_settings):
    p = _cli(["flowchart", "--branch", "nonsense"], review_settings)
    assert p.returncode == 2
    assert "no branch 'nonsense'" in p.stderr and "systemic" in p.stderr and "Traceback" not in p.stderr


def test_a_missing_model_folder_is_a_clear_error(tmp_path, review_settings):
    env = {"ASCC_BOT_CORPUS": str(review_settings.corpus_dir), "ASCC_BOT_INDEX": str(review_settings.index_dir),
           "ASCC_BOT_MODEL": str(tmp_path / "no-model"), "PATH": "/usr/bin:/bin"}
    p = subprocess.run([sys.executable, "-m", "bot.cli", "index", "--check"], capture_output=True, text=True,
                       env=env, timeout=120)
    assert p.returncode == 1
    assert "embedding model cannot be read" in p.stdout + p.stderr and "Traceback" not in p.stderr
