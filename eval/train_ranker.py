"""Fit the sentence ranker and the overview detector, and store them in bot/data/ranker.json.

    .venv/bin/python eval/train_ranker.py            # retrain and write bot/data/ranker.json
    .venv/bin/python eval/train_ranker.py --check    # retrain in memory; exit 1 if it differs from the stored file

Training data: eval/training/ranker_pairs.jsonl and ranker_pairs_broad.jsonl (PAIRS below), ≥ 1,000 (question, answering passages) pairs written by helper
sessions from the review only, separate from every evaluation set. Each answer passage is located among the
index's sentences (letters and digits compared, so table rows and line breaks match); every other sentence is a
negative for that question.

Two logistic regressions (scikit-learn, Newton-Cholesky to machine precision: deterministic):
- `overview`: over the question's embedding, does it ask for an overview rather than one fact. Trained on
  eval/training/overview_questions.jsonl (OVERVIEW_QUESTIONS: 900 questions, 450 each, in the widest range of
  wordings a helper could write from the review alone, hard cases at the boundary included) and on the pairs'
  questions (style "overview" or not); its C is the best of a 5-fold cross-validation (`--cv` prints it).
  `--locked` scores it on eval/kind/overview.locked.jsonl (300 questions by another helper, never trained on);
- `sentence`: over the generic features of bot/retrieve/features.py, does this sentence answer the question.
The features carry no sentence identity, so the ranker transfers to other documents.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.index import store  # noqa: E402
from bot.index.embed import Embedder  # noqa: E402
from bot.linear import LinearModel, save_models  # noqa: E402
from eval.fitting import fit_logistic  # noqa: E402
from bot.retrieve.features import FEATURES  # noqa: E402
from bot.retrieve.search import Retriever  # noqa: E402
from bot.settings import Settings  # noqa: E402

# Training embeds with sentence-transformers in float64 (bot/index/embed.py, "reference"), which the ONNX query path
# matches at cosine ≥ 0.99999, and computes the features from those vectors in float64, in an index of its own: the
# stored weights then reproduce to 1e-6 on any CPU, whichever path answers questions. (In float32 the vectors and
# the cosines depend on the CPU's kernels, AVX-512 or AVX2, by ~1e-7, which moved the fitted weights by ~5e-6.)
TRAINING_BACKEND = "reference"

# ranker_pairs.jsonl: 1,169 pairs of every style; ranker_pairs_broad.jsonl: 400 more (half broad questions whose
# answer spans several sentences, key points first; half narrow ones), by a later helper from the review only.
# (ranker_pairs_broad2.jsonl, 300 more by a helper in session 5, is not trained on: it moved the working halves by
# −1 fact in the text; eval/answerable.py uses it.)
PAIRS = [ROOT / "eval" / "training" / "ranker_pairs.jsonl", ROOT / "eval" / "training" / "ranker_pairs_broad.jsonl"]
# The overview detector learns from questions labelled overview/fact and from the pairs' styles. Trained on the
# labelled questions alone it calls most how/why questions overviews (as their writer did), and the answers lose
# facts (working halves: facts in the text −8); with the pairs, where how/why is its own style, ±0.
OVERVIEW_QUESTIONS = ROOT / "eval" / "training" / "overview_questions.jsonl"
OVERVIEW_LOCKED = ROOT / "eval" / "kind" / "overview.locked.jsonl"
C_SENTENCE, C_OVERVIEW = 1.0, 0.05  # the best of the grouped cross-validation (0.828)
C_GRID = (0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0)


def norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def word_set(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def locate(answer: str, sentences, normed: list[str]) -> list[int]:
    """Positions of the sentences an answer passage is: the sentence containing it, the sentences it spans, or
    (table rows written as plain text) the record sharing most of its words."""
    a = norm(answer)
    if len(a) < 8:
        return []
    inside = [i for i, s in enumerate(normed) if a in s]
    if inside:
        return inside
    spans = [i for i, s in enumerate(normed) if len(s) >= 30 and s in a]
    if spans:
        return spans
    words = word_set(answer)
    best, best_i = 0.0, -1
    for i, s in enumerate(sentences):
        share = len(words & word_set(s.text)) / max(len(words), 1)
        if share > best:
            best, best_i = share, i
    return [best_i] if best >= 0.6 else []


def own_retriever(settings: Settings, embedder: Embedder, folder: Path) -> Retriever:
    """The corpus indexed in `folder` with the training embedder (not the index the bot uses, whose vectors may come
    from the ONNX path on another CPU), loaded without any learned model."""
    own = dataclasses.replace(settings, index_dir=folder)
    store.build(own, embedder=embedder)
    return Retriever(store.load(own), own, models={})


def training_data(settings: Settings, embedder: Embedder, folder: Path):
    retriever = own_retriever(settings, embedder, folder)
    pairs = [json.loads(line) for f in PAIRS for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    normed = [norm(s.text) for s in retriever.sentences]
    qvecs = embedder.encode([retriever.expand(p["question"]) for p in pairs])
    labels, unlocated = [], 0
    for p in pairs:
        pos = sorted({i for a in p["answers"] for i in locate(a, retriever.sentences, normed)})
        unlocated += not pos
        labels.append(pos)
    return retriever, pairs, qvecs, labels, unlocated


def labelled_questions(path: Path, retriever: Retriever, embedder: Embedder) -> tuple[np.ndarray, np.ndarray]:
    """The questions of an overview/fact file, embedded as the bot embeds them, and 1 for "overview"."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    x = embedder.encode([retriever.expand(r["question"]) for r in rows]).astype(np.float64)
    return x, np.array([r["label"] == "overview" for r in rows], dtype=int)


