"""Export a sentence-transformers model to ONNX, once per model, beside the index.

    python -m bot.index.onnx_export MODEL_FOLDER DEST_FOLDER

Run in a subprocess by bot/index/onnx.py: this module imports torch, transformers and sentence-transformers, which
the process that asked for the export never does. The transformer is exported with torch's own exporter
(`torch.onnx.export(..., dynamo=True)`, which needs the `onnx` and `onnxscript` packages); pooling and
normalisation stay outside the graph (bot/index/onnx.py does them in numpy). Before the export is installed, it is
run on probe texts (short, long past the window, padded in a batch) and compared with sentence-transformers; it is
installed only at cosine ≥ MIN_COSINE, and export.json keeps the reference vectors of the short probes so every
later load can check itself in a few milliseconds. On failure the last stderr line reads `onnx-export: <reason>`.
"""
from __future__ import annotations

import inspect
import json
import os
import shutil
import sys
import uuid
import warnings
from pathlib import Path

from bot.index.onnx import (DATA_FILE, EXPORT_FORMAT, INFO_FILE, MIN_COSINE, MODEL_FILE, OFFLINE, OnnxEncoder,
                            OnnxProblem, check_recipe, install, sha256_file, window)

PROBE_TEXTS = [
    "What is the standard first-line chemotherapy for metastatic anal cancer?",
    "  Salvage abdominoperineal resection (APR) remains the standard of care; R0 resection rates vary.  ",
    "Überlebensrate – 5-year overall survival: 30–60% [12–15].",
    # longer than the 256-word-piece window: checks truncation is where sentence-transformers puts it
    " ".join(["Persistent or recurrent anal squamous cell carcinoma after chemoradiotherapy, pelvic exenteration,"
              " re-irradiation, immunotherapy with nivolumab or pembrolizumab, and carboplatin-paclitaxel."] * 12),
    "ok",
]
# What every later load re-checks: the short probes (a full-window text would add ~0.25 s to each cold start).
LOAD_PROBES = [t for t in PROBE_TEXTS if len(t) < 200]


def export(model_path: str, dest: Path) -> dict:
    check_recipe(model_path)
    for key, value in OFFLINE.items():
        os.environ.setdefault(key, value)
    warnings.filterwarnings("ignore")
    import torch
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(model_path, device="cpu")
    max_tokens, _ = window(model_path)
    if int(st.max_seq_length) != max_tokens:
        raise OnnxProblem(f"sentence-transformers reads a window of {st.max_seq_length}, the config says "
                          f"{max_tokens}")
    hf = st[0].auto_model.eval()
    accepted = inspect.signature(hf.forward).parameters
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in accepted]
    if names[:2] != ["input_ids", "attention_mask"]:
        raise OnnxProblem(f"the model's forward takes {', '.join(accepted)}, not token ids and a mask")

    class LastHidden(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            given = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}
            return self.model(**{n: given[n] for n in names}).last_hidden_state

    # A batch with padding, so the traced graph masks padded positions.
    sample = dict(st.tokenizer(["What is the standard first-line chemotherapy?", "Salvage surgery."],
                               padding=True, return_tensors="pt"))
    sample.setdefault("token_type_ids", torch.zeros_like(sample["input_ids"]))
    batch, seq = torch.export.Dim("batch"), torch.export.Dim("sequence", max=max(max_tokens, 16))
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".tmp-{dest.name}-{uuid.uuid4().hex[:6]}"
    tmp.mkdir()
    try:
        with torch.no_grad():
            torch.onnx.export(LastHidden(hf), tuple(sample[n] for n in names), str(tmp / MODEL_FILE),
                              input_names=names, output_names=["last_hidden_state"],
                              dynamic_shapes={n: {0: batch, 1: seq} for n in names}, dynamo=True,
                              external_data=True, verbose=False)
        if not (tmp / DATA_FILE).exists():
            raise OnnxProblem(f"the exporter did not write {DATA_FILE}")
        reference = st.encode(PROBE_TEXTS, normalize_embeddings=True, convert_to_numpy=True,
                              show_progress_bar=False)
        mine = OnnxEncoder(tmp, model_path, verify=False).encode(PROBE_TEXTS)
        cos = (mine * reference).sum(axis=1)
        if float(cos.min()) < MIN_COSINE:
            raise OnnxProblem(f"the exported model gives other vectors (cosine {float(cos.min()):.6f} < {MIN_COSINE})")
        from bot.index.embed import model_fingerprint
        import onnxruntime
        import sentence_transformers
        import transformers

        info = {
            "format": EXPORT_FORMAT,
            "model_fingerprint": model_fingerprint(model_path),
            "max_tokens": max_tokens,
            "inputs": names,
            "files": {n: {"bytes": (tmp / n).stat().st_size, "sha256": sha256_file(tmp / n)}
                      for n in (MODEL_FILE, DATA_FILE)},
            "exporter": {"torch": torch.__version__, "transformers": transformers.__version__,
                         "sentence_transformers": sentence_transformers.__version__,
                         "onnxruntime": onnxruntime.__version__, "method": "torch.onnx.export(dynamo=True)"},
            "min_cosine": round(float(cos.min()), 9),
            "probe": {"texts": LOAD_PROBES,
                      "vectors": [reference[PROBE_TEXTS.index(t)].astype(float).tolist() for t in LOAD_PROBES]},
        }
        (tmp / INFO_FILE).write_text(json.dumps(info), encoding="utf-8")
        install(tmp, dest)
        return info
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m bot.index.onnx_export MODEL_FOLDER DEST_FOLDER", file=sys.stderr)
        return 2
    try:
        info = export(argv[0], Path(argv[1]))
    except OnnxProblem as exc:
        print(f"onnx-export: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the caller shows one line and falls back
        if os.environ.get("ASCC_BOT_DEBUG"):
            raise
        first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
        print(f"onnx-export: {exc.__class__.__name__}: {first}", file=sys.stderr)
        return 1
    print(f"exported to {argv[1]} (cosine to sentence-transformers ≥ {info['min_cosine']})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
