"""Small text tools shared by ingestion, retrieval and the guard: citations, sentences, lexical tokens."""
from __future__ import annotations

import functools
import re
import unicodedata

DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212"), "-")
QUOTES = {ord("\u2018"): "'", ord("\u2019"): "'", ord("\u201c"): '"', ord("\u201d"): '"'}

# ---------------------------------------------------------------- citations: [12], [1,2], [4–10], [13–15, 20]
CITATION_RE = re.compile(r"\[(\d{1,3}(?:\s*[-\u2013\u2014]\s*\d{1,3})?(?:\s*,\s*\d{1,3}(?:\s*[-\u2013\u2014]\s*\d{1,3})?)*)\]")


def parse_citation(body: str, max_ref: int | None = None) -> list[int]:
    """'4–10' → [4..10]; '1,2' → [1, 2]. Numbers outside 1..max_ref are dropped (not a citation)."""
    out: list[int] = []
    for part in body.split(","):
        bounds = re.split(r"\s*[-\u2013\u2014]\s*", part.strip())
        lo, hi = int(bounds[0]), int(bounds[-1])
        if hi < lo or hi - lo > 50:
            continue
        out.extend(range(lo, hi + 1))
    if max_ref:
        out = [n for n in out if 1 <= n <= max_ref]
    return sorted(set(out))


def citations_in(text: str, max_ref: int | None = None) -> list[int]:
    nums: set[int] = set()
    for m in CITATION_RE.finditer(text):
        nums.update(parse_citation(m.group(1), max_ref))
    return sorted(nums)


# ---------------------------------------------------------------- sentences
# Words that a full stop follows without ending the sentence. Generic English and scientific abbreviations only:
# nothing here names a word of a particular document (tests/data/sentences_gold.jsonl measures the splitter).
_ABBREV = {"al", "vs", "e.g", "i.e", "fig", "figs", "no", "nos", "dr", "approx", "ref", "refs", "cf", "mr", "mrs",
           "ms", "prof", "vol", "pp", "ca", "resp", "inc", "ltd", "st", "ed", "eds", "dept", "univ", "sect", "sec",
           "eq"}
# Months are abbreviations only before a number ("Jan. 2020"): "APR." is more often an acronym ending a sentence.
_MONTHS = {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
# Abbreviations that often end a sentence too: a capitalised word after them starts a new one ("…, fatigue, etc. Most").
_MAY_END = {"etc"}
# After an abbreviation or an initial, these capitalised words start a new sentence ("…by Kim et al. Their trial…",
# "…recommendation: B. The panel…"): they never follow "Dr.", "vs." or an initial inside a sentence.
_STARTERS = frozenset("""The This These That Those There Their They Its It In We Our He She His Her An A However Thus
Moreover Furthermore Nevertheless Therefore Overall All Most Both Each Such When While Although After Before
During""".split())
# A boundary is [.!?] (and closing quotes or brackets), spaces, then what can start a sentence: an opening quote or
# bracket, a capital, a digit, or a lowercase-initial name such as "mFOLFOX6" or "pH".
_BOUNDARY = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]?(?:[A-Z0-9]|[a-z]+[A-Z0-9]))")
_LAST_WORD = re.compile(r"([A-Za-z.]+)\.$")
_NEXT_WORD = re.compile(r"([A-Z][a-z]*)\s")


