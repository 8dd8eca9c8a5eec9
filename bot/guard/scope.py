"""Is the question covered by the review? Decided from what retrieval already computed, in well under a millisecond.

`foreign_topics` runs first, before the guard (so such a question is declined rather than deferred): the question
is about a disease, organ or intervention the corpus never mentions ("colorectal liver metastases", "HPV
vaccination"). Then `judge`, after retrieval, declines the question when
2. nothing retrieved is close enough (dense similarity and vocabulary overlap both low);
3. the question names something the corpus never mentions — a capitalised name, an acronym, a drug-like word
   ("CAR-T", "France") — that is not a spelling variant of a word it does mention;
4. what it asks for is not in the passages (bot/guard/values.py): no top sentence gives the kind of value asked
   about its subject, of the measure, grade and subgroup asked, or gives it only for another study; a comparison
   no passage makes with the kind of value asked; a time point no passage gives; a breakdown by a factor the
   documents never mention ("by age group").
"""
from __future__ import annotations

import difflib
import re
import weakref
from dataclasses import dataclass

from bot.guard.groups import group_not_discussed
from bot.guard.sequence import sequence_check
from bot.guard.shapes import breakdown_check, comparison_check, stage_check, time_point_check
from bot.guard.values import named_without_results, value_check
from bot.guard.vocabulary import common_word, corpus_word_starting, everyday_word, stands_for
from bot.guard.wording import QUESTION_WORDS
from bot.retrieve.descriptors import numbered_candidates
from bot.retrieve.lexicon import SHORTHAND
from bot.retrieve.search import Ranking, Retriever
from bot.text import STOPWORDS, fold, tokens

# Diseases, organs and interventions a question may be *about*. If the corpus never uses the word, the question
# is about something else, even when the rest of it ("5-year survival", "best treatment") matches well.
TOPIC_WORDS = re.compile(
    r"\b(adenocarcinoma|melanoma|lymphoma|leuka?emia|myeloma|sarcoma|glioma|carcinoid|neuroendocrine|mesothelioma|"
    r"colorectal|colon|liver|hepatic|lung|breast|pancreas|pancreatic|gastric|stomach|o?esophag\w*|cervical|ovarian|"
    r"endometrial|uterine|kidney|renal|brain|thyroid|head and neck|oral|skin cancer|prostate cancer|bladder cancer|"
    r"vaccin\w*|screening|diet\w*|smoking|alcohol|covid\w*|diabetes|pregnan\w*|fertility|cannabis|acupuncture|"
    r"homeopath\w*|supplements?|vitamins?|vulva\w*|vagina\w*|penile|penis|laryn\w*|pharyn\w*|tongue|testicular|"
    r"\w+oma|\w+itis|\w+ectomy|\w+ostomy|\w+otomy|\w+plasty|"
    r"\w+therapy|\w+therapies)\b")

# A clinician's or a team's specialty after a topic word: "colorectal surgeon", "lung oncologists", "breast unit"
_ROLE = re.compile(r"\s+(?:surgeons?|surgical team|oncologists?|physicians?|doctors?|nurses?|radiologists?|"
                   r"pathologists?|specialists?|consultants?|registrars?|residents?|fellows?|teams?|units?|"
                   r"departments?|clinics?|services?|wards?|mdts?|multidisciplinary)\b")

# Where a cancer has spread: "spread to the liver", "mets to his lungs", "spread to places like the liver"
_SPREAD_TO = re.compile(r"\b(?:spread\w*|gone|moved|metastas\w*|mets)\s+(?:in)?to\s+(?:(?:places|organs|sites|areas|"
                        r"other (?:parts|organs|places)(?: of the body)?)\s+(?:like|such as|including)\s+)?"
                        r"(?:the\s+|his\s+|her\s+|their\s+|my\s+|your\s+)?$")

