"""Who a value is for. Once `value_check` (bot/guard/values.py) has found, in a top passage about the question's
subject, a value of each kind asked, these ask whether it is the value of the people asked about:

- a subgroup the question names ("PD-L1-negative patients", "patients with a CPS below 5");
- a share of the patients with an attribute ("what proportion of patients received IORT");
- a group of people by sex, age or habit ("what rate did women have", "patients older than 70").

The sentence giving the value (a table record: the cell giving it) must name them; the whole cohort's value does not
answer. `for_whom` returns the reason to decline, in one plain sentence, or None.
"""
from __future__ import annotations

import re

from bot.guard.vocabulary import compound_parts, everyday_word
from bot.guard.wording import AGE_WORDS, COUNT_OF_THEM, DEMOGRAPHIC, POPULATION, QUESTION_WORDS, SHARE_OF, SHARE_OF_THEM, STUDY_OF, \
    SUBGROUP
from bot.retrieve.lexicon import stem_prefix
from bot.retrieve.search import Retriever
from bot.text import STOPWORDS, fold, table_cells, tokens


def for_whom(question: str, q: str, query, retriever: Retriever, wanted, top, gives, about,
             cell_gives=None) -> str | None:
    """`q`: the folded question; `wanted`: the kinds of value asked, with their evidence; `top`: the passages looked
    at; `gives(h, kind, ev)` and `about(h)`: value_check's tests that a passage gives such a value, about the
    question's subject; `cell_gives(kind, ev, cell)`: the same for one cell of a table record."""
    return _subgroup_check(question, query, retriever, wanted, top, gives, about, cell_gives) \
        or _share_check(q, retriever, wanted, top, gives, about) \
        or _group_check(q, retriever, wanted, top, gives, about)


def _subgroup_check(question, query, retriever, wanted, top, gives, about, cell_gives=None) -> str | None:
    """A subgroup the value is asked for: the sentence giving the value, or the table cell, names it; nor does a
    sentence after one that only says the study enrolled such patients answer."""
    subgroup = _subgroup(question, query, retriever)
    if not subgroup:
        return None
    words, phrase = subgroup
    # a word, a word the thesaurus gives for it, or the abbreviation of a long form it belongs to ("rectus
    # abdominis flap": "VRAM")
    synonyms = retriever.lexicon.synonyms
    # (hyphenated or not: "re-irradiation" is the "reirradiation" that a document abbreviates "reRT")
    same = {w: {w, w.replace("-", "")} | synonyms.get(w, set()) | synonyms.get(w.replace("-", ""), set())
            for w in words}
    holding = retriever.lexicon.abbreviations_holding
    forms = {w: same[w] | {a for x in same[w] for a in holding(x)} for w in words}
    # An everyday word that only qualifies the group ("salvage" of "salvage surgery alone") may be said earlier in the
    # value's paragraph; the group's head noun and its technical terms are named with the value.
    before = {w for w in words[:-1] if everyday_word(retriever, w)}
    lacking = [kind for kind, ev in wanted if not any(gives(h, kind, ev) and about(h)
                                                      and _names_each(retriever, h, ev, forms, before,
                                                                      _cell_test(cell_gives, kind, ev))
                                                      for h in top)]
    if lacking:
        kinds = " and ".join(lacking)
        return f"the review gives no {kinds} for {phrase}"
    return None


