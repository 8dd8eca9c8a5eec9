"""Questions of a particular shape, and whether the passages retrieved for them give what that shape asks (the
scope check's rules beside bot/guard/values.py, called by `bot.guard.scope.judge`). Each check returns the reason to
decline, in one plain sentence, or None.

- `comparison_check`: the question compares two groups no close passage names together, with a value of the kind
  and named measure asked for them ("between men and women"; "how many had persistent rather than recurrent
  disease", where the passage gives survival for each);
- `time_point_check`: the question asks for a value at a time point no close passage gives ("the 3-year survival"
  where the review gives 5-year rates);
- `stage_check`: the question asks about a stage ("T1 tumours") and the close passages give values only for another
  stage of the same kind (T3);
- `breakdown_check`: a value broken down by a factor the documents never mention ("did it differ by age group?").
"""
from __future__ import annotations

import re
from dataclasses import replace

from bot.guard.values import (TYPE_WINDOW, _about_named, _At, _paragraph, _span, _spelled_out,
                              _with_typed_names)
from bot.guard.vocabulary import everyday_word, stands_for
from bot.guard.wording import DEMOGRAPHIC, GRADE, MEASURE, NAMED_MEASURE, POPULATION, QUESTION_WORDS, SHARE_OF, SHARE_OF_THEM, \
    TIME_POINT
from bot.retrieve.lexicon import STRUCTURE, VALUE_EVIDENCE, prefixes_of, stem_prefix
from bot.retrieve.search import Ranking, Retriever
from bot.text import POINTS_BACK, STOPWORDS, fold, table_cells, tokens

_PARTS = {"table", "figure", "section", "text"}  # parts of a document a comparison may set side by side
_MODIFIERS = {"alone", "only", "plus", "combined", "together", "single", "both"}
# "A versus B", "between A and B": the two sides of a comparison the question asks for.
_PAIR = re.compile(r"\b([a-z][\w-]*)\s+(?:versus|vs\.?|compared (?:with|to)|rather than|as opposed to)\s+(?:the\s+)?"
                   r"([a-z][\w-]*)"
                   r"|\b(?:between|separately for)\s+(?:the\s+)?([a-z][\w-]*)\s+(?:[a-z][\w-]*\s+)?and\s+(?:the\s+)?"
                   r"([a-z][\w-]*)")


# "How does A compare with B", "A fares better than B"; "how do A and B compare"; "A … fewer hernias than B"
_COMPARE_WITH = re.compile(r"\b([a-z][\w-]*)\s+(?:compares?|fares?|stacks? up)\s+(?:with|to|against)\s+"
                           r"(?:(?:the|an?)\s+)?([a-z][\w-]*)")
_AND_COMPARE = re.compile(r"\b([a-z][\w-]*)\s+and\s+(?:the\s+)?([a-z][\w-]*)(?:\s+[a-z][\w-]*){0,3}?\s+compare\b")
# "Is A or B more effective?", "which works better, A or B?": each side a noun phrase of up to four words
_PHRASE = r"((?:[a-z][\w-]*\s+){0,3}?[a-z][\w-]*)"
_OR_WHICH = re.compile(rf"\b(?:is|are|was|were|does|do|did|would|will)\s+(?:the\s+|a\s+)?{_PHRASE}\s+or\s+(?:the\s+|a\s+)?"
                       rf"{_PHRASE}\s+(?:more|less|better|worse|safer|superior|inferior)\b"
                       rf"|\bwhich\s+(?:is|was|works?|worked|does|did|gives?|gave)\s+(?:\w+\s+)?(?:better|more \w+|less \w+|"
                       # (… with what it is better at or for, up to a colon: "more effective as first-line therapy: A or B")
                       rf"safer|superior)(?:(?:\s+[\w-]+){{1,8}}?\s*:)?\s*[,:]?\s+(?:the\s+|a\s+)?{_PHRASE}\s+or\s+"
                       rf"(?:the\s+|a\s+)?{_PHRASE}"
                       # "which has fewer perineal complications after APR, a VRAM or a gracilis flap?"
                       rf"|\bwhich\s+(?:is|was|has|had|have|gives?|gave|leads?|led|causes?|caused|carries|carried)\s+"
                       rf"(?:fewer|more|less|lower|higher|better|worse|longer|shorter|greater)(?:\s+[\w-]+){{1,6}}?\s*[,:]\s*"
                       rf"(?:the\s+|a\s+)?{_PHRASE}\s+or\s+(?:the\s+|a\s+)?{_PHRASE}")