MIN_DENSE = 0.30      # best sentence's cosine similarity …
MIN_COVERAGE = 0.35   # … or its share of the question's vocabulary, whichever is stronger
MIN_SCORE = 0.30
UNRELATED_DENSE = 0.5  # a turn the guard reads as off the subject is answered only when a passage is this close
# A description the review does not state ("the Dutch series"): answered, with a note that says so, when the best
# passage covers this share of the question's words (eval/tune_scope.py --described)
DESCRIBED_COVERAGE = 0.1
UNRELATED_COVERAGE = 0.5  # … or uses this share of the question's words ("rct complete regression 80-90%")

@dataclass(frozen=True)
class Verdict:
    covered: bool
    reason: str
    note: str = ""  # said with the answer, e.g. a descriptor the review does not state


_NEAR: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _near_spelling(word: str, retriever: Retriever, cutoff: float) -> bool:
    """Is the word a near-spelling of a corpus word? (difflib over the whole vocabulary: remembered per index.)"""
    seen = _NEAR.setdefault(retriever, {})
    key = (word, cutoff)
    if key not in seen:
        seen[key] = bool(difflib.get_close_matches(word, retriever.vocab_list, n=1, cutoff=cutoff))
    return seen[key]


_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'\u2019][A-Za-z0-9]+)*")  # a word as typed (values.surface_terms)
# Stems of drug names (the USAN/INN stems): a word ending so names a drug even in lower case ("capecitabine")
_DRUG_ENDING = re.compile(r"(mab|nib|tinib|platin|taxel|rubicin|cycline|citabine|tecan|poside|trexate|mustine|lisib|"
                          r"parib|ciclib|zomib|limus|fenib)$")
# Dosing shorthand, "q3w" (every 3 weeks), "q12h", "d1": a schedule, not a name the corpus would have to use
_SCHEDULE = re.compile(r"q\d{1,2}[hdw]|d\d{1,2}(?:-\d{1,2})?")  # … and a day of a cycle, "d1", "d1-5"


# "I'm", "I've", "we'll", "don't": a pronoun or verb with its contraction, never a name
_CONTRACTION = re.compile(r"[a-z]+['\u2019](?:m|ve|d|ll|re|t)")


def unknown_names(question: str, retriever: Retriever) -> list[str]:
    """Names and acronyms in the question that appear nowhere in the corpus (body, tables or bibliography) and are
    not a near-spelling of a corpus word."""
    vocab = retriever.vocabulary
    out = []
    for m in _WORD.finditer(question):
        w = re.sub(r"['\u2019]s$", "", m.group(0))  # "Ko's review" names Ko
        low = fold(w)
        if low in STOPWORDS or len(low) < 2 or _CONTRACTION.fullmatch(low):
            continue
        # a capital that starts the question or a sentence of it ("… in anal cancer? Overview please.") is no name
        starts_sentence = not question[:m.start()].rstrip() or question[:m.start()].rstrip()[-1] in ".?!:;"
        looks_named = (not starts_sentence and w[:1].isupper()) or sum(ch.isupper() for ch in w) >= 2 \
            or re.search(r"\d", w) or _DRUG_ENDING.search(low)
        if not looks_named or _SCHEDULE.fullmatch(low):
            continue
        # "hpv16" is "HPV 16", "ph1b" "ph 1b" (not "T2" or "R1": a stage is one word); of "HPV-driven" or "TGF-beta" only the part that looks like a name must be known
        # ("gr3-4" is "gr 3 4": each part of a compound is split so)
        parts = [x for x in w.split("-") if x and x.lower() not in STOPWORDS]
        if "-" in w:
            parts = [x for x in parts if sum(ch.isupper() for ch in x) >= 2 or re.search(r"\d", x)] or parts
        parts = [y for x in parts for y in re.sub(r"^([A-Za-z]{2,})(\d+[a-z]?)$", r"\1 \2", x).split()]
        toks = [t for x in parts for t in tokens(x) if t not in STOPWORDS]
        if "-" in w and low.replace("-", "") in vocab:
            continue  # "re-RT" is the corpus's "reRT"
        initials = "-".join(x[0] for x in w.split("-") if x).lower()
        if "-" in w and w[:1].isupper() and len(initials) >= 3 and initials in vocab:
            continue  # "Mantel-Haenszel" spelled out of the corpus's "M-H"
        if numbered_candidates(low, retriever):
            continue  # "KN-158" for the corpus's "KEYNOTE-158"
        synonyms = retriever.lexicon.synonyms
        if toks and all(t in vocab or synonyms.get(t, set()) & vocab or stands_for(retriever, t) for t in toks):
            continue  # the corpus uses the word, or one that stands for it ("relapse" for "recurrence", "LN" for
            # "lymph node", "tbl2" for "Table 2", "pacli" for "paclitaxel")
        if toks and low in retriever.lexicon.glossary:
            continue
        place = retriever.lexicon.demonyms.get(low)
        if place and all(t in vocab for t in tokens(place)):
            continue  # "Swiss" for a corpus that says "Switzerland"
        if place:  # a demonym whose place the corpus never names: not a misspelling ("Italian" is not "Italiano")
            out.append(w)
            continue
        if toks and all(_near_spelling(t, retriever, 0.84) for t in toks
                        if t not in vocab):
            continue
        if w.isupper() and _shortens(low, retriever):
            continue  # "US" for the "USA" the corpus writes
        out.append(w)
    return out


_CAPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _shortens(acronym: str, retriever: Retriever) -> bool:
    """An acronym one letter short of an acronym the documents use ("US" → "USA"); their acronyms are read once
    per index."""
    caps = _CAPS.get(retriever)
    if caps is None:
        caps = _CAPS[retriever] = {w.lower() for s in retriever.sentences for w in re.findall(r"\b[A-Z]{2,}\b", s.text)}
    return any(len(c) == len(acronym) + 1 and c.startswith(acronym) for c in caps)


# A kind of treatment named by its modifier: "photodynamic therapy", "laparoscopic (and open) salvage APR"
# (adjective endings only: a participle, "stitched surgery", is often an everyday verb the documents word otherwise)
_MODALITY = re.compile(r"\b([a-z][a-z-]{3,}(?:ic|al|ive|ar|ous))\s+"
                       r"(?:(?:and|or|versus|vs\.?)\s+[a-z-]+\s+)?(?:[a-z-]+\s+)?"
                       r"(surgery|surgeries|therapy|therapies|radiotherapy|radiation|irradiation|resection|apr|"
                       r"approach|reconstruction|procedure|excision|ablation|immunotherapy|chemotherapy)\b")


def absent_modality(question: str, retriever: Retriever) -> str | None:
    """A kind of treatment the documents never name: a technical adjective ("photodynamic", "laparoscopic",
    "cytoreductive") that they never use, right before a treatment ("therapy", "salvage APR"). An everyday word
    ("belly flap", "open surgery") may be one they say otherwise; a technical one is a kind of treatment of its
    own."""
    for m in _MODALITY.finditer(fold(question)):
        word = m.group(1)
        toks = tokens(word)
        if not toks or any(t in STOPWORDS or t in QUESTION_WORDS for t in toks) or \
                any(_known(t, retriever) and not _cited_word(t, retriever) or stands_for(retriever, t)
                    for t in toks):  # "IORT-based": IORT
            continue
        if all(common_word(retriever, part) for part in word.split("-") if part):
            continue
        if corpus_word_starting(retriever, word[:7], text_only=True):
            continue  # another form of a word the documents use ("investigational": "investigated")
        if any(_cited_word(t, retriever) for t in toks):
            return f"the review's text never discusses '{word}' {m.group(2)} (only the title of a reference it cites " \
                   f"names it)"
        return f"the review never mentions '{word}' {m.group(2)}"
    return None