def _share_check(q, retriever, wanted, top, gives, about) -> str | None:
    """A share of the patients with an attribute: the sentence giving the percentage names the attribute (a table,
    in the cell that gives it); a percentage of something else in a sentence about the same study does not
    answer."""
    share = SHARE_OF.search(q) or SHARE_OF_THEM.search(q) or COUNT_OF_THEM.search(q)
    if not share:
        return None
    # (a word the documents use only in another form counts, in that form: "metastases" for "metastatic")
    synonyms = retriever.lexicon.synonyms
    attribute = [t for t in tokens(share.group("what")) if t not in STOPWORDS and t not in QUESTION_WORDS
                 and t not in POPULATION and (t in retriever.vocabulary or synonyms.get(t, set()) & retriever.vocabulary)
                 and not t.isdigit()]
    # its technical terms; else its head noun ("a severe adverse event": the sentence may say "grade 3–4")
    # (a count of some of N, "of the 21 patients …, how many underwent further surgery": every word of what they
    # had, "further" too; the count of N's own attribute is given, the count of some of them rarely)
    counted = share.re is COUNT_OF_THEM
    attribute = attribute if counted else [t for t in attribute if not everyday_word(retriever, t)] or attribute[-1:]
    forms = {w: {w} | retriever.lexicon.synonyms.get(w, set()) |
             retriever.lexicon.abbreviations_holding(w) for w in attribute}
    # (the attribute in the sentence's own words, in any form of them: "progressed" is named by "progression")
    if attribute and not any(gives(h, kind, ev) and about(h) and _names_each(retriever, h, ev, forms, own=True)
                             and not _only_as_a_group(h, forms) for kind, ev in wanted for h in top):
        kinds = " and ".join(kind for kind, _ in wanted)
        return f"the review gives no {kinds} of the patients who {share.group('verb')} {share.group('what')}"
    return None


# "15% in the PD-L1-positive group": a value within a group, not the share of the patients in it
_WITHIN_GROUP = re.compile(r"\b(?:in|for|of|among)\s+(?:the\s+)?((?:[\w-]+\s+){1,3}?)(?:group|subgroup|arm|cohort)s?\b")


def _only_as_a_group(h, forms: dict[str, set[str]]) -> bool:
    """The sentence names the attribute only as a group that its values are within ("… in 11% of the patients (15% in
    the PD-L1-positive group and 3% in the PD-L1-negative group)"), which gives no share of the patients who have it."""
    if h.sentence.kind != "text":
        return False
    text = fold(h.sentence.text)
    rest = set(tokens(_WITHIN_GROUP.sub(" ", text)))
    return not all(f & rest or _in_another_form(w, rest) for w, f in forms.items())


def _group_check(q, retriever, wanted, top, gives, about) -> str | None:
    """A group of people by sex, age or habit: the value's sentence names the group (or, for an age, an age)."""
    group = DEMOGRAPHIC.search(q)
    if not group:
        return None
    asked = [w for w in tokens(group.group(0)) if w not in STOPWORDS and w not in POPULATION and not w.isdigit()]
    aged = bool(group.group("age"))

    def for_group(h, ev) -> bool:
        have = retriever.sentence_tokens[retriever.position[h.sentence.id]]
        return bool(set(asked) & have) or aged and bool(AGE_WORDS & have)

    if not any(gives(h, kind, ev) and about(h) and for_group(h, ev) for kind, ev in wanted for h in top):
        kinds = " and ".join(kind for kind, _ in wanted)
        who = re.search(r"(?:(?:patients|people|those)\s+)?" + re.escape(group.group(0)), q)
        return f"the review gives no {kinds} for {who.group(0).strip()}"
    return None


_BOTH_SEXES = re.compile(r"\b(?:(?<!-)men|males?)\s+(?:and|or)\s+(?:women|females?)\b"
                         r"|\b(?:women|females?)\s+(?:and|or)\s+(?:(?<!-)men|males?)\b")
_SET_APART = re.compile(r"\b(?:differ\w*|compar\w*|versus|vs|between|ratio|than|more|less|each)\b|-to-")


def group_not_discussed(q: str, retriever: Retriever) -> str | None:
    """A question about a group of people by sex, age or habit ("tolerability in patients over 80", "in women"),
    whatever it asks of them, when no sentence of the documents names that group (nor, for an age, any age): they
    never discuss it. `q`: the folded question."""
    group = DEMOGRAPHIC.search(q)
    if not group or _BOTH_SEXES.search(q) and not _SET_APART.search(q):
        return None  # "do men and women suffer …": everyone, unless the sexes are set apart ("different for men and
        # women", "the male-to-female ratio")
    asked = {w for w in tokens(group.group(0)) if w not in STOPWORDS and w not in POPULATION and not w.isdigit()}
    words = AGE_WORDS if group.group("age") else asked
    if words & retriever.vocabulary:
        return None
    who = re.search(r"(?:(?:patients|people|those)\s+)?" + re.escape(group.group(0)), q)
    return f"the review never discusses {who.group(0).strip()} as a group"


