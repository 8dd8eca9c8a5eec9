"""The embedding model, loaded once and only when something needs embedding.

Two paths give the same vectors (cosine ≥ 0.99999, checked by tests/test_onnx.py over the whole corpus and every
evaluation question):

  onnx                   the model exported to ONNX beside the index (bot/index/onnx.py): onnxruntime, tokenizers
                         and numpy only. A query is answered without importing torch, so a cold `ascc-bot ask`
                         takes about a second instead of seven, in a third of the memory.
  sentence-transformers  the reference (imports torch and transformers, ~7 s): used only when the ONNX path cannot
                         be (no export and none can be made, an unsupported model), after a one-line warning.
  reference              sentence-transformers computing in float64, for the retraining scripts (eval/train_*.py)
                         only: float32 kernels sum in a different order on different CPUs (AVX-512 or AVX2), which
                         moves a vector by ~1e-7 and a fitted weight by several 1e-6; in float64 the vectors agree
                         to their last float32 bit, so the stored weights reproduce to 1e-6 on any machine.

The first use exports the model if there is no export beside the index yet (about 20 s, once per model, in a
subprocess so that this process still never imports torch); a damaged export is exported again.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

Progress = Callable[[int, int], None]
BACKENDS = ("auto", "onnx", "sentence-transformers", "reference")
TOKEN_BUDGET = 512  # padded word pieces per ONNX batch: 2 chunks of 256, 12 sentences of 40 (as fast as
# larger batches here, measured on 2 cores, and a build peaks at ~250 MB instead of ~1 GB)
log = logging.getLogger("ascc_bot.embed")
# One ONNX session per export per process: the UI's background warm-up and its first page share it.
_loaded: dict[tuple[Path, str], object] = {}
_loading = threading.Lock()


def model_fingerprint(model_path: str) -> str:
    """Identifies the model without loading it: its configs and the size of its weights. The same packaged model in
    another checkout (another path) has the same fingerprint, so the index stays fresh there."""
    root = Path(model_path)
    if not root.is_dir():
        raise FileNotFoundError(f"embedding model folder not found: {model_path}")
    h = hashlib.sha256()
    for name in ("config.json", "modules.json", "sentence_bert_config.json", "tokenizer.json"):
        p = root / name
        if p.exists():
            h.update(name.encode() + p.read_bytes())
    for weights in sorted(root.glob("*.safetensors")) + sorted(root.glob("*.bin")):
        h.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return h.hexdigest()[:16]


def _default_index_dir(model_path: str) -> Path:
    from bot.settings import Settings

    return Settings.from_env(model_path=model_path).index_dir


class Embedder:
    """Cheap to construct; the model loads on first use. Vectors are L2-normalised float32, so inner product is
    cosine similarity (what the FAISS IndexFlatIP computes).

    `index_dir` is where the ONNX export is kept (`<index_dir>/onnx/<fingerprint>/`); by default the index named
    by the settings (ASCC_BOT_INDEX). `backend` forces a path: "onnx" (fail rather than fall back),
    "sentence-transformers" (the reference, e.g. for the benchmark), "reference" (the same in float64, for
    retraining the learned models), or "auto"."""

    def __init__(self, model_path: str, batch_size: int = 32, index_dir: Path | str | None = None,
                 backend: str = "auto"):
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}")
        self.model_path = model_path
        self.batch_size = batch_size
        self.index_dir = Path(index_dir) if index_dir is not None else None
        self.requested = backend
        self._model = None  # sentence-transformers, when used
        self._onnx = None  # bot.index.onnx.OnnxEncoder, when used
        self._resolved = False

    # ------------------------------------------------------------------------------------------ choosing the path
    @property
    def backend(self) -> str:
        """"onnx" or "sentence-transformers" (resolving it loads the model)."""
        self._resolve()
        return "onnx" if self._onnx is not None else "sentence-transformers"

    def use_index(self, index_dir: Path | str) -> None:
        """Keep the export beside this index, unless a place was given or the model is loaded already (the index
        build calls this, so an embedder shared across indexes exports beside the first one it builds)."""
        if self.index_dir is None and not self._resolved:
            self.index_dir = Path(index_dir)

    @property
    def onnx_dir(self) -> Path | None:
        """The export folder in use, once the ONNX path is loaded; None otherwise (nothing is loaded here)."""
        return self._onnx.folder if self._onnx is not None else None

    def _resolve(self) -> None:
        if self._resolved:
            return
        if self.requested not in ("sentence-transformers", "reference"):
            from bot.index import onnx

            try:
                self._onnx = self._load_onnx(onnx)
            except onnx.OnnxProblem as exc:
                if self.requested == "onnx":
                    raise
                log.warning("warning: %s; embedding with sentence-transformers instead (slower start)", exc)
        self._resolved = True

    def _load_onnx(self, onnx):
        onnx.check_recipe(self.model_path)
        folder = onnx.export_dir(self.index_dir or _default_index_dir(self.model_path),
                                 model_fingerprint(self.model_path))
        key = (folder.resolve(), self.model_path)
        with _loading:
            if key not in _loaded:
                _loaded[key] = self._load_or_export(onnx, folder)
            return _loaded[key]

    def _load_or_export(self, onnx, folder: Path):
        if not (folder / onnx.INFO_FILE).exists():
            log.warning("exporting the embedding model to ONNX once, beside the index (%s; about 20 s)", folder)
        else:
            try:
                return onnx.OnnxEncoder(folder, self.model_path)
            except onnx.OnnxProblem as exc:
                log.warning("warning: the ONNX export cannot be used (%s); exporting it again (about 20 s)", exc)
        onnx.export(self.model_path, folder)
        return onnx.OnnxEncoder(folder, self.model_path)

    @property
    def model(self):
        """The sentence-transformers model: the reference path (imports torch; the fallback and the tests use
        it)."""
        if self._model is None:
            # Offline by construction: never let the hub client try the network.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(self.model_path, device="cpu")
            if self.requested == "reference":
                import torch

                self._model = self._model.to(torch.float64)
        return self._model

    @property
    def max_tokens(self) -> int:
        """The model's window: what it silently truncates beyond (read from its config: nothing is loaded)."""
        from bot.index.onnx import OnnxProblem, window

        try:
            return window(self.model_path)[0]
        except OnnxProblem:
            return int(self.model.max_seq_length)

    # ------------------------------------------------------------------------------------------ embedding
    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype="float32")
        self._resolve()
        if self._onnx is not None:
            return self._encode_onnx(list(texts), progress)
        out = []
        for i in range(0, len(texts), self.batch_size):
            batch = list(texts[i:i + self.batch_size])
            out.append(self.model.encode(batch, normalize_embeddings=True, convert_to_numpy=True,
                                         show_progress_bar=False))
            if progress:
                progress(min(i + len(batch), len(texts)), len(texts))
        return np.vstack(out).astype("float32")

    def _encode_onnx(self, texts: list[str], progress: Progress | None) -> np.ndarray:
        """Texts sorted by length (as sentence-transformers sorts them), so little time goes into padding, in
        batches of at most `batch_size` texts and TOKEN_BUDGET padded word pieces: attention memory grows with
        batch × length²."""
        lengths = self._onnx.token_lengths(texts)
        order = sorted(range(len(texts)), key=lambda i: -lengths[i])
        out = np.zeros((len(texts), 0), dtype="float32")
        done = 0
        while done < len(order):
            longest = lengths[order[done]]  # sorted: the first of a batch is its longest
            size = max(1, min(self.batch_size, TOKEN_BUDGET // max(longest, 1)))
            rows = order[done:done + size]
            vecs = self._onnx.encode([texts[i] for i in rows])
            if out.shape[1] == 0:
                out = np.zeros((len(texts), vecs.shape[1]), dtype="float32")
            out[rows] = vecs
            done += len(rows)
            if progress:
                progress(done, len(texts))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        self._resolve()
        if self._onnx is not None:
            return self._onnx.encode([text])
        return self.model.encode([text], normalize_embeddings=True, convert_to_numpy=True,
                                 show_progress_bar=False).astype("float32")


def warm_up(model_path: str, index_dir: Path | str | None = None) -> None:
    """Load the embedding path ahead of the first question (`ascc-bot ui` does it while Streamlit starts)."""
    Embedder(model_path, index_dir=index_dir).encode_query("warm up")


def text_key(text: str) -> str:
    """The cache key of an embedded text: unchanged text is never embedded twice."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]
