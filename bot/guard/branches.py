"""Which part of the management flowchart a described situation belongs to: learned, with the cue families as
anchors.

`bot.guard.flowchart.match_branch` reads a described case with hand-written cue families and negation masking
("no metastases", "not fit for surgery"). It is precise on the wordings it was written for and brittle on others
("the surgeons said they can't remove it. Nothing has spread."). This layer reads the MiniLM embedding of the
described situation together with which cue families fire (after negation masking) and what the rules chose, and a
multinomial logistic regression fitted by `eval/train_branch.py` on helper-written described cases picks the branch.
Weights are plain JSON (bot/data/branch.json); applying them is one small matrix product.
"""
from __future__ import annotations

import numpy as np

from bot.guard import flowchart as rules
from bot.linear import LinearModel, load_models

BRANCHES = ("assessment", "after_local_excision", "local_salvage", "inguinal", "not_operable", "systemic")
CUE_FAMILIES = ("systemic", "not_operable", "inguinal", "after_local_excision", "assessment", "local_salvage",
                "chemotherapy", "generic")
CUE_INPUTS = tuple(f"cue_{c}" for c in CUE_FAMILIES) + tuple(f"rule_{b}" for b in BRANCHES) + ("rule_none",)


def cue_vector(text: str) -> np.ndarray:
    """Which cue families fire on the negation-masked text (not_operable also on the raw text, whose negations
    are its cues), and the rules' own choice, one-hot."""
    raw = text.replace("\u2019", "'")
    masked = rules._mask_negated(raw)
    fired = [bool(rules._CUES[c].search(raw if c == "not_operable" else masked)) for c in CUE_FAMILIES]
    choice = rules.match_branch(text)
    rule = [choice == b for b in BRANCHES] + [choice is None]
    return np.array(fired + rule, dtype=np.float64)


def model_input(vec: np.ndarray, text: str) -> np.ndarray:
    return np.concatenate([np.asarray(vec, dtype=np.float64).reshape(-1), cue_vector(text)])[None, :]


class BranchClassifier:
    """Loaded once (bot/data/branch.json); `branch(text, vec)` per deferral, `vec` the embedding of `text`."""

    def __init__(self, model: LinearModel):
        expected = [f"embedding[{i}]" for i in range(len(model.inputs) - len(CUE_INPUTS))] + list(CUE_INPUTS)
        if model.inputs != expected or list(model.classes) != list(BRANCHES):
            raise ValueError("bot/data/branch.json does not match the code's inputs: retrain it with "
                             "`python eval/train_branch.py`.")
        self.model = model

    @classmethod
    def load(cls) -> "BranchClassifier":
        return cls(load_models("branch")["models"]["branch"])

    def probabilities(self, text: str, vec: np.ndarray) -> dict[str, float]:
        p = self.model.proba(model_input(vec, text))[0]
        return {b: float(x) for b, x in zip(BRANCHES, p)}

    def branch(self, text: str, vec: np.ndarray) -> str:
        p = self.probabilities(text, vec)
        return max(p, key=p.get)
