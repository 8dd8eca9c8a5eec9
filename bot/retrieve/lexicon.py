"""What a question asks, in words the document uses: abbreviations, a small clinical thesaurus, answer types.

A question is turned into *concepts*: each of its words with the alternatives that mean the same thing ("NCCN" or
"National Comprehensive Cancer Network"; "concurrent" or "concomitant"). Coverage of a sentence is then the
IDF-weighted share of concepts it expresses, so an abbreviation's expansion counts once, not as extra words.
"""
from __future__ import annotations

import json
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.text import fold, tokens

# The domain glossary (abbreviations, synonym groups, demonyms) is data: bot/data/glossary.json.
_GLOSSARY_FILE = Path(__file__).resolve().parent.parent / "data" / "glossary.json"
_glossary = json.loads(_GLOSSARY_FILE.read_text(encoding="utf-8"))
GLOSSARY: dict[str, str] = _glossary["abbreviations"]
SYNONYMS: list[str] = _glossary["synonyms"]
DEMONYMS: dict[str, str] = _glossary["demonyms"]
SHORTHAND: dict[str, str] = _glossary["shorthand"]  # for the scope check only (bot/guard/vocabulary.py)
# Everyday words a patient or relative types for the clinical word a document uses ("come back" → "recurrence",
# "virus" → "HPV"): one way only, so a clinical question is never read in lay words; and on the lexical side only
# (a question's concepts), so the embedded question, which the guard reads too, stays as typed.
# The words a clinician or researcher types where a document writes another ("sites" → "centers", "came off
# treatment" → "stopping treatment") are read the same way.
WORDING: dict[str, str] = _glossary.get("wording", {})
LAY: dict[str, str] = {**_glossary.get("lay", {}), **WORDING}

# A terse note as the documents would write it (bot.pipeline, before anything reads the question): "table2", "fig1"
# as "table 2", "fig 1"; a number's unit in the glossary's shorthand spelt out ("24 mo" → "24 months", "5 yr").
_GLUED_NUMBER = re.compile(r"\b(tables?|figures?|figs?)(\d+)\b", re.I)
_UNITS = {short: long if long.endswith("s") else long + "s" for short, long in SHORTHAND.items()
          if long.rstrip("s") in ("day", "week", "month", "year")}
_NUMBER_UNIT = re.compile(r"\b(\d+(?:\.\d+)?)\s*(" + "|".join(map(re.escape, _UNITS)) + r")\b", re.I)


def tidied(question: str) -> str:
    question = _GLUED_NUMBER.sub(r"\1 \2", question)
    return _NUMBER_UNIT.sub(lambda m: f"{m.group(1)} {_UNITS[m.group(2).lower()]}", question)


PREFIX_MIN = 4  # a question word that starts a document word ('fail' / 'failure') counts half

# Questions about the article itself (who wrote it, where it was published) may use its front matter.
ARTICLE_WORDS = re.compile(r"\b(authors?|wrote|written|journal|published|publication|doi|date|"
                           r"licen[cs]e|copyright|keywords?|fund\w*|abstract|summary|title|conflicts?|editors?|"
                           r"correspond\w*|received|accepted|revised|affiliat\w*|hospital|cite|citation)\b"
                           # "what kind of review is this?": the article's own type, which its title or front matter
                           # gives ("… : A Narrative Review")
                           r"|\b(?:kind|type|sort|genre|form) of (?:review|article|paper|publication)\b")

# Metadata fields → words a question uses for them (a front-matter line containing the value gets these words).
METADATA_HINTS = {"authors": "author authors wrote written by", "journal": "journal published",
                  "doi": "doi identifier link", "license": "licence license reuse copyright open access",
                  "title": "title called kind type", "year": "year published"}

# A why-question about a limitation: the negation on its verb ("why couldn't", "why is it not"), or the question calls
# the matter unclear, unknown or unestablished.
_WHY_NOT = (r"\W+(?:\w+n't\b|cannot\b|\w+\s+(?:\w+\s+)?not\b)"
            r"|[^?.]*\b(?:unclear|uncertain|unknown|not (?:known|established|proven)|lacking|scarce|insufficient)\b")

_AN_ARM = r"(?!\s+(?:schedules?|schemes?|regimens?|arms?|groups?|forms?|versions?)\b)"