def _ends_sentence(before: str, after: str) -> bool:
    """Does the full stop at the end of `before` end a sentence, given the text `after` it?"""
    word = _LAST_WORD.search(before)
    if not word:
        return True  # a number, a bracket or a quote before the stop: "… 12.1 months." / "… [4–10]."
    w = word.group(1).lower()
    nxt = _NEXT_WORD.match(after)
    if w in _MAY_END:
        return bool(re.match(r"[\"'\u201c\u2018(\[]?[A-Z]", after))
    abbreviation = (w in _ABBREV                                  # "Fig.", "vs."
                    or (w in _MONTHS and after[:1].isdigit())    # "Jan. 2020"
                    or (len(w) == 1 and w.isalpha())             # an initial: "J. Meyer"
                    or "." in w.strip("."))                      # dotted: "U.S.", "M.R."
    return not abbreviation or bool(nxt and nxt.group(1) in _STARTERS)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a paragraph, as (start, end) offsets into it, each stripped of surrounding spaces.

    Knows 'et al.', 'vs.', 'Fig. 1', 'Jan. 2020', decimals and initials, which a naive split breaks; a stop followed
    by a piece without any letter ("Oncol. 2017).") does not end a sentence either."""
    cuts = [0]
    for m in _BOUNDARY.finditer(text):
        if _ends_sentence(text[cuts[-1]:m.start() + 1], text[m.end():]):
            cuts.append(m.end())
    cuts.append(len(text))
    spans: list[tuple[int, int]] = []
    for a, b in zip(cuts, cuts[1:]):
        piece = text[a:b]
        if not piece.strip():
            continue
        a, b = a + len(piece) - len(piece.lstrip()), b - (len(piece) - len(piece.rstrip()))
        if spans and not re.search(r"[^\W\d_]", text[a:b]):
            spans[-1] = (spans[-1][0], b)  # "2017)." or "5.3)." is the end of the previous sentence
        else:
            spans.append((a, b))
    return spans


# ---------------------------------------------------------------- table records: "Label: value; Label: value"
def table_cells(record: str) -> list[tuple[str, str]]:
    """Cells of a rebuilt table record. A value may itself contain '; ' ('27.1 (early); 26.6 (late)'), so a part
    only starts a new cell when it looks like 'Label: value'."""
    out: list[list[str]] = []
    for part in record.split("; "):
        if re.match(r"^[^:;]{1,80}: ", part):
            label, value = part.split(": ", 1)
            out.append([label, value])
        elif out:
            out[-1][1] += "; " + part
    return [(a, b) for a, b in out]


# ---------------------------------------------------------------- lexical tokens for BM25 and cue matching
STOPWORDS = frozenset("""a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has have having he her
here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not of off on
once only or other our ours ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were what when where which while
who whom why will with would you your yours yourself yourselves tell show give find say said also whose much many
there's what's it's versus vs review reviews according""".split())

_TOKEN = re.compile(r"[a-z0-9]+(?:[-/.'][a-z0-9]+)*")
_PARTS = re.compile(r"[-/.']")
_NUMERIC = re.compile(r"[0-9.]+")
# A verb or pronoun with its contracted ending ("can't", "doesn't", "I'm", "they're", "we've", "I'd"): the two words
# it stands for, so that a question's concepts hold no fragment ("t", "cant") that no text contains.
_CONTRACTION = re.compile(r"([a-z]+?)(n't|'re|'ve|'ll|'m|'d)")
_CONTRACTED = {"ca": "can", "wo": "will", "sha": "shall", "ai": "be", "n't": "not", "'re": "are", "'ve": "have",
               "'ll": "will", "'m": "am", "'d": "would"}
_DURATION = re.compile(r"\b(\d+)[ -](month|year|week|day)s?\b")
_BRITISH = re.compile(r"is(e|ed|es|ing|ation)$")


@functools.lru_cache(maxsize=256)  # the same words and question come back several times in one question's steps
def fold(text: str) -> str:
    """Lowercase, NFKC, dashes and quotes unified: the form every matcher compares."""
    return unicodedata.normalize("NFKC", text).translate(DASHES).translate(QUOTES).lower()


@functools.lru_cache(maxsize=16384)
def _stem(w: str) -> str:
    """A deliberately tiny, symmetric normaliser: British → American spelling and plural 's'. (Memoised: a word's
    stem never changes, and the same words come back in every question.)"""
    if len(w) > 5 and w.endswith("our"):
        w = w[:-3] + "or"  # tumour → tumor, behaviour → behavior
    w = w.replace("aem", "em").replace("oedem", "edem").replace("oesoph", "esoph")
    w = _BRITISH.sub(r"iz\1", w) if len(w) > 6 else w
    if len(w) > 5 and w.endswith("ing"):
        w = w[:-3]  # funding → fund
    elif len(w) > 4 and w.endswith("ed") and not w.endswith("eed"):
        w = w[:-2]  # funded → fund
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if len(w) >= 5 and w.endswith(("tre", "bre")):
        w = w[:-2] + "er"  # centre → center, fibre → fiber
    return w


def tokens(text: str, keep_stopwords: bool = False) -> list[str]:
    """Lexical tokens: compounds kept whole *and* split ('keynote-158', 'keynote', '158'), hyphens also joined
    ('re-irradiation' → 'reirradiation') so spelling variants of the same term meet."""
    return list(_tokens(text, keep_stopwords))


