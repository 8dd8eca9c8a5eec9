"""The embedding model, loaded once and only when something needs embedding.

Importing sentence-transformers costs about 5 s, so nothing imports it at module level: `--help`, `index --check`
and a rebuild with nothing to embed never pay for it.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

Progress = Callable[[int, int], None]


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


class Embedder:
    """Cheap to construct; the model loads on first use. Vectors are L2-normalised float32, so inner product is
    cosine similarity (what the FAISS IndexFlatIP computes)."""

    def __init__(self, model_path: str, batch_size: int = 32):
        self.model_path = model_path
        self.batch_size = batch_size
        self._model = None

    @property
    def model(self):
        if self._model is None:
            # Offline by construction: never let the hub client try the network.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(self.model_path, device="cpu")
        return self._model

    @property
    def max_tokens(self) -> int:
        """The model's window: what it silently truncates beyond."""
        return int(self.model.max_seq_length)

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype="float32")
        out = []
        for i in range(0, len(texts), self.batch_size):
            batch = list(texts[i:i + self.batch_size])
            out.append(self.model.encode(batch, normalize_embeddings=True, convert_to_numpy=True,
                                         show_progress_bar=False))
            if progress:
                progress(min(i + len(batch), len(texts)), len(texts))
        return np.vstack(out).astype("float32")

    def encode_query(self, text: str) -> np.ndarray:
        return self.model.encode([text], normalize_embeddings=True, convert_to_numpy=True,
                                 show_progress_bar=False).astype("float32")


def text_key(text: str) -> str:
    """The cache key of an embedded text: unchanged text is never embedded twice."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]
