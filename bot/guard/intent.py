"""First stage of the answer guard: classify the *intent* of a user question.

The bot reports what Racine et al. (Cancers 2025) say about anal SCC after
failed chemoradiotherapy; it must never turn that into a treatment decision for
a particular person. This module decides, offline and in microseconds (regexes
only, no model), whether a question asks for such a decision.

Kinds
-----
* ``recommendation`` -- asks what to do for a particular person ("should my
  father have the APR?", "is it safe for me to skip the MRI?", a described
  74-year-old + "what now?").
* ``question`` -- asks what the review / a study / a guideline says, or any
  other topic question, including general "should patients ..." look-alikes.
* ``off_topic`` -- small talk or an unrelated request with no medical term.

Cue families
------------
All matched on normalised text (NFKC, lowercase, curly quotes and dashes folded,
whitespace collapsed).

* personal reference: first person ("i", "me", "my"), third person ("he",
  "her"), a relation ("my patient", "our pt", "his wife", "a friend of mine",
  "my case"), or a described individual ("a 62-year-old", "74F", "68 yo",
  "a woman", "i'm 66"). A *case* is a relation / described individual or a
  pronoun tied to a condition ("i have a recurrence", "my scan", "she had").
* directive ask: a decision cue bound to that person -- modal + person
  ("should i", "can my wife", "would he benefit", "do i need", "my sister
  should"), decision word + "for <person>" ("best for me", "an option for
  him", "safe for my mum"), possessive ("my options", "his chances"),
  imperative ("tell me what to do", "advise me"); or an *implicit* ask whose
  target is the asker's own case: the assistant's opinion ("would you
  recommend", "what would you do"), a team ask ("should we", "what should we
  do"), or a bare follow-up ("which one is best?", "what now?").
* attribution: "according to", "per the review", "does the NCCN recommend",
  "what did Kitaguchi report", "is there evidence"... marks a factual
  look-alike question.
* population: "patients", "every", "routinely", "a patient"... marks a general
  question when no particular person is named.

Precedence (first match wins)
-----------------------------
1. Empty / whitespace / punctuation-only text -> ``off_topic`` (documented
   choice: there is nothing to answer; the bot replies with its scope message).
2. No medical/review term in this turn, and an unrelated-content cue (joke,
   poem, weather, capital of, code, trivia...) or pure small talk ("hi",
   "thanks") -> ``off_topic``. Exception: a personal ask after medical history
   ("can I go on holiday first?") falls through to rule 3.
3. A directive ask bound to a person named in this turn -> ``recommendation``.
   Attribution does NOT override it ("according to ESMO, should I ...").
4. A case described in this turn + a decision word (should, recommend, best,
   options, safe, need, too risky, "X or Y?") or an assistant-opinion ask ->
   ``recommendation``. Attribution does not override strong decision words
   ("my mother relapsed; what does the NCCN recommend?"); weak ones
   ("which treatment", "possible", "necessary") count only without a source.
5. No attribution and no population cue in this turn, and an implicit ask
   (assistant opinion, "we" ask, decision word, "they/the patient" actor,
   "and for him?", "... then?"):
   -> ``recommendation`` if one of the last ``HISTORY_WINDOW`` (3) history turns
      described a case; otherwise only assistant-opinion and "we" asks count
      ("what would you do?", "should we operate?") -- fail-safe, since their
      only possible target is the asker's own case.
6. Otherwise -> ``question`` (the reason says whether a source or a general
   population was named). Anything with a medical term is never ``off_topic``;
   a later stage judges whether the review covers it.

Embedded instructions ("ignore previous instructions", "SYSTEM: ...") carry no
authority here: the text is classified like any other.

Known limits (regexes, not understanding): any "should I ..." is treated as
personal even when it is not clinical ("should I bring a jacket to the
hospital?"), and "he/she" about a trial participant counts as a person; negation
and hypotheticals are not parsed ("not asking for my father, just the review");
English only; cost grows linearly with length (~50 us for a chat question,
~1 ms per 1,500 characters of pasted text).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal, Sequence

IntentKind = Literal["recommendation", "question", "off_topic"]

#: How many trailing history turns may supply the "particular person" context.
HISTORY_WINDOW = 3


@dataclass(frozen=True)
class Intent:
    """Result of :func:`classify_intent`; frozen so callers can cache/log it."""

    kind: IntentKind
    reason: str
    cues: tuple[str, ...] = ()
    generic_we: bool = False  # a question in the profession's habitual "we" (`_GENERIC_WE`): its "we" is nobody


# --------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------
_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u00b4": "'", "`": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
    "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-", "\u2026": "...", "\u00a0": " ",
})


def normalise(text: str) -> str:
    """Fold typography and case so one regex covers copy-pasted and typed text."""
    text = unicodedata.normalize("NFKC", text or "").translate(_FOLD).lower()
    return re.sub(r"\s+", " ", text).strip()


# --------------------------------------------------------------------------
# Vocabulary (shared fragments)
# --------------------------------------------------------------------------
_SHOULD = r"(?:should|shoud|shuold|shud|shld|shd)"
_PERSON = (
    r"(?:patients?|pts?|father|dad|daddy|papa|mother|mom|mum|mommy|mummy|husband|"
    r"wife|partner|spouse|boyfriend|girlfriend|fianc[eé]e?|brother|sister|sibling|"
    r"son|daughter|uncle|aunt|auntie|grand(?:father|mother|pa|ma|dad|mum|mom)|gran|"
    r"nan|nana|friend|cousin|nephew|niece|neighbou?r|colleague|client|parents?|"
    r"child|kid|relative|family member|loved one|mother-in-law|father-in-law)"
)
_ADJ = (r"(?:old|elderly|older|young|younger|frail|elder|current|own|dear|best|sick|"
        r"new|step|\d{1,3}(?:[\s-]*(?:years?|yrs?|y)[\s-]*old)?|[a-z]+-[a-z-]+)")
_MOD = rf"(?:{_ADJ}\s+){{0,2}}"
# (each possessive a word of its own: "whether patients", "other patients", "four patients", "your patient" and
# "colostomy patients" hold no "her", "our" or "my")
_REL = (rf"(?:(?<![\w'-])(?:my|our|his|her|this|that)\s+{_MOD}{_PERSON}"
        r"|(?<![\w'-])(?:mum|mom|mommy|mummy|mam|mama|dad|daddy|papa|grandma|grandpa|nana)"
        r"(?:'s)?(?![\w-])"
        rf"|(?<![\w'-])(?:my|our|his|her)\s+{_MOD}(?:case|situation|position|shoes)"
        rf"|(?:a|one)\s+(?:of\s+)?{_PERSON}\s+of\s+(?:mine|ours)"
        rf"|(?:an?\s+)?(?:{_PERSON}|case|someone|person|people)\s+like\s+(?:mine|ours|me|him|her|us|"
        rf"(?:my|our)\s+{_PERSON}))")
_AGE = (r"\d{1,3}[\s-]*(?:years?|yrs?)[\s-]*old"
        r"|\d{2,3}\s?(?:yo|y/o|y\.o\.?)"
        r"|(?<!patients )(?<!people )(?<!those )(?<!women )(?<!men )(?:aged?|age of)\s+\d{2,3}"
        r"|(?:i'm|im|i am|he's|she's|he is|she is|(?:patient|pt) is|turned|turns)\s+\d{2,3}"
        r"(?!\s*(?:%|months?|weeks?|days?|gy|mg|cm|mm))"
        r"|in (?:his|her|my|their) (?:early |mid |late )?(?:\d0'?s|[a-z]+ties)"
        r"|at (?:the )?(?:age (?:of )?)?\d{2,3}(?![\d.,%])"
        r"(?!\s*-?\s*(?:%|percent|months?|mo|weeks?|wks?|days?|years?|yrs?|gy|mg|cm|mm|patients|"
        r"centers|centres|sites))")
_VIGNETTE = (rf"\b(?:{_AGE})\b"
             rf"|\b(?<!my )(?<!our )(?<!his )(?<!her )(?<!the ){_PERSON}\s*[,(:]?\s*(?:is\s+)?"
             r"\d{2,3}\b"
             r"(?!\s*-?\s*(?:%|percent|months?|weeks?|wks?|days?|years?|yrs?|gy|mg|cm|mm|patients|"
             r"of|out|and|or|to)\b)"
             r"|(?:^|[\s(:,])\d{2}\s?(?:m|f)(?=[\s,;.)/]|$)"
             r"|\b(?:a|an|this|that)\s+(?:elderly\s+|older\s+|young\s+|frail\s+)?"
             r"(?:man|woman|lady|gentleman|gent|guy|male|female)\b")
_CONDITION = (r"(?:cancer|carcinoma|ascc|scc|tumou?rs?|recurren\w*|relaps\w*|persist\w*|"
              r"residual|metasta\w*|mets|disease|lesions?|nodes?|mass|stage|diagnos\w*|"
              r"hiv|hpv|pd-?l1|lump|growth|ulcer|radiation|radiotherapy|chemo\w*|crt|rct|"
              r"surgery|apr|operation|stoma|colostomy)")
_MY_THING = (rf"(?:{_CONDITION}|biopsy|scans?|mri|pet|results?|radio\w*|treatment|oncologist|"
             r"surgeon|doctor|docs?|gp|consultant|care team|mdt|bloods?|wound)")
_NOT_CASE_WORD = (r"(?!question|query|read|seen|saw|heard|understand|wonder\w*|want\w*|would|"
                  r"think|know|noticed|found|looked|treat|see|manage|work|teach|study|"
                  r"research|write|am\b|m\b|a\s+(?:doctor|nurse|student|surgeon|resident|"
                  r"oncologist|researcher|gp|physician|clinician))")
_ME_CASE = (rf"\bmy\s+{_MOD}{_MY_THING}\b"
            rf"|\b(?:i|i've|ive|i'm|im|i am|i was|i had|i have)\s+"
            rf"(?:{_NOT_CASE_WORD}\S+\s+){{0,3}}"
            rf"{_CONDITION}\b")
_THIRD_CASE = (rf"\b(?:he|she)(?:'s| is| has| had| was| got|'d)?\s+(?:\S+\s+){{0,3}}?"
               rf"{_CONDITION}\b"
               rf"|\b(?:his|her)\s+{_MOD}{_MY_THING}\b")
_CASE = re.compile(rf"{_REL}|{_VIGNETTE}|{_ME_CASE}|{_THIRD_CASE}")

_ACTOR = rf"(?:i|he|she|{_REL})"
_TARGET = (rf"(?:me|him|her|us|myself|someone like me|people like (?:me|him|her|us)|"
           rf"{_REL}|(?:an?\s+)?(?:{_AGE})|a \d{{2}}\s?(?:m|f)\b)")
_NONDECISION = (r"(?:not\s+|also\s+|just\s+)?(?:ask|see|read|find|know|check|understand|interpret|contact|"
                r"e-?mail|write to|reach out to|"
                r"cite|quote|download|access|clarify|confirm|say|mention|note|add|report|"
                r"show|conclude|mean|write|wrote|summari[sz]e|learn|look|explain|share|"
                r"present|prepare|give a (?:talk|presentation|lecture)|teach|study|revise|review|"
                r"use this|trust|get (?:a|the) (?:summary|copy|link|reference|list|pdf)|"
                r"be (?:right|correct|wrong)|right|correct|wrong)\b")
_WEAK_AUX_VERB = (r"(?:really\s+|still\s+|even\s+)?(?:need|needs|have to|has to|qualify|benefit|"
                  r"require|get|have|go|take|a (?:good |suitable )?candidate|an? (?:good )?option|"
                  r"eligible|suitable|fit|too|able|ok|okay|allowed|at risk|likely|going to|"
                  r"cured|curable|operable|resectable|safe|better off)\b")

# Decision words that can be bound to a target with "... for/with/in <person>".
_TARGETABLE = (r"(?:best|better|right|appropriate|suitable|indicated|recomm?ended|recomm?end|"
               r"reccomm?end\w*|options?|alternatives?|choices?|safe|safer|ok|okay|worth\w*|"
               r"too late|too risky|too old|reasonable|wise|candidate|eligible|benefit|"
               r"work|help|done|do|plan|prescribe|prescription|regimen|treatment|on the table|"
               r"possible|safest|ideal|preferable|preferred|most appropriate|point|feasible|"
               r"realistic|risky|advise|suggest|next step|way to go|choose|pick|good idea)")
_DECISION = (rf"\b(?:{_SHOULD}|ought|must|recomm?end\w*|reccomm?end\w*|recomend\w*|advis\w*|"
             r"suggest\w*|best|better|right (?:call|choice|decision|move|option|thing|treatment|"
             r"approach|plan)|good idea|worth\w*|go ahead|proceed|next steps?|what now|now what|"
             r"what next|what to do|options?|alternatives?|choices?|choose|pick|decid\w*|"
             r"prescri\w*|safe|safer|ok to|okay to|fine to|need|needs|candidate|eligible|"
             r"benefit|wait|skip|avoid|stop|refuse|decline|delay|postpone|go for|opt for|"
             r"way to go|which one|offer|give|start|try|operate|refer|book|plan|"
             r"resectable|operable|curable|reasonable|on the table|too (?:late|risky|old|frail|"
             r"dangerous|sick|weak|much)|risky|dangerous|safest|ideal|preferable|any point|"
             r"(?:good|bad|better) idea|a mistake|next (?:move|thing|line))\b"
             r"|\b(?:vs\.?|versus)\b[^.!]{0,60}\?\s*$"
             r"|\bwould\b[^.?!]{0,30}\b(?:help|work)\b|\bor\b[^.?!]{0,60}\?\s*$")

# Weaker decision wording; it counts only when no source is named ("which treatment?"
# after a described case is an ask, "which treatment did KEYNOTE-158 test?" is not).
_WEAK_DECISION_RE = re.compile(
    r"\b(?:necessary|unavoidable|(?:only|last|other|remaining) options?|next line|"
    r"(?:second|third|further)[- ]line|which (?:treatment|therapy|drug|regimen|chemo\w*|approach|"
    r"route|path)|possible|feasible|realistic|appropriate|suitable|indicated|"
    r"what (?:treatment|therapy|drug|regimen|chemo\w*)(?! (?:did|was|were|is|are)\b)|"
    r"what (?:happens|will happen) (?:now|next))\b")

_PERSONAL_ASK = re.compile("|".join([
    # modal + person: "should i", "can my wife", "would he"
    rf"\b(?:{_SHOULD}|shall|must|ought|could|can|may|might|would|wud|will|need|needs)"
    rf"\s+(?P<w1>{_ACTOR})\b(?!\s+{_NONDECISION})",
    # weak auxiliary + person + decision verb: "do i need", "is my patient a candidate"
    rf"\b(?:do|does|did|am|is)\s+(?P<w2>{_ACTOR})\s+{_WEAK_AUX_VERB}",
    # wh-question + "do i / does she" + verb: "which regimen do i start"
    rf"\b(?:what|which|how|when|where)\b[^.?!]{{0,40}}?\b(?:do (?P<w11>i)|does (?P<w12>he|she|{_REL}))"
    rf"\s+(?!{_NONDECISION})[a-z]+",
    # "anything else i can try", "what my dad could do"
    rf"\b(?:anything|something|what|which|options?)\b[^.?!]{{0,30}}?"
    rf"\b(?P<w16>i|we|he|she|{_REL})\s+"
    rf"(?:can|could|might|may)\s+(?!{_NONDECISION})[a-z]+",
    # person + modal: "my sister should", "i need to"
    rf"\b(?P<w3>{_ACTOR})\s+(?:really\s+|still\s+|now\s+)?(?:{_SHOULD}|must|ought to|needs? to|"
    rf"has to|have to|had better)\b(?!\s+{_NONDECISION})",
    # decision word ... for <person>: "best for me", "an option for my dad"
    rf"\b{_TARGETABLE}\b[^.?!;]{{0,40}}?\b(?:for|with|in)\s+(?P<w4>{_TARGET})(?![\w-])"
    rf"(?!\s+to\s+{_NONDECISION}|\s+to\s+(?:download|open|print|access|get a copy))",
    # possessive decision nouns: "my options", "his chances"
    rf"\b(?P<w5>my|his|her|our|(?:my|our|his|her)\s+{_MOD}{_PERSON}'s)\s+{_MOD}(?:options|choices|"
    r"chances|odds|prognosis|(?:only|best|last|other|remaining|real) (?:options?|bet|choices?|hope)|"
    r"next steps?|treatment plan|life expectancy)\b",
    # personal prognosis / fate: "what happens to me now"
    rf"\bwhat (?:happens|will happen|would happen|is going to happen) (?:to|for|with) "
    rf"(?P<w13>{_TARGET})\b",
    # imperatives addressed on someone's behalf
    r"\btell (?P<w6>me|us|him|her) (?:what|which|whether|if|how)\b[^.?!]{0,40}?"
    r"\b(?:to|should|i|we|he|she)\b",
    r"\b(?:decide|choose|pick|select) for (?P<w7>me|us|him|her)\b",
    # "would help me most", "suits him best"
    rf"\b(?:would|will|most|best|more)\b[^.?!]{{0,25}}?\b(?:help|suit|benefit)s?\s+"
    rf"(?P<w14>me|him|her|us|{_REL})\b",
    rf"\b(?:help|suit|benefit)s?\s+(?P<w15>me|him|her|us|{_REL})\s+(?:most|more|best)\b",
    r"\b(?:recomm?end|reccomm?end|prescribe|suggest|advise)\s+(?P<w8>me|us|him|her)\b",
    r"\bgive (?P<w9>me|us|him|her) (?:a |an |the |your |some )?(?:recommendation|treatment|"
    r"plan|regimen|prescription|dose|advice|drug|therapy|chemo\w*|option)",
    r"\bif (?:you|u) were (?P<w10>me|him|her|in my)\b",
    # a decision weighed for a person: "to decide whether I wait until 6 months or have surgery now", "not sure if
    # my dad should start"
    rf"\b(?:decide|deciding|choose|choosing|unsure|not sure|wondering|torn|know)\s+(?:whether|if)\s+"
    rf"(?P<w17>i|we|he|she|{_REL})\s+(?:should\s+|can\s+|could\s+|would\s+|ought to\s+)?(?:wait|have|go|start|"
    r"get|take|try|stop|continue|undergo|proceed|opt|choose|pick|keep|switch|delay|skip|refuse|accept|push)\b",
]))

_ADVISOR = re.compile(
    r"\b(?:would|wud|will|do|did|can|could)\s+(?:you|u)\s+(?:personally\s+|still\s+|really\s+|"
    r"also\s+)?(?:recomm?end|reccomm?end|recomend|advise|suggest|prescribe|go (?:with|for)|"
    r"choose|pick|opt)\b"
    r"|\b(?:would|wud|will)\s+(?:you|u)\s+(?:personally\s+)?(?:offer|give|use|try|do|start|"
    r"operate|treat)\b"
    r"|\bwhat (?:would|wud|will) (?:you|u) (?:do|choose|pick|go with|go for|try)\b"
    r"|\bwhat(?:'s| is)? (?:do|does|would|should) (?:you|u) (?:suggest|advise|recomm?end)\b"
    r"|\bwhat do (?:you|u) think (?:i|we|he|she|they) should\b"
    r"|\b(?:your|ur) (?:advice|recommendation|suggestion|pick|choice|call)\b"
    r"|\b(?:your |any )?(?:thoughts|opinion|advice|input|suggestions?)\s*\??\s*$")
_WE_ASK = re.compile(
    rf"(?:^|[.?!;:,]\s*|\b(?:so|then|and|but|ok|okay|now|well|hmm|also)\s+)"
    rf"(?:{_SHOULD}|shall|must|can|could|would)\s+we\b(?!\s+{_NONDECISION})"
    r"|(?:^|[.?!;:,]\s*|\b(?:so|then|and|but|ok|okay|now|well)\s+)do we (?:really |still )?"
    r"(?:need|have to|operate|wait|go|proceed|offer|give|start|stop|treat|book|refer|continue)\b"
    rf"|\b(?:what|which)\b[^.?!]{{0,40}}?\b(?:{_SHOULD}|shall|must|would|could|can|do)\s+we\s+"
    r"(?:\w+\s+)?(?:do|give|offer|try|use|choose|pick|start|go|recommend|proceed|plan|book|"
    r"schedule|operate|treat)\b"
    r"|\bhow (?:should|shall|do) (?:we|i) proceed\b|\bare we (?:better off|going to|ok to|safe to)\b")
# "What chemotherapy do we use for metastatic anal SCC?": the profession's habitual "we", asking what is done for a
# kind of disease. Only "do we" (not "should we"), with what it is for named and that not a person ("for him", "for
# this one", "for my dad"); a turn that speaks of anyone, now or in the last turns, is read as a case as before.
_GENERIC_WE = re.compile(
    r"\bdo we (?:\w+\s+)?(?:use|give|offer|do|try|prescribe|recommend|treat|manage)\b[^.?!]{0,30}?\b(?:for|in)\s+"
    rf"(?!(?:{_TARGET}|(?:the |this |that |our |their )?(?:patient|pt|one|case|guy|man|woman|lady|person)s?)\b)"
    r"(?:an?\s+|the\s+)?[a-z]")
_FOLLOWUP_ACTOR = re.compile(
    rf"\b(?:{_SHOULD}|shall|must|can|could|would|will|do|does|is)\s+(?:they|the (?:patient|pt))\b")
_DECISION_RE = re.compile(_DECISION)
# "and for him?", "what about my mum?" -- points a follow-up at a person.
_FOLLOWUP_TARGET = re.compile(
    r"\bthen\s*\?\s*$"
    rf"|\b(?:and|what about|how about|same for|for|in)\s+(?:for\s+)?{_TARGET}(?![\w-])")
_POPULATION = re.compile(
    r"\b(?:patients|people|persons|individuals|those|anyone|anybody|everyone|everybody|"
    r"every|routinely|generally|in general|typically|usually|a patient|cases|someone|"
    r"somebody|whom|clinicians|surgeons|oncologists)\b")

_SOURCE = (r"(?:review|paper|article|authors?|stud(?:y|ies)|trials?|guidelines?|esmo|"
           r"nccn|asco|evidence|literature|data|table|figure|flowchart|meta-analys[ie]s|"
           r"cohort|series|[a-z]+ et al\.?|section|it|they)")
_ATTRIBUTION = re.compile(
    r"\baccording to\b|\bper (?:the |this )?(?:review|paper|authors|guidelines?|esmo|nccn|evidence)\b"
    r"|\bbased on (?:the |this )?(?:review|evidence|data|literature|studies|study|guidelines?|trials?)\b"
    r"|\b(?:in|from|by|within) (?:the |this )?(?:review|paper|article|(?:esmo|nccn|asco) guidelines?|"
    r"guidelines?|literature|authors|flowchart|table \d|figure \d|section [\d.]+)\b"
    r"|\b(?:the|this) (?:review|paper|authors?)(?:'s?)?\b|\bet al\b"
    rf"|\b(?:does|do|did|is|are|was|were|what|which|how|has|have)\b[^.?!]{{0,50}}?\b{_SOURCE}\b"
    r"[^.?!]{0,30}?\b(?:say|said|state|recomm?end|suggest|report|find|found|show|conclud|"
    r"mention|propose|advise|indicate|describe|discuss|support|favou?r|prefer|consider|list|"
    r"define|compare|note)\w*"
    r"|\b(?:esmo|nccn|asco)\b|\bis there (?:any |good |strong |enough )?(?:evidence|data)\b"
    r"|\bwhat (?:is|are) the (?:evidence|data)\b")

_DOMAIN = re.compile(
    r"\b(?:anal|anus|ascc|scca?|squamous|carcinoma|cancer\w*|tumou?r\w*|oncolog\w*|malignan\w*|"
    r"chemo\w*|radio\w*|radiation|irradiat\w*|re-?irradiat\w*|re-?radiat\w*|rert|iort|ebrt|"
    r"proton|brachy\w*|surg\w*|salvage|apr|abdominoperineal|resect\w*|excision|flaps?|vram|tram|"
    r"stoma|colostomy|exenteration|recurr\w*|relaps\w*|persist\w*|residual|metasta\w*|mets|"
    r"unresectable|inguinal|groin|lymph\w*|nodes?|nodal|carboplatin|paclitaxel|cisplatin|5-?fu|"
    r"fluorouracil|mitomycin|docetaxel|m?dcf|pembro\w*|keytruda|nivolumab|atezolizumab|"
    r"retifanlimab|ipilimumab|immuno\w*|checkpoint|pd-?l?1|ctla-?4|cryo\w*|hpv|hiv|biops\w*|mri|"
    r"pet|scans?|imaging|survival|prognos\w*|response|remission|morbidity|mortality|"
    r"complications?|side effects?|toxicit\w*|treat\w*|therap\w*|drugs?|medication|dose|"
    r"doctor|patients?|diseases?|diagnos\w*|esmo|nccn|asco|guidelines?|review|stud(?:y|ies)|"
    r"trials?|paper|article|authors?|evidence|table|figure|flowchart|medical|health|hospital|clinic\w*|pain|bleed\w*|symptoms?|wound|"
    r"perineal|pelvi\w*|follow-?up|reassess\w*|surveillance|gy|nurse|mdt|ecog|stag(?:e|ing)|"
    r"cur(?:e|ed|able)|operable|rectal|rectum|bowel|anorectal)\b")
# Words of _DOMAIN that are about the publication, not about a patient's care.
_NOT_CLINICAL = re.compile(r"\b(?:review|stud(?:y|ies)|paper|article|authors?|tables?|figures?|flowchart)\b")
_UNRELATED = re.compile(
    r"\b(?:jokes?|poems?|poetry|haiku|limerick|songs?|lyrics|rap|story|stories|recipes?|cook\w*|"
    r"bake|baking|lasagn\w*|pizza|restaurant|weather|forecast|rain\w*|umbrella|capital of|"
    r"world cup|football|soccer|basketball|baseball|tennis|nba|nfl|super bowl|movies?|films?|"
    r"netflix|tv show|stocks?|bitcoin|crypto\w*|python|javascript|sql|code|coding|script|"
    r"programming|translate|translation|holiday|vacation|horoscope|riddle|tallest|highest mountain|"
    r"longest river|president of|prime minister|who invented|population of|sonnet|ode|essay|"
    r"novel|beach|funny|laugh|squared|cubed|square root|what time is it|time zone|fun fact|"
    r"trivia|favou?rite (?:colou?r|food|movie|song|animal|book|team))\b"
    r"|\b\d+\s*[+*/\u00d7x]\s*\d+\b")
_SMALL_TALK = re.compile(
    r"(?:(?:hi|hello|hey|heya|hiya|yo|howdy|greetings|good (?:morning|afternoon|evening|night)|"
    r"thanks?(?: you)?(?: (?:so|very) much)?|thx|ty|cheers|bye|goodbye|see you|ok(?:ay)?|cool|"
    r"great|nice|perfect|got it|that'?s all|how are you(?: doing)?(?: today)?|how'?s it going|"
    r"who are you|what are you|what'?s up|sup|what can you do|what is your name|what'?s your name|"
    r"nice to meet you|are you (?:a bot|human|there|real)|can i ask (?:you )?(?:a question|something)|"
    r"can you help(?: me)?|help|test(?:ing)?)(?: there| bot| again| everyone| all)?\s*)+")


# --------------------------------------------------------------------------
# Classifier
# --------------------------------------------------------------------------
def _who(m: re.Match[str]) -> str:
    """The person a personal ask is bound to (the first named group that matched)."""
    for value in m.groupdict().values():
        if value:
            return value.strip()
    return m.group(0).strip()


def _history_case(history: Sequence[str]) -> re.Match[str] | None:
    """A particular person described in one of the last few user turns, if any."""
    for turn in reversed(list(history)[-HISTORY_WINDOW:]):
        text = normalise(turn)
        m = _CASE.search(text) or _PERSONAL_ASK.search(text)
        if m:
            return m
    return None


# A particular person: the asker, a relative, a patient, a described case (age, sex). A request for a decision needs
# one; "Is a VRAM flap recommended over primary closure?" names nobody and is a question about the evidence.
# "me" as the one told something ("give me the p value") is not a person to treat.
_INDIVIDUAL = re.compile(
    r"\b(?:i|i'm|im|i'd|i've|ive|my|mine|myself|we|we're|our|us|you|your|he|she|he's|she's|his|her|him|hers|"
    r"mum|mom|mommy|mother|mama|dad|daddy|father|papa|wife|husband|son|daughter|sister|brother|friend|partner|aunt|"
    r"uncle|grand\w+|neighbou?r|cousin|niece|nephew|boyfriend|girlfriend|fianc\w*|(?<!\d-)patient|pt|client|"
    r"gentleman|lady|man|woman|guy|fellow|case(?![\s-]*(?:series|reports?|control|stud(?:y|ies)|mix)\b))\b"
    # "me" as the one told or taught ("talk me through …", "fill me in on …"), not the one treated
    r"|(?<!give )(?<!tell )(?<!show )(?<!send )(?<!remind )(?<!explain to )(?<!let )(?<!talk )(?<!walk )(?<!take )"
    r"(?<!run )(?<!fill )(?<!catch )(?<!brief )(?<!update )(?<!bring )(?<!guide )(?<!point )(?<!teach )(?<!refresh )"
    r"\bme\b"
    # an age ("62 yo", "62M", "a 70-year-old"), not a time point ("5 year survival", "12m os", "10 years after")
    r"|\b\d{1,3}\s?(?:yo|y/o|y\.o\.|-year-old|year-old)\b"
    r"|\b\d{2,3}\s?(?:yrs?|years?|[mf])\b(?!\s*(?:overall|os|pfs|dfs|rfs|survival|rates?|recurrence|follow\w*|mortality|"
    r"control|outcomes?|estimates?|after|post)\b)|\b[mf]\s?\d{2}\b|\b(?:mrs?|ms)\b\.?"
    r"|\b(?:at|aged?)\s+\d{2}\b|,\s*\d{2}\s*,")


# A case written as clinical notes names nobody ("persistent groin node 8 mo after CRT, PET avid, biopsy SCC, primary
# CR. plan pls") but reports one person's findings: two or more kinds of finding make it a particular case. A
# question about the evidence rarely carries more than one ("survival for T3N1 patients after salvage APR").
_FINDINGS = {
    "biopsy": r"\b(?:biopsy|bx|fna|core)[\w -]{0,20}?\b(?:proven|confirm\w*|positive|shows?|showed|scc|ca)\b"
              r"|\bbiopsy-(?:proven|confirmed|positive)\b",
    "imaging": r"\b(?:pet|ct|mri|scans?)\b[\w /-]{0,25}?\b(?:clean|clear|negative|neg|avid|shows?|showed|no\b|"
               r"nothing|only)|\b(?:pet|fdg)[- ]avid\b",
    "performance": r"\becog\s?\d|\bps\s?[0-4]\b|\b(?:very |otherwise )?fit\b[.,;]|\bcomorbid\w*",
    "marker": r"\bcps\s?(?:[<>≥≤]=?\s?)?\d|\bpd-?l1\s(?:pos|neg)\w*|\bhiv\s(?:pos|neg)\w*",
    "staging": r"\b(?:yp|c|p)?t[0-4]n[0-3x]\b|\b[rR][012]\b|\blvi\+?|\bmargins?\s(?:clear|involved|positive)",
    "timeline": r"\b\d+\s?(?:mo|mos|months?|wks?|weeks?|y|yrs?|years?)\s(?:post|after|later|ago|since)\b"
                r"|\b(?:19|20)\d\d\b[^.?!]{0,30}\b(?:crt|now|recurr\w*|relapse)|\bs/p\b|\bchemo-?naive\b",
    "response": r"\b(?:primary|anal canal|anus)\s(?:in\s)?(?:cr|ccr|complete (?:clinical )?response)\b|\bprogress\w*\s(?:on|after)\b",
}
_FINDING_RES = [re.compile(p, re.I) for p in _FINDINGS.values()]


def describes_a_case(text: str) -> bool:
    """Clinical notes about one person: at least two kinds of finding (a biopsy result, imaging, performance status,
    a marker, a stage or margin, a timeline, a response)."""
    return sum(bool(r.search(text)) for r in _FINDING_RES) >= 2


# "US guidelines", "a U.S. series": the country, not "us" (unless the whole turn is in capitals: "HELP US")
_COUNTRY_US = re.compile(r"\bU\.?S\.?(?:A\.?)?(?![\w.])")


def _without_country(text: str) -> str:
    return _COUNTRY_US.sub(" usa ", text) if text != text.upper() else text


# The asker in a teaching or reading role ("I'm teaching residents tomorrow", "my journal club talk", "we are
# preparing slides"): a clinician or student at work, not a person to treat
_ROLE = re.compile(
    r"\b(?:i'm|im|i am|i'll be|i will be|we're|we are|i've been|we've been)\s+(?:\w+\s+)?(?:teaching|presenting|"
    r"lecturing|preparing|writing|giving|studying|revising|reviewing|reading|summari[sz]ing|putting together)\b"
    r"|\b(?:my|our)\s+(?:\w+\s+)?(?:talk|lecture|presentation|teaching|journal club|grand rounds|slides?|students|"
    r"residents|trainees|registrars|juniors|class|exam|essay|thesis|dissertation|audit|review article|"
    r"literature review|notes|homework|assignment|reading|tutorial|seminar|session)\b"
    # … or as a learner: "what should I know about …", "I'd like to understand …", "I'm not up to date on …"
    r"|\b(?:should|do|would|must|need) i (?:\w+ )?(?:know|understand|learn|read|remember|keep in mind|be aware of)\b"
    r"|\bi(?:'d| would)? (?:like|want|need|wish|hope|am trying|'m trying) to (?:know|understand|learn|read up|"
    r"brush up|refresh|get up to speed)\b"
    r"|\bhelp me (?:understand|learn|make sense)\b"
    r"|\b(?:i'm|im|i am) (?:not |no longer )?(?:up to date|up-to-date|familiar|rusty|new to|curious)\b")


# A first sentence or clause that only says the asker wants no advice ("Don't worry, I'm not asking for medical advice.",
# "I've already decided with my surgeon.", "Since you can't speak to her situation:"): the person it names is not the
# one the question that follows is about. (A request that follows it still names its person: "… Should I have it?")
_NO_ADVICE_LEAD = re.compile(
    r"^[^.?!:;]*?\b(?:not asking|n['\u2019]t asking|no (?:individual|personal|medical) advice|"
    r"can(?:['\u2019]|no)?t (?:advise|speak to|decide|give|comment on)|already decided|(?:is|are) being handled|"
    r"for my own (?:knowledge|interest|understanding)|not (?:for|about) (?:me|him|her|them|my))\b"
    r"[^.?!:;]{0,120}[.:;]\s*(?:just,?\s*)?(?P<rest>\S.*)$", re.S | re.I)


def names_an_individual(question: str, history: Sequence[str] = (), generic_we: bool = False) -> bool:
    """The turn (or one of the last few turns) speaks of a particular person, or reads as one person's case notes.
    A "case series", a "437-patient study" and "US guidelines" are not a person, nor is the asker in a teaching or
    reading role ("I'm presenting at grand rounds"), unless the turn also speaks of a person; nor, with
    `generic_we`, the profession's habitual "we" ("what do we use for metastatic disease?", `_GENERIC_WE`)."""
    def speaks_of_someone(t: str) -> bool:
        t = _ROLE.sub(" ", normalise(_without_country(t)))
        if generic_we:
            t = _GENERIC_WE.sub(" ", t)
        return bool(_INDIVIDUAL.search(t)) or describes_a_case(normalise(t))
    return any(speaks_of_someone(t) for t in [after_no_advice_lead(question), *list(history)[-HISTORY_WINDOW:]])