# ("more than 50 patients", "less than ideal": a quantity or a manner, not two things compared)
_THAN = re.compile(r"\b(?:(?:better|worse|fewer|greater|higher|lower|longer|shorter|superior|inferior|safer)\b"
                   r"([^?.;]{0,60}?)|(?:more|less)\s+(?!than\b)([^?.;]{1,60}?))\bthan\s+((?:[a-z][\w-]*\s*){1,4})")
_LEADS_TO_A_SIDE = re.compile(r"\s*(?:\w+\s+)?(?:after|with|for|in|among|using|following|from|on)\b")
_REF_NUMBERS = re.compile(r"\[\d+(?:\s*[,–-]\s*\d+)*\]")
# A passage that compares: a value, or words that set one thing against another
_COMPARES = re.compile(r"\d|\b(?:better|worse|higher|lower|fewer|greater|significant\w*|differ\w*|"
                       r"compared|comparing|versus|vs|than|similar\w*|unlike|whereas)\b", re.I)
_WHOLE = {"whole", "entire", "overall", "total", "all"}
_SUMMARIES = re.compile(r"\b(?:abstract|summary)\b", re.I)
# A verb that asks for a comparison before "between A and B"
_COMPARING = re.compile(r"\b(?:compar\w*|differ\w*|difference|vary|varies|varied|contrast\w*)\b")
_BASELINE = re.compile(r"\b(?:than|without|compared (?:with|to))\b")
_TWO_ARMS = re.compile(r"\b(?:versus|vs\.?)\s", re.I)
_WHY = re.compile(r"\b(?:why|how come|what explains|reasons?)\b")
_THAN_FILLER = {"after", "with", "in", "for", "the", "a", "an", "using", "by", "among", "those", "patients", "that",
                "of", "on", "from", "when", "following"}
# A group defined by a clause ("people whose cancer came back", "those who had surgery first")
_DEFINED_GROUP = re.compile(r"(?:people|persons|individuals|ones|those|patients|men|women)\s+(?:whose|who|that|which)\b")
# Verbs between a side and the comparative ("A has been shown to give longer survival than B"): no side
_THAN_VERBS = {"shown", "found", "reported", "demonstrated", "proven", "proved", "known", "suggested", "seen",
               "give", "gives", "given", "giving", "offer", "offers", "offered", "provide", "provides", "provided",
               "yield", "yields", "achieve", "achieves", "achieved", "produce", "produces", "produced"}