def _cell_test(cell_gives, kind: str, ev):
    return None if cell_gives is None else (lambda cell: cell_gives(kind, ev, cell))


def _names_each(retriever: Retriever, h, ev, forms: dict[str, set[str]], before: set[str] = frozenset(),
                cell_ok=None, own: bool = False) -> bool:
    """The sentence names each word asked (in one of its `forms`: synonyms, abbreviations); a table record, in one
    cell that gives a value of the kind `ev` finds. A word of `before` may be named earlier in its paragraph
    instead. `own`: in the sentence's own words, not its section's title ("surgery" of "2.1. Salvage Surgery")."""
    if h.sentence.kind == "table_record" and table_cells(h.sentence.text):
        return any((cell_ok(f"{a}: {b}") if cell_ok else ev.search(f"{a}: {b}"))
                   and all(f & set(tokens(f"{a}: {b}")) for f in forms.values())
                   for a, b in table_cells(h.sentence.text)[1:])
    i = retriever.position[h.sentence.id]
    have = set(tokens(h.sentence.text)) if own else retriever.sentence_tokens[i]
    earlier: set[str] = set()
    j = i - 1
    while before and j >= 0 and retriever.sentences[j].paragraph == h.sentence.paragraph \
            and retriever.sentences[j].doc_id == h.sentence.doc_id:
        earlier |= retriever.sentence_tokens[j]
        j -= 1
    return all(f & have or w in before and f & earlier or own and _in_another_form(w, have) for w, f in forms.items())


def _in_another_form(word: str, have: set[str]) -> bool:
    """A long word in another form of it ("progressed" for "progression")."""
    return len(word) >= 7 and any(t.startswith(stem_prefix(word)) for t in have)


# A cohort given by its size just before the group's words ("of the 66 ", "among all 112 ")
_SIZED = re.compile(r"\b(?:of|out of|among|in)\s+(?:the\s+|all\s+|those\s+|these\s+)?\d[\d,]*\s+$")


def _subgroup(question: str, query, retriever: Retriever) -> tuple[list[str], str] | None:
    """The words naming a subgroup the question asks a value for (not the study's own name, not question words),
    with the phrase as typed; None when there is none."""
    names = {t for name in query.named for t in name}
    q = fold(question)
    for m in SUBGROUP.finditer(q):
        if _SIZED.search(q[:m.start()]):
            continue  # "of the 66 patients given DCF, how many …": the cohort the question gives the size of
        if STUDY_OF.search(q[:m.start()]) or q.rfind("(", 0, m.start()) > q.rfind(")", 0, m.start()):
            continue  # the study's own population ("the phase 1b trial of 25 PD-L1-positive patients", "the Ott
            # trial (25 PD-L1-positive patients)"), not a subgroup
        phrase = next(g for g in m.groups() if g)
        parts = compound_parts(phrase, retriever)
        words = [t for t in tokens(phrase) if t not in STOPWORDS and t not in QUESTION_WORDS and t not in names
                 and t not in parts
                 and not t.isdigit() and t in retriever.vocabulary and t not in retriever.lexicon.subject
                 and t not in retriever.restated_only  # a summary's word ("refractory"): the body words it otherwise
                 and t not in POPULATION and t not in ("arm", "group", "subgroup", "cohort", "disease")]
        # of a phrase with a technical term, the terms: "a rectus abdominis flap" is named by "the VRAM group"
        technical = [t for t in words if not everyday_word(retriever, t)]
        if words:
            return technical or words, phrase
    return None