# What kind of answer a question wants, and how to recognise it in a sentence. The first entry (doses) is also a
# scope check: the review must give that kind of value for the question's subject.
ANSWER_TYPES = [
    # ("each dosing schedule", "the modified dosing arm" name the arms a value is asked for, not a dose)
    (re.compile(rf"\b(dose|doses|dosed|dosage|dosing{_AN_ARM}|mg|how much .* given)\b"), re.compile(r"\bmg\b|mg/m|\bgy\b")),
    (re.compile(r"\b(percent|percentage|proportion|share|fraction|rate|rates|how likely|likelihood|how common|"
                r"how often|survival|response|incidence|risk|chance)\b"), re.compile(r"\d\s?%")),
    (re.compile(r"\b(how long|median time|duration|follow-up|follow up|followed up)\b"),
     re.compile(r"\d+(\.\d+)?\s*(months?|years?|y\b)|Months\)")),
    (re.compile(r"\b(what year|when was|when were|since when)\b"), re.compile(r"\b(19|20)\d\d\b")),
    # The history of something is told with dates: "a quick history of …", "how did … evolve", "timeline"
    (re.compile(r"\b(history|historical|timeline|chronolog\w*|milestones|how (?:did|has|have) [^?.,;]{0,40}"
                r"(?:evolve|evolved|develop|developed)|evolution of)\b"), re.compile(r"\b(19|20)\d\d\b")),
    (re.compile(r"\b(how many|number of|sample size|how big|how large)\b"), re.compile(r"\b\d+\b|\b[Tt]wenty|\b[Tt]hirty")),
    # "Why …?" asks for a reason: a sentence that gives one ("morbid due to prior irradiation")
    (re.compile(rf"\bwhy\b(?!{_WHY_NOT})|\bfor what reason\b|\bwhat (?:makes|made|explains)\b"),
     re.compile(r"\b(due to|because|since|owing to|as a result|given that|caused by|result(?:s|ed)? from|"
                r"leads? to|leading to|therefore|thus|hence|so that|contribut\w+ to|factors?|rationale|reasons?|"
                r"explain\w*|responsible for|attribut\w+ to|account(?:s|ed)? for|driven by)\b", re.I)),
    # "How do checkpoint inhibitors work?" asks for a mechanism: a sentence that says what acts on what ("block
    # immune checkpoints", "permits them to avoid T cells")
    (re.compile(r"\bhow (?:does|do|did|would|could|might) [^?.,;]{1,60}?\b(?:work|act|function)s?\b|\bmechanism\b|"
                r"\bmode of action\b"),
     re.compile(r"\b(block\w*|bind\w*|activat\w*|permit\w*|allow\w*|enabl\w*|stimulat\w*|suppress\w*|"
                r"prevent\w*|trigger\w*|mechanism\w*|expressed)\b", re.I)),
    # "Why couldn't the study conclude …?", "why is the role of … unclear?" asks for a limitation: a sentence that
    # concedes one. ("Why do patients with no prior radiotherapy do better?" asks for a reason.) So does a question
    # about how good the evidence is ("how solid is the evidence for …", "the state of the evidence on …").
    (re.compile(rf"\bwhy(?={_WHY_NOT})|\b(?:how (?:solid|strong|robust|good|reliable|convincing|firm|conclusive|"
                r"mature)\s+|(?:state|quality|strength|level|certainty|body) of (?:the )?)(?:is |are |was )?(?:the )?"
                r"(?:evidence|data|literature)\b"),
     re.compile(r"\b(however|although|did not|does not|do not|was not|were not|could not|cannot|no significant|"
                r"lack\w*|limit\w*|insufficient|scarce|differ\w*|bias\w*|confound\w*|unclear|not (?:known|established))\b",
                re.I)),
]
# Scope check (bot.guard.scope): the kinds of value whose absence means the review does not answer. Stricter than
# ANSWER_TYPES: a count must count something ("437 patients"), not be any number.
VALUE_EVIDENCE = [
    # (not a dose in a compound: "the full-dose regimen", "high-dose cisplatin" name the regimen)
    ("dose", re.compile(rf"(?<![\w-])(dose|doses|dosed|dosage|dosing{_AN_ARM}|mg|how much .* given)(?![\w-])"), ANSWER_TYPES[0][1]),
    # (a terse note opens with the rate it asks for: "complication rate of groin dissection after prior rt?")
    ("percentage", re.compile(r"^(?!(?:how|what|which|why|when|where|who|whose|is|are|was|were|do|does|did|can|could|should|would|compare|"
                              r"list|give|tell|show|summari[sz]e|describe)\b)(?:[\w-]+\s+){1,3}rates?\b|"
                              r"\b(percent|percentages?|proportions?|what share|what fraction|(?:what|which)\b[^?.,;]{0,40}?\brates?|"
                              r"what (?:\w+ ){0,2}(?:risk|likelihood|chance)(?! factors?\b)(?!-)|"
                              r"how (high|low) (is|was|were) the (\w+ ){0,2}rates?)\b"),
     re.compile(r"\d\s?%")),
    # "What was the survival …", and a named survival measure other than overall survival ("disease-free survival
    # for early versus late salvage?"): a passage that gives only overall survival does not answer it.
    # "What was the one-year overall survival …", "what survival …" ask for a value; "which parts of the world has the
    # prevalence …" asks for places: what/which must lead to the measure through its modifiers.
    # ("What is known about survival with X?" asks for an overview, not for a value.)
    ("outcome", re.compile(r"\b(?:what|which)\s+"
                           r"(?!(?:is|was|are|were)\s+(?:known|said|written|reported)\s+(?:about|on|of)\b)"
                           r"(?:(?:is|was|were|are|the|a|an|overall|median|mean|reported|\d[\w-]*|"
                           r"[a-z]+-[a-z-]+)\s+){0,4}(?:[\w-]+\s+){0,2}?(?:survival|mortality|incidence|prevalence)\b"
                           r"|\bhow (?:high|low|good|bad|long)\b[^?.,;]{0,50}?\b(?:survival|mortality|incidence|"
                           r"prevalence)\b|\b[a-z]+-free\s+survival\b"
                           # "how did pembrolizumab perform in HPV-negative tumours?" asks for its outcomes in that
                           # group ("how does it perform in terms of toxicity?" may be answered in words)
                           r"|\bhow (?:did|does|do|has|have|would|will) [^?.,;]{1,60}?\b(?:perform|fare)\s+"
                           r"(?:in|among|for)\s+(?!terms\b)"),
     re.compile(r"\d\s?%|\d+(\.\d+)?\s*(months?|years?)\b|\bper 100|(?:Months\)|Rate): \d")),
    # "the median overall survival" (no time point: "the median 5-year survival rate" is a percentage) is a time
    ("duration", re.compile(r"\b(how long|how many (days|weeks|months|years)|in (weeks|months)|median time|duration|"
                            r"length of (?:\w+ )?stay|(?:hospital|inpatient) stay|days in hospital|"
                            r"median (?:(?![a-z]+-(?:year|month))[a-z-]+ ){0,2}(?:survival|os|pfs|dfs|follow-up|follow up)"
                            r"(?! rates?))\b"),
     # (… or a course's length as its adjective: "completed the 2-year treatment")
     re.compile(r"\d+(\.\d+)?\s*(days?|weeks?|months?|years?)\b|\(Months\): \d"
                r"|\d+-(?:day|week|month|year) (?:treatment|therapy|course|regimen|period|programme|program)\b")),
    # A count may be given as a share of the patients ("9.0% of the patients developed metastatic disease").
    ("count", re.compile(r"\b(how many|number of)\b(?! (days|weeks|months|years))"),
     # (a count is a whole number, and no time comes between it and what it counts: "12.1 months in the patients"
     # counts nobody)
     re.compile(r"(?<![\d.])\b(\d+|[Tt]wo|[Tt]hree|[Ff]our|[Ff]ive|[Ss]ix|[Ss]even|[Ee]ight|[Nn]ine|[Tt]en|[Tt]welve|"
                r"[Tt]wenty[- ]?\w*|[Tt]hirty[- ]?\w*)\s+(\(\d+%\)\s+)?"
                r"((?!(?:days|weeks|months|years)\b)\w+[ -]){0,3}(patients|participants|"
                r"cases|people|subjects|APRs|centers|centres|studies|series|trials)\b|Number of Patients\): \d|\bn ?= ?\d"
                r"|\d\s?%\s+(?:\(\d+/\d+\)\s+)?of\s+(?:the\s+)?(?:\w+\s+){0,2}(?:patients|participants|cases)\b"
                # any number of things: "approximately 50 cancer types", "18 of 20 recurrent anal tumours" (not a
                # time: "5 years", "12 months after surgeries")
                r"|\b(?!(?:19|20)\d\d\b)\d+\s+(?:(?!(?:days|weeks|months|years|hours|minutes)\b)[a-z-]+\s+){0,2}"
                r"(?!(?:days|weeks|months|years|hours|minutes)\b)[a-z]{3,}s\b")),
    # "What was the median age …", "how old were the patients": an age given as one ("aged 45–78", "a median age of
    # 62 years", "a 70-year-old"), not any number of years
    ("age", re.compile(r"\b(?:median|mean|average|typical|usual)\s+age\b|\bhow old\b|\bwhat age\b|"
                       r"\bage at (?:diagnosis|presentation|surgery|treatment|recurrence|onset)\b"),
     re.compile(r"\b(?:[Aa]ged?|[Aa]ge of|[Aa]ge:)\s*(?:\w+\s+){0,3}?\d|\d+\s*(?:years? old|-year-old)\b")),
    # "What grade of toxicity …": a grade given as one ("grade 3–4", "grade ≥3", "G2"), not "acceptable toxicity"
    ("grade", re.compile(r"\b(?:what|which|highest|worst|maximum)\s+(?:\w+\s+)?grades?\b|\bgrades?\s+of\b"),
     re.compile(r"\bgrades?\s*(?:[≥>≤<]=?\s*)?[1-5IV]|\bG[1-5]\b")),
    ("p-value", re.compile(r"\bp[- ]?values?\b|\bwhat p\b|\bsignificance level\b"),
     re.compile(r"\b[pP]\s?[=<>≤]\s?0?\.\d")),
    # What something costs: a sum of money, or the document's own words on costs ("cost-effective", "per QALY")
    ("cost", re.compile(r"\b(?:costs?|cost-effective(?:ness)?|expensive|price[sd]?|pricing|affordab\w*|"
                        r"reimburse\w*)\b"),
     re.compile(r"[$€£¥]\s?\d|\d\s?(?:USD|EUR|GBP|CHF|dollars?|euros?|pounds)\b|\bcosts?\b|\bcost-effective\w*|"
                r"\bQALYs?\b|\bexpens\w+|\bprice", re.I)),
    # "What hazard ratio …": a ratio with its number ("HR 0.62", "an odds ratio of 1.8"), not "an impaired hazard"
    # (the question is matched in lower case: "OR for" would be any "or for", so only the spelled-out names)
    ("ratio", re.compile(r"\b(hazard|odds|risk|rate)\s+ratios?\b"),
     re.compile(r"\b(HR|OR|RR|aHR|aOR)\b\s*[=:,]?\s*\(?\d|\b(hazard|odds|risk|rate) ratios?\b[^.;]{0,30}?\d\.\d")),
]

