"""Fit the flowchart-branch classifier (bot/guard/branches.py) and store it in bot/data/branch.json.

    .venv/bin/python eval/train_branch.py            # retrain, cross-validate, score the working halves, write
    .venv/bin/python eval/train_branch.py --check    # retrain in memory; exit 1 if it differs from the stored file
    .venv/bin/python eval/train_branch.py --locked   # score the locked halves once (a milestone), nothing written

Training data: eval/training/branch_train.jsonl, 360 described situations with the branch they belong to, written by
a helper session from the review only (separate from the evaluation sets eval/guard/branch*.jsonl, written by
other helpers). Inputs: the MiniLM embedding of the described situation (abbreviations spelt out, as the pipeline
embeds a question) and the cue families of bot/guard/flowchart.py. A multinomial logistic regression (scikit-learn,
lbfgs, deterministic); C is chosen by 5-fold cross-validation on the training data only.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.guard.branches import BRANCHES, CUE_INPUTS, cue_vector  # noqa: E402
from bot.guard.flowchart import match_branch  # noqa: E402
from bot.index.embed import Embedder  # noqa: E402
from bot.linear import load_models, save_models  # noqa: E402
from bot.settings import Settings  # noqa: E402
from eval.fitting import fit_logistic  # noqa: E402

TRAINING_BACKEND = "reference"  # the reference embedding (see eval/train_intent.py)
TRAIN = ROOT / "eval" / "training" / "branch_train.jsonl"
SETS = ("branch", "branch2")
CS = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
FOLDS = 5


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def inputs(rows: list[dict], embedder: Embedder) -> np.ndarray:
    from bot.retrieve.lexicon import GLOSSARY, Lexicon

    expand = Lexicon(GLOSSARY, {}, 1.0).expand
    vecs = embedder.encode([expand(r["case"]) for r in rows]).astype(np.float64)
    return np.hstack([vecs, np.vstack([cue_vector(r["case"]) for r in rows])])


def fit(x: np.ndarray, y: np.ndarray, c: float):
    return fit_logistic(x, y, c=c, classes=list(BRANCHES), max_iter=10000,
                        inputs=[f"embedding[{i}]" for i in range(x.shape[1] - len(CUE_INPUTS))] + list(CUE_INPUTS))


def cross_validated(x: np.ndarray, y: np.ndarray, c: float) -> float:
    folds = np.arange(len(y)) % FOLDS
    right = 0
    for f in range(FOLDS):
        m = fit(x[folds != f], y[folds != f], c)
        right += int((m.proba(x[folds == f]).argmax(axis=1) == y[folds == f]).sum())
    return right / len(y)


def score(model, halves: tuple[str, ...], embedder: Embedder) -> dict:
    out = {}
    for name in SETS:
        for half in halves:
            rows = read(ROOT / "eval" / "guard" / f"{name}.{half}.jsonl")
            pred = model.proba(inputs(rows, embedder)).argmax(axis=1)
            learned = sum(BRANCHES[p] == r["branch"] for p, r in zip(pred, rows))
            rule = sum(match_branch(r["case"]) == r["branch"] for r in rows)
            out[f"{name} {half}"] = f"learned {learned}/{len(rows)}, rules alone {rule}/{len(rows)}"
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare with the stored model instead of writing it")
    ap.add_argument("--locked", action="store_true", help="score the locked halves with the stored model")
    args = ap.parse_args()
    embedder = Embedder(Settings.from_env().model_path, backend=TRAINING_BACKEND)
    if args.locked:
        print(json.dumps(score(load_models("branch")["models"]["branch"], ("locked",), embedder), indent=1))
        return 0
    rows = read(TRAIN)
    x = inputs(rows, embedder)
    y = np.array([BRANCHES.index(r["branch"]) for r in rows])
    cv = {c: cross_validated(x, y, c) for c in CS}
    best = max(CS, key=lambda c: (cv[c], -c))
    model = fit(x, y, best)
    info = {"cases": len(rows), "data_sha256": hashlib.sha256(TRAIN.read_bytes()).hexdigest()[:16],
            "cross_validated_accuracy": {str(c): round(a, 4) for c, a in cv.items()}, "c": best}
    print(json.dumps(info, indent=1))
    if args.check:
        stored = load_models("branch")["models"]["branch"]
        worst = float(np.abs(stored.coef - model.coef).max())
        print(f"largest weight difference from bot/data/branch.json: {worst:.2e}")
        return 0 if worst <= 1e-6 else 1
    print(json.dumps(score(model, ("working",), embedder), indent=1))
    path = save_models("branch", {"branch": model}, trained_by="eval/train_branch.py", info=info)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
