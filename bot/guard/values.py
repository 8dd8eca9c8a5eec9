"""What a question asks for, and whether the passages retrieved for it give that (the scope check's value rules,
called by `bot.guard.scope.judge`). Each check returns the reason to decline, in one plain sentence, or None.

- `value_check`: the question asks for a kind of value (a dose, a percentage, a duration, a count) and no top-ranked
  sentence gives that kind of value about the question's subject, of the measure asked ("What dose of
  pembrolizumab…?": the review gives DCF doses only; "How long did responses last?": a duration of response, not the
  cohort's survival in months; "the median time to salvage APR": a time to something), for the grade asked ("grade 3
  or worse adverse events"), and for the people asked about (a subgroup, a share of the patients with an attribute,
  a group by sex or age: bot/guard/groups.py); or the named study has such values but the one asked for is given
  for another study;
- `named_without_results`: the question asks how a drug did, and the review only names it ("Has nivolumab been
  tried, and how well did it work?").

Questions of other shapes (a comparison, a time point, a stage, a breakdown by a factor) are checked in
bot/guard/shapes.py; the patterns of a question's wording that both read are in bot/guard/wording.py.
"""
from __future__ import annotations

import re
import weakref
from dataclasses import replace

import numpy as np

from bot.guard.groups import for_whom
from bot.guard.vocabulary import compound_parts, everyday_word
from bot.guard.wording import (ASKS_RESULTS, COUNTED, DRUG_ENDING, DRUG_OR_NAME, DURATION_OF, EVENT_COUNTED, GRADE,
                               HOW_OFTEN, MEASURE, NAMED_MEASURE, POPULATION, QUESTION_WORDS, RATE_OF, REASON_ASKED,
                               RESULT, SIZE_ASKED, SIZE_WORDS, STUDY_UNITS, TIME_POINT, TIME_TO, UNIT_KINDS,
                               surface_terms)
from bot.retrieve.lexicon import VALUE_EVIDENCE
from bot.retrieve.search import Ranking, Retriever
from bot.text import POINTS_BACK, STOPWORDS, fold, table_cells, tokens

CONTEXT_SENTENCES = 4  # how far back in its paragraph a value sentence's subject (a study, a drug …) may be named
TYPE_WINDOW = 6       # how many top sentences may supply the asked-for kind of value

def focus_terms(question: str, retriever: Retriever) -> list[str]:
    """The question's subject words: known to the corpus, not question words, not the corpus's own subject ("anal",
    "SCC": every passage is about it), not a word only an abstract or the conclusions use, rarest first."""
    lexicon = retriever.lexicon
    idf = lexicon.idf
    parts = compound_parts(question, retriever)
    toks = [t for t in dict.fromkeys(tokens(question)) if t not in QUESTION_WORDS and t in idf and t not in parts
            and t not in lexicon.subject and t not in lexicon.subject_abbreviations
            and t not in retriever.restated_only  # a summary's own word ("refractory"): the body words it otherwise
            and not re.fullmatch(r"[\d.,/-]+", t)]  # a number the question states ("an OS of 83.1%") is no subject
    return sorted(toks, key=lambda t: -idf[t])


def _wanted(q: str, of_a_study: bool = False) -> list:
    """The kinds of value the (folded) question asks for, with the evidence of each; none when it opens by asking for
    a reason ("what explains the high rate of …", "why is survival so low"): the value is its premise."""
    if REASON_ASKED.match(q):
        return []
    wanted = [(kind, evidence) for kind, ask, evidence in VALUE_EVIDENCE
              if any(not _stated(q, m, before=kind == "duration") for m in ask.finditer(q))]
    if of_a_study and HOW_OFTEN.search(q) and not any(kind == "percentage" for kind, _ in wanted):
        wanted += [(kind, evidence) for kind, _, evidence in VALUE_EVIDENCE if kind == "percentage"]
    return wanted


