"""Conversation: does a question depend on the earlier turns, and what does it carry over from them?

"And for persistent disease?" continues the last question; "their cohort" carries the study named earlier; "that
surgery" carries the earlier question's words but not its study; a question with its own subject starts fresh.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.text import tokens

# A substitution into the last question: "and with a VRAM flap instead?", "what if it were proton therapy instead"
INSTEAD = re.compile(r"\b(?:instead|in place of|in its place)\b", re.I)
ELLIPTIC = re.compile(r"^(and|but|or|also|what about|how about|and what|same|what of|then)\b", re.I)
PRONOUN = re.compile(r"\b(it|its|they|their|them|he|she|his|her|this|that|these|those|the same)\b", re.I)
DEMONSTRATIVE = re.compile(r"\b(this|that|these|those|the same)\s+([a-z-]+)", re.I)
STUDY_NOUNS = {"study", "studies", "trial", "trials", "series", "cohort", "paper", "analysis", "group", "team",
                "authors", "report", "work", "publication", "article", "investigators", "researchers"}
# … and to what a study found: "that advantage", "these results", "that difference" refer back to the study too
RESULT_NOUNS = {"advantage", "benefit", "difference", "effect", "finding", "findings", "result", "results",
                "improvement", "gain", "association", "figure", "figures", "outcome", "outcomes"}
SELF_REFERENCE = re.compile(r"\b(this|the) (review|article|paper)\b", re.I)
# The user says the subject changes: "Separately, …", "Different question: …", "On another note, …"
NEW_TOPIC = re.compile(r"^\W*(?:separately|unrelated(?:ly)?|switching (?:topics?|gears)|changing (?:the )?(?:topic|subject)|"
                       r"(?:on )?(?:a |an )?(?:different|another|other|new|separate|unrelated) (?:note|topic|question|"
                       r"subject|thing|matter)|new topic)\b", re.I)


def contextual_query(q: str, history: Sequence[str],
                     anchors_in: Callable[[str], list[str]]) -> tuple[str, str | None, bool]:
    """Resolve a follow-up against the conversation (`anchors_in`: the study names a text uses). Returns the text
    to embed, the context words for the lexical side (None when the question stands alone) and whether the study
    named earlier carries over.

    A question with its own subject starts fresh, unless it puts that subject in place of the last question's
    ("and with a VRAM flap instead?": the last question's words, without its study). The history is used only when
    the question depends on it: an ellipsis ("And for persistent disease?"), a very short question, or a reference
    back ("their cohort", "that surgery"). A reference to a study ("that study", "their", "its results") carries the
    study named earlier; one to a thing ("that surgery") carries the earlier question's words, not the
    study."""
    if history and INSTEAD.search(q) and not NEW_TOPIC.match(q):
        # "And with a VRAM flap instead?": the last question again, with this in place of what it named
        last = history[-1]
        return f"{last} {q}", last, False
    if not history or anchors_in(q) or NEW_TOPIC.match(q):
        return q, None, False
    stripped = SELF_REFERENCE.sub(" ", q)
    elliptic = bool(ELLIPTIC.match(q)) or len(tokens(q)) <= 3
    pronoun = PRONOUN.search(stripped)
    if not (elliptic or pronoun):
        return q, None, False
    last = history[-1]
    names = next((n for turn in reversed(history) for n in [anchors_in(turn)] if n), [])
    demo = DEMONSTRATIVE.search(stripped)
    about_thing = bool(demo) and demo.group(2).lower() not in STUDY_NOUNS | RESULT_NOUNS
    carry = bool(names) and not about_thing
    prefix = " ".join(names) if carry else ""
    if elliptic:
        return f"{prefix} {last} {q}".strip(), " ".join([prefix, *history[-2:]]).strip(), carry
    context = prefix if carry else last
    return f"{context}: {q}", context, carry
