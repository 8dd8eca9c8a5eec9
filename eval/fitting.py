"""The one way this project fits its small models: a logistic regression on standardised inputs (scikit-learn),
returned as the JSON-storable `bot.linear.LinearModel`. Training only: scikit-learn is never imported on the question
path.

The solver is Newton-Cholesky, run to a gradient of 1e-12: it reaches the optimum to machine precision in a few
steps, so the weights are the same on any CPU. (lbfgs stopped on its relative-decrease test ~1e-6 short of the
optimum, at a point that depended on the order in which the CPU's BLAS kernels summed: the intent weights moved by
1e-6 between AVX-512 and AVX2 kernels on the same inputs.)"""
from __future__ import annotations

import numpy as np

from bot.linear import LinearModel


def fit_logistic(x: np.ndarray, y: np.ndarray, *, c: float, inputs: list[str], classes: list[str],
                 weight: np.ndarray | None = None, balanced: bool = False, max_iter: int = 10000) -> LinearModel:
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    clf = LogisticRegression(C=c, max_iter=max_iter, solver="newton-cholesky", tol=1e-12,
                             class_weight="balanced" if balanced else None)
    clf.fit((x - mean) / scale, y, sample_weight=weight)
    return LinearModel(list(inputs), list(classes), mean, scale, clf.coef_.astype(np.float64),
                       clf.intercept_.astype(np.float64))
