"""The index lifecycle (bot/index/store.py): build, check, incremental rebuilds, atomic replacement, damaged files.

Each test builds a tiny corpus (tests/fixtures/tiny: two short documents, a handful of chunks) into its own tmp
dir with the session's real model, so a build costs milliseconds. A `SpyEmbedder` around the model counts every
text the build sends to it: "only the changed text is re-embedded" is shown by that count, not just by the report.
"""
from __future__ import annotations

import errno
import json

import numpy as np
import pytest

from bot.index import store as index
from bot.index.store import IndexProblem
from bot.settings import Settings
from conftest import review_env, small_corpus
from fixtures.helpers import SpyEmbedder, run_cli, tiny_docs

QUESTION = "What was the complete response rate after cryotherapy?"


@pytest.fixture
def tiny(tmp_path) -> Settings:
    corpus = small_corpus(tmp_path, tiny_docs("alpha.txt", "beta.txt"))
    return Settings.from_env(corpus_dir=corpus, index_dir=tmp_path / "index")


@pytest.fixture
def built(tiny, embedder) -> Settings:
    report = index.build(tiny, embedder=embedder)
    assert report.wrote
    return tiny


def current(settings: Settings) -> str:
    return (settings.index_dir / "CURRENT").read_text(encoding="utf-8").strip()


def build_dir(settings: Settings):
    return settings.index_dir / "builds" / current(settings)


def edit(settings: Settings, name: str, old: str, new: str) -> None:
    path = settings.corpus_dir / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def pipeline_for(settings, embedder):
    from bot.pipeline import Pipeline

    return Pipeline.load(settings, embedder=embedder, build_missing=False)


# ------------------------------------------------------------------------------------------ build and check
def test_build_then_check_is_fresh(tiny, embedder):
    assert index.check(tiny).status == "missing"
    spy = SpyEmbedder(embedder)
    report = index.build(tiny, embedder=spy)
    assert report.wrote and sorted(report.added) == ["alpha.txt", "beta.txt"]
    fresh = index.check(tiny)
    assert (fresh.status, fresh.reasons) == ("fresh", [])

    loaded = index.load(tiny)
    assert sorted(loaded.documents) == ["alpha.txt", "beta.txt"]
    assert loaded.chunk_vectors.ntotal == len(loaded.chunks) == report.embedded_chunks > 0
    assert loaded.sentence_vectors.ntotal == len(loaded.sentences) == report.embedded_sentences > 0
    assert len(spy.texts) == report.embedded_chunks + report.embedded_sentences
    manifest = loaded.manifest
    assert manifest["counts"] == {"documents": 2, "chunks": len(loaded.chunks), "sentences": len(loaded.sentences)}
    assert set(manifest["documents"]) == {"alpha.txt", "beta.txt"}
    assert manifest["chunking"] == tiny.chunking_params()
    assert manifest["model_fingerprint"] and manifest["dim"] == 384
    # a JSON docstore and FAISS files, no pickle anywhere
    assert sorted(p.name for p in build_dir(tiny).iterdir()) == ["audit.json", "chunks.faiss", "manifest.json",
                                                               "sentences.faiss", "store.json"]


@pytest.mark.parametrize("change, reason", [
    (lambda s: edit(s, "alpha.txt", "mild", "moderate"), "alpha.txt changed"),
    (lambda s: (s.corpus_dir / "beta.txt").unlink(), "beta.txt was removed"),
    (lambda s: (s.corpus_dir / "gamma.txt").write_text("1. New\n\nA new study [1].\n", encoding="utf-8"),
     "gamma.txt is new"),
], ids=["changed", "removed", "added"])
def test_check_names_what_made_the_index_stale(built, change, reason):
    change(built)
    fresh = index.check(built)
    assert fresh.status == "stale"
    assert reason in fresh.reasons


def test_check_is_stale_when_chunking_settings_change(built):
    from dataclasses import replace

    fresh = index.check(replace(built, chunk_tokens=150))
    assert fresh.status == "stale"
    assert any(r.startswith("chunking differs") for r in fresh.reasons)