def overview_data(retriever: Retriever, embedder: Embedder, pairs: list[dict], qvecs: np.ndarray):
    """The overview detector's questions: the labelled overview/fact questions, then the pairs' questions, an
    overview when a helper was asked to write one (so a how/why or a study question counts as one fact)."""
    x, y = labelled_questions(OVERVIEW_QUESTIONS, retriever, embedder)
    return (np.vstack([x, qvecs.astype(np.float64)]),
            np.concatenate([y, np.array([p.get("style") == "overview" for p in pairs], dtype=int)]))


def fit_overview(x: np.ndarray, y: np.ndarray, c: float) -> LinearModel:
    return fit_logistic(x, y, c=c, balanced=True, max_iter=5000,
                        inputs=[f"embedding[{i}]" for i in range(x.shape[1])], classes=["yes"])


def overview_cv(x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> dict[float, float]:
    """5-fold cross-validated accuracy of the overview detector for each C of C_GRID (folds fixed by a seed). Pairs
    that share an answer (one passage asked about in several styles) stay in one fold, so a paraphrase is never
    scored against its own twin."""
    from sklearn.model_selection import StratifiedGroupKFold

    folds = list(StratifiedGroupKFold(5, shuffle=True, random_state=0).split(x, y, groups))
    return {c: float(np.mean([np.mean((fit_overview(x[a], y[a], c).proba(x[b]) >= 0.5) == y[b]) for a, b in folds]))
            for c in C_GRID}


def detector_scores(model: LinearModel, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    pred = model.proba(x) >= 0.5
    hit = int((pred & (y == 1)).sum())
    return {"accuracy": round(float(np.mean(pred == y)), 4), "recall": round(hit / max(int(y.sum()), 1), 4),
            "precision": round(hit / max(int(pred.sum()), 1), 4), "questions": int(len(y))}


def train(settings: Settings, embedder: Embedder) -> tuple[dict[str, LinearModel], dict]:
    with tempfile.TemporaryDirectory(prefix="train-ranker-") as tmp:
        return _train(settings, embedder, Path(tmp) / "index")


def _train(settings: Settings, embedder: Embedder, folder: Path) -> tuple[dict[str, LinearModel], dict]:
    retriever, pairs, qvecs, labels, unlocated = training_data(settings, embedder, folder)
    ov_x, ov_y = overview_data(retriever, embedder, pairs, qvecs)
    overview = fit_overview(ov_x, ov_y, C_OVERVIEW)
    ov_prob = overview.proba(qvecs)

    xs, ys, weights = [], [], []
    for p, qv, pos, ov in zip(pairs, qvecs, labels, ov_prob):
        if not pos:
            continue
        # (the question's vector in float64, so the cosines are computed in float64 too: the same on any CPU)
        out = retriever.features.compute(retriever.make_query(p["question"]), qv.astype(np.float64)[None, :],
                                         float(ov))
        y = np.zeros(len(retriever.sentences), dtype=int)
        y[pos] = 1
        xs.append(out["features"])
        ys.append(y)
        # every question weighs the same, whatever the number of its answer sentences
        weights.append(np.where(y == 1, 1.0 / y.sum(), 1.0 / (len(y) - y.sum())))
    # (Not rounded: the inputs are the same on any CPU to ~1e-16, and the fit moves smoothly with them, where a
    # rounding to 4 decimals turned a difference at the last bit into a step of 1e-4 at the rounding boundaries.)
    x, y, w = np.vstack(xs), np.concatenate(ys), np.concatenate(weights) * len(xs)
    sentence = fit_logistic(x, y, c=C_SENTENCE, weight=w, max_iter=5000, inputs=list(FEATURES), classes=["yes"])

    # In-sample ranking quality: an answering sentence among the top k.
    scores = sentence.proba(x).reshape(len(xs), -1)
    truth = np.vstack(ys)
    top = np.argsort(-scores, axis=1, kind="stable")
    at = {k: float(np.mean([truth[i, top[i, :k]].any() for i in range(len(xs))])) for k in (1, 3, 5)}
    info = {"pairs": len(pairs), "located": len(xs), "unlocated": unlocated,
            "data_sha256": hashlib.sha256(b"".join(f.read_bytes() for f in PAIRS + [OVERVIEW_QUESTIONS])).hexdigest()[:16],
            "in_sample_hit_at": at, "overview_questions": len(ov_y),
            "overview_in_sample": detector_scores(overview, ov_x, ov_y)}
    return {"sentence": sentence, "overview": overview}, info


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare with the stored model instead of writing it")
    ap.add_argument("--cv", action="store_true", help="print the overview detector's cross-validation over C_GRID")
    ap.add_argument("--locked", action="store_true", help="score the stored overview detector on the locked "
                    "questions (once per milestone) and exit")
    args = ap.parse_args()
    settings = Settings.from_env()
    embedder = Embedder(settings.model_path, backend=TRAINING_BACKEND)
    if args.locked or args.cv:
        retriever = own_retriever(settings, embedder, Path(tempfile.mkdtemp(prefix="train-ranker-")) / "index")
        if args.cv:
            pairs = [json.loads(line) for f in PAIRS for line in f.read_text(encoding="utf-8").splitlines()
                     if line.strip()]
            qvecs = embedder.encode([retriever.expand(p["question"]) for p in pairs])
            x, y = overview_data(retriever, embedder, pairs, qvecs)
            n_labelled = len(y) - len(pairs)
            answers = {a: i for i, a in enumerate(dict.fromkeys(norm(p["answers"][0]) for p in pairs))}
            groups = np.concatenate([np.arange(n_labelled),
                                     n_labelled + np.array([answers[norm(p["answers"][0])] for p in pairs])])
            for c, acc in overview_cv(x, y, groups).items():
                print(f"C={c}: cross-validated accuracy {acc:.4f}{'  (C_OVERVIEW)' if c == C_OVERVIEW else ''}")
        if args.locked:
            from bot.linear import load_models

            scores = detector_scores(load_models("ranker")["models"]["overview"],
                                     *labelled_questions(OVERVIEW_LOCKED, retriever, embedder))
            print("overview detector on the locked questions:", json.dumps(scores))
        return 0
    models, info = train(settings, embedder)
    print(json.dumps(info, indent=1))
    if args.check:
        from bot.linear import load_models

        stored = load_models("ranker")["models"]
        worst = max(float(np.abs(stored[k].coef - m.coef).max()) for k, m in models.items())
        print(f"largest weight difference from bot/data/ranker.json: {worst:.2e}")
        return 0 if worst <= 1e-6 else 1
    path = save_models("ranker", models, trained_by="eval/train_ranker.py", info=info)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