def _sides(q: str, query, retriever: Retriever):
    """The two sides a (folded) question compares, as typed, the match that names them and whether it asks which
    side fares better (not "A versus B"); None when it compares nothing. "… better after A than after B", "A gives
    better control than B": B is the word after "than" that names something (the rarer of the first two), A the same
    of the words between the comparative and "than" when they lead to a side ("after A"), else of the few words
    before the comparative; "… group have compared with B": A is the same of the few words before "have". A measure
    ("survival") and the corpus's own subject are no side."""
    found = next(((pattern, m) for pattern in (_PAIR, _COMPARE_WITH, _AND_COMPARE, _OR_WHICH, _THAN)
                  if (m := pattern.search(q))), None)
    if found is None:
        return None  # most questions compare nothing: no more work for them
    lexicon = retriever.lexicon
    skip = {t for n in MEASURE.finditer(q) for t in tokens(n.group(0))} | lexicon.subject \
        | lexicon.subject_abbreviations

    def naming(words: list[str]) -> list[str]:
        """The words that may name a side: of the question's concepts, not a question word, a measure, a number or
        the corpus's subject; of a hyphenated word the corpus never uses, its parts ("residual-disease")."""
        drop = {f for w in words if "-" in w and w not in retriever.vocabulary for f in (w, w.replace("-", ""))}
        return [w for w in words if w not in drop and w not in STOPWORDS and w not in QUESTION_WORDS
                and w not in _THAN_FILLER and w not in _THAN_VERBS and not w[:1].isdigit() and w not in skip
                and any(c.word == w for c in query.concepts)]

    def rarest(words: list[str]) -> str:
        """The rarest word, a technical one first ("VRAM" before "reduce")."""
        technical = [w for w in words if not everyday_word(retriever, w)]
        return max(technical or words, key=lambda w: lexicon.idf.get(w, lexicon.max_idf))

    pattern, m = found
    if pattern is _OR_WHICH:  # each side: the rarest naming word of its phrase
        a, b = ([w for w in naming(tokens(g))] for g in m.groups() if g)
        return (rarest(a), rarest(b), m, True) if a and b else None
    if pattern is not _THAN:
        a, b = (g for g in m.groups() if g)
        if pattern is _PAIR and not tokens(a):  # "… group have compared with": the side is further back
            near = naming(tokens(" ".join(q[:m.start()].split()[-4:]) + " " + a))
            a = rarest(near) if near else a
        elif pattern is not _PAIR:
            # "how do gracilis flap reconstructions compare with VRAM flaps in …": each side is the rarest word of
            # its noun phrase (up to four words before the head, back to the first filler word: "how do gracilis flap
            # complication rates compare", where the measure's words are no side; up to three after "with")
            back: list[str] = []
            for w in reversed(q[:m.start(1)].split()[-4:]):
                w = w.strip(",;:?.!")
                if not w or w in _THAN_FILLER or w in STOPWORDS:
                    break
                back.insert(0, w)
            near = naming(tokens(" ".join(back) + " " + a))
            near = [w for w in near if w in retriever.vocabulary] or near  # "nivolumab", not "second-line"
            a = rarest(near) if near else a
            words = []
            for w in q[m.start(2):].split()[:3]:
                w = w.strip(",;:?.!")
                if not w or w in _THAN_FILLER or w in STOPWORDS:
                    break
                words.append(w)
            far = naming(tokens(" ".join(words)))
            far = [w for w in far if w in retriever.vocabulary] or far
            if words[:1] and words[0] in _WHOLE:
                far = []  # "compare with the whole experimental arm": a subgroup against its own cohort
            b = rarest(far) if far else b
        elif m.group(1) and re.match(rf"\s*{re.escape(a)}\b", q[m.end():]):
            # "skin cancer rather than anal cancer": both sides share their noun, so they are the words before it
            before = q[:m.start()].split()[-1:]
            a = before[0] if before else a
        elif m.group(3) and a == b:
            # "between anal canal and anal margin tumours": both sides open with one word, so they are the words
            # after it
            first, after = q[m.start(3):m.start(4)].split(), q[m.end(4):].split()
            if len(first) >= 3 and after:
                a, b = first[1], after[0].strip(",;:?.!")
        # "How do A and B compare", "do outcomes differ between A and B": it asks whether one side fares better, as
        # "how does A compare with B" does (not "A versus B", which may only name two arms)
        return a, b, m, pattern is not _PAIR or bool(m.group(3) and _COMPARING.search(q[:m.start()]))
    if _WHY.search(q):
        return None  # "why might A be better than B?" asks for the review's reasons, not for a comparison it reports

    middle = m.group(1) if m.group(1) is not None else m.group(2)
    if _DEFINED_GROUP.match(m.group(3)):
        return None  # "… than people whose cancer never went away": groups defined by a clause, not named by a word
    after = naming(tokens(m.group(3)))[:2]
    lead = _LEADS_TO_A_SIDE.match(middle)
    between = naming(tokens(middle[lead.end():])) if lead else []
    before = between or naming(tokens(" ".join(q[:m.start()].split()[-4:]))) \
        or naming(tokens(" ".join(q[:m.start()].split()[-7:])))  # "A has been shown to give longer …"
    if not after or not before:
        return None
    if rarest(before) == rarest(after):  # "for anal margin tumours than for anal canal tumours": the words in
        # which the two phrases differ (the corpus's subject words too: "margin", "canal")
        words = [t for t in tokens(middle[lead.end():] if lead else " ".join(q[:m.start()].split()[-4:]))
                 if t not in STOPWORDS and t not in QUESTION_WORDS and t not in _THAN_FILLER]
        other = [t for t in tokens(m.group(3)) if t not in STOPWORDS and t not in QUESTION_WORDS
                 and t not in _THAN_FILLER][:3]
        before, after = [t for t in words if t not in other], [t for t in other if t not in words]
        if not after or not before:
            return None
    return rarest(before), rarest(after), m, True