# A question that says it asks in general ("My brother is going through this. As a general matter, why is …?"): the
# story before it is not what it asks about.
_IN_GENERAL = re.compile(r"(?:^|[.?!;:]\s+)(?P<rest>(?:as a general matter|in general|generally speaking|speaking "
                         r"generally|as a general question|in the general case)\b.*)$", re.S | re.I)


def after_no_advice_lead(question: str) -> str:
    """The turn without up to two leading clauses that only say no advice is wanted (`_NO_ADVICE_LEAD`), and
    without what comes before a sentence that says it asks in general (`_IN_GENERAL`)."""
    asked = question
    for _ in range(2):  # "My husband is being handled by his team; I'm asking for my own understanding. When …?"
        lead = _NO_ADVICE_LEAD.match(asked)
        asked = lead.group("rest") if lead else asked
    general = _IN_GENERAL.search(asked)
    return general.group("rest") if general else asked


# A request that first says it knows the review cannot decide ("I understand the review can't make individual
# recommendations, but for my mother, who …, would a local excision be enough?", "I realise the review talks about
# populations, not people. Still, my aunt …"): what comes after "but" or "still" is the real ask.
_DISCLAIMER = re.compile(
    r"\b(?:can(?:'|no)?t|cannot|not|n't|don't|isn't|no|won't)\b[^.?!;]{0,80}?"
    r"\b(?:advi[cs]e\w*|recommend\w*|decid\w*|decision\w*|individual\w*|personal\w*|people|populations?|"
    r"(?:my|her|his|their|your) (?:situation|case))\b[^?!]{0,160}?[,;.:]\s*"
    r"(?:but|still|however|that said|nevertheless|even so|yet)\b[,:]?\s*(?P<ask>.+)$", re.I | re.S)


