"""The torch-free embedding path (bot/index/onnx.py): the same vectors as sentence-transformers, a query path that
never imports torch, and a damaged, missing or unusable export handled with one line of warning, never a traceback.

The session's embedder runs on the ONNX path (it exports the packaged model once per test session, beside the first
index it meets); `embedder.model` is the sentence-transformers reference it is compared with.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.index import onnx
from bot.index import store as index
from bot.index.embed import Embedder, model_fingerprint
from bot.ingest.chunking import token_counter
from bot.settings import PROJECT_ROOT, Settings
from conftest import review_env, small_corpus
from fixtures.helpers import run_cli

pytestmark = pytest.mark.slow

QUESTION_FILES = [PROJECT_ROOT.parent / "shared" / "eval" / "questions.jsonl",
                  PROJECT_ROOT / "eval" / "dev_questions.jsonl"]
KITAGUCHI = "What did Kitaguchi et al. find about salvage APR for recurrent disease?"
HEAVY = ("torch", "transformers", "sentence_transformers")


def questions() -> list[str]:
    out = []
    for path in QUESTION_FILES:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                out.append(case["question"])
                out += [t["content"] for t in case.get("history") or [] if isinstance(t, dict)
                        and t.get("role") == "user" and isinstance(t.get("content"), str)]
    return out


def export_of(settings: Settings) -> Path:
    return onnx.export_dir(settings.index_dir, model_fingerprint(settings.model_path))


def damaged_copy(tmp_path: Path, settings: Settings) -> Path:
    """A private copy of the review's export folder (the shared one stays intact)."""
    copy = tmp_path / "export"
    shutil.copytree(export_of(settings), copy)
    return copy


# ------------------------------------------------------------------------------------------ same vectors
def test_onnx_vectors_match_sentence_transformers_on_the_corpus_and_every_question(review_settings, embedder):
    loaded = index.load(review_settings)
    doc = next(iter(loaded.documents.values()))
    paragraphs = [p for p in doc.text.split("\n\n") if p.strip()]
    texts = ([c.embed_text for c in loaded.chunks] + [s.text for s in loaded.sentences] + paragraphs
             + [doc.text[s.start:s.end] for d in loaded.documents.values() for s in d.sections] + questions())
    assert embedder.backend == "onnx"
    reference = embedder.model
    assert embedder.max_tokens == reference.max_seq_length == 256
    ours = embedder.encode(texts)
    theirs = reference.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True,
                              show_progress_bar=False)
    cos = (ours * theirs).sum(axis=1)
    worst = int(cos.argmin())
    assert cos.min() >= 0.99999, (float(cos.min()), texts[worst][:200])
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    # the check covered texts past the window (so truncation is where sentence-transformers puts it) and questions
    count = token_counter(review_settings.model_path)
    assert sum(count(t) > reference.max_seq_length for t in texts) >= 10
    assert len(questions()) >= 100
    # one query alone (no padding), as the bot embeds it
    q = embedder.encode_query(KITAGUCHI)
    assert q.shape == (1, 384) and q.dtype == np.float32
    assert float(q[0] @ reference.encode([KITAGUCHI], normalize_embeddings=True)[0]) >= 0.99999


def test_the_manifest_records_the_export_beside_the_index(review_settings):
    manifest = index.read_manifest(review_settings)
    entry = manifest["onnx"]
    assert entry["model_fingerprint"] == manifest["model_fingerprint"]
    folder = review_settings.index_dir / entry["folder"]
    assert folder == export_of(review_settings)
    for name, meta in entry["files"].items():
        assert onnx.sha256_file(folder / name) == meta["sha256"]
    assert entry["min_cosine"] >= 0.99999


# ------------------------------------------------------------------------------------------ no torch on the query path
def test_ask_json_jsonl_and_chat_never_import_torch(review_settings, monkeypatch):
    review_env(monkeypatch, review_settings)
    proc, heavy = run_cli("ask", KITAGUCHI, inspect=True)
    assert proc.returncode == 0, proc.stderr
    assert "Kitaguchi" in proc.stdout and heavy == []
    assert proc.stderr.strip() == ""  # the export beside the index was used as it is: no warning
    proc, heavy = run_cli("ask", "--json", KITAGUCHI, inspect=True)
    assert json.loads(proc.stdout)["mode"] == "answer" and heavy == []
    line = json.dumps({"id": "q1", "question": "What is the role of re-irradiation?", "history": []})
    proc, heavy = run_cli("ask", "--jsonl", stdin=line + "\n", inspect=True)
    assert json.loads(proc.stdout)["id"] == "q1" and heavy == []
    proc, heavy = run_cli("chat", stdin=KITAGUCHI + "\nAnd for persistent disease?\n\n", inspect=True)
    assert proc.returncode == 0 and proc.stdout.count("bot> ") == 2 and heavy == []


