"""Each entry of the domain glossary (bot/data/glossary.json) is used.

"Used" means two things, checked per entry:
- the code that reads the entry fires on it: an abbreviation typed in a question is expanded to its long form (and
  a long form spelled out gets its abbreviation), a synonym group links each of its words to the others, a demonym
  is found in a question as itself (not swallowed by another entry);
- it has an effect on the corpus the project ships: an abbreviation or every word of its long form, or a word of a
  synonym group, occurs in the review, so that a question worded the other way reaches the review's words; a
  demonym makes the bot resolve "the <Demonym> authors" to the review's own material (affiliations, tables,
  bibliography) when it names the place, lets the scope check know the word when the review names the place
  elsewhere, and otherwise makes the bot decline the question by naming that demonym.
An entry that fails is dead weight: it is removed from the JSON rather than excused here.
"""
from __future__ import annotations

import pytest

from bot.retrieve.lexicon import DEMONYMS, GLOSSARY, LAY, SHORTHAND, SYNONYMS
from bot.text import fold, tokens

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def review_words(pipeline) -> str:
    """The review's text as a space-separated sequence of its tokens (stems), padded, for phrase look-ups."""
    doc = next(iter(pipeline.index.documents.values()))
    return " " + " ".join(tokens(doc.text, keep_stopwords=True)) + " "


def occurs(words: str, phrase: str) -> bool:
    toks = tokens(phrase, keep_stopwords=True)
    return bool(toks) and f" {' '.join(toks)} " in words


@pytest.mark.parametrize("abbr", sorted(GLOSSARY))
def test_each_abbreviation_is_expanded_and_meets_the_review(abbr, pipeline, review_words):
    long = GLOSSARY[abbr]
    lexicon = pipeline.retriever.lexicon
    assert long in lexicon.expansions(f"What does the review say about {abbr.upper()}?")
    if len(long) > 6:  # a long form spelled out in a question gets its abbreviation (short ones are not looked for)
        assert abbr in lexicon.expansions(f"What does the review say about {long}?")
    # the review uses the abbreviation, or every word of the long form (the expansion then reaches its words:
    # "ORR" → "objective response rate" finds "an objective response … was achieved in 17%")
    assert occurs(review_words, abbr) or all(occurs(review_words, t) for t in tokens(long)), \
        f"neither {abbr!r} nor every word of {long!r} is in the review"


@pytest.mark.parametrize("group", SYNONYMS)
def test_each_synonym_group_links_its_words_and_meets_the_review(group, pipeline, review_words):
    words = [tokens(w) for w in group.split()]
    assert all(len(t) == 1 for t in words), "a word of the group is not one token: it can never be linked"
    linked = {t[0] for t in words}
    assert len(linked) >= 2, "a group of one word links nothing"
    for t in linked:
        assert linked - {t} <= pipeline.retriever.lexicon.synonyms[t]
    assert any(occurs(review_words, t) for t in linked), f"no word of {group!r} is in the review"


# "Italian" and "Korean" are near-spellings of corpus words (the author "Italiano"): the scope check asks the
# glossary first, so a demonym whose place the review never names is declined by name, never taken for a misspelling.
@pytest.mark.parametrize("demonym", sorted(DEMONYMS))
def test_each_demonym_resolves_to_the_review_or_is_declined_by_name(demonym, pipeline, review_words):
    from bot.guard.scope import unknown_names
    from bot.retrieve.descriptors import resolve_descriptors

    place = DEMONYMS[demonym]
    question = f"What did the {demonym.title()} authors report?"
    assert pipeline.retriever.lexicon.places(question) == [(demonym, place)]
    resolution = resolve_descriptors(question, pipeline.retriever, pipeline.bibliography)
    assert (demonym in resolution.resolved) or (demonym in resolution.unresolved)
    answer = pipeline.ask(question)
    if demonym in resolution.resolved:  # "the Swiss authors": the review's own affiliation
        assert answer.mode == "answer", (place, answer.reason)
    elif occurs(review_words, place):  # the review names the place ("Australia"): the scope check knows the word
        assert fold(demonym) not in [fold(w) for w in unknown_names(question, pipeline.retriever)]
    else:  # a place the review never names: declined, by name
        assert answer.mode == "abstained" and fold(demonym) in fold(answer.reason), answer.reason


@pytest.mark.parametrize("short", sorted(SHORTHAND))
def test_each_shorthand_entry_stands_for_words_of_the_review(short, pipeline, review_words):
    """A shorthand entry ("LN": "lymph node") is read by the scope check only when the corpus uses every word of its
    long form; an entry the review never meets would never fire here."""
    from bot.guard.vocabulary import stands_for

    long = SHORTHAND[short]
    assert all(occurs(review_words, t) for t in tokens(long)), f"not every word of {long!r} is in the review"
    assert stands_for(pipeline.retriever, short.upper()) == long
    assert short not in GLOSSARY, "an abbreviation the retriever expands needs no shorthand entry"


@pytest.mark.parametrize("lay", sorted(LAY))
def test_each_everyday_word_is_read_as_a_word_the_review_uses(lay, pipeline, review_words):
    """An everyday word ("come back") is read as the clinical word it stands for ("recurrence"): typed in a question,
    each of its words gets the clinical word as an alternative. An entry whose
    clinical word the review lacks would reach nothing; one that is itself a glossary abbreviation or a word of a
    synonym group is read twice."""
    clinical = LAY[lay]
    lexicon = pipeline.retriever.lexicon
    assert all(occurs(review_words, t) for t in tokens(clinical)), f"not every word of {clinical!r} is in the review"
    question = f"What does the review say about {lay}?"
    words = {c.word: c.alternatives for c in lexicon.query(question).concepts}
    assert tokens(lay) and all(tuple(tokens(clinical)) in words[t] for t in tokens(lay))
    assert lay not in GLOSSARY and not any(lay in group.split() for group in SYNONYMS)