# A question may name a part of the article ("what does the discussion say", "the conclusions"): its sentences
# come first. Each pattern's group is matched against section titles.
STRUCTURE = re.compile(r"\b(introduc|discuss|conclu|abstract|summar|keyword|method|result)\w*")

# The background of a topic, asked for as such ("background on …", "a quick history of …", "a primer on …"): what
# the section treating it sets out first, before its studies. (Not "As background, what first-line treatment …",
# which asks one thing.)
BACKGROUND = re.compile(r"\b(?:background|basics|primer|refresher|history)\s+(?:on|of|about|to|regarding)\b")

# … and asks about that part as such: "summarise the discussion (section)", "what do the conclusions say", not
# "the results of KEYNOTE-158".
PARTS = re.compile(r"\b(?:the|this) (?:(?:review|paper|article)['\u2019]s |authors['\u2019] )?(?:simple |short |main |whole |own )?(introduc|discuss|conclu|abstract|summar|method|result)\w*"
                   r"(?! of\b)(?:\s+sections?)?\b"
                   r"|\b(introduc|discuss|conclu|method|result)\w* sections?\b"
                   # "what did the review / the authors conclude?": the document's own conclusions (not "conclude
                   # about <a topic>", which any section may sum up)
                   # ("the Swiss authors" reaches here as "the review": bot/retrieve/descriptors.py; "the Kim paper"
                   # or "the Japanese authors" are not the document)
                   r"|\b(?:the|this|these|its) (?:(?:review|paper|article)(?:['\u2019]s authors?)?|authors?(?: of (?:the|this) "
                   r"(?:review|paper|article))?)(?: \w+)? (conclu)(?:de|des|ded)(?: overall| in the end| finally)?\W*$"
                   # "the future directions the authors identify": what a review's conclusions set out (not "future
                   # directions for radiotherapy", a topic's, which the discussion may treat)
                   r"|\b(future directions?|future perspectives?)\b(?=[^?]*\b(?:authors?|review|paper|article)\b)"
                   r"|\b(?:authors?|review|paper|article)\b[^?]*\b(future directions?|future perspectives?)\b")