_NON = re.compile(r"\bnon-?([a-z]{4,})\b")


def complement_asked(question: str, retriever: Retriever) -> str | None:
    """"Patients with non-squamous histology": the complement of a group the documents report (squamous), which they
    never name in any form ("non-squamous", "nonsquamous"): what they report is for the group, not for the rest."""
    for m in _NON.finditer(fold(question)):
        word = m.group(1)
        if not any(t.startswith(("non" + word[:4], "non-" + word[:4])) for t in retriever.vocabulary) \
                and word in retriever.token_index.token_row:  # (a word of the text, not only of a cited title)
            return f"the review reports nothing for non-{word} patients or tumours, only for {word} ones"
    return None


def _known(token: str, retriever: Retriever) -> bool:
    """The documents use the word, one the thesaurus gives for it, or a close spelling of it."""
    return token in retriever.vocabulary or bool(retriever.lexicon.synonyms.get(token, set()) & retriever.vocabulary) \
        or _near_spelling(token, retriever, 0.84)


def _cited_word(token: str, retriever: Retriever) -> bool:
    """A word only the titles of the references use ("stereotactic" in "Stereotactic Radiation Therapy Augments …"):
    the documents' text never discusses it."""
    return token in retriever.vocabulary and token not in retriever.token_index.token_row


def _cited_only(question: str, retriever: Retriever) -> list[str]:
    """Acronyms of the question ("HIV") that no sentence of the documents uses, only the titles of the references
    they cite: a subject the text does not discuss."""
    body = retriever.token_index.token_row
    out = []
    for m in _WORD.finditer(question):
        numbered = re.match(r"[\s-]*(?:\d+|[IVX]+)\b", question[m.end():])  # "ACT II": a cited trial's name
        # the acronym may lead a compound: "HIV-positive patients"
        w = m.group(0).split("-")[0] if not m.group(0).isupper() else m.group(0)
        toks = tokens(w)
        # (an abbreviation whose long form the text uses is that long form: "CR", complete response)
        long = retriever.lexicon.glossary.get(fold(w)) or SHORTHAND.get(fold(w)) or ""
        if w.isupper() and len(w) >= 2 and toks and not numbered \
                and all(t in retriever.vocabulary and t not in body for t in toks) \
                and not (tokens(long) and all(t in body for t in tokens(long))):
            out.append(w)
    return out


_STUDY_NOUN = r"(?:stud(?:y|ies)|trials?|cohorts?|series|meta-analys[ie]s|reviews?|papers?)"


def _study_named_by(acronym: str, question: str) -> bool:
    """The acronym stands beside a study noun, as a study's name does: "the XYZ trial", "the XYZ-1 study", "trial
    XYZ"."""
    a = re.escape(acronym)
    return bool(re.search(rf"\b{a}[\w-]*\s+(?:\w+\s+)?{_STUDY_NOUN}\b|\b{_STUDY_NOUN}\s+(?:called\s+|named\s+)?{a}\b",
                          question, re.IGNORECASE))


def foreign_topics(question: str, retriever: Retriever) -> list[str]:
    """Disease/organ/intervention words of the question that the corpus never uses (nor a close spelling)."""
    out = []
    folded = fold(question)
    for m in TOPIC_WORDS.finditer(folded):
        if _ROLE.match(folded, m.end()):
            continue  # "a colorectal surgeon", "the breast team": who is asking or treating, not the disease
        if _SPREAD_TO.search(folded[:m.start()]):
            continue  # "has spread to the liver": where this cancer went (metastatic disease), not another disease
        toks = [t for t in tokens(m.group(0)) if t not in STOPWORDS]
        synonyms = retriever.lexicon.synonyms
        # (a word only the titles of the references use, "colon", is not one the documents discuss)
        known = all(not _cited_word(t, retriever) and (t in retriever.vocabulary
                    or synonyms.get(t, set()) & retriever.vocabulary or _near_spelling(t, retriever, 0.88))
                    for t in toks)
        if toks and not known:
            out.append(m.group(0))
    return out