def _status_factor(a: str, b: str) -> str | None:
    """The factor two sides set against each other when they are its two states: "HIV-positive and HIV-negative",
    "diabetic versus non-diabetic" (HIV, diabetic); None for two different things."""
    for x, y in ((a, b), (b, a)):
        if re.fullmatch(rf"non-?{re.escape(x)}", y):
            return x
    pa, pb = a.split("-", 1), b.split("-", 1)
    return pa[0] if len(pa) == len(pb) == 2 and pa[0] == pb[0] and pa[1] != pb[1] and pa[0].isalpha() else None


def _in_text(word: str, retriever: Retriever) -> bool:
    """A sentence of the documents uses the word or a word of its stem ("diabetes" for "diabetic"); a reference's
    title alone does not discuss it."""
    index = retriever.token_index
    return word in index.token_row or stem_prefix(word) in index.prefix_row


def _typed(q: str, token: str) -> str:
    """The word of the (folded) question that a token was read from, as typed ("sparing", read "spar")."""
    m = re.search(rf"\b{re.escape(token)}\w*", q)
    return m.group(0) if m else token


def _within_study(retriever: Retriever, h, span: list[int]) -> list[int]:
    """The span (the sentence's position, then those before it) back to the sentence that introduces the study it
    reports ("Kim et al. reported … [28]"), when one does: the carboplatin and paclitaxel of the sentences before
    that one, citing other studies ([1,2], [27]), are not compared with DCF. A sentence of no introduced study (a
    discussion's summary) keeps its span."""
    cites = set(h.sentence.refs + h.sentence.context_refs)
    for k, j in enumerate(span):
        s = retriever.sentences[j]
        if cites & set(s.refs) and _INTRODUCES.search(s.text):
            return span[:k + 1]
    return span


_INTRODUCES = re.compile(r"\bet al\b")