# … or asks for the whole document in brief ("Summarize the review.", "give me the gist of this paper", "what is this
# article about?"): the document's own summary, its abstract, answers.
# Between the cue and "this review" only words that say how much is wanted ("a short summary of the main findings of
# this review"): "an overview of immunotherapy as presented in this review" asks about immunotherapy, not the whole.
_HOW_MUCH = (r"(?:\s+(?:me|us|a|an|the|short|brief|quick|general|high-level|overall|main|key|central|points?|"
             r"findings|messages?|take-?aways?|conclusions?|of|for|from|in|on|about))*")
WHOLE_DOCUMENT = re.compile(r"\b(summar\w*|overview|gist|synopsis|tl;?dr|outline|recap|bottom line|take-?aways?|"
                            r"(?:take-?home|key|main) (?:messages?|points?|lessons?))\b" + _HOW_MUCH +
                            # "this narrative review", "the systematic review": one word may say what kind it is
                            r"\s+(this|the|your)\s+(?:[a-z]+\s+)?(review|article|paper|document|manuscript)\s*[?.!]*$"
                            r"|\bwhat(?:'s| is| was) (?:this|the) (?:review|article|paper|document) about\b")

# A question about a study as such, by its kind of publication: "the KEYNOTE-158 study", "the review by Ko".
STUDY_NOUNS = re.compile(r"\b(stud(?:y|ies)|trials?|cohorts?|series|meta-analys[ie]s|systematic reviews?|review by|"
                         r"et al|papers?|publications?)\b")
