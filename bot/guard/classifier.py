"""The guard's learned layer: intent from the question's meaning, with the cue families as anchors.

The cue families of bot/guard/intent.py are precise on the phrasings they were written for and blind to others
("Treatment for my recurrent anal cancer?"). This layer reads the MiniLM embedding of the question (the one the
pipeline computes anyway for retrieval) together with which cue families fired, and a logistic regression fitted by
`eval/train_intent.py` on ≥ 1,000 labelled phrasings written by helper sessions decides. Its weights are plain JSON
(bot/data/intent.json). Applying it is one small matrix product: microseconds.
"""
from __future__ import annotations

import re

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.guard import intent as cues
from bot.linear import LinearModel, load_models

KINDS = ("recommendation", "question", "off_topic")

# The cue families, as the model's non-embedding inputs (names kept in the model file, checked on load).
CUE_INPUTS = ("rule_recommendation", "rule_question", "rule_off_topic", "personal_ask", "case", "attribution",
              "decision", "advisor", "we_ask", "population", "domain", "history_case")


def cue_vector(question: str, history: Sequence[str] = (), names: Sequence[str] = ()) -> tuple[np.ndarray, cues.Intent]:
    """Which cue families fire on this turn (and the rules' own verdict); `names`: the study names it uses. The
    rules and this vector read the same matches: each family is searched once per turn."""
    turn = cues.Turn(question, history, names)
    rule = cues.classify_turn(turn)
    found = {
        "rule_recommendation": rule.kind == "recommendation", "rule_question": rule.kind == "question",
        "rule_off_topic": rule.kind == "off_topic",
        "personal_ask": turn.personal_ask, "case": turn.case, "attribution": turn.attribution,
        "decision": turn.decision, "advisor": turn.advisor, "we_ask": turn.we_ask,
        "population": turn.population, "domain": turn.domain, "history_case": turn.history_case,
    }
    return np.array([1.0 if found[k] else 0.0 for k in CUE_INPUTS]), rule


def model_input(qvec: np.ndarray, cue: np.ndarray) -> np.ndarray:
    return np.concatenate([np.asarray(qvec, dtype=np.float64).reshape(-1), cue])[None, :]


@dataclass(frozen=True)
class Decision:
    kind: str
    reason: str          # one plain sentence for the user
    probability: float   # the model's probability of `kind`
    rule: cues.Intent    # what the cue families alone said
    unrelated: float = 0.0  # the model's probability that the turn is small talk or off the subject


# A note that names nobody is a request only when it asks something: a question mark or a word of decision.
# "vram tram diep flaps" and "scarce prodige 60 atezolizumab mdcf" are search terms, not a case put to the bot.
_ASKS = re.compile(r"\?|\b(plan|next|should|shall|would|could|can|options?|offer|consider|recommend\w*|advis\w*|"
                   r"manage|treat|operate|best|approach|now|go for|proceed|worth|indicated|candidate|suitable|"
                   r"what|which|how|when|whether)\b", re.I)


class IntentClassifier:
    """Loaded once (bot/data/intent.json); `classify` per question."""

    def __init__(self, model: LinearModel, threshold: float, topic: LinearModel | None = None,
                 unnamed_threshold: float = 1.01):
        expected = [f"embedding[{i}]" for i in range(len(model.inputs) - len(CUE_INPUTS))] + list(CUE_INPUTS)
        if model.inputs != expected or list(model.classes) != list(KINDS):
            raise ValueError("bot/data/intent.json does not match the code's inputs: retrain it with "
                             "`python eval/train_intent.py`.")
        self.model = model
        self.topic = topic  # P(a request concerns another disease than the review's), from the embedding
        self.threshold = threshold  # P(recommendation) at or above which a turn is deferred
        # … provided it speaks of a particular person, or the model is at least this sure (clinical notes that
        # name nobody: "pelvic recurrence, unresectable, CT clean. Re-irradiation?")
        self.unnamed_threshold = unnamed_threshold

    @classmethod
    def load(cls) -> "IntentClassifier":
        raw = load_models("intent")
        return cls(raw["models"]["intent"], float(raw["threshold"]), raw["models"].get("topic"),
                   float(raw.get("unnamed_threshold", 1.01)))

    def other_disease(self, qvec: np.ndarray) -> float:
        return float(self.topic.proba(np.asarray(qvec, dtype=np.float64).reshape(1, -1))[0]) if self.topic else 0.0

    def probabilities(self, question: str, history: Sequence[str], qvec: np.ndarray, names: Sequence[str] = ()):
        cue, rule = cue_vector(question, history, names)
        return self.model.proba(model_input(qvec, cue))[0], rule

    def classify(self, question: str, history: Sequence[str], qvec: np.ndarray, names: Sequence[str] = ()) -> Decision:
        p, rule = self.probabilities(question, history, qvec, names)
        p_rec = float(p[0])
        if cues.asks_despite_disclaimer(question):  # the model reads the disclaimer; the rule reads what follows it
            return Decision("recommendation", "asks for a treatment decision about a particular person, after "
                            "saying the review cannot make one", p_rec, rule)
        if p_rec >= self.threshold and ((p_rec >= self.unnamed_threshold and _ASKS.search(question))
                                        or cues.names_an_individual(question, history, rule.generic_we)):
            reason = ("asks for a treatment decision about a particular person" +
                      (f" ({rule.reason})" if rule.kind == "recommendation" else ""))
            return Decision("recommendation", reason, p_rec, rule)
        # Small talk is taken from the cue families alone: a question wrongly called small talk would lose its
        # answer, while small talk taken for a question is still declined by the scope check.
        kind = "off_topic" if rule.kind == "off_topic" else "question"
        if kind == "off_topic":
            return Decision(kind, "small talk or a subject unrelated to the review", float(p[2]), rule, float(p[2]))
        return Decision(kind, "asks what the review says", float(p[1]), rule, float(p[2]))