def comparison_check(question: str, ranking: Ranking, retriever: Retriever) -> str | None:
    """A question comparing the values of two groups ("survival for persistent versus recurrent disease", "between
    men and women") is answered
    only when a top passage names both sides (in one sentence or with the one before it), and when it names a
    study, a passage about that study: a single overall figure does not compare them."""
    q = fold(question)
    query = ranking.query
    pair = _sides(q, query, retriever)
    if pair is None:
        return None
    factor = _status_factor(pair[0], pair[1])  # not even in an overview: the text never discusses the factor
    if factor and not _in_text(factor, retriever):
        return f"the review's text never mentions '{factor}', so gives no values by it"
    if ranking.overview >= 0.5 and not any(ask.search(q) for _, ask, _ in VALUE_EVIDENCE) and not MEASURE.search(q) \
            and pair[2].re is _PAIR and not pair[3]:
        return None  # an overview ("background on abdominal-based versus thigh-based flaps") asks for no value; "how
        # does A compare with B for overall survival" asks for the measure of each, and "how does A compare with B"
        # for a passage that sets them side by side
    a, b, m, asks_which = pair  # asks_which: "is A better than B", "how does A compare with B" (not "A versus B")
    sides = []
    for side in (a, b):
        words = [t for t in tokens(side) if t not in STOPWORDS and t not in QUESTION_WORDS]
        if words and "-" in words[0] and words[0] not in retriever.vocabulary:  # "residual-disease": "residual"
            parts = [x for x in words[0].split("-") if x in retriever.vocabulary and x not in STOPWORDS
                     and any(c.word == x for c in query.concepts)]
            words = [max(parts, key=lambda w: retriever.lexicon.idf.get(w, 0.0))] if parts else words
        concept = next((c for c in query.concepts if words and c.word == words[0]), None)
        if concept is None:
            return None
        # "rectus abdominis flap" is named by "VRAM": an abbreviation whose long form holds the side's word
        abbreviations = [(short,) for short in sorted(retriever.lexicon.abbreviations_holding(concept.word))
                         if short in retriever.vocabulary and (short,) not in concept.alternatives]
        if abbreviations:
            concept = replace(concept, alternatives=concept.alternatives + abbreviations)
        head = concept.word.rsplit("-", 1)[-1]
        if "-" in concept.word and head in retriever.vocabulary and head not in STOPWORDS:
            # "loco-regional" is named by "local-regional": a hyphenated side by its head word too
            concept = replace(concept, alternatives=concept.alternatives + [(head,)])
        sides.append(concept)
    if sides[0].word == sides[1].word or {c.word for c in sides} & _MODIFIERS:
        return None  # "mDCF versus mDCF alone", "surgery alone versus …": the sides are not two words
    # a study name as typed, even where the name finder does not take it for one ("between Ko and Hallemeier")
    named = {t for name in _with_typed_names(question, query, retriever).named for t in name}
    if all(c.word in named for c in sides):
        return None  # two studies ("Kitaguchi versus Rosen"): each reports its own figures, quoted side by side
    if any(STRUCTURE.match(c.word) or c.word in _PARTS for c in sides):
        return None  # two parts of the document ("the discussion versus Table 1"): each is quoted as it stands
    unused = [c for c in sides if not any(a[0] in retriever.vocabulary for a in c.alternatives if len(a) == 1)]
    # A side that is a technical term the documents never use, nor its parts ("extralevator"), is not compared in
    # them; an everyday word ("stitching") may be one they say otherwise.
    strange = [c.word for c in unused if c.word.isalpha() and not everyday_word(retriever, c.word)
               and not _typed(q, c.word).endswith(("ing", "ed"))  # a verb's form ("sparing"): said otherwise
               and not stands_for(retriever, c.word) and not any(c.word in name for name in query.named)]
    if strange:
        return f"the review never mentions '{strange[0]}', so compares nothing with it"
    if len(unused) == 2 and any(c.word in POPULATION for c in unused):
        # two groups of people named in words the review never uses ("men than women"): it compares neither (two
        # things it may word otherwise, "a flap from the belly than stitching", are still looked for)
        return f"the review never mentions '{unused[0].word}' or '{unused[1].word}', so compares nothing between them"
    if unused:
        return None  # a side in words the review never uses ("stitching"): it may say it otherwise
    lexicon = retriever.lexicon

    # The kinds of value asked ("how many …", "what rate …"): the passage that names both sides must give one (a
    # cohort's survival for persistent and recurrent disease does not say how many patients had either).
    # (Not when the comparison describes a study: "how many patients were in the review of early versus late salvage
    # APR" asks for the study's own size.)
    describes = re.search(r"\b(?:stud(?:y|ies)|review|analysis|trial|series|paper|report|cohort|comparison)\s+"
                          r"(?:of|on|comparing)\s+(?:the\s+)?$", q[:m.start()])
    # (Nor when it asks whether the one made a difference, "did Rosen find that recurrent vs persistent changed
    # survival?": a finding in words answers, "the indication (recurrent vs. persistent) did not influence the
    # survival outcomes".)
    effect = _WHETHER_EFFECT.match(q)
    evidence = [] if describes or effect else [ev for _, ask, ev in VALUE_EVIDENCE if ask.search(q)]
    # … and of the named measure asked ("the 5-year DFS for persistent versus recurrent disease": overall survival
    # for each does not answer)
    named = next((re.sub(r"\s+", " ", n.group(0)) for n in MEASURE.finditer(_spelled_out(q, retriever))
                  if n.group(1)), None)
    named = None if describes or effect or named is None or named.split()[-1] in ("rate", "rates") else named
    short = [a for a, long in lexicon.glossary.items() if named and fold(long) == named]

    graded = GRADE.search(q)  # "grade 3+ toxicity": a value for the grades asked, not survival

    def valued(text: str, measure: bool = True) -> bool:
        """The text gives a value of the kind asked; a table cell, of the named measure asked (a sentence may name
        it before its value: "the overall survival at 12 months …. The survival rates were …"); of graded events,
        when the question asks about a grade."""
        low = fold(text)
        if graded and not GRADE.search(text):
            return False
        if measure and named and named not in low and named.rstrip("s") not in low and not any(
                re.search(rf"(?<![\w-]){re.escape(a)}(?![\w-])", low) for a in short):
            return False
        if not evidence:  # any number, but not a reference number ("[21]")
            return bool(re.search(r"\d", _REF_NUMBERS.sub(" ", text)))
        return any(ev.search(text) for ev in evidence)

    # A share of the patients with an attribute, compared between the sides ("what proportion of persistent vs
    # recurrent patients developed metastases"): the passage naming both sides names the attribute too (survival
    # for each side does not say how many developed metastases). Its technical words, in any form the documents use.
    share = SHARE_OF.search(q) or SHARE_OF_THEM.search(q)
    own_names = {t for name in query.named for t in name} | {c.word for c in sides}
    attribute = [] if share is None else [
        {t} | lexicon.synonyms.get(t, set()) for t in tokens(share.group("what"))
        if t not in STOPWORDS and t not in QUESTION_WORDS and t not in POPULATION and t not in own_names
        and not t.isdigit() and not everyday_word(retriever, t)
        and (t in retriever.vocabulary or lexicon.synonyms.get(t, set()) & retriever.vocabulary)]

    def names_both(h) -> bool:
        """The sentence, with the one before it, names both sides and gives a value of the kind asked; a table
        row, in cells that give one (its column labels name "(Persistent)" and "(Recurrent)" even where both cells
        read NR)."""
        if h.sentence.kind == "front" and not _SUMMARIES.search(h.sentence.section):
            return False  # a title, a citation line or a funding note compares nothing (an abstract may)
        if h.sentence.kind == "table_record" and table_cells(h.sentence.text):
            have = {t for label, value in table_cells(h.sentence.text)[1:] if valued(f"{label}: {value}")
                    and re.search(r"\d", value) for t in tokens(label)}
            return all(lexicon.coverage(replace(query, concepts=[c]), have, prefixes_of(have)) > 0 for c in sides) \
                and all(forms & set(tokens(h.sentence.text)) for forms in attribute)
        if (evidence or named or graded) and not valued(h.sentence.text, measure=False):
            return False
        if named and not valued(h.sentence.text) and NAMED_MEASURE.search(_spelled_out(fold(h.sentence.text), retriever)):
            return False  # the sentence's value is of another named measure ("overall survival", asked "DFS")
        # ("the trade-offs between A and B", no value asked: a paragraph may set them side by side over a few
        # sentences, "A … These flaps … Alternatively, B …")
        span = _within_study(retriever, h, _span(retriever, h, 1 if evidence or named or asks_which else 2))
        if named and not any(valued(retriever.sentences[j].text) for j in span):
            return False  # the measure is named with the value or just before it ("The overall survival at 12 months")
        if evidence or named:  # the value's sentence names a side, not only the one before that introduces the study
            own = retriever.sentence_tokens[span[0]]
            if not any(lexicon.coverage(replace(query, concepts=[c]), own, retriever.sentence_prefixes[span[0]]) > 0
                       for c in sides):
                return False
        elif asks_which:  # no value asked ("is A better than B?"): the sentence compares, and names a side itself;
            # both named in a list ("VRAM, TRAM or DIEP flaps [21]") before a sentence on VRAM alone compares nothing
            own = retriever.sentence_tokens[span[0]]
            if not _COMPARES.search(_REF_NUMBERS.sub(" ", h.sentence.text)) or not any(
                    lexicon.coverage(replace(query, concepts=[c]), own, retriever.sentence_prefixes[span[0]]) > 0
                    for c in sides):
                return False
            # the other side may be the study's own treatment, named earlier in its paragraph ("… IORT", then
            # "morbidity … not higher than in the patients undergoing salvage APRs without radiotherapy"); not when
            # the sentence sets two arms of its own side by side ("primary closure group versus … VRAM group"): it
            # compares its side with the other arm, not with a flap the paragraph listed before
            # (the side it names is its baseline, after "than" or "without"; "VRAM flaps help lower …" names its
            # subject, and compares it with something else)
            low = fold(h.sentence.text)
            base = _BASELINE.search(low)
            after = set(tokens(low[base.end():])) if base else set()
            if base and not _TWO_ARMS.search(low) and any(
                    lexicon.coverage(replace(query, concepts=[c]), after, prefixes_of(after)) > 0 for c in sides):
                span = _within_study(retriever, h, sorted((j for j in _paragraph(retriever, span[0]) if j <= span[0]),
                                                          reverse=True))
        have = set().union(*(retriever.sentence_tokens[j] for j in span))
        prefixes = set().union(*(retriever.sentence_prefixes[j] for j in span))
        return all(lexicon.coverage(replace(query, concepts=[c]), have, prefixes) > 0 for c in sides) \
            and all(forms & have for forms in attribute)

    if any(names_both(h) and _about_named(retriever, query, h) for h in ranking.hits[:TYPE_WINDOW]):
        return None
    return f"no passage of the review compares {_typed(q, a)} and {_typed(q, b)} for this"  # (as typed, not stems)

