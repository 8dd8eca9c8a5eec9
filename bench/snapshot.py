#!/usr/bin/env python3
"""Same answers before and after a speed-up: a snapshot of everything the bot decides, and a comparison.

    .venv/bin/python bench/snapshot.py save DIR      # before: answers, rankings and ranker features
    .venv/bin/python bench/snapshot.py compare DIR   # after: the same, compared with DIR

The questions: the public and dev cases, every eval/sets/*.jsonl file and eval/guard/*.jsonl (question and history
only: nothing is scored), and the training questions of eval/training/. For each, the full `Pipeline.ask` answer
(mode, text, citations, refs, reason, nearest, …) and, for the questions the ranker is trained on, every
sentence's features (bot/retrieve/features.py) and ranker logit for the question as asked. The query vectors are
saved with the snapshot and reused by `compare`, so the comparison does not depend on the embedding being bitwise
repeatable. `compare` prints the largest absolute difference of features and logits, and every answer that
differs; it exits 1 when an answer, a mode or a ranking order differs.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench import DEV_CASES, PUBLIC_CASES, load_cases, user_turns  # noqa: E402


def question_files() -> list[Path]:
    return [PUBLIC_CASES, DEV_CASES, *sorted((ROOT / "eval" / "sets").glob("*.jsonl")),
            *sorted((ROOT / "eval" / "guard").glob("*.jsonl")), *sorted((ROOT / "eval" / "training").glob("*.jsonl"))]


def answer_record(answer) -> dict:
    d = dataclasses.asdict(answer)
    d.pop("warnings", None)
    return d


class FrozenVectors:
    """encode_query from a saved table (text → vector); texts not in it are embedded and remembered."""

    def __init__(self, inner, table: dict[str, np.ndarray]):
        self.inner, self.table = inner, table

    def __call__(self, text: str) -> np.ndarray:
        if text not in self.table:
            self.table[text] = self.inner(text)
        return self.table[text]


def take(pipeline, table) -> tuple[list[dict], dict[str, np.ndarray]]:
    cases = [c for c in load_cases(question_files()) if isinstance(c.get("question"), str) and c["question"].strip()]
    pipeline.embedder.encode_query = FrozenVectors(pipeline.embedder.encode_query, table)
    answers = []
    for c in cases:
        hist = user_turns(c.get("history"))
        try:
            rec = answer_record(pipeline.ask(c["question"], hist))
        except Exception as exc:  # noqa: BLE001 - a refused input is an outcome too
            rec = {"error": f"{exc.__class__.__name__}: {exc}"}
        answers.append({"source": c["_source"], "id": c.get("id"), "question": c["question"], **rec})
    # The ranker's view of the training questions (as eval/train_ranker.py computes it) and of every question.
    r = pipeline.retriever
    feats, logits, orders = [], [], []
    for c in cases:
        q = c["question"]
        qvec = pipeline.embedder.encode_query(r.expand(q))
        ranking = r.search(r.make_query(q), qvec)
        if c["_source"].startswith("ranker_pairs"):
            ov = r.question_kind(qvec)
            feats.append(r.features.compute(r.make_query(q), qvec, ov)["features"])
        logits.append(ranking.scores)
        orders.append([h.sentence.id for h in ranking.hits])
    arrays = {"features": np.stack(feats) if feats else np.zeros((0,)), "logits": np.stack(logits)}
    for a in answers:
        a["ranking"] = orders.pop(0)
    return answers, arrays


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("action", choices=("save", "compare"))
    ap.add_argument("dir", type=Path)
    args = ap.parse_args()

    from bot.pipeline import Pipeline
    from bot.settings import Settings

    pipeline = Pipeline.load(Settings.from_env(), build_missing=False)
    vec_file = args.dir / "vectors.npz"
    table: dict[str, np.ndarray] = {}
    if args.action == "compare":
        saved = np.load(vec_file, allow_pickle=False)
        texts = json.loads((args.dir / "vector_texts.json").read_text(encoding="utf-8"))
        vectors = saved["v"]
        table = {t: vectors[i:i + 1] for i, t in enumerate(texts)}
    answers, arrays = take(pipeline, table)
    if args.action == "save":
        args.dir.mkdir(parents=True, exist_ok=True)
        texts = list(table)
        np.savez(vec_file, v=np.vstack([table[t] for t in texts]))
        (args.dir / "vector_texts.json").write_text(json.dumps(texts), encoding="utf-8")
        np.savez(args.dir / "arrays.npz", **arrays)
        with (args.dir / "answers.jsonl").open("w", encoding="utf-8") as f:
            for a in answers:
                f.write(json.dumps(a, ensure_ascii=False, sort_keys=True) + "\n")
        print(f"saved {len(answers)} answers, features {arrays['features'].shape}, logits {arrays['logits'].shape}")
        return 0
    before = [json.loads(line) for line in (args.dir / "answers.jsonl").read_text(encoding="utf-8").splitlines()]
    old = np.load(args.dir / "arrays.npz", allow_pickle=False)
    after = [json.loads(json.dumps(a, ensure_ascii=False, sort_keys=True)) for a in answers]
    bad = 0
    for b, a in zip(before, after):
        if a != b:
            bad += 1
            keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            print(f"DIFFERS: {b['source']} {b.get('id')} {b['question'][:70]!r}: {', '.join(keys)}")
    feat_diff = float(np.abs(old["features"] - arrays["features"]).max()) if arrays["features"].size else 0.0
    logit_diff = float(np.abs(old["logits"] - arrays["logits"]).max())
    per_feature = np.abs(old["features"] - arrays["features"]).max(axis=(0, 1)) if arrays["features"].size else []
    from bot.retrieve.features import FEATURES

    worst = [(FEATURES[i], float(d)) for i, d in enumerate(per_feature) if d > 0]
    print(f"{len(after)} answers compared ({len(before)} saved): {bad} differ")
    print(f"features of {arrays['features'].shape[0]} training questions: max |difference| {feat_diff:.3g}"
          + (f" ({', '.join(f'{n} {d:.3g}' for n, d in worst)})" if worst else ""))
    print(f"ranker logits of {arrays['logits'].shape[0]} questions: max |difference| {logit_diff:.3g}")
    return 1 if bad or len(before) != len(after) else 0


if __name__ == "__main__":
    sys.exit(main())