# A value the question states itself describes what it asks about ("the cohort with a 49-month median follow-up",
# "a median follow-up of 49 months"): it is not asked for.
_VALUE_BEFORE = re.compile(r"\d(?:[\d.,]*\d)?[- ]?(?:months?|years?|weeks?|days?|mo|y)\s+$")
_VALUE_AFTER = re.compile(r"\s*(?:of|was|were|=|:)\s*(?:about\s+|approximately\s+|~\s*)?\d")


# Two questions in one ("how many were alive at 12 months, and what was the overall survival?"): where the second
# begins. A measure one of them names is what that one asks about, not the other.
_NEXT_QUESTION = re.compile(r"(?:,\s*|\s+)(?:and|also|plus)\s+(?=(?:what|how|which|when|who|whose|where|why|is|are|"
                            r"was|were|did|does|do|has|had)\b)|[?;]\s*(?=\S)")


def _question_of(text: str, at: int) -> int:
    """Which of the questions in `text` the offset `at` is in (0 for the first)."""
    return len(_NEXT_QUESTION.findall(text, 0, at))


def _kinds_asked_in(q: str) -> dict[str, set[int]]:
    """For each kind of value the (folded) question asks for, which of its questions ask for it (`_wanted`'s
    matches)."""
    where: dict[str, set[int]] = {}
    for kind, ask, _ in VALUE_EVIDENCE:
        for m in ask.finditer(q):
            if not _stated(q, m, before=kind == "duration"):
                where.setdefault(kind, set()).add(_question_of(q, m.start()))
    return where


def _stated(q: str, m: re.Match, before: bool = True) -> bool:
    """The question gives the value of the phrase `m` matched: right after it ("of 49 months"), or, for a duration
    (`before`), right before it ("a 49-month median follow-up"; before a survival, "5-year" is its time point)."""
    return bool(before and _VALUE_BEFORE.search(q, 0, m.start()) or _VALUE_AFTER.match(q, m.end()))


def _typed_as_author(question: str, token: str) -> bool:
    """The question writes the name as a surname is written ("Lefevre"), not as an acronym ("VRAM")."""
    m = re.search(rf"(?<![\w-]){re.escape(token)}(?![\w-])", question, re.I)
    return bool(m) and m.group(0)[:1].isupper() and m.group(0)[1:].islower()


# A yes/no question whether something changes how long, how many or how often ("Do abdominal-based flaps affect how
# long the operation takes?"): it asks for an effect, which the review may state without a value
_WHETHER_HOW = re.compile(r"^(?:did|does|do|would|will|can|could|is|are|was|were)\b[^?]*\b(?:affect|chang|influenc|"
                          r"alter|impact|prolong|lengthen|shorten|increas|reduc)\w*\s+how\s+(?:long|many|much|often|"
                          r"quickly|fast)\b")


_EFFECT_IN_WORDS = re.compile(r"\b(?:longer|shorter|faster|slower|more|fewer|less|greater|higher|lower|prolong\w*|"
                              r"shorten\w*|lengthen\w*|reduc\w*|increas\w*|decreas\w*)\b")


_GENERIC_PART = re.compile(r"-(?:based|containing|related|only|alone|treated|directed|guided|associated|induced|"
                           r"like|type)$", re.I)