# … one study it points at ("the DCF study", "that phase 2 trial"), however it describes it
ONE_STUDY = re.compile(r"\b(?:the|this|that)\s+(?:[^\s.?!;]+\s+){0,6}?(?:study|trial|series|cohort|meta-analysis)\b"
                       r"(?!\s+(?:by|of|from)\s+[a-z]+\s+et\s+al)")

# "What did X find / report / show?" prefers sentences with results (numbers), without requiring them.
FINDINGS = re.compile(r"\b(find|found|findings|show|showed|shown|report|reported|results?|outcomes?|effect)\b")
NUMBERS = re.compile(r"\d(\.\d+)?\s?(%|months?)")


@dataclass
class Concept:
    word: str
    weight: float
    alternatives: list[tuple[str, ...]]


@dataclass
class Query:
    concepts: list[Concept]
    lexical: list[str]                      # BM25 tokens: question, expansions, synonyms, conversation
    wants: list[re.Pattern] = field(default_factory=list)
    findings: bool = False
    parts: tuple[str, ...] = ()             # parts of the article it asks about as such: "summarise the discussion"
    whole_document: bool = False            # it asks for the whole document in brief: "Summarize the review."
    study_asked: bool = False               # it asks about a study as such ("the … trial", "the study by Kim")
    one_study: bool = False                 # … about one study ("the DCF study", "this trial"), named or described
    about_article: bool = False
    tables: bool = False                    # the question asks about a table
    figures: bool = False                   # … or a figure, or a caption ("What does Figure 1 show?")
    figure_numbers: tuple[str, ...] = ()    # the figures it names by number: "Figure 1" → ("1",)
    table_numbers: tuple[str, ...] = ()     # the tables it names by number: "Table 2" → ("2",)
    sections: tuple[str, ...] = ()          # structural sections it names: "conclusion", "discussion", …
    named: list[tuple[str, ...]] = field(default_factory=list)  # study names the question uses, as tokens
    background: bool = False                # it asks for the background of a topic: "background on …", "a primer"
    # what each index needs for this question (bot/retrieve/coverage.py), worked out once per question
    plans: dict = field(default_factory=dict, init=False, repr=False, compare=False)


