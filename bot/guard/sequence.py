"""Lines of treatment: what the documents give after which failure.

The review says what is given once something has failed: "pembrolizumab after the failure of prior standard
therapies", "anti-PD-1 therapy … for patients who have progressed on first-line chemotherapy". It never says what
comes after one of those follow-on treatments fails. "What second-line treatment is there for disease that
progresses on pembrolizumab?" asks for a line of treatment the review does not reach, and its passages on
pembrolizumab (given after failure) would answer something else.

Both sides are read from the documents' sentences, once per index: the words of what failed (the object of
"failure of …", "progressed on …", or the subject of "… have failed") and the treatments named beside them, which
follow the failure.
"""
from __future__ import annotations

import re
import weakref

from bot.guard.vocabulary import everyday_word
from bot.retrieve.search import Retriever
from bot.text import STOPWORDS, fold, tokens

# In a sentence of the documents, and in a question: what failed, as the words after or before a failure phrase.
_FAILED_AFTER = re.compile(r"\b(?:progress\w*|relaps\w*)\s+(?:on|after|despite|under|through|while on)\s+"
                           r"(?P<what>[^,.?;:()]{2,60})"
                           r"|\b(?:after|despite|following|upon)\s+(?:the\s+)?(?:failure|failing|progression)\s+"
                           r"(?:of|on)\s+(?P<what2>[^,.?;:()]{2,60})"
                           r"|\b(?:refractory|resistant)\s+to\s+(?P<what3>[^,.?;:()]{2,60})")
_FAILED_BEFORE = re.compile(r"(?P<what>[^,.?;:()]{2,80}?)\s+(?:(?:have|has|had)\s+(?:both\s+|all\s+)?)?"
                            r"(?:failed|fails|stop(?:s|ped)? working)\b")
# A question asking what to give next, not a value ("how many progressed on pembrolizumab")
_ASKS_NEXT = re.compile(r"\b(?:second|third|fourth|next|subsequent|further|later)[- ]line\b|\bwhat (?:treatments?|"
                        r"therap(?:y|ies)|options?|regimens?|drugs?)\b|\bwhich (?:treatments?|therap(?:y|ies)|options?|"
                        r"regimens?|drugs?)\b|\boptions?\b|\bwhat (?:comes|is|should come) next\b|\bhow (?:should|is|are|"
                        r"would|do you)\b[^?]{0,50}\b(?:treated|managed|treat|manage)\b|\bwhat (?:to do|now|then)\b"
                        r"|\brecommend\w*\b")

_SIDES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _failed_words(text: str) -> set[str]:
    """The words of what failed, in a folded text."""
    out: set[str] = set()
    for m in _FAILED_AFTER.finditer(text):
        out.update(tokens(m.group("what") or m.group("what2") or m.group("what3")))
    for m in _FAILED_BEFORE.finditer(text):
        out.update(tokens(m.group("what")))
    return out


def _sides(retriever: Retriever) -> tuple[set[str], set[str]]:
    """(what fails in the documents, what they give after a failure): technical words only."""
    if retriever not in _SIDES:
        failed, after = set(), set()
        for s in retriever.sentences:
            text = fold(s.text)
            words = _failed_words(text)
            if words:
                failed |= words
                after |= set(tokens(text)) - words
        failed = _technical(failed, retriever)
        _SIDES[retriever] = (failed, _technical(after, retriever) - failed)
    return _SIDES[retriever]


def _technical(words: set[str], retriever: Retriever) -> set[str]:
    """The words that name a treatment or a thing, not everyday English ("pembrolizumab", "anti-pd-1")."""
    return {w for w in words if w not in STOPWORDS and not w.isdigit() and not everyday_word(retriever, w)}


def sequence_check(question: str, retriever: Retriever) -> str | None:
    """A question about what to give after a treatment fails that the documents give only after another failure:
    the reason to decline, or None."""
    q = fold(question)
    if not _ASKS_NEXT.search(q):
        return None
    asked = _technical(_failed_words(q), retriever)
    if not asked:
        return None
    failed, after = _sides(retriever)
    beyond = sorted(asked & after)
    if beyond and not asked & failed:
        return f"the review does not say what to give once {beyond[0]} has failed: it reaches no further line"
    return None