def value_check(question: str, ranking: Ranking, retriever: Retriever) -> str | None:
    """When the question asks for a kind of value, some top sentence must give one about its subject: the study
    it names, else its rarest subject word."""
    q = fold(question)
    query = ranking.query
    spelled = _spelled_out(q, retriever)
    wanted = _wanted(spelled, of_a_study=bool(query.named))  # "what 12-month OS": a survival
    if not wanted:
        return None
    if _WHETHER_HOW.match(q):  # whether X affects how long …: a finding in words answers ("may lead to longer
        # surgical times"), said of X as a value would be
        wanted = [(kind, re.compile(rf"(?:{ev.pattern})|{_EFFECT_IN_WORDS.pattern}", ev.flags | re.I))
                  for kind, ev in wanted]
    top = ranking.hits[:TYPE_WINDOW]

    def names(have, word: str) -> bool:
        """The word itself ("recurrence") or one of its expansions ("pfs": "progression-free survival"), not a
        word sharing its stem ("recurrent")."""
        # (a word the documents never use is a misspelling: its alternative is the word it misspells, "regresion")
        return word in have or word + "s" in have or any(
            all(t in have for t in alt) for c in query.concepts if c.word == word for alt in c.alternatives
            if alt != (word,) and (not any(a.startswith(word[:5]) for a in alt) or word not in retriever.vocabulary)) \
            or "-" in word and bool(retriever.lexicon.synonyms.get(word.replace("-", ""), set()) & have)

    def says(i: int, word: str, full: bool = False) -> bool:
        if full:
            return names(retriever.sentence_tokens[i], word)
        concept = [c for c in query.concepts if c.word == word]
        return not concept or retriever.lexicon.coverage(replace(query, concepts=concept), retriever.sentence_tokens[i],
                                                         retriever.sentence_prefixes[i]) >= (1.0 if full else 0.5)

    def mentions(h, word: str) -> bool:
        return says(retriever.position[h.sentence.id], word)

    def in_context(h, word: str, back: int) -> bool:
        """The sentence, or one of the `back` sentences before it in its paragraph, names the subject ("Hagemans
        et al. published …. The median overall survival was 47 months")."""
        i = retriever.position[h.sentence.id]
        sents = retriever.sentences
        cites = set(h.sentence.refs + h.sentence.context_refs)
        for j in range(i, max(i - back, 0) - 1, -1):
            if sents[j].doc_id != h.sentence.doc_id or sents[j].paragraph != h.sentence.paragraph:
                break
            # an earlier sentence reports another study: what it names is not this sentence's subject, unless the
            # sentence after it points back to it ("Currently, carboplatin and paclitaxel remain the standard [1,2].
            # This regimen has shown an overall survival of 20 months … [27]")
            if j < i and cites and sents[j].refs and not cites & set(sents[j].refs) \
                    and not POINTS_BACK.match(sents[j + 1].text):
                break
            if says(j, word) or abbreviated(word) & retriever.sentence_tokens[j]:
                return True
        return False

    def abbreviated(word: str) -> set[str]:
        """The abbreviations of the word: of a one-word long form that is the word or stands for it ("reRT" of
        "reirradiation"), or of a longer one that holds the word and that the question spells out whole
        ("intraoperative radiotherapy": "IORT"; not "VRAM" for "transverse rectus abdominis", which lacks
        "vertical …")."""
        if word not in short:
            same = {word} | retriever.lexicon.synonyms.get(word, set())
            short[word] = {a for a, long in retriever.lexicon.glossary.items() if a.isalpha() and (
                long.lower() in same or long.lower().replace("-", "") in same if len(long.split()) == 1
                else word in (words := set(retriever.lexicon.long_form_tokens(a))) and words <= asked_tokens)}
        return short[word]

    short: dict[str, set[str]] = {}
    asked_tokens = set(tokens(question))

    # The subject: the study the question names; else a drug or a name it uses (the review may name a drug
    # without any result for it: then no top passage is about it, and the value is missing); else its rarest
    # subject word that the top passages use at all (the rarest may be filler the review words differently, like
    # "current" where it says "actual").
    # (A glossary abbreviation, "CRT", "SCC", is the field's common vocabulary, not a drug or a name; a word only the
    # reference list uses, "Lancet", describes where a study appeared.)
    glossary, body = retriever.lexicon.glossary, retriever.lexicon.idf
    # ("IORT-based therapy" names IORT: a generic second part, "-based", "-containing", is no part of the name)
    strong = [t for w in surface_terms(question)[1:] if DRUG_OR_NAME.search(w) and fold(w) not in glossary
              for t in tokens(_GENERIC_PART.sub("", w))
              if t not in QUESTION_WORDS and t not in STOPWORDS and t in body and any(c.word == t for c in query.concepts)]
    absent = next((t for t in strong if not any(mentions(h, t) for h in top)), None)
    # The measure: what the value is of ("the *recurrence* rate", "the rate of *recurrence*"). A sentence with a
    # rate of something else (wound complications after VRAM closure) does not answer.
    # "the rate of perineal hernia": the last word of the phrase after "rate of" is the measure (its head noun)
    # (not a measure the question states as context: "with a 12-month overall survival of 83.1%, how many …")
    asked_measures = [m for m in MEASURE.finditer(q) if not _stated(q, m, before=False)]
    measures = [t for m in asked_measures
                for t in (reversed if m.group(5) else list)(tokens(next(g for g in m.groups() if g)))
                if t not in QUESTION_WORDS and t not in STOPWORDS or m.group(3)]
    measure = next((t for t in measures if any(c.word == t for c in query.concepts)), None)
    # What a duration is of: "the duration of response", "how long did responses last", "the median follow-up". A
    # time given for another measure (the cohort's progression-free survival in months) does not answer.
    if measure is None and any(kind == "duration" for kind, _ in wanted):
        measure = next((t for m in DURATION_OF.finditer(q) for t in tokens(next(g for g in m.groups() if g))
                        if t not in QUESTION_WORDS and t not in STOPWORDS and any(c.word == t for c in query.concepts)),
                       None)
    # A named survival or response ("overall survival") is read whole in a table's column labels, where "(Overall)"
    # also qualifies other measures ("Disease-Free Survival (Overall)").
    named_at = next((m for m in asked_measures if m.group(1)), None)
    named_measure = re.sub(r"\s+", " ", named_at.group(0)) if named_at else None
    # Two questions in one: the named measure is what its own question asks about. A kind of value asked only in
    # another ("how many were alive …, and what was the overall survival?": the count) need not be of it.
    asked_in = _kinds_asked_in(spelled)
    measure_of = (lambda kind: True) if named_at is None else \
        (lambda kind: kind not in asked_in or _question_of(q, named_at.start()) in asked_in[kind])

    # The measure and its time point are what is asked, not what it is about: "the 3-year disease-specific survival
    # after pelvic exenteration" is about the exenteration. (Of a measure read as "the X rate" or "the rate of X …",
    # only its head noun: the phrase may run on into the subject, "the rate of wound problems with primary closure".)
    asked_words = {t for m in asked_measures if m.group(1) or m.group(2) or m.group(3) for t in tokens(m.group(0))}
    asked_words |= {t for m in TIME_POINT.finditer(q) for t in tokens(m.group(0))} | ({measure} if measure else set())
    # (an author named beside an acronym, "VRAM closure according to Lefevre et al.": the author's study is the
    # subject; the acronym may name a technique)
    candidates = sorted([t for name in query.named for t in name[:1]], key=lambda t: not _typed_as_author(question, t)) \
        or [t for t in focus_terms(question, retriever) if t not in asked_words][:3]
    focus = absent or next((w for w in candidates if any(mentions(h, w) for h in top)), None)

    # The subject (a study, a drug, or any other) is named in the value's sentence or earlier in its paragraph, up to
    # a sentence that reports another study (`in_context`). (Only the sentence before, for subjects other than a
    # study or a drug, declined answerable questions: eval/answerable.py, 66 → 63 of 1,869, no look-alike fewer.)
    # (A graded value, "46 (70%) experienced at least one grade 3–4 adverse event", may come far into the paragraph
    # that introduced its study: it is the study's when no sentence between reports another study.)
    graded = GRADE.search(question)
    # … or the same range of grades in a named classification ("grades 1–5": "Dindo–Clavien 1–5")
    span = re.search(r"\b([1-5])\s*(?:[–-]|to)\s*([1-5])\b", question[graded.start():]) if graded else None
    grades = re.compile(rf"\b{span.group(1)}\s*[–-]\s*{span.group(2)}\b") if span else None
    back = CONTEXT_SENTENCES if not graded else 1000

    # An everyday word as the subject ("techniques", "fail", "severe") is often one the review words otherwise in the
    # value's own sentence ("primary closure versus VRAM", "recurrence or persistent disease", "grade 3–4"): the
    # value is about it when its paragraph uses the word, before or after it. A technical term, a drug or a study
    # must be named in the sentence or before it (`in_context`): a paragraph about flaps that names the gracilis
    # flap gives no rate for it.
    # Two signals, then: the paragraph uses the everyday word, and the question's technical terms are named with the
    # value, in its sentence or before it ("cryotherapy" in "local control with cryotherapy for locally recurrent
    # disease"; "rectus" in "a transverse rectus abdominis flap", where a paragraph lists the flaps after its rate).
    # (Not the thing a rate is of, "the rate of infection": the value must be of it, not near it.)
    rate_of = {t for m in RATE_OF.finditer(q) for t in tokens(m.group(1))}
    loose = focus is not None and not absent and not any(focus in name for name in query.named) \
        and focus.isalpha() and everyday_word(retriever, focus) and focus not in rate_of
    technical = [t for t in focus_terms(question, retriever) if t.isalpha() and not everyday_word(retriever, t)] \
        if loose else []

    # A word of a long form the glossary abbreviates ("rectus" of "vertical rectus abdominis myocutaneous") is
    # named by the abbreviation ("VRAM") in the value's own sentence (a paragraph that lists "VRAM, TRAM or DIEP
    # flaps" before giving a rate for VRAM gives none for TRAM).
    short_forms = {a for a in retriever.lexicon.abbreviations_holding(focus) if a.isalpha()} if focus else set()

    def about(h) -> bool:
        return focus is None or in_context(h, focus, back) \
            or loose and in_paragraph(h, [focus]) and all(in_context(h, t, back) for t in technical) \
            or any(a in retriever.sentence_tokens[retriever.position[h.sentence.id]] for a in short_forms)

    def in_paragraph(h, words) -> bool:
        """Each word is used somewhere in the sentence's paragraph, before or after it."""
        para = _paragraph(retriever, retriever.position[h.sentence.id])
        return all(any(says(j, w) for j in para) for w in words)

    # Each kind of value asked for ("what was the rate …, and how many …") must be given by some top sentence
    # about the subject; a rate must also be of the measure asked about.
    time_to = TIME_TO.search(q)

    def gives(h, kind: str, ev) -> bool:
        """The sentence gives that kind of value, of the measure asked. A table record must give it in one cell
        ("Local Recurrence: 45%" is not a duration because another cell reads "Follow-Up (Months): 46", and a
        "DFS: NR" cell gives no disease-free survival because another cell gives a percentage)."""
        of_measure = kind == "count" or measure is None
        if graded and not GRADE.search(h.sentence.text) and not (grades and grades.search(h.sentence.text)):
            return False  # "grade 3 or worse adverse events": a value for all adverse events does not answer
        if kind == "duration" and time_to and not TIME_TO.search(h.sentence.text):
            return False  # "the median time to salvage APR": the study's survival in months is not a time to anything
        if h.sentence.kind == "table_record" and table_cells(h.sentence.text):
            return any(cell_gives(kind, ev, cell) for cell in (f"{a}: {b}" for a, b in table_cells(h.sentence.text)[1:]))
        return bool(ev.search(h.sentence.text)) and (of_measure or says(retriever.position[h.sentence.id], measure,
                                                                        full=True)) \
            and (named_measure is None or named_measure.split()[-1] == "rate" or not measure_of(kind)
                 or phrase_in(h.sentence.text))

    def cell_gives(kind: str, ev, cell: str) -> bool:
        """A table cell ("Label: value") gives that kind of value, of the measure asked."""
        of_measure = kind == "count" or measure is None
        # (asked what the table records, "NR" is the answer: not reported)
        return bool(ev.search(cell) or query.tables and cell.endswith(": NR")) \
            and (of_measure or names(set(tokens(cell)), measure)) \
            and (named_measure is None or named_measure.split()[-1] == "rate" or not measure_of(kind)
                 or named_measure in fold(cell))

    def phrase_in(text: str) -> bool:
        """The named measure as a phrase ("complete response"), in words the glossary says stand for its words
        ("cancer-specific survival": "disease-specific survival"), or its abbreviation ("OS")."""
        low = fold(text)
        if named_measure in low or named_measure.rstrip("s") in low:
            return True
        flat, words = low.replace("-", ""), named_measure.replace("-", "").split()
        synonyms = retriever.lexicon.synonyms
        if any(" ".join(words[:i] + [other] + words[i + 1:]) in flat
               for i, w in enumerate(words) for other in synonyms.get(w, ())):
            return True
        short = [a for a, long in retriever.lexicon.glossary.items() if long == named_measure]
        return any(re.search(rf"(?<![\w-]){re.escape(a)}(?![\w-])", low) for a in short)

    # What a count counts: the noun after "how many" ("how many centers were involved" → "center").
    # ("how many patients had a local recurrence" counts recurrences: a count of patients is not of the measure)
    # (A count of the patients themselves, "how many patients were in the Rosen cohort", is the study's size: its
    # "Sample Size (Number of Patients): 96" answers, whatever other words describe the cohort.)
    counted = next((t for m in COUNTED.finditer(q) for t in tokens(m.group(1)) if t not in STOPWORDS), None)
    count_ev = next((ev for kind, ev in wanted if kind == "count"), None)

    def measure_named(h) -> bool:
        """The sentence names the measure the question asks about ("the response rate" → "response"), or gives a
        count of the very thing asked to be counted ("across 38 centers"; the patients: the study's size)."""
        if measure is not None and says(retriever.position[h.sentence.id], measure, full=True):
            return True
        if counted is None or count_ev is None:
            return False
        if counted in POPULATION and (not SIZE_ASKED.search(q) or EVENT_COUNTED.search(q)):
            return False  # "how many patients had a local recurrence" counts recurrences, not the cohort
        things = POPULATION | SIZE_WORDS if counted in POPULATION else {counted}
        return any(things & set(tokens(m.group(0))) for m in count_ev.finditer(h.sentence.text))

    missing = [kind for kind, ev in wanted if not any(gives(h, kind, ev) and about(h) for h in top)]
    # Who the value is for: a subgroup, a share of the patients with an attribute, a group of people
    # (bot/guard/groups.py): the sentence giving it must name them.
    reason = None if missing else for_whom(question, q, query, retriever, wanted, top, gives, about, cell_gives)
    if reason:
        return reason
    # The question's rarest subject word, when no top passage uses it ("after pelvic exenteration"): the values
    # found are about something else. Answer only if a passage that does use it gives such a value.
    rarest = next((t for t in focus_terms(question, retriever) if t.isalpha() and not everyday_word(retriever, t)),
                  None)
    if not missing and not query.named and not absent and rarest and rarest != focus \
            and not any(mentions(h, rarest) for h in top) \
            and not _valued_near(retriever, rarest, [ev for _, ev in wanted]):
        kinds = " and ".join(kind for kind, _ in wanted)
        shown = next((w for w in surface_terms(question) if rarest in tokens(w)), rarest)
        return f"the review gives no {kinds} for {shown}"
    # A count of the units a study is made of ("how many studies were pooled", "in how many centres"): some value
    # about the subject must count those very units (the patients of a meta-analysis are not its studies).
    unit = STUDY_UNITS.search(q)
    kind = next((k for k in UNIT_KINDS if unit and re.fullmatch(k, unit.group(1))), None)
    if not missing and count_ev is not None and kind and not any(
            about(h) and any(re.search(rf"\b(?:{kind})\b", m.group(0), re.I) for m in count_ev.finditer(h.sentence.text))
            for h in top):
        shown = next((w for w in surface_terms(question) if focus and focus in tokens(w)), focus)
        return f"the review gives no number of {unit.group(1)} for {shown or 'this'}"
    if not missing:
        if focus is not None and any(focus in name for name in query.named):
            return _given_for_another(question, query, ranking, retriever, wanted, gives, about, focus,
                                      measure_named)
        return None
    wanted = [(k, ev) for k, ev in wanted if k in missing]
    if time_to and focus is not None and any(focus in name for name in query.named):
        # "the median time to salvage APR" in Hagemans: say where the review does give it (Ko [11]), if it does
        elsewhere = _given_for_another(question, query, ranking, retriever, wanted, gives, about, focus,
                                       measure_named)
        if elsewhere:
            return elsewhere
    kinds = " and ".join(kind for kind, _ in wanted)
    what = named_measure if named_measure and kinds == "outcome" else f"{measure} {kinds}" if measure else kinds
    shown = next((w for w in surface_terms(question) if focus and focus in tokens(w)), focus)  # "Fields", not "field"
    return f"the review gives no {what} for {shown or 'this'}"