def asks_despite_disclaimer(question: str) -> bool:
    """The turn says the review cannot decide for a person, then asks about one all the same: the part after
    "but" / "still" speaks of a particular person. ("I'm not asking whether I should have the trial drug, but what
    is the TGF-beta pathway?" asks in general after its disclaimer.)"""
    m = _DISCLAIMER.search(question)
    return bool(m) and names_an_individual(m.group("ask"))


def with_study_names(text: str, names: Sequence[str]) -> str:
    """Names of studies (the corpus's own vocabulary, from bot.retrieve.bibliography.study_names) read as the word
    "study", so the cue families need no name of their own: "what did kitaguchi find" is "what did study find"."""
    if not names:
        return text
    return _names_pattern(tuple(names)).sub("study", text)


@functools.lru_cache(maxsize=256)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """The study names of a turn as one pattern, longest first (a question's names recur across its steps)."""
    alternation = "|".join(re.escape(normalise(n)) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternation})(?: et al\.?)?(?![\w-])")


class Turn:
    """One user turn as the cue families read it: the normalised text (study names read as "study") and each
    family's first match, searched at most once and only when a rule asks (the learned layer of
    bot/guard/classifier.py reads the same matches, so a turn is never searched twice)."""

    def __init__(self, question: str, history: Sequence[str] = (), names: Sequence[str] = ()):
        self.text = with_study_names(normalise(question), names)
        self.history = history
        self._found: dict[str, re.Match[str] | None] = {}

    def _search(self, key: str, pattern: re.Pattern[str]) -> re.Match[str] | None:
        if key not in self._found:
            self._found[key] = pattern.search(self.text)
        return self._found[key]

    @property
    def domain(self):
        return self._search("domain", _DOMAIN)

    @property
    def personal_ask(self):
        return self._search("personal_ask", _PERSONAL_ASK)

    @property
    def case(self):
        """A person described: not the one a lead saying no advice is wanted names ("Since you can't speak to her
        situation: does the review …?")."""
        if "case" not in self._found:
            self._found["case"] = _CASE.search(after_no_advice_lead(self.text))
        return self._found["case"]

    @property
    def attribution(self):
        return self._search("attribution", _ATTRIBUTION)

    @property
    def decision(self):
        """Strong decision wording only (the rules add the weak wording when no source is named)."""
        return self._search("decision", _DECISION_RE)

    @property
    def advisor(self):
        return self._search("advisor", _ADVISOR)

    @property
    def we_ask(self):
        return self._search("we_ask", _WE_ASK)

    @property
    def population(self):
        return self._search("population", _POPULATION)

    @property
    def history_case(self):
        if "history_case" not in self._found:
            self._found["history_case"] = _history_case(self.history)
        return self._found["history_case"]