# A yes/no question whether something made a difference: "did …", "does …", "was there …" with "change", "affect",
# "influence", "matter", "make a difference"
_WHETHER_EFFECT = re.compile(r"^(?:did|does|do|was|were|is|has|have|had)\b[^?]*\b(?:chang\w*|affect\w*|influenc\w*|"
                             r"alter\w*|matter\w*|(?:make|made|makes) (?:a|any) difference|impact\w*)\b")

_A_VALUE = re.compile(r"\d\s?%|\d\.\d")
# How long something lasted: "for up to 2 years", "for 6 months"
_DURATION = re.compile(r"\bfor\s+(?:up to|at least|a median of|about|over)?\s*\d{1,3}[- ]?[a-z]+", re.I)
# A time point that opens a window ("salvage within 6 months gives better survival") is not the value's time point
_WINDOW = re.compile(r"\b(?:within|after|before|by|for|over|during|beyond|than)\s+$", re.I)
_DAYS = {"y": 360, "m": 30, "w": 7, "d": 1}


def _months(text: str) -> set[int]:
    """The time points of a text, in days (a year as 12 months of 30 days, so "12 months" is "1 year")."""
    return {int(n) * _DAYS[unit[0].lower()] for n, unit in TIME_POINT.findall(text)}


# A time point of a value, not of a study's description ("the 30-year single-institution series"): followed by
# what is measured at it.
_POINT_OF_VALUE = re.compile(r"\b\d{1,3}[- ]?(?:years?|yrs?|y|months?|mo|weeks?|days?)\s+(?:[a-z-]+\s+){0,2}?(?:survival|os|pfs|dfs|rfs|"
                             r"rates?|response|recurrence|mortality|control|follow-up|outcomes?)\b", re.I)


