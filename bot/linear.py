"""Small learned models stored as JSON: standardised inputs, a weight per input (per class), a bias.

The ranker (bot/retrieve/ranker.py) and the intent layer of the guard (bot/guard/intent.py) are both logistic
regressions fitted by scripts in eval/ (`train_ranker.py`, `train_intent.py`) and stored in bot/data/ as plain
JSON: no pickle, readable, and applied here with one matrix product.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / "data"


class ModelProblem(RuntimeError):
    """A model file that is missing, unreadable or does not match the code: says which file and the fix."""


@dataclass
class LinearModel:
    inputs: list[str]          # names of the inputs, in order (features, or "embedding[0..383]")
    classes: list[str]         # one class: binary (the positive class's probability); more: softmax
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray           # (n_classes or 1, n_inputs)
    intercept: np.ndarray      # (n_classes or 1,)

    def logits(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(x)
        return ((x - self.mean) / self.scale) @ self.coef.T + self.intercept

    def proba(self, x: np.ndarray) -> np.ndarray:
        """(n, n_classes) probabilities; for a binary model, (n,) of the positive class."""
        z = self.logits(x)
        if z.shape[1] == 1:
            return 1.0 / (1.0 + np.exp(-z[:, 0]))
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def to_json(self) -> dict:
        return {"inputs": self.inputs, "classes": self.classes, "mean": self.mean.tolist(),
                "scale": self.scale.tolist(), "coef": self.coef.tolist(), "intercept": self.intercept.tolist()}

    @classmethod
    def from_json(cls, j: dict) -> "LinearModel":
        return cls(list(j["inputs"]), list(j["classes"]), np.asarray(j["mean"], dtype=np.float64),
                   np.asarray(j["scale"], dtype=np.float64), np.atleast_2d(np.asarray(j["coef"], dtype=np.float64)),
                   np.atleast_1d(np.asarray(j["intercept"], dtype=np.float64)))


def load_models(name: str) -> dict:
    """bot/data/<name>.json: {"models": {key: LinearModel json}, ...other fields kept as they are}."""
    path = DATA_DIR / f"{name}.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        raw["models"] = {k: LinearModel.from_json(v) for k, v in raw["models"].items()}
    except FileNotFoundError as exc:
        raise ModelProblem(f"{path} is missing: reinstall the project, or retrain it with "
                           f"`python eval/train_{name}.py`.") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelProblem(f"{path} is damaged ({exc}): restore it from git, or retrain it with "
                           f"`python eval/train_{name}.py`.") from exc
    return raw


def save_models(name: str, models: dict[str, LinearModel], **extra) -> Path:
    path = DATA_DIR / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {**extra, "models": {k: m.to_json() for k, m in models.items()}}
    path.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
    return path