_MEASURE_SHORT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _spelled_out(q: str, retriever: Retriever) -> str:
    """The folded question with each abbreviation of a named measure written as its long form, from the documents'
    glossary ("dfs" → "disease-free survival"; not "apr": no measure). The abbreviations are read once per index."""
    found = _MEASURE_SHORT.get(retriever)
    if found is None:
        longs = {short: fold(long) for short, long in retriever.lexicon.glossary.items() if NAMED_MEASURE.fullmatch(fold(long))}
        pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(longs, key=len, reverse=True))) +
                             r")(?![\w-])") if longs else None
        found = _MEASURE_SHORT[retriever] = (pattern, longs)
    pattern, longs = found
    return pattern.sub(lambda m: longs[m.group(1)], q) if pattern else q




def _valued_near(retriever: Retriever, word: str, evidence) -> bool:
    """Some sentence that uses the word, or one of the CONTEXT_SENTENCES after it in its paragraph, gives a value
    of one of the kinds asked for."""
    sents = retriever.sentences
    for i in np.flatnonzero(retriever.token_index.has_all((word,))):
        for j in range(i, min(i + CONTEXT_SENTENCES + 1, len(sents))):
            if sents[j].doc_id != sents[i].doc_id or sents[j].paragraph != sents[i].paragraph:
                break
            if any(ev.search(sents[j].text) for ev in evidence):
                return True
    return False