def time_point_check(question: str, ranking: Ranking, retriever: Retriever) -> str | None:
    """A question asking for a value at a time point ("the 3-year overall survival") is answered only when a close
    passage (about the named study, if any) gives a value at that time point: a 5-year figure does not answer."""
    asked = _months(" ".join(m.group(0) for m in _POINT_OF_VALUE.finditer(question)
                             if not _WINDOW.search(question[:m.start()])))
    if not asked:
        return None
    query = _with_typed_names(question, ranking.query, retriever)

    def at_point(h) -> bool:
        """The sentence names the time point asked, other than as how long something lasted ("treated for up to
        2 years" gives no value at 2 years)."""
        return bool(asked & _months(_DURATION.sub(" ", h.sentence.text)))

    def about(h) -> bool:
        """The sentence is about the named study: it names it, or it cites nothing itself and the sentence before
        it in its paragraph names it ("The 5-year estimates … were 21%" after "Hallemeier et al. [30] published …").
        A sentence that names the study only in passing after another study's figure ("Unlike the Kitaguchi et
        al. study …") does not lend that figure to it."""
        if _about_named(retriever, query, h):
            return True
        back = _span(retriever, h, 1)[1:]
        return not h.sentence.refs and any(_about_named(retriever, query, _At(retriever.sentences[j]))
                                           for j in back)

    if any(at_point(h) and about(h) for h in ranking.hits[:TYPE_WINDOW]):
        return None
    point = TIME_POINT.search(next(m.group(0) for m in _POINT_OF_VALUE.finditer(question)
                                    if not _WINDOW.search(question[:m.start()]))).group(0)
    return f"the review gives no {point} value for this"