UI_SCRIPT = r"""
import json, sys
from pathlib import Path
from streamlit.testing.v1 import AppTest
from bot import cli
cli._warm_imports()  # what `ascc-bot ui` imports in the background while Streamlit starts
at = AppTest.from_file(sys.argv[1], default_timeout=300).run()
at.chat_input[0].set_value("What did Kitaguchi et al. find?").run()
answered = "Answered in" in " ".join(c.value for c in at.caption)
corpus = Path(sys.argv[2])
review = next(corpus.glob("*.txt"))
review.write_text(review.read_text(encoding="utf-8").replace("was 47 months", "was 48 months"), encoding="utf-8")
[b for b in at.button if b.label == "Rebuild index"][0].click().run()
rebuilt = any("index rebuilt" in s.value for s in at.sidebar.success)
errors = [e.value for e in at.exception] + [e.value for e in at.error]
heavy = sorted(m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules)
print(json.dumps({"answered": answered, "rebuilt": rebuilt, "errors": errors, "heavy": heavy}))
"""


def test_the_ui_process_answers_and_rebuilds_without_importing_torch(review_settings, tmp_path, monkeypatch):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(review_settings.corpus_dir, corpus)
    shutil.copytree(review_settings.index_dir, index_dir, ignore=shutil.ignore_patterns(".lock"))
    monkeypatch.setenv("ASCC_BOT_CORPUS", str(corpus))
    monkeypatch.setenv("ASCC_BOT_INDEX", str(index_dir))
    proc = subprocess.run([sys.executable, "-c", UI_SCRIPT, str(PROJECT_ROOT / "ui" / "app.py"), str(corpus)],
                          capture_output=True, text=True, timeout=600, cwd=PROJECT_ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result == {"answered": True, "rebuilt": True, "errors": [], "heavy": []}, proc.stderr[-3000:]


# ------------------------------------------------------------------------------------------ damaged or missing exports
def cut_short(folder: Path) -> None:
    data = folder / onnx.DATA_FILE
    data.write_bytes(data.read_bytes()[:1_000_000])


def flip_a_byte(folder: Path) -> None:
    data = folder / onnx.DATA_FILE
    raw = bytearray(data.read_bytes())
    raw[len(raw) // 3] ^= 0xFF  # same size: only the checksum can tell
    data.write_bytes(bytes(raw))


def garbage_graph(folder: Path) -> None:
    graph = folder / onnx.MODEL_FILE
    graph.write_bytes(b"\x00not a graph" * (graph.stat().st_size // 12) + b"\x00" * (graph.stat().st_size % 12))
    info = json.loads((folder / onnx.INFO_FILE).read_text())
    info["files"][onnx.MODEL_FILE]["sha256"] = onnx.sha256_file(graph)  # passes the checksum, fails to load
    (folder / onnx.INFO_FILE).write_text(json.dumps(info))


def other_model(folder: Path) -> None:
    info = json.loads((folder / onnx.INFO_FILE).read_text())
    info["probe"]["vectors"][0] = [-x for x in info["probe"]["vectors"][0]]  # files intact, vectors not this model's
    (folder / onnx.INFO_FILE).write_text(json.dumps(info))


def no_info(folder: Path) -> None:
    (folder / onnx.INFO_FILE).write_text("{ not json")


@pytest.mark.parametrize("damage, says", [(cut_short, "wrong size"), (flip_a_byte, "checksum"),
                                          (garbage_graph, "cannot load"), (other_model, "other vectors"),
                                          (no_info, "no usable export.json")])
def test_a_damaged_export_is_refused_with_a_reason(review_settings, tmp_path, damage, says):
    folder = damaged_copy(tmp_path, review_settings)
    onnx.OnnxEncoder(folder, review_settings.model_path)  # intact: loads
    damage(folder)
    with pytest.raises(onnx.OnnxProblem, match=says) as err:
        onnx.OnnxEncoder(folder, review_settings.model_path)
    assert "\n" not in str(err.value)


def test_ask_exports_again_over_a_corrupt_export_with_one_warning_line(review_settings, tmp_path, monkeypatch):
    """The real thing, once: a damaged export beside the index is replaced by a fresh one (in a subprocess, so
    `ascc-bot ask` still never imports torch), the answer comes, and the next ask is quiet."""
    index_dir = tmp_path / "index"
    shutil.copytree(review_settings.index_dir, index_dir, ignore=shutil.ignore_patterns(".lock", "onnx"))
    settings = Settings.from_env(corpus_dir=review_settings.corpus_dir, index_dir=index_dir)
    shutil.copytree(export_of(review_settings), export_of(settings))
    flip_a_byte(export_of(settings))
    review_env(monkeypatch, settings)
    proc, heavy = run_cli("ask", KITAGUCHI, inspect=True)
    assert proc.returncode == 0 and "Kitaguchi" in proc.stdout and heavy == []
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "checksum" in lines[0] and "exporting it again" in lines[0], proc.stderr
    onnx.OnnxEncoder(export_of(settings), settings.model_path)  # the new export is whole
    proc, heavy = run_cli("ask", KITAGUCHI, inspect=True)
    assert proc.returncode == 0 and proc.stderr.strip() == "" and heavy == []


def test_without_a_usable_export_it_falls_back_to_sentence_transformers(review_settings, tmp_path, monkeypatch,
                                                                         caplog):
    def refuse(model_path, dest):
        raise onnx.OnnxProblem("the ONNX export failed: simulated")

    monkeypatch.setattr(onnx, "export", refuse)
    emb = Embedder(review_settings.model_path, index_dir=tmp_path / "empty-index")
    with caplog.at_level(logging.WARNING, logger="ascc_bot.embed"):
        vec = emb.encode_query(KITAGUCHI)
    assert emb.backend == "sentence-transformers"
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and "instead" in
                r.getMessage()]
    assert len(warnings) == 1 and "simulated" in warnings[0] and "\n" not in warnings[0]
    reference = emb.model.encode([KITAGUCHI], normalize_embeddings=True)
    assert float(vec[0] @ reference[0]) >= 0.99999
    with pytest.raises(onnx.OnnxProblem):  # asked for ONNX only: the problem is raised, not hidden
        Embedder(review_settings.model_path, index_dir=tmp_path / "empty-index", backend="onnx").encode_query("x")


def cls_pooling_model(tmp_path: Path, model_path: str) -> Path:
    """The packaged model with CLS pooling instead of the mean (files linked, not copied): a model the ONNX path
    does not reproduce."""
    src, dst = Path(model_path), tmp_path / "cls-model"
    for p in src.rglob("*"):
        if p.is_file():
            (dst / p.relative_to(src)).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(p, dst / p.relative_to(src))
    pooling = dst / "1_Pooling" / "config.json"
    cfg = json.loads(pooling.read_text())
    pooling.unlink()
    cfg.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    pooling.write_text(json.dumps(cfg))
    return dst


def test_a_model_set_through_ASCC_BOT_MODEL_that_onnx_cannot_reproduce_still_answers(tmp_path, monkeypatch,
                                                                                      review_settings):
    model = cls_pooling_model(tmp_path, review_settings.model_path)
    corpus = small_corpus(tmp_path, {"notes.txt": "1. Salvage\n\nSalvage surgery was studied in 12 patients "
                                                  "[1]. The 5-year survival after salvage APR was 55% [1].\n"})
    monkeypatch.setenv("ASCC_BOT_MODEL", str(model))
    monkeypatch.setenv("ASCC_BOT_CORPUS", str(corpus))
    monkeypatch.setenv("ASCC_BOT_INDEX", str(tmp_path / "index"))
    proc, _ = run_cli("index")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    warning = [ln for ln in proc.stderr.splitlines() if "warning" in ln]
    assert len(warning) == 1 and "pools with pooling_mode_cls_token" in warning[0], proc.stderr
    assert index.read_manifest(Settings.from_env())["onnx"] is None
    proc, _ = run_cli("ask", "What was the 5-year survival after salvage APR?")
    assert proc.returncode == 0 and "55%" in proc.stdout and "Traceback" not in proc.stderr
    assert len([ln for ln in proc.stderr.splitlines() if "warning" in ln]) == 1
