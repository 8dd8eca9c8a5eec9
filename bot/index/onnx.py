"""The torch-free embedding path: the model exported to ONNX, run by ONNX Runtime, tokenised by its own
tokenizer.json through the `tokenizers` package, mean-pooled and L2-normalised in numpy.

Why by hand: fastembed (the maintained ONNX embedder) truncates at the tokenizer's `model_max_length` (512 for
all-MiniLM-L6-v2), not at sentence-transformers' `max_seq_length` (256), so long passages would get other vectors;
optimum (what sentence-transformers' own ONNX backend uses to export) pins transformers < 4.58. So the export is
torch's own exporter (bot/index/onnx_export.py, run in a subprocess) and inference is the few lines below.

An export lives beside the index, one folder per model fingerprint:
    <index>/onnx/<fingerprint>/model.onnx        the graph (token ids, attention mask → last hidden state)
    <index>/onnx/<fingerprint>/model.onnx.data   its weights (memory-mapped by ONNX Runtime)
    <index>/onnx/<fingerprint>/export.json       sizes and SHA-256 of both, the window, versions, and the
                                                 sentence-transformers vectors of a few probe texts
Loading checks all of it (checksums, then the probe vectors at cosine ≥ MIN_COSINE), so a missing, damaged or
mismatched export is an `OnnxProblem` with a one-line reason, never a wrong vector.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np

MODEL_FILE = "model.onnx"
DATA_FILE = "model.onnx.data"
INFO_FILE = "export.json"
EXPORT_FORMAT = 1
MIN_COSINE = 0.99999
EXPORT_TIMEOUT_S = 900
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
           "TRANSFORMERS_VERBOSITY": "error"}


log = logging.getLogger("ascc_bot.embed")


class OnnxProblem(Exception):
    """The ONNX path cannot be used for this model; the message is one line saying why."""


def export_dir(index_dir: Path | str, fingerprint: str) -> Path:
    return Path(index_dir) / "onnx" / fingerprint


# ---------------------------------------------------------------------------------------------- the model's recipe
def window(model_path: str) -> tuple[int, bool]:
    """(max word pieces, lower-case first?) exactly as sentence-transformers reads them: `max_seq_length` and
    `do_lower_case` from sentence_bert_config.json, else the tokenizer's `model_max_length` capped by the model's
    position table."""
    root = Path(model_path)
    cfg = _json(root / "sentence_bert_config.json", {})
    limit = cfg.get("max_seq_length")
    if not isinstance(limit, int) or limit <= 0:
        candidates = [_json(root / "tokenizer_config.json", {}).get("model_max_length"),
                      _json(root / "config.json", {}).get("max_position_embeddings")]
        candidates = [c for c in candidates if isinstance(c, int) and 0 < c < 1_000_000]
        if not candidates:
            raise OnnxProblem(f"cannot tell the window of the model in {model_path}")
        limit = min(candidates)
    return limit, bool(cfg.get("do_lower_case", False))


def check_recipe(model_path: str) -> None:
    """This path reproduces Transformer → mean pooling (→ Normalize) only; anything else stays on
    sentence-transformers."""
    root = Path(model_path)
    modules = _json(root / "modules.json", None)
    if not isinstance(modules, list) or not modules:
        raise OnnxProblem(f"{model_path} is not a sentence-transformers model folder (no modules.json)")
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k != "Normalize" for k in kinds[2:]):
        raise OnnxProblem(f"the model's modules ({', '.join(kinds)}) are not Transformer + mean pooling")
    pooling = _json(root / modules[1].get("path", "1_Pooling") / "config.json", {})
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
    if modes != ["pooling_mode_mean_tokens"]:
        raise OnnxProblem(f"the model pools with {', '.join(modes) or 'nothing'}, not the mean of its tokens")
    if not (root / "tokenizer.json").exists():
        raise OnnxProblem(f"the model in {model_path} has no tokenizer.json")


def _json(path: Path, default):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------- inference
class OnnxEncoder:
    """Sentence vectors from an export folder. `verify` (the default) checks the files against export.json and the
    probe vectors against those sentence-transformers gave at export time; the exporter itself loads unverified."""

    def __init__(self, folder: Path, model_path: str, verify: bool = True):
        self.folder = Path(folder)
        self.model_path = model_path
        self.max_tokens, self.lowercase = window(model_path)
        info = self.info = _json(self.folder / INFO_FILE, None) if verify else {}
        if verify:
            self._check_files(info)
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise OnnxProblem(f"{exc.name} is not installed") from exc
        tok = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
        # tokenizer.json of all-MiniLM-L6-v2 carries truncation at 128 and fixed padding to 128: both replaced by
        # what sentence-transformers does (truncate at the window, pad to the longest text of the batch).
        tok.enable_truncation(max_length=self.max_tokens, strategy="longest_first", direction="right")
        pad = tok.padding or {}
        tok.enable_padding(direction="right", pad_id=pad.get("pad_id", 0), pad_type_id=pad.get("pad_type_id", 0),
                           pad_token=pad.get("pad_token", "[PAD]"), length=None)
        self.tokenizer = tok
        options = ort.SessionOptions()
        options.log_severity_level = 3  # errors only: the export's shape hints are not news to a user
        options.enable_cpu_mem_arena = False  # give activations back after each batch: a rebuild in the UI
        # process would otherwise keep its largest batch's memory for the life of the server
        # The intra-op workers spin between the operators of a run (sleeping there costs ~0.7 ms a query), but not
        # after it: by default a worker went on spinning for milliseconds after each query, a core taken from the
        # rest of the answer and from every other process whenever the machine is busy. Same vectors, bit for bit.
        options.add_session_config_entry("session.force_spinning_stop", "1")
        try:
            self.session = ort.InferenceSession(str(self.folder / MODEL_FILE), options,
                                                providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types for unreadable graphs
            raise OnnxProblem(f"ONNX Runtime cannot load {self.folder / MODEL_FILE} "
                              f"({exc.__class__.__name__}: {str(exc).splitlines()[0][:200]})") from exc
        self.inputs = [i.name for i in self.session.get_inputs()]
        if verify:
            self._check_probe(info)

    def _check_files(self, info) -> None:
        if not isinstance(info, dict) or info.get("format") != EXPORT_FORMAT:
            raise OnnxProblem(f"no usable {INFO_FILE} in {self.folder}")
        if info.get("max_tokens") != self.max_tokens:
            raise OnnxProblem(f"the export in {self.folder} was made for a window of {info.get('max_tokens')} "
                              f"word pieces, the model's is {self.max_tokens}")
        for name, meta in (info.get("files") or {}).items():
            path = self.folder / name
            if not path.is_file():
                raise OnnxProblem(f"{path} is missing")
            if path.stat().st_size != meta.get("bytes"):
                raise OnnxProblem(f"{path} has the wrong size (damaged or cut short)")
            if sha256_file(path) != meta.get("sha256"):
                raise OnnxProblem(f"{path} is corrupt (checksum mismatch)")
        if set(info.get("files") or {}) != {MODEL_FILE, DATA_FILE}:
            raise OnnxProblem(f"{INFO_FILE} in {self.folder} does not list the model's files")

    def _check_probe(self, info: dict) -> None:
        probe = info.get("probe") or {}
        texts, expected = probe.get("texts"), probe.get("vectors")
        if not texts or not expected:
            raise OnnxProblem(f"{INFO_FILE} in {self.folder} has no probe vectors")
        try:  # short texts of different lengths in one batch: padding is masked as it should be
            cos = np.sum(self.encode(texts) * np.asarray(expected, dtype="float32"), axis=1)
        except Exception as exc:  # a graph that loads but cannot run is as unusable as one that does not load
            raise OnnxProblem(f"the export in {self.folder} fails to run ({exc.__class__.__name__})") from exc
        if not np.all(cos >= MIN_COSINE):
            raise OnnxProblem(f"the export in {self.folder} gives other vectors than the model "
                              f"(cosine {float(cos.min()):.6f})")

    def token_lengths(self, texts: Sequence[str]) -> list[int]:
        return [len(e.ids) for e in self.tokenizer.encode_batch(self._prepare(texts))]

    def _prepare(self, texts: Sequence[str]) -> list[str]:
        return [t.lower() for t in texts] if self.lowercase else list(texts)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text, as sentence-transformers' encode(...,
        normalize_embeddings=True) computes them: mean of the last hidden states over real (unpadded) tokens."""
        encodings = self.tokenizer.encode_batch(self._prepare(texts))
        ids = np.asarray([e.ids for e in encodings], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask,
                 "token_type_ids": np.asarray([e.type_ids for e in encodings], dtype=np.int64)}
        hidden = self.session.run(None, {name: feeds[name] for name in self.inputs})[0]
        m = mask[:, :, None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


# ---------------------------------------------------------------------------------------------- export
def export(model_path: str, dest: Path) -> None:
    """Export the model into `dest` in a subprocess (torch, transformers and sentence-transformers are imported
    there, never in the calling process). Raises OnnxProblem with the exporter's last message line."""
    env = {**os.environ, **OFFLINE}
    root = str(Path(__file__).resolve().parent.parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    try:
        proc = subprocess.run([sys.executable, "-m", "bot.index.onnx_export", model_path, str(dest)], env=env,
                              capture_output=True, text=True, timeout=EXPORT_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OnnxProblem(f"the ONNX export did not run ({exc.__class__.__name__})") from exc
    if proc.returncode != 0:
        lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
        reason = next((ln[len("onnx-export: "):] for ln in reversed(lines) if ln.startswith("onnx-export: ")),
                      lines[-1][:300] if lines else f"exit code {proc.returncode}")
        raise OnnxProblem(f"the ONNX export failed: {reason}")


def place(source: Path, dest: Path) -> None:
    """Put a verified export folder at `dest` (hard links when on the same file system, else a copy), replacing
    whatever is there in one rename so a reader never sees half of one."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".tmp-{dest.name}-{uuid.uuid4().hex[:6]}"
    tmp.mkdir()
    try:
        for name in (MODEL_FILE, DATA_FILE, INFO_FILE):
            try:
                os.link(source / name, tmp / name)
            except OSError:
                shutil.copy2(source / name, tmp / name)
        install(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def install(tmp: Path, dest: Path) -> None:
    """Replace `dest` with the finished folder `tmp`."""
    old = None
    if dest.exists():
        old = dest.parent / f".old-{dest.name}-{uuid.uuid4().hex[:6]}"
        os.rename(dest, old)
    os.rename(tmp, dest)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def manifest_entry(index_dir: Path, fingerprint: str) -> dict | None:
    """What the index manifest records about the export beside it (read from export.json; nothing is loaded)."""
    folder = export_dir(index_dir, fingerprint)
    info = _json(folder / INFO_FILE, None)
    if not isinstance(info, dict) or info.get("model_fingerprint") != fingerprint:
        return None
    return {"folder": str(folder.relative_to(index_dir)), "model_fingerprint": fingerprint,
            "files": info.get("files"), "exporter": info.get("exporter"), "min_cosine": info.get("min_cosine")}


def prune(index_dir: Path, keep: str) -> None:
    """Exports of other models (an earlier ASCC_BOT_MODEL) go, and so do leftovers of interrupted exports once
    they are an hour old (a younger one may belong to an export still running)."""
    import time

    root = Path(index_dir) / "onnx"
    if not root.is_dir():
        return
    for other in root.iterdir():
        hidden = other.name.startswith(".")
        if other.name == keep or (hidden and time.time() - other.stat().st_mtime < 3600):
            continue
        shutil.rmtree(other, ignore_errors=True)


def entry_for(index_dir: Path, fingerprint: str, in_use: Path | None) -> dict | None:
    """The manifest's record of the export beside the index: the one there, else the one the build embedded with
    (which `keep_beside` then puts there). Reads export.json only."""
    entry = manifest_entry(index_dir, fingerprint)
    if entry is None and in_use is not None:
        info = _json(Path(in_use) / INFO_FILE, None)
        if isinstance(info, dict) and info.get("model_fingerprint") == fingerprint:
            entry = {"folder": str(Path("onnx") / fingerprint), "model_fingerprint": fingerprint,
                     "files": info.get("files"), "exporter": info.get("exporter"), "min_cosine": info.get("min_cosine")}
    return entry


def keep_beside(index_dir: Path, fingerprint: str, in_use: Path | None) -> None:
    """After a build: the export it embedded with goes beside the index (an embedder shared across indexes, as in
    the UI or the tests, may have loaded it from elsewhere) and exports of other models go. Best effort: on a full
    or read-only disk the index is still good, and the first question exports the model again."""
    dest = export_dir(index_dir, fingerprint)
    try:
        if in_use is not None and Path(in_use).resolve() != dest.resolve() \
                and manifest_entry(index_dir, fingerprint) is None:
            place(Path(in_use), dest)
        prune(index_dir, keep=fingerprint)
    except OSError as exc:
        log.warning("warning: the ONNX export could not be kept beside the index (%s: %s); the first question will "
                    "export it again", exc.strerror or exc.__class__.__name__, dest)