# Codes of a stage or grade: the value for T3 disease does not answer a question about T1.
_STAGE_CODES = [re.compile(r"\b(T[0-4])[a-c]?\b"), re.compile(r"\b(N[0-3])[a-c]?\b"), re.compile(r"\b(M[01])\b")]


def stage_check(question: str, ranking: Ranking, retriever: Retriever) -> str | None:
    """A question about a stage ("inguinal involvement with T1 tumours") is answered only when a close sentence
    giving a value names that stage; one that gives it for another stage of the same kind (T3) does not answer."""
    for code in _STAGE_CODES:
        asked = set(code.findall(question))
        if not asked:
            continue
        valued = [h for h in ranking.hits[:TYPE_WINDOW] if _A_VALUE.search(h.sentence.text)]
        codes = [set(code.findall(h.sentence.text)) for h in valued]
        if any(c & asked for c in codes):
            continue
        others = sorted({x for c in codes for x in c} - asked)
        if others:
            return f"the review gives this for {', '.join(others)}, not for {', '.join(sorted(asked))}"
    return None


# "How did PFS differ by number of prior lines?", "Did the benefit vary by age group?": a value broken down by a factor.
_BY_FACTOR = re.compile(r"\b(?:vary|varies|varied|differ|differs|differed|change[sd]?|stratified|broken down|"
                        r"breakdown)\b[^?.;]{0,40}?\b(?:by|according to|across)\s+"
                        r"((?:(?!(?:in|of|the|and|or|for|at|with|among|after|before|from|to|on)\b)[a-z][\w-]*\s*)"
                        r"{1,4})")
# Words that name no factor by themselves: "by disease *type*", "by PD-L1 *status*"
_FACTOR_FRAME = set(tokens("type types group groups level levels status number category categories subgroup subgroups "
                           "kind kinds class classes", keep_stopwords=True))


# "What survival did salvage APR give by HPV status?", "did survival vary by sex?": values per group of a marker or of
# the patients' sex or age
_BY_STATUS = re.compile(r"\b(?:by|according to|across|stratified by|split by|broken down by|depending on)\s+"
                        r"(?:their\s+|the\s+|patients['\u2019]?\s+)?(?:([a-z][\w-]*)\s+status|(sex|gender|age(?:\s+groups?)?|"
                        r"race|ethnicity))\b")


def _given_by_status(marker: str | None, retriever: Retriever) -> bool:
    """Some sentence of the documents gives numbers for groups of the marker ("15% in the PD-L1-positive group and
    3% in the PD-L1-negative group"), or, for sex or age (`marker` None), for a group of people ("women", "aged 70
    or more")."""
    if marker is None:
        return any(DEMOGRAPHIC.search(fold(s.text)) and re.search(r"\d", s.text) for s in retriever.sentences)
    m = re.escape(marker)
    groups = re.compile(rf"(?<![\w-]){m}[- ](?:positive|negative|high|low)\b|\b(?:positive|negative)\s+{m}\b")
    return any(groups.search(fold(s.text)) and re.search(r"\d", s.text) for s in retriever.sentences)


def breakdown_check(question: str, ranking: Ranking, retriever: Retriever, known) -> str | None:
    """A value broken down by a factor the documents never mention ("by age group", "by T stage") is not in them;
    `known(word)` says whether the documents use the word or one that stands for it. Nor is one broken down by a
    marker's status or by the patients' sex or age when no passage gives numbers for such groups ("by HPV status":
    the review gives values for PD-L1-positive and -negative tumours only)."""
    status = _BY_STATUS.search(fold(question))
    if status and not _given_by_status(status.group(1), retriever):
        factor = f"{status.group(1)} status" if status.group(1) else status.group(2)
        return f"the review gives no values by {factor}"
    m = _BY_FACTOR.search(fold(question))
    if not m:
        return None
    words = [t for t in tokens(m.group(1)) if t not in STOPWORDS and t not in QUESTION_WORDS
             and t not in _FACTOR_FRAME and t.isalpha()]
    unknown = [t for t in words if not known(t)]
    if words and unknown:
        factor = re.sub(r"\s+", " ", m.group(1)).strip()
        return f"the review gives no values by {factor}"
    return None

