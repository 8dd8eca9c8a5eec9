"""Is the question covered by the review? Decided from what retrieval already computed, in well under a millisecond.

Three checks, any of which declines the question:
1. nothing retrieved is close enough (dense similarity and vocabulary overlap both low);
2. the question names something the corpus never mentions — a capitalised name, an acronym, a drug-like word
   ("CAR-T", "France", "nivolumab"-style) — that is not a spelling variant of a word it does mention;
3. the question asks for a specific kind of value (a dose, a percentage, a duration, a year, a count) and no
   retrieved sentence gives that kind of value next to the question's main subject ("What dose of pembrolizumab…?":
   the review gives DCF doses, never a pembrolizumab dose).
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .lexicon import ANSWER_TYPES
from .retrieve import Ranking, Retriever
from .text import STOPWORDS, fold, tokens

MIN_DENSE = 0.30      # best sentence's cosine similarity …
MIN_COVERAGE = 0.35   # … or its share of the question's vocabulary, whichever is stronger
MIN_SCORE = 0.30
TYPE_WINDOW = 6       # how many top sentences may supply the asked-for kind of value

# Words that ask *about* a value rather than name a subject: never the question's focus.
QUESTION_WORDS = set(tokens("""what which how many much long likely common often percentage proportion share fraction
rate rates dose doses dosage given use used report reported find found show showed study studies trial trials
patient patients result results outcome outcomes value number median mean year years month months time per
effect effects benefit benefits role data evidence treatment treatments therapy option options use does did
is are was were say says mention mentions describe discuss discussed give gives""", keep_stopwords=True))


@dataclass(frozen=True)
class Verdict:
    covered: bool
    reason: str


def _surface_terms(question: str) -> list[str]:
    """Words of the question as typed, with their case (to spot names and acronyms)."""
    return re.findall(r"[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*", question)


def unknown_names(question: str, retriever: Retriever) -> list[str]:
    """Names and acronyms in the question that appear nowhere in the corpus (body, tables or bibliography) and are
    not a near-spelling of a corpus word."""
    vocab = retriever.vocabulary
    out = []
    words = _surface_terms(question)
    for i, w in enumerate(words):
        low = fold(w)
        if low in STOPWORDS or len(low) < 2:
            continue
        looks_named = (i > 0 and w[:1].isupper()) or sum(ch.isupper() for ch in w) >= 2 or re.search(r"\d", w) \
            or re.search(r"(mab|nib|tinib|platin|taxel|rubicin|cycline)$", low)
        if not looks_named:
            continue
        toks = [t for t in tokens(w.replace("-", " ")) if t not in STOPWORDS]
        if toks and all(t in vocab for t in toks):
            continue
        if toks and low in retriever.lexicon.glossary:
            continue
        if toks and all(difflib.get_close_matches(t, retriever.vocab_list, n=1, cutoff=0.84) for t in toks
                        if t not in vocab):
            continue
        out.append(w)
    return out


def focus_terms(question: str, retriever: Retriever) -> list[str]:
    """The question's subject words: known to the corpus, not question words, rarest first."""
    idf = retriever.lexicon.idf
    toks = [t for t in dict.fromkeys(tokens(question)) if t not in QUESTION_WORDS and t in idf]
    return sorted(toks, key=lambda t: -idf[t])


def judge(question: str, ranking: Ranking, retriever: Retriever) -> Verdict:
    hits = ranking.hits
    if not hits:
        return Verdict(False, "the corpus is empty")
    best = hits[0]
    if best.score < MIN_SCORE or (best.dense < MIN_DENSE and best.coverage < MIN_COVERAGE):
        return Verdict(False, f"no passage is close to the question (best similarity {best.dense:.2f}, "
                              f"vocabulary overlap {best.coverage:.2f})")
    missing = unknown_names(question, retriever)
    if missing:
        return Verdict(False, "the review never mentions " + ", ".join(f"'{m}'" for m in missing))
    q = fold(question)
    wanted = [pat for ask, pat in ANSWER_TYPES[:1] if ask.search(q)]  # doses: the kind of value that must match
    if wanted:
        focus = focus_terms(question, retriever)[:1]
        for h in hits[:TYPE_WINDOW]:
            toks = retriever.sentence_tokens[retriever.position[h.sentence.id]]
            if all(p.search(h.sentence.text) for p in wanted) and all(f in toks for f in focus):
                break
        else:
            return Verdict(False, f"the review gives no such value for {', '.join(focus) or 'this'}")
    return Verdict(True, "")