# A few recent texts: one question is tokenised by several steps (its concepts, the scope check, the bibliography);
# too few to keep a question from one question to the next.
@functools.lru_cache(maxsize=64)
def _tokens(text: str, keep_stopwords: bool) -> tuple[str, ...]:
    # An em dash between words sets them apart ("the cisplatin—5-FU combination", "Cancer—InterAACT"); it joins no
    # compound, as a hyphen does.
    folded = fold(text.replace("\u2014", " "))
    out: list[str] = []
    for m in _TOKEN.finditer(folded):
        tok = m.group(0).strip(".'")
        if tok.endswith("'s"):  # a possessive: "KEYNOTE-158's cohort" is about KEYNOTE-158
            tok = tok[:-2]
        contraction = _CONTRACTION.fullmatch(tok)
        if contraction:  # "can't be resected": the words "can" and "not", not "can't", "cant" and "t"
            out.extend((_CONTRACTED.get(contraction[1], contraction[1]), _CONTRACTED.get(contraction[2], "")))
            continue
        if not tok:
            continue
        parts = [p for p in _PARTS.split(tok) if p]
        if len(parts) > 1:
            out.append(tok)
            if not _NUMERIC.fullmatch(tok):
                out.append("".join(parts))
        out.extend(parts if len(parts) > 1 else [tok])
    # "12 months" also as "12month", so it meets "12-month" and the thesaurus's "one-year"
    out.extend(f"{n}{unit}" for n, unit in _DURATION.findall(folded))
    if not keep_stopwords:
        out = [t for t in out if t not in STOPWORDS]
    return tuple(_stem(t) for t in out)


# ---------------------------------------------------------------- a sentence that points back to the one before
# POINTERS: a determiner or pronoun that needs the sentence before ("This regimen", "These patients", "Their study",
# "In this subgroup"), unless it names the document itself ("This review aims …", "In this narrative review, …").
# POINTS_BACK: a sentence opening with one (not a bare "It": "It is essential to …" points at nothing).
POINTERS = r"(?:This|These|That|Those|Such|Its|Their|They|In this|In these|In that|Of these|Among these|Within this)"
NOT_THE_DOCUMENT = r"(?!(?: \w+)? (?:review|article|paper)\b)"
POINTS_BACK = re.compile(rf"^{POINTERS}\b{NOT_THE_DOCUMENT}")


# ---------------------------------------------------------------- abbreviations defined in the text: "overall survival (OS)"
_ABBR_DEF = re.compile(r"\(([A-Za-z0-9][A-Za-z0-9\-]{1,11})\)")


def abbreviations(text: str) -> dict[str, str]:
    """{'apr': 'abdominoperineal resection', ...} from 'long form (ABBR)' patterns: the first definition of each."""
    found: dict[str, str] = {}
    for abbr, long in abbreviation_definitions(text):
        found.setdefault(abbr, long)
    return found


def abbreviation_definitions(text: str) -> list[tuple[str, str]]:
    """Every 'long form (ABBR)' of the text, in order, as (abbr in lower case, long form): a text may define one
    abbreviation twice, in other words ('re-radiotherapy (reRT)', 'reirradiation (reRT)'). The long form is the
    shortest run of preceding words that starts with the abbreviation's first character and contains its letters in
    order."""
    found: list[tuple[str, str]] = []
    for m in _ABBR_DEF.finditer(text):
        abbr = m.group(1)
        letters = re.sub(r"[^a-z0-9]", "", abbr.lower())
        if len(letters) < 2 or sum(ch.isupper() for ch in abbr) < 2 or abbr.isdigit():
            continue
        words = re.findall(r"[\w\-]+", text[max(0, m.start() - 120):m.start()])[-8:]
        for n in range(1, len(words) + 1):
            cand = words[-n:]
            flat = "".join(cand).lower().replace("-", "")
            if not cand[0].lower().startswith(letters[0]):
                continue
            it = iter(flat)
            if all(ch in it for ch in letters) and len(flat) > len(letters):
                found.append((abbr.lower(), " ".join(cand)))
                break
    return found


def plural(n: int, word: str) -> str:
    """'1 document', '2 documents': counts shown to the user read as English."""
    return f"{n} {word if n == 1 else word + 's'}"