def _paragraph(retriever: Retriever, i: int) -> list[int]:
    """Positions of the sentences in the paragraph of the sentence at position i."""
    sents = retriever.sentences
    s = sents[i]
    lo = i
    while lo > 0 and sents[lo - 1].doc_id == s.doc_id and sents[lo - 1].paragraph == s.paragraph:
        lo -= 1
    hi = i
    while hi + 1 < len(sents) and sents[hi + 1].doc_id == s.doc_id and sents[hi + 1].paragraph == s.paragraph:
        hi += 1
    return list(range(lo, hi + 1))


def _span(retriever: Retriever, h, back: int) -> list[int]:
    """The sentence's position and those of up to `back` sentences before it in its paragraph."""
    i, s = retriever.position[h.sentence.id], h.sentence
    return [j for j in range(i, max(i - back, 0) - 1, -1)
            if retriever.sentences[j].doc_id == s.doc_id and retriever.sentences[j].paragraph == s.paragraph]


def _with_typed_names(question: str, query, retriever: Retriever):
    """The query, with the study names typed in the question that the name finder leaves out (a two-letter surname
    counts as a name for it only before "et al." or a year: "the Ko systematic review")."""
    have = {name[0] for name in query.named if name}
    typed = [(fold(w),) for w in dict.fromkeys(surface_terms(question)) if w in retriever.anchor_words
             and fold(w) not in have]
    return replace(query, named=list(query.named) + typed) if typed else query