CONTEXT_WEIGHT = 0.3  # a word of the earlier turns a follow-up is read with (eval/tune_subject.py --constant …)
# A misspelling (Lexicon.spelled): words of at least this many letters, alike in this share of their letters
_MIN_SPELLED = 6
_SPELLING_RATIO = 0.85
SUBJECT_WEIGHT = 0.2  # a question word that names the corpus's own subject counts this much (eval/tune_subject.py)


class Lexicon:
    """Built once per index: the glossary (built-in + the corpus's own definitions), synonym groups, IDF."""

    def __init__(self, glossary: dict[str, str], idf: dict[str, float], max_idf: float,
                 subject: set[str] | frozenset[str] = frozenset(), same_words: list[set[str]] = ()):
        self.subject = frozenset(subject)  # the words of every document's title: what the whole corpus is about
        # … and the abbreviations that spell it ("ASCC")
        self.subject_abbreviations = frozenset(
            t for a, long in glossary.items() if tokens(long) and all(t in self.subject for t in tokens(long))
            for t in tokens(a))
        self.glossary = glossary
        self.idf = idf
        self.max_idf = max_idf
        self.synonyms: dict[str, set[str]] = {}
        for line in SYNONYMS:
            group = {t for w in line.split() for t in tokens(w)}
            for t in group:
                self.synonyms.setdefault(t, set()).update(group - {t})
        for group in same_words:  # words a document uses for one another (taken as they are, not split)
            for t in group:
                self.synonyms.setdefault(t, set()).update(group - {t})
        # (word-bounded pattern, abbreviation, long form, long form in lower case); the pattern is tried only when
        # the abbreviation is in the text at all (a substring test is much cheaper than a regex search)
        self._abbr_res = [(re.compile(rf"(?<![\w-]){re.escape(a)}(?![\w-])"), a, long, long.lower())
                          for a, long in glossary.items()]
        self._abbr_tokens = {a: (tokens(a), tuple(tokens(long))) for a, long in glossary.items()}
        # word → the abbreviations whose long form holds it ("rectus" → VRAM, TRAM), for the scope check
        self._holding: dict[str, set[str]] = {}
        for a, (_, long_toks) in self._abbr_tokens.items():
            for t in long_toks:
                self._holding.setdefault(t, set()).add(a)
        # a hyphenated abbreviation typed without its hyphen, alone or inside a compound ("docetaxel-cisplatin-5FU")
        self._flat_abbr = {a.replace("-", ""): a for a in glossary if "-" in a and a.replace("-", "") not in glossary}
        self._synonym_alts = {t: [(s,) for s in sorted(group)] for t, group in self.synonyms.items()}
        # (word-bounded pattern, lay phrase, its tokens, the clinical word's tokens, the clinical word)
        self._lay_res = [(re.compile(rf"(?<![\w-]){re.escape(lay)}(?![\w-])"), lay, tuple(tokens(lay)),
                          tuple(tokens(clinical)), clinical) for lay, clinical in LAY.items() if tokens(clinical)]
        self.demonyms = {d: place for d, place in DEMONYMS.items()}
        # Every word of the corpus, and each with one letter dropped: a word of a question that the corpus lacks
        # meets its near spellings here ("systemtic", "recurence", "pembrolizumb") without a scan of the vocabulary.
        self._one_off: dict[str, set[str]] = {}
        for w in idf:
            if len(w) >= _MIN_SPELLED and w.isalpha():
                for v in {w} | {w[:i] + w[i + 1:] for i in range(len(w))}:
                    self._one_off.setdefault(v, set()).add(w)
        self._demonym_re = re.compile(r"\b(" + "|".join(map(re.escape, sorted(DEMONYMS, key=len, reverse=True))) + r")\b")

    def spelled(self, word: str) -> str | None:
        """The corpus word a word the corpus lacks misspells: at most one letter added, dropped, changed or two
        swapped on each side ("systemtic" → "systematic", "reccurence" → "recurrence"), and alike in at least
        `_SPELLING_RATIO` of their letters; the more frequent of equals. None for a word the corpus has, a short word
        ("ko" is no misspelling of "kim") or none near."""
        if word in self.idf or len(word) < _MIN_SPELLED or not word.isalpha():
            return None
        near = set().union(*(self._one_off.get(v, ()) for v in {word} | {word[:i] + word[i + 1:]
                                                                      for i in range(len(word))}))
        scored = [(difflib.SequenceMatcher(None, word, w).ratio(), -self.idf[w], w) for w in near]
        scored = [t for t in scored if t[0] >= _SPELLING_RATIO]
        return max(scored)[2] if scored else None

    def abbreviations_holding(self, word: str) -> set[str]:
        """The glossary's abbreviations whose long form holds the word (a token)."""
        return self._holding.get(word, set())

    def long_form_tokens(self, abbreviation: str) -> tuple[str, ...]:
        """The tokens of an abbreviation's long form (read once, at load)."""
        return self._abbr_tokens[abbreviation][1]

    def places(self, text: str) -> list[tuple[str, str]]:
        """(demonym, place) pairs the text uses: 'Swiss' → 'switzerland'."""
        return [(m.group(1), self.demonyms[m.group(1)]) for m in self._demonym_re.finditer(fold(text))]

    def lay_words(self, low: str) -> list[tuple[tuple[str, ...], tuple[str, ...], str]]:
        """(lay tokens, clinical tokens, clinical word) for each everyday phrase of a folded text."""
        return [(lay_toks, clin_toks, clinical) for rx, lay, lay_toks, clin_toks, clinical in self._lay_res
                if lay in low and rx.search(low)]

    def expansions(self, text: str) -> list[str]:
        """Long forms of the abbreviations `text` uses, and abbreviations of the long forms it spells out."""
        low = fold(text)
        out = [place for _, place in self.places(text)]
        for rx, abbr, long, long_low in self._abbr_res:
            if abbr in low and rx.search(low):
                out.append(long)
            elif len(long) > 6 and long_low in low:
                out.append(abbr)
        return out

    def expand(self, text: str) -> str:
        extra = self.expansions(text)
        return text + (" (" + "; ".join(extra) + ")" if extra else "")

    def query(self, question: str, extra_text: str = "", named: list[str] | None = None) -> Query:
        """`extra_text` is the conversation a follow-up relies on: its words join the lexical side, and what it
        asked for ("What did the Damron study find…?") carries over to an elliptical "What about X?"."""
        folded = fold(question)
        # (what it asks for is read with its abbreviations spelt out: "ORR?" asks for a rate, "OS?" for a survival)
        asked = fold(" ".join([question, extra_text, *self.expansions(question)]))
        concepts: list[Concept] = []
        abbr_alts: dict[str, list[tuple[str, ...]]] = {}
        for rx, abbr, long, _ in self._abbr_res:
            if abbr in folded and rx.search(folded):
                abbr_toks, long_toks = self._abbr_tokens[abbr]
                for t in abbr_toks:
                    abbr_alts.setdefault(t, []).append(long_toks)
                    # a rate is given as a share of the patients: "an objective response … in 11% of the patients"
                    # says the objective response rate without the word "rate"
                    if len(long_toks) >= 3 and long_toks[-1] == "rate":
                        abbr_alts[t].append(long_toks[:-1])
        for demonym, place in self.places(question):
            for t in tokens(demonym):
                abbr_alts.setdefault(t, []).append(tuple(tokens(place)))
        for lay_toks, clin_toks, _ in self.lay_words(folded):  # "come back": each of its words stands for "recurrence"
            for t in lay_toks:
                if clin_toks not in abbr_alts.get(t, []):
                    abbr_alts.setdefault(t, []).append(clin_toks)
        words = tokens(question)
        for t in words:
            if t in self._flat_abbr and t not in abbr_alts:
                abbr_alts[t] = [self._abbr_tokens[self._flat_abbr[t]][1]]
        for t in dict.fromkeys(words):
            alts = [(t,)] + self._synonym_alts.get(t, []) + abbr_alts.get(t, [])
            if len(alts) == 1 and (fixed := self.spelled(t)):  # a typo: the word it misspells
                alts += [(fixed,)] + self._synonym_alts.get(fixed, [])
            known = [self.idf[a[0]] for a in alts if len(a) == 1 and a[0] in self.idf]
            weight = self.idf.get(t) or (max(known) if known else self.max_idf)
            concepts.append(Concept(t, weight, alts))
        for c in concepts:  # "… in anal squamous cell carcinoma", "ASCC": every passage is about that
            if c.word in self.subject or c.word in self.subject_abbreviations or any(len(alt) > 1 and all(t in self.subject for t in alt)
                                             for alt in c.alternatives):
                c.weight *= SUBJECT_WEIGHT
        # A follow-up read with the conversation ("How did that split by PD-L1 status?" after a question about a
        # response rate): what the earlier turn asked about still counts, at a fraction of its weight.
        own = {c.word for c in concepts}
        for t in dict.fromkeys(tokens(extra_text)):
            if t not in own and t in self.idf and t not in self.subject:
                concepts.append(Concept(t, self.idf[t] * CONTEXT_WEIGHT, [(t,)] + self._synonym_alts.get(t, [])))
        if re.search(r"\bhow many\b", folded) and concepts:  # "how many patients" ↔ "number of patients", "sample size"
            weight = sorted(c.weight for c in concepts)[len(concepts) // 2]
            concepts.append(Concept("number", weight, [("number",), ("total",), ("size",)]))
        lexical = [t for c in concepts for alt in c.alternatives for t in alt]
        lexical += tokens(extra_text)
        return Query(
            concepts=concepts, lexical=list(dict.fromkeys(lexical)),
            wants=[pat for ask, pat in ANSWER_TYPES if ask.search(asked)],
            findings=bool(FINDINGS.search(asked)), study_asked=bool(STUDY_NOUNS.search(folded)),
            one_study=bool(ONE_STUDY.search(folded)), about_article=bool(ARTICLE_WORDS.search(folded)),
            tables=bool(re.search(r"\b(tables?|tabulated|tabular)\b", folded)),
            figures=bool(re.search(r"\b(figures?|fig|captions?|legends?)\b", folded)),
            figure_numbers=tuple(re.findall(r"\b(?:figures?|fig\.?)\s*(\d+)\b(?!\s*%|[.,]\d)", folded)),
            # (not a value after the word: "kitaguchi table 71% os")
            table_numbers=tuple(re.findall(r"\btables?\s+(\d+|[ivx]+)\b(?!\s*%|[.,]\d)", folded)),
            sections=tuple(m.group(1) for m in STRUCTURE.finditer(folded)),
            parts=tuple(m.group(1) or m.group(2) or m.group(3) or "conclu" for m in PARTS.finditer(folded))
            + (("abstract",) if WHOLE_DOCUMENT.search(folded) else ()),
            whole_document=bool(WHOLE_DOCUMENT.search(folded)),
            named=[tuple(tokens(n)) for n in (named or [])], background=bool(BACKGROUND.search(folded)))

    def coverage(self, query: Query, have: set[str], prefixes: set[str]) -> float:
        """IDF-weighted share of the question's concepts that a token set expresses."""
        total = sum(c.weight for c in query.concepts)
        if not total:
            return 0.0
        got = 0.0
        for c in query.concepts:
            if any(all(t in have for t in alt) for alt in c.alternatives):
                got += c.weight
            elif len(c.word) >= PREFIX_MIN and (c.word in prefixes or stem_prefix(c.word) in prefixes or any(
                    c.word[:k] in have for k in range(PREFIX_MIN, len(c.word)))):
                got += 0.5 * c.weight
        return got / total


def stem_prefix(word: str) -> str:
    """A long word without its last two letters, so 'conclude' meets 'conclusion' and 'dehiscent' 'dehiscence'
    (a word shorter than 7 letters keeps itself: short stems collide)."""
    return word[:-2] if len(word) >= 7 else word


def prefixes_of(toks: set[str]) -> set[str]:
    """Every prefix of at least PREFIX_MIN letters of the words in a sentence (for partial matches)."""
    return {t[:k] for t in toks for k in range(PREFIX_MIN, len(t) + 1)}