# Words that ask about a study without saying which: "what did the African authors report about their series?"
_ABOUT_A_STUDY = set(tokens("author authors group team investigators researchers paper papers article publication "
                            "study studies series trial trials cohort report reported reports find found conclude "
                            "concluded conclusion work"))


def _says_more(question: str, descriptors: list[str], retriever: Retriever) -> bool:
    """Besides its descriptors, the question uses a word of the documents that is not a question word or a
    word for a study as such: something the passages can be matched on."""
    described = {t for d in descriptors for t in tokens(d)}
    return any(t not in STOPWORDS and t not in QUESTION_WORDS and t not in _ABOUT_A_STUDY and t not in described
               and t in retriever.vocabulary for t in tokens(question))


def _far(h) -> bool:
    """No closeness: the ranker doubts the passage answers, or neither its meaning nor its words are near."""
    return h.prob < MIN_SCORE or (h.dense < MIN_DENSE and h.coverage < MIN_COVERAGE)


_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8", "ix": "9", "x": "10"}


def _arabic(number: str) -> str:
    return _ROMAN.get(number, number)


def _numbered(retriever: Retriever) -> dict[str, set[str]]:
    """The numbers of the documents' tables and figures (from their captions: "Figure 1. Suggested …")."""
    figures = {m.group(1) for s in retriever.sentences if s.kind == "caption"
               for m in [re.match(r"fig(?:ure)?\.?\s*(\d+)\b", fold(s.section))] if m}
    return {"table": {_arabic(number) for number, _ in retriever.tables.values()}, "figure": figures}


_TRIAL_NAME = re.compile(r"[A-Z][A-Z0-9]{2,}[- ]?(?:\d+|[IVX]+)")  # a name with its number: "KEYNOTE-028"


def _as_author(name: str, question: str) -> bool:
    """The question writes the name as an author's: "Ott et al.", "Ott's", "by Ott"."""
    n = re.escape(name)
    return bool(re.search(rf"\b{n}(?:\s+et\.?\s+al\b|['\u2019]s\b)|\bby\s+{n}\b", question))


ARTICLE_TOP = 5  # how far down a question about the article itself may find its front-matter line