def classify_intent(question: str, history: Sequence[str] = (), names: Sequence[str] = ()) -> Intent:
    """Classify one user turn; ``history`` holds the user's previous turns, oldest first; ``names`` the study
    names the turn uses (the corpus's vocabulary).

    Only the user's own earlier turns should be passed: they are what can
    introduce "my patient is 70 ..." before a bare "so what should we do?".
    See the module docstring for the precedence of the rules.
    """
    return classify_turn(Turn(question, history, names))


def classify_turn(turn: Turn) -> Intent:
    """`classify_intent` on a turn whose cue matches may be read again afterwards (see `Turn`)."""
    text, history = turn.text, turn.history
    if not re.search(r"\w", text):
        return Intent("off_topic", "empty question", ())

    domain = turn.domain
    ask = turn.personal_ask
    recent = list(history)[-HISTORY_WINDOW:]
    medical_history = any(_DOMAIN.search(normalise(h)) for h in recent)
    if domain is None:
        unrelated = _UNRELATED.search(text)
        if unrelated and not (ask and medical_history):
            return Intent("off_topic", f'unrelated request ("{unrelated.group(0)}") with no '
                          "medical term", (unrelated.group(0),))
        bare = re.sub(r"[^\w\s']", " ", text).strip()
        if _SMALL_TALK.fullmatch(re.sub(r"\s+", " ", bare) + " "):
            return Intent("off_topic", "small talk with no medical term", (bare,))

    # "can I reuse the figures of the article?" asks nothing medical
    if ask and (_DOMAIN.search(_NOT_CLINICAL.sub(" ", text)) or medical_history):
        who = _who(ask)
        return Intent("recommendation", f'asks what to do for "{who}"',
                      (ask.group(0).strip(),))

    case = turn.case
    attribution = turn.attribution
    decision = turn.decision or (None if attribution else
                                 _WEAK_DECISION_RE.search(text))
    advisor = turn.advisor
    if case and (decision or advisor):
        cue = (decision or advisor).group(0).strip()  # type: ignore[union-attr]
        return Intent("recommendation",
                      f'describes a particular person ("{case.group(0).strip()}") and asks '
                      f'"{cue}"', (case.group(0).strip(), cue))

    population = turn.population
    we_ask = turn.we_ask
    if not attribution and not population:
        past = turn.history_case
        implicit = (advisor or we_ask or decision or _FOLLOWUP_ACTOR.search(text)
                    or _FOLLOWUP_TARGET.search(text))
        if past and implicit:
            return Intent("recommendation",
                          f'follow-up "{implicit.group(0).strip()}" about the person described '
                          f'earlier ("{past.group(0).strip()}")',
                          (implicit.group(0).strip(), past.group(0).strip()))
        if we_ask and not advisor and _GENERIC_WE.search(text) and not names_an_individual(text, history,
                                                                                       generic_we=True):
            return Intent("question", f'asks what is done in general ("{we_ask.group(0).strip()}" for a kind of '
                          "disease), no particular person", (we_ask.group(0).strip(),), generic_we=True)
        if advisor or we_ask:
            m = advisor or we_ask
            assert m is not None
            return Intent("recommendation",
                          f'asks for a decision ("{m.group(0).strip()}") about the asker\'s own '
                          "case; no source or general population named", (m.group(0).strip(),))

    # (the profession's "we" beside a source or a population: "what do we usually offer for metastatic disease,
    # according to the review?" speaks of nobody either)
    generic = bool(we_ask and not advisor and _GENERIC_WE.search(text)
                   and not names_an_individual(text, history, generic_we=True))
    if attribution:
        return Intent("question", f'asks what a source says ("{attribution.group(0).strip()}")',
                      (attribution.group(0).strip(),), generic_we=generic)
    if population and (decision or advisor or we_ask):
        return Intent("question", f'general question about "{population.group(0)}", no '
                      "particular person", (population.group(0),), generic_we=generic)
    cues = tuple(m.group(0) for m in (domain,) if m)
    return Intent("question", "no directive ask about a particular person", cues)


__all__ = ["Intent", "IntentKind", "Turn", "classify_intent", "classify_turn", "normalise", "HISTORY_WINDOW"]