class _At:
    """A sentence in the shape of a hit, for the helpers below that read only `.sentence`."""
    def __init__(self, sentence):
        self.sentence = sentence


def _about_named(retriever: Retriever, query, h) -> bool:
    """The question names no study, or the sentence is about one it names (its own or its paragraph's citation, or
    the study its paragraph reports: "Unlike the Kitaguchi et al. study [12], the indication … did not influence the
    survival outcomes" reports Rosen's finding [23])."""
    i = retriever.position[h.sentence.id]
    have = retriever.sentence_tokens[i]
    return not query.named or any(all(t in have for t in name) or retriever.primary_index.has_all(name)[i]
                                  for name in query.named)


OTHER_MIN = 0.7  # how fully another study's value sentence must express what is asked … (eval/tune_scope.py)
OTHER_GAP = 0.2  # … and by how much more than the named study's best value sentence


def _given_for_another(question, query, ranking, retriever, wanted, gives, about, focus, measure_named) -> str | None:
    """The named study has values of the kind asked, but the value asked for ("the median time to salvage APR")
    is given for another study: its sentence expresses the question's measure words, the named study's do not
    ("What median time to salvage APR did Hagemans report?": the review gives it for Ko)."""
    names = {t for name in query.named for t in name}
    measure = [c for c in query.concepts if c.word not in QUESTION_WORDS and c.word not in STOPWORDS
               and c.word not in names and not c.word.isdigit()]
    if not measure or not all(any(a[0] in retriever.vocabulary for a in c.alternatives if len(a) == 1)
                              for c in measure):
        return None  # asked in words the review never uses: what is asked cannot be matched by words
    asked = replace(query, concepts=measure)

    def expresses(h) -> float:
        """Read with the sentences before it in its paragraph, which name what its value is of ("Hagemans et al.
        studied salvage APR …. The median overall survival was 47 months")."""
        return retriever.coverage_of(asked, _span(retriever, h, CONTEXT_SENTENCES))

    valued = [h for h in ranking.hits[:20] if any(gives(h, kind, ev) for kind, ev in wanted)]
    # a study the question names as well ("compare between Ko and Hallemeier") is not another study
    typed = _with_typed_names(question, query, retriever)
    if any(about(h) and measure_named(h) for h in valued):
        return None  # the study's own value is of the measure asked ("response"), however else it is worded
    # The named study's own value is read with its whole paragraph: what describes the study ("… surgery and IORT
    # were performed") may come after the sentence that gives its size.
    own = max((retriever.coverage_of(asked, _paragraph(retriever, retriever.position[h.sentence.id]))
               for h in valued if about(h)), default=0.0)
    other = max(((expresses(h), h) for h in valued if not about(h) and not _about_named(retriever, typed, h)),
                default=(0.0, None), key=lambda t: t[0])
    if other[1] is None or other[0] < OTHER_MIN or other[0] - own < OTHER_GAP:
        return None
    refs = other[1].sentence.refs + other[1].sentence.context_refs
    shown = next((w for w in surface_terms(question) if focus in tokens(w)), focus)
    where = f" (it gives it for [{', '.join(map(str, refs))}])" if refs else ""
    return f"the review does not give this value for {shown}{where}"


