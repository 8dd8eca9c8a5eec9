"""What the corpus and the model know of a question's words, for the scope check's rules (bot/guard/values.py,
groups.py, shapes.py):

- `everyday_word`: a whole word of the model's own WordPiece vocabulary is everyday English, maybe filler the review
  words differently; a word the vocabulary splits into pieces is a technical term;
- `compound_parts`: the parts of a hyphenated word that the corpus writes as one word are not words of their own;
- `stands_for`: a clinician's shorthand ("LN", "tbl", "pacli") for a word the corpus spells out.
"""
from __future__ import annotations

import bisect
import functools
import json
from pathlib import Path

from bot.guard.wording import surface_terms
from bot.retrieve.lexicon import SHORTHAND
from bot.retrieve.search import Retriever
from bot.text import fold, tokens

_EVERYDAY: dict[str, frozenset[str]] = {}
_COMMON: dict[str, frozenset[str]] = {}


def _vocabulary(retriever: Retriever) -> dict[str, int]:
    """The model's WordPiece vocabulary (word → id), read once per model from its tokenizer.json; empty if it
    cannot be read."""
    return _read_vocabulary(str(Path(retriever.settings.model_path) / "tokenizer.json"))


@functools.lru_cache(maxsize=4)
def _read_vocabulary(path: str) -> dict[str, int]:
    try:
        vocab = json.loads(Path(path).read_text(encoding="utf-8"))["model"]["vocab"]
        return vocab if isinstance(vocab, dict) else {}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def everyday_word(retriever: Retriever, word: str) -> bool:
    """A whole word of the model's own WordPiece vocabulary ("current", "across", "performed"): everyday English, so
    maybe filler the review words differently. A term the vocabulary splits into pieces ("exenteration",
    "gracilis") is a technical name. The vocabulary is read once, from the model's tokenizer.json."""
    path = str(Path(retriever.settings.model_path) / "tokenizer.json")
    if path not in _EVERYDAY:
        _EVERYDAY[path] = frozenset(w for w in _vocabulary(retriever) if w.isalpha())
    words = _EVERYDAY[path]
    return not words or word in words


def common_word(retriever: Retriever, word: str) -> bool:
    """An everyday word in the more frequent half of the vocabulary's whole words, which WordPiece lists most
    frequent first ("open", "belly", "conventional"); not a rarer one ("robotic", "herbal", "focal"), which names a
    thing of its own when it qualifies a treatment."""
    path = str(Path(retriever.settings.model_path) / "tokenizer.json")
    if path not in _COMMON:
        vocab = _vocabulary(retriever)
        words = [w for w, _ in sorted(vocab.items(), key=lambda kv: kv[1]) if w.isalpha() and w.islower() and len(w) > 1]
        _COMMON[path] = frozenset(words[: len(words) // 2])
    words = _COMMON[path]
    return not words or word in words


def compound_parts(text: str, retriever: Retriever) -> set[str]:
    """The parts of the text's hyphenated words that the corpus writes as one word ("chemo-radiotherapy":
    "chemoradiotherapy"; "PDL1-negative": "PD-L1-negative"): not words of their own ("chemo", "pdl1")."""
    idf = retriever.lexicon.idf
    return {t for w in surface_terms(text) if "-" in w and fold(w).replace("-", "") in idf
            for part in w.split("-") for t in tokens(part)}


def stands_for(retriever: Retriever, word: str) -> str | None:
    """What a clinician's shorthand stands for, when the corpus uses it; else None. Two kinds:
    - an abbreviation of notes ("LN", "tbl", "SR"): an entry of the glossary's shorthand list (bot/data/glossary.json)
      whose long form the corpus uses, every word of it;
    - a word cut short ("pacli", "carbo", "pembro"): at least four letters, not an everyday word of its own, and the
      start of a longer word of the corpus (by three letters or more), which it then stands for."""
    low = fold(word)
    long = SHORTHAND.get(low)
    if long is not None:
        words = tokens(long)
        return long if words and all(t in retriever.vocabulary for t in words) else None
    if len(low) < 4 or not low.isalpha() or low in retriever.vocabulary or everyday_word(retriever, low):
        return None
    return corpus_word_starting(retriever, low, longer_by=3)


def corpus_word_starting(retriever: Retriever, prefix: str, longer_by: int = 0, text_only: bool = False) -> str | None:
    """The first word of the corpus (in alphabetical order) that starts with `prefix` and is at least `longer_by`
    letters longer than it; None if there is none. `text_only`: a word of the documents' text, not one only the
    titles of their references use."""
    vocab = retriever.vocab_list  # sorted: the words that start with the prefix follow it
    text = retriever.token_index.token_row
    i = bisect.bisect_left(vocab, prefix)
    while i < len(vocab) and vocab[i].startswith(prefix):
        if len(vocab[i]) >= len(prefix) + longer_by and (not text_only or vocab[i] in text):
            return vocab[i]
        i += 1
    return None
