#!/usr/bin/env python3
"""Do both embedding paths give the same answers? (docs/benchmarks.md, "Same answers on both paths")

    .venv/bin/python bench/compare_paths.py [--cases FILE ...]

Builds the review's index twice in a temporary folder, once embedded by the ONNX path and once by
sentence-transformers, asks every public and dev question (with its history) on each, and lists every question
whose mode, answer text or quotes differ. Exit code 0 when none does.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from bench import DEV_CASES, PUBLIC_CASES, load_cases, user_turns  # noqa: E402  (bench/bench.py, beside this file)


def answers(settings, backend: str, cases: list[dict]) -> list[dict]:
    from bot.index import store
    from bot.index.embed import Embedder
    from bot.pipeline import Pipeline

    embedder = Embedder(settings.model_path, index_dir=settings.index_dir, backend=backend)
    store.build(settings, embedder=embedder, force=True)
    pipeline = Pipeline.load(settings, embedder=embedder, build_missing=False)
    out = []
    for c in cases:
        try:
            a = pipeline.ask(c["question"], user_turns(c.get("history")))
            out.append({"mode": a.mode, "text": a.text, "quotes": [q.quote for q in a.citations]})
        except Exception as exc:  # noqa: BLE001 - refused inputs are compared too
            out.append({"mode": "error", "text": f"{exc.__class__.__name__}: {exc}", "quotes": []})
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=Path, action="append", help="question files (default: public + dev)")
    args = ap.parse_args()
    cases = [c for c in load_cases(args.cases or [PUBLIC_CASES, DEV_CASES]) if isinstance(c.get("question"), str)]

    from bot.settings import Settings

    work = Path(tempfile.mkdtemp(prefix="ascc-paths-"))
    try:
        base = Settings.from_env(index_dir=work / "onnx")
        got = {"onnx": answers(base, "onnx", cases),
               "sentence-transformers": answers(replace(base, index_dir=work / "st"), "sentence-transformers", cases)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    differ = []
    for c, a, b in zip(cases, got["onnx"], got["sentence-transformers"]):
        if a != b:
            what = [k for k in ("mode", "text", "quotes") if a[k] != b[k]]
            differ.append({"id": c.get("id"), "question": c["question"], "differs": what,
                           "onnx": a, "sentence-transformers": b})
    modes = {}
    for a in got["onnx"]:
        modes[a["mode"]] = modes.get(a["mode"], 0) + 1
    print(f"{len(cases)} questions; modes on the ONNX path: {json.dumps(modes)}")
    print(f"same mode, text and quotes on both paths: {len(cases) - len(differ)} of {len(cases)}")
    for d in differ:
        print(json.dumps(d, ensure_ascii=False, indent=1))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