def judge(question: str, ranking: Ranking, retriever: Retriever, unrelated: float = 0.0) -> Verdict:
    """`unrelated`: the guard's probability that the turn is small talk or off the subject ("Tell me a joke about
    surgeons"): with no close passage, such a turn is declined."""
    hits = ranking.hits
    if not hits:
        return Verdict(False, "the corpus is empty")
    best = hits[0]
    # "Give me a summary of the discussion section": a part of the document that exists is close by definition
    part_asked = any(p in title for p in ranking.query.parts for title in set(retriever.section_titles))
    # … and so is a study the question names, when the documents report it ("Tell me about the Hallemeier protocol")
    study_named = any(retriever.token_index.has_all(name).any() for name in ranking.query.named)
    asked = [("table", _arabic(n)) for n in ranking.query.table_numbers] + \
        [("figure", _arabic(n)) for n in ranking.query.figure_numbers]
    have = _numbered(retriever) if asked else {}
    absent = [f"{kind.title()} {n}" for kind, n in asked if n not in have[kind]]
    if absent:  # "What does Table 5 show?" of a review with Tables 1 and 2
        present = ", ".join(f"{kind.title()} {n}" for kind in ("table", "figure") for n in sorted(have[kind]))
        return Verdict(False, f"the review has no {absent[0]}" + (f" (it has {present})" if present else ""))
    table_named = bool(asked)  # … or a figure, by a number the documents have
    # (a turn that names one of them is about the documents, however it is worded: "Walk me through the discussion")
    if unrelated >= 0.5 and not (part_asked or study_named or table_named) and best.dense < UNRELATED_DENSE \
            and best.coverage < UNRELATED_COVERAGE:
        return Verdict(False, "small talk or a subject the review does not discuss")
    missing = unknown_names(question, retriever)
    descriptors = [m for m in missing if fold(m) in retriever.lexicon.demonyms]
    others = [m for m in missing if m not in descriptors]
    # (… or one of the first few passages: "how many days passed between acceptance and publication" ranks a
    # publisher's note above the dates)
    article_line = ranking.query.about_article and any(h.sentence.kind == "front" and h.coverage >= 0.15
                                                       for h in hits[:ARTICLE_TOP])
    # The title, the keywords and the dates answer only a question about the article itself ("revising" meets
    # "Revised: 17 April 2025", ranked first): the best passage that could answer may be close when they are not
    answering = next(iter(ranking.answering()), best)
    if not (article_line or part_asked or study_named or table_named) and _far(best) and _far(answering):
        if descriptors:
            return Verdict(False, "the review does not say which study or authors are " + " or ".join(descriptors))
        return Verdict(False, f"no passage is close to the question (best similarity {best.dense:.2f}, "
                              f"vocabulary overlap {best.coverage:.2f})")
    # A proper name the review never uses ("the Mayo Clinic series", "the Lancet paper") may only describe a study
    # the question's other words identify: treated like a demonym. A drug, an acronym or a rare term is a subject.
    proper = [m for m in others if re.fullmatch(r"[A-Z][a-z]{2,}", m) and not _DRUG_ENDING.search(m.lower())
              and not _as_author(m, question)]
    # … and so may a trial's name the review never uses beside the author it does name ("the KEYNOTE-028 cohort by
    # Ott et al."): the author identifies the study
    named = {t for name in ranking.query.named for t in name}
    by_author = any(_as_author(m, question) for m in re.findall(r"\b[A-Z][a-z]+\b", question)
                    if fold(m) in named and retriever.token_index.has_all((fold(m),)).any())  # the text reports it
    proper += [m for m in others if by_author and m not in proper and _TRIAL_NAME.fullmatch(m)]
    if others and (len(proper) < len(others) or not (ranking.query.named or best.coverage >= 0.5)):
        return Verdict(False, "the review never mentions " + ", ".join(f"'{m}'" for m in others))
    descriptors += proper
    # (unless the acronym names the study asked about: "the XYZ trial", "study XYZ"; "the reviewed studies" alone
    # names none)
    cited_only = [w for w in _cited_only(question, retriever) if not _study_named_by(w, question)]
    if cited_only and not ranking.query.named:
        return Verdict(False, f"the review's text does not discuss {cited_only[0]}: only the title of a study it cites "
                              "names it")
    reason = absent_modality(question, retriever) or complement_asked(question, retriever) \
        or value_check(question, ranking, retriever) or comparison_check(question, ranking, retriever) \
        or time_point_check(question, ranking, retriever) or stage_check(question, ranking, retriever) \
        or named_without_results(question, ranking, retriever) \
        or breakdown_check(question, ranking, retriever, lambda t: _known(t, retriever)) \
        or group_not_discussed(fold(question), retriever) or sequence_check(question, retriever)
    verdict = Verdict(False, reason) if reason else Verdict(True, "")
    if descriptors and verdict.covered:
        # A description the review does not state ("the Japanese study"): answer when the question's other words
        # identify what it asks about (a study name, or a passage covering some of the rest, when the rest says
        # more than "what did the … authors report"); else decline.
        if not ranking.query.named and (best.coverage < DESCRIBED_COVERAGE
                                        or not _says_more(question, descriptors, retriever)):
            return Verdict(False, "the review does not say which study or authors are " + " or ".join(descriptors))
        return Verdict(True, "", note="The review does not state which study is " + " or ".join(descriptors) +
                       "; this answer is identified by the question's other words.")
    return verdict
