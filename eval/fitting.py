"""The one way this project fits its small models: a logistic regression on standardised inputs (scikit-learn,
lbfgs, tight tolerance: deterministic), returned as the JSON-storable `bot.linear.LinearModel`. Training only:
scikit-learn is never imported on the question path."""
from __future__ import annotations

import numpy as np

from bot.linear import LinearModel


def fit_logistic(x: np.ndarray, y: np.ndarray, *, c: float, inputs: list[str], classes: list[str],
                 weight: np.ndarray | None = None, balanced: bool = False, max_iter: int = 10000) -> LinearModel:
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    clf = LogisticRegression(C=c, max_iter=max_iter, solver="lbfgs", tol=1e-10,
                             class_weight="balanced" if balanced else None)
    clf.fit((x - mean) / scale, y, sample_weight=weight)
    return LinearModel(list(inputs), list(classes), mean, scale, clf.coef_.astype(np.float64),
                       clf.intercept_.astype(np.float64))