# ------------------------------------------------------------------------------------------ incremental
def test_changed_document_reembeds_only_its_changed_text(built, embedder):
    old = index.load(built)
    old_vectors = dict(zip([c.id for c in old.chunks], old.chunk_vectors.reconstruct_n(0, len(old.chunks))))
    edit(built, "alpha.txt", "Acute toxicity was mild.", "Acute toxicity was moderate.")

    spy = SpyEmbedder(embedder)
    report = index.build(built, embedder=spy)
    assert (report.changed, report.unchanged, report.added, report.removed) == (["alpha.txt"], ["beta.txt"], [], [])
    # one sentence changed: its chunk and the sentence itself are embedded again, nothing else
    assert (report.embedded_chunks, report.embedded_sentences) == (1, 1)
    assert len(spy.texts) == 2 and all("moderate" in t for t in spy.texts)
    new = index.load(built)
    assert report.reused_chunks == len(new.chunks) - 1
    assert report.reused_sentences == len(new.sentences) - 1

    beta_before = [c.id for c in old.chunks if c.doc_id == "beta.txt"]
    assert beta_before == [c.id for c in new.chunks if c.doc_id == "beta.txt"]
    new_vectors = dict(zip([c.id for c in new.chunks], new.chunk_vectors.reconstruct_n(0, len(new.chunks))))
    for cid in set(old_vectors) & set(new_vectors):  # reused vectors are the old ones, not recomputed
        np.testing.assert_array_equal(old_vectors[cid], new_vectors[cid])
    assert "Acute toxicity was moderate." in new.documents["alpha.txt"].text
    assert index.check(built).status == "fresh"


def test_added_document_is_the_only_one_embedded(built, embedder):
    (built.corpus_dir / "gamma.txt").write_text(
        "1. Brachytherapy\n\nInterstitial brachytherapy was used in 9 patients [1].\n", encoding="utf-8")
    spy = SpyEmbedder(embedder)
    report = index.build(built, embedder=spy)
    assert report.added == ["gamma.txt"] and sorted(report.unchanged) == ["alpha.txt", "beta.txt"]
    assert (report.embedded_chunks, report.embedded_sentences) == (1, 1)
    assert len(spy.texts) == 2 and all("brachytherapy" in t.lower() for t in spy.texts)


def test_nothing_changed_nothing_written_no_model_call(built, embedder):
    before = current(built)
    files = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in build_dir(built).iterdir()}
    refuse = SpyEmbedder(embedder, fail_on_call=1)  # any call to the model would raise
    report = index.build(built, embedder=refuse)
    assert not report.wrote and refuse.calls == 0
    assert report.embedded_chunks == report.embedded_sentences == 0
    assert sorted(report.unchanged) == ["alpha.txt", "beta.txt"]
    assert current(built) == before
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in build_dir(built).iterdir()} == files
    assert [p.name for p in (built.index_dir / "builds").iterdir()] == [before]


def test_removed_document_leaves_the_index(built, embedder):
    (built.corpus_dir / "beta.txt").unlink()
    spy = SpyEmbedder(embedder)
    report = index.build(built, embedder=spy)
    assert report.removed == ["beta.txt"] and report.wrote
    assert spy.calls == 0  # alpha is unchanged: nothing to embed
    loaded = index.load(built)
    assert list(loaded.documents) == ["alpha.txt"]
    assert {c.doc_id for c in loaded.chunks} == {s.doc_id for s in loaded.sentences} == {"alpha.txt"}
    assert loaded.chunk_vectors.ntotal == len(loaded.chunks)
    assert "beta.txt" not in loaded.manifest["documents"]
    assert index.check(built).status == "fresh"
    answer = pipeline_for(built, embedder).ask("What was the median overall survival with nivolumab?")
    assert all(c.doc == "alpha.txt" for c in answer.citations + answer.nearest)
    assert "11.5 months" not in answer.text


# ------------------------------------------------------------------------------------------ atomic replacement
def test_build_failing_midway_leaves_the_old_index_answering(built, embedder):
    before_answer = pipeline_for(built, embedder).ask(QUESTION)
    assert before_answer.mode == "answer" and "55%" in before_answer.text
    pointer, built_at = current(built), index.read_manifest(built)["built_at"]

    edit(built, "alpha.txt", "55%", "65%")
    crashing = SpyEmbedder(embedder, fail_on_call=2)  # chunks embed fine, then the sentences call dies
    with pytest.raises(RuntimeError, match="simulated crash"):
        index.build(built, embedder=crashing)
    assert crashing.calls == 2

    assert current(built) == pointer
    assert [p.name for p in (built.index_dir / "builds").iterdir()] == [pointer]
    pipeline = pipeline_for(built, embedder)
    assert pipeline.index.manifest["built_at"] == built_at
    assert any("stale" in w for w in pipeline.warnings)  # the user is told the answers are from the last build
    answer = pipeline.ask(QUESTION)
    assert answer.mode == "answer" and "55%" in answer.text  # the old, complete index answers

    report = index.build(built, embedder=embedder)  # the next build completes the job
    assert report.changed == ["alpha.txt"] and index.check(built).status == "fresh"
    assert "65%" in pipeline_for(built, embedder).ask(QUESTION).text