PASSING = 2  # an acronym named in at most this many sentences is named in passing
_HOW_IT_DID = re.compile(r"\b(results?|outcomes?|perform\w*|efficacy|effective\w*|work(ed|s)?|response|survival|"
                         r"benefit|activity|how well|rates?|complications?)\b")


def named_without_results(question: str, ranking: Ranking, retriever: Retriever) -> str | None:
    """A drug the review names without any result ("Has durvalumab been tested in recurrent anal cancer, with
    what results?", when the review only lists it), or an acronym it names in passing ("How do DIEP flaps
    perform?", when it only lists "VRAM, TRAM, or DIEP flaps"): no sentence naming it, nor the next one in its
    paragraph, gives a result, so the top passages are about something else."""
    q = fold(question)
    if not ASKS_RESULTS.search(q):
        return None
    sents = retriever.sentences
    for w in surface_terms(question):
        low = fold(w)
        acronym = w.split("-")[0] if re.fullmatch(r"[A-Z]{3,}", w.split("-")[0]) else ""
        if acronym and low not in retriever.vocabulary:
            low = fold(acronym)  # "TGF-beta": the review writes "TGF-β"
        if not (DRUG_ENDING.search(low) or acronym) or low not in retriever.vocabulary:
            continue
        where = [i for i in range(len(sents)) if low in retriever.sentence_tokens[i]]
        if acronym and (len(where) > PASSING or not _HOW_IT_DID.search(q)):
            continue  # an acronym the review uses again and again is one of its subjects, whatever the wording; and
            # one it names in passing may answer whether a thing is being tested ("Are TGF-beta inhibitors being
            # tested?": "… are being investigated"), though not how it did
        near = {j for i in where for j in (i, i + 1) if j < len(sents) and sents[j].paragraph == sents[i].paragraph
                and sents[j].doc_id == sents[i].doc_id}
        if where and not any(RESULT.search(sents[j].text) for j in near):
            return f"the review names {w} but reports no results for it"
    return None
