"""The measurement tools of issue 7: eval/score_sets.py (the side-by-side table) and eval/baseline_langchain.py (the
budget-matched LangChain baseline, which needs the optional [eval] extra that `make test` does not install)."""
from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import ENV_CORPUS, PROJECT_ROOT

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "eval"
SCORE_SETS = PROJECT_ROOT / "eval" / "score_sets.py"
BASELINE = PROJECT_ROOT / "eval" / "baseline_langchain.py"
RUN_EVAL = PROJECT_ROOT.parent / "shared" / "eval" / "run_eval.py"

needs_scorer = pytest.mark.skipif(not RUN_EVAL.is_file(), reason=f"the shared scorer is not beside the project: {RUN_EVAL}")


def _load_score_sets():
    spec = importlib.util.spec_from_file_location("score_sets", SCORE_SETS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _table(text: str) -> dict[tuple[str, str], dict[str, str]]:
    """Markdown table → {(set, system): {column: cell}}."""
    lines = [l for l in text.splitlines() if l.startswith("|")]
    head = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[2:]:
        cells = dict(zip(head, (c.strip() for c in line.strip("|").split("|"))))
        rows[cells["set"], cells["system"]] = cells
    return rows


def _run_eval_report(system: str, name: str) -> dict[str, str]:
    p = subprocess.run([sys.executable, str(RUN_EVAL), "--answers", str(FIXTURE / "answers" / system / f"{name}.jsonl"),
                        "--cases", str(FIXTURE / f"{name}.jsonl"), "--corpus", str(FIXTURE / "corpus")],
                       capture_output=True, text=True, check=True)
    out = p.stdout
    grab = lambda pattern: re.search(pattern, out).group(1)  # noqa: E731
    return {"facts (answer+quotes)": grab(r"facts answered\s+(\d+/\d+)"),
            "facts in answer text": grab(r"facts in answer text\s+(\d+/\d+)"),
            "reference recall": grab(r"reference recall\s+(\S+)"),
            "quotes verbatim": grab(r"quotes verbatim\s+(\d+/\d+)"),
            "wrongly deferred": grab(r"wrongly deferred facts (\d+)")}


@needs_scorer
def test_side_by_side_table_has_run_evals_own_numbers(tmp_path, capsys):
    md = tmp_path / "out" / "table.md"
    rc = _load_score_sets().main([str(FIXTURE / "tiny.jsonl"), str(FIXTURE / "other.j*l"),
                                  "--answers", str(FIXTURE / "answers"), "--corpus", str(FIXTURE / "corpus"),
                                  "--markdown", str(md)])
    assert rc == 0
    printed = capsys.readouterr().out
    written = md.read_text(encoding="utf-8")
    assert written.startswith("Scored at commit ") and printed in written
    rows = _table(printed)
    assert list(rows) == [("tiny", "bot"), ("tiny", "baseline"), ("other", "bot"), ("other", "baseline"),
                          ("all sets", "bot"), ("all sets", "baseline")]
    # every figure is the one run_eval.py prints for the same answers
    for name in ("tiny", "other"):
        for system in ("bot", "baseline"):
            row, report = rows[name, system], _run_eval_report(system, name)
            for column in ("facts (answer+quotes)", "facts in answer text", "reference recall", "quotes verbatim"):
                assert row[column] == report[column], (name, system, column)
            assert row["wrongly deferred / abstained"].split(" / ")[0] == report["wrongly deferred"]
    # what run_eval.py does not print: fact questions abstained, and the pooled totals
    assert rows["tiny", "bot"]["wrongly deferred / abstained"] == "1 / 1"
    assert rows["tiny", "bot"]["deferred"] == "1/1" and rows["tiny", "baseline"]["abstained"] == "0/1"
    assert rows["all sets", "bot"]["facts (answer+quotes)"] == "3/5"
    assert rows["all sets", "baseline"]["facts in answer text"] == "0/5"
    assert rows["all sets", "bot"]["cases"] == "7" and rows["all sets", "bot"]["quotes verbatim"] == "3/4"


def test_a_set_is_named_after_its_file_or_as_given():
    expand = _load_score_sets().expand
    tiny, other = FIXTURE / "tiny.jsonl", FIXTURE / "other.jsonl"
    assert expand([f"public={tiny}", str(other)]) == [("public", tiny), ("other", other)]
    assert expand([f"both={FIXTURE}/*.jsonl"]) == [("other", other), ("tiny", tiny)]   # a glob keeps file names


@needs_scorer
@pytest.mark.parametrize("args, message", [
    (["eval/sets/nothing-*.locked.jsonl"], "no case file to score"),
    (["no-such-cases.jsonl"], "no such case file"),
    ([str(FIXTURE / "tiny.jsonl"), "--systems", "bot,gpt"], "unknown system gpt"),
    ([str(FIXTURE / "tiny.jsonl"), "--answers", str(FIXTURE)], "no saved answers for bot on tiny"),
])
def test_bad_arguments_get_one_line_and_write_nothing(tmp_path, capsys, args, message):
    md = tmp_path / "table.md"
    rc = _load_score_sets().main(args + ["--corpus", str(FIXTURE / "corpus"), "--markdown", str(md)])
    err = capsys.readouterr().err
    assert rc == 2 and message in err and "Traceback" not in err
    assert not md.exists()


@needs_scorer
def test_a_conversation_written_as_role_objects_is_refused_not_scored_without_its_history(tmp_path, capsys):
    """run_eval.py wraps each history turn as {"role": "user", "content": turn}: a turn that is already such an
    object would reach the bot as a content that is not text, and the follow-up would be scored with no history."""
    cases = tmp_path / "convo.jsonl"
    cases.write_text(json.dumps({"id": "c1", "kind": "follow_up", "question": "And for persistent disease?",
                                 "history": [{"role": "user", "content": "What did Kitaguchi et al. find?"}],
                                 "facts": ["36%"], "refs": []}) + "\n", encoding="utf-8")
    rc = _load_score_sets().main([str(cases), "--systems", "bot", "--corpus", str(FIXTURE / "corpus"),
                                  "--out", str(tmp_path / "answers")])
    err = capsys.readouterr().err
    assert rc == 2 and "case c1: history must be a list" in err and "Traceback" not in err
    assert not (tmp_path / "answers").exists()


def _extra_missing() -> str | None:
    missing = [m for m in ("langchain_community", "langchain_huggingface") if importlib.util.find_spec(m) is None]
    return ("the [eval] extra is not installed (`make test` does not install it; "
            f"`.venv/bin/pip install -e '.[eval]'`): missing {', '.join(missing)}") if missing else None


@pytest.mark.slow
@pytest.mark.skipif(_extra_missing() is not None, reason=_extra_missing() or "")
def test_baseline_speaks_the_jsonl_contract(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    topics = {
        "surgery.txt": "Salvage abdominoperineal resection is the standard after failed chemoradiotherapy [12]. "
                       "Perineal wound complications are frequent after this operation [13–15]. ",
        "radio.md": "Proton beam re-irradiation spares the small bowel and the bladder [31]. "
                    "Intraoperative radiotherapy was studied in small series [29,30]. ",
    }
    brackets = {"[12]": {12}, "[13–15]": {13, 14, 15}, "[31]": {31}, "[29,30]": {29, 30}}
    for name, sentences in topics.items():   # ~2,000 characters each: several chunks per document
        header = "# Radiotherapy\n\n" if name.endswith(".md") else ""
        (corpus / name).write_text(header + sentences * 12, encoding="utf-8")
    (corpus / "surgery.meta.json").write_text('{"title": "Proton quote must never come from here"}', encoding="utf-8")
    (corpus / "flowchart.json").write_text('{"proton": "not a document"}', encoding="utf-8")
    monkeypatch.setenv(ENV_CORPUS, str(corpus))
    lines = [{"id": "a", "question": "What are the complications of perineal wounds after resection?", "history": []},
             "not json {",
             {"id": "b", "question": "And proton re-irradiation?",
              "history": [{"role": "user", "content": "What about radiotherapy?"}]}]
    stdin = "".join((l if isinstance(l, str) else json.dumps(l)) + "\n" for l in lines)
    p = subprocess.run([sys.executable, str(BASELINE)], input=stdin, capture_output=True, text=True, timeout=300)

    assert p.returncode == 2 and "line 2" in p.stderr           # the broken line is reported, the others answered
    out = [json.loads(l) for l in p.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", None, "b"] and out[1]["mode"] == "error"
    texts = {name: (corpus / name).read_text(encoding="utf-8") for name in topics}
    for o, doc in ((out[0], "surgery.txt"), (out[2], "radio.md")):
        assert o["mode"] == "answer" and isinstance(o["answer"], str)
        assert len(o["citations"]) == 3 and sum(len(c["quote"]) for c in o["citations"]) <= 2500
        assert o["citations"][0]["doc"] == doc                      # the question's own topic comes first
        for c in o["citations"]:
            assert set(c) >= {"doc", "section", "quote", "refs"}
            assert c["quote"] in texts[c["doc"]]                    # raw chunks of the documents, verbatim
            assert c["refs"] == sorted(set().union(*(n for b, n in brackets.items() if b in c["quote"])))
        assert o["refs"] == sorted({n for c in o["citations"] for n in c["refs"]})
    assert 13 in out[0]["refs"] and 14 in out[0]["refs"] and 31 in out[2]["refs"]   # [13–15] is a range