def test_build_failing_while_writing_leaves_the_old_index(built, embedder, monkeypatch):
    import faiss

    pointer = current(built)
    real_write = faiss.write_index
    calls = []

    def write_then_die(ix, *where):
        calls.append(where)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device (simulated)")
        return real_write(ix, *where)

    edit(built, "alpha.txt", "55%", "65%")
    monkeypatch.setattr(faiss, "write_index", write_then_die)
    with pytest.raises(IndexProblem, match="no space left"):  # tests/test_faults.py fails each write in turn
        index.build(built, embedder=embedder)
    monkeypatch.setattr(faiss, "write_index", real_write)

    assert current(built) == pointer
    assert "55%" in pipeline_for(built, embedder).ask(QUESTION).text
    index.build(built, embedder=embedder)
    left = sorted(p.name for p in (built.index_dir / "builds").iterdir())
    assert not [n for n in left if n.startswith(".tmp-")]  # the half-written build is cleaned up
    assert current(built) in left and len(left) <= 2  # the live build, and at most the one before it
    assert index.check(built).status == "fresh"


# ------------------------------------------------------------------------------------------ damaged index
def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def _garble(path):
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid:mid + 16] = b"\xff\x00garbage\x00\xff\xfe\xfd\xfc\xfb\xfa"
    path.write_bytes(bytes(data))


def _strip_checksums_and_garble_faiss(s):
    manifest_path = build_dir(s) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest.pop("files")
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    (build_dir(s) / "chunks.faiss").write_bytes(b"not a faiss index" * 20)


def _swap_vectors_with_valid_checksums(s):
    """Both files intact and checksummed, but chunk vectors and sentence vectors swapped: a mismatched index."""
    import hashlib

    d = build_dir(s)
    a, b = d / "chunks.faiss", d / "sentences.faiss"
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = {n: hashlib.sha256((d / n).read_bytes()).hexdigest() for n in manifest["files"]}
    (d / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


CORRUPTIONS = [
    pytest.param(lambda s: _truncate(build_dir(s) / "chunks.faiss"), id="chunks.faiss-truncated"),
    pytest.param(lambda s: _garble(build_dir(s) / "store.json"), id="store.json-garbled"),
    pytest.param(lambda s: (build_dir(s) / "store.json").write_text("", encoding="utf-8"), id="store.json-empty"),
    pytest.param(lambda s: (build_dir(s) / "sentences.faiss").unlink(), id="sentences.faiss-missing"),
    pytest.param(lambda s: _truncate(build_dir(s) / "manifest.json"), id="manifest.json-truncated"),
    pytest.param(lambda s: (s.index_dir / "CURRENT").write_text("20990101-000000-abcdef\n", encoding="utf-8"),
                 id="CURRENT-points-nowhere"),
    pytest.param(_strip_checksums_and_garble_faiss, id="no-checksums-garbled-faiss"),
    pytest.param(_swap_vectors_with_valid_checksums, id="vectors-swapped"),
    pytest.param(lambda s: (s.index_dir / "CURRENT").write_bytes(b"\xff\xfe\x00\x9c garbage"), id="CURRENT-garbled"),
    pytest.param(lambda s: (build_dir(s) / "manifest.json").write_text("[1, 2, 3]", encoding="utf-8"),
                 id="manifest-not-an-object"),
]


@pytest.mark.parametrize("corrupt", CORRUPTIONS)
def test_damaged_index_gives_a_clear_error_naming_the_fix(built, embedder, monkeypatch, corrupt):
    corrupt(built)
    with pytest.raises(IndexProblem, match="ascc-bot index"):
        index.load(built)
    assert index.check(built).status in ("broken", "fresh")  # check never raises; load is where vectors are read

    review_env(monkeypatch, built)
    proc, _ = run_cli("ask", QUESTION)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ") and "ascc-bot index" in proc.stderr
    assert proc.stdout == ""

    # the fix the message names works: a rebuild replaces the damaged index
    report = index.build(built, embedder=embedder)
    assert report.wrote
    assert "55%" in pipeline_for(built, embedder).ask(QUESTION).text


# ------------------------------------------------------------------------------------------ index --check
def test_index_check_exit_codes_without_loading_the_model(tiny, embedder, monkeypatch):
    review_env(monkeypatch, tiny)
    proc, heavy = run_cli("index", "--check", inspect=True)
    assert (proc.returncode, heavy) == (1, [])
    assert "missing" in proc.stdout

    index.build(tiny, embedder=embedder)
    proc, heavy = run_cli("index", "--check", inspect=True)
    assert (proc.returncode, heavy) == (0, [])
    assert "fresh" in proc.stdout

    edit(tiny, "beta.txt", "11.5 months", "12.5 months")
    proc, heavy = run_cli("index", "--check", inspect=True)
    assert (proc.returncode, heavy) == (1, [])
    assert "stale" in proc.stdout and "beta.txt changed" in proc.stdout


def test_index_command_with_nothing_changed_does_not_load_the_model(built, monkeypatch):
    review_env(monkeypatch, built)
    before = current(built)
    proc, heavy = run_cli("index", inspect=True)
    assert (proc.returncode, heavy) == (0, [])
    assert "up to date" in proc.stdout
    assert current(built) == before

