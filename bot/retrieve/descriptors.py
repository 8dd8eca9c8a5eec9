"""Descriptors: a question may name a study or the authors by where they come from ("the Swiss authors", "the
American registry study") rather than by name. The glossary maps the demonym to a place (bot/data/glossary.json);
the documents' own material says who is from there:

1. an affiliation line of a document's front matter → that document's own authors ("the Swiss authors" → "the
   review", when an affiliation reads "Geneva, Switzerland");
2. a table record that names the place ("National Cancer Database (USA)") → the study of that record, by its
   first author;
3. a bibliography entry whose title or journal names the place → its first author.

A journal named in full ("the 2018 Lancet Oncology study") is matched to the abbreviated journal of a bibliography
entry ("Lancet Oncol. 2018") → its first author (`journal_authors`).

A study may also be described by what its table record says of it and nothing else does ("the phase 1b trial",
"the 1,018-patient registry study"): a word of the question that only one record's cells use, and that no passage
about another study uses, names that record's study (`table_studies`).

So may its size ("the 47-patient series", "a trial of 66 patients"): the one table record whose size cell is that
number, else the one cited study whose passage counts that many patients (`sized_studies`); or the years it covers
("the 30-year series", "the 2002–2022 cohort": `period_studies`); when nothing else in the question describes a
study and its first author wrote no other cited paper.

An acronym the documents never use is read the same way: "the NCDB study" is the study whose table record says
"National Cancer Database", when a run of capitalised words in the documents has the acronym's letters in order,
each word starting with the next one (`long_form`).

The question is rewritten for retrieval only; the user's words are kept in the answer. A descriptor that links to
nothing is left in place: the scope check then answers from the question's other words or declines, naming it.
"""
from __future__ import annotations

import functools
import re
import weakref
from dataclasses import dataclass, field

from bot.text import STOPWORDS, fold, table_cells, tokens

_AFFILIATION = re.compile(r"\b(department|university|hospital|institute|centre|center|faculty|clinic|school of|"
                          r"division|unit of|service of)\b", re.I)
_GROUP_NOUNS = r"(?:authors?|team|group|researchers|investigators|surgeons|writers|experts)"


@dataclass
class Resolution:
    query: str                                        # the question as retrieval reads it
    resolved: dict[str, str] = field(default_factory=dict)   # demonym → what it was resolved to
    unresolved: list[str] = field(default_factory=list)


_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{2,7}\b")
_PROPER_RUN = re.compile(r"\b[A-Z][a-z]+(?:[ -](?:of |and |for |the )?[A-Z][a-z]+){1,6}\b")


def _spells(acronym: str, words: list[str]) -> bool:
    """Do the words spell the acronym: every word starts with the acronym's next letter, and one letter left over
    (not in an acronym of three) may come from inside the word before it ("National Cancer DataBase" for NCDB)?"""
    letters = acronym.lower()
    initials = [w[0].lower() for w in words]
    if len(words) < len(letters) - (1 if len(letters) >= 4 else 0):
        return False  # one letter from inside a word at most, and none for a three-letter acronym
    i = 0
    for k, w in enumerate(words):
        w = w.lower()
        if i >= len(letters) or w[0] != letters[i]:
            return False
        i += 1
        pos = 1
        while i < len(letters) and letters[i] not in initials[k + 1:] and letters[i] in w[pos:]:
            pos = w.index(letters[i], pos) + 1
            i += 1
    return i == len(letters)


def long_form(acronym: str, retriever) -> str | None:
    """The documents' spelled-out name for an acronym they never use: the longest capitalised run that spells it,
    if only one does."""
    found: set[str] = set()
    for s in retriever.sentences:
        for m in _PROPER_RUN.finditer(s.text):
            words = [w for w in re.split(r"[ -]", m.group(0)) if w[:1].isupper()]
            for a in range(len(words)):
                for b in range(a + 2, min(len(words), a + len(acronym)) + 1):
                    if _spells(acronym, words[a:b]):
                        found.add(" ".join(words[a:b]))
    longest = max((len(f.split()) for f in found), default=0)
    best = [f for f in found if len(f.split()) == longest]
    return best[0] if len(best) == 1 else None


_JOURNAL = re.compile(r"([A-Z][A-Za-z-]*\.?(?:\s+(?:[A-Z&][A-Za-z-]*\.?|of|and|in))*)\s+((?:19|20)\d\d)[,;.]")
_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z-]+(?:(?:\s+(?:of|and|in|&|the))*\s+[A-Z][A-Za-z-]+)*")


@functools.lru_cache(maxsize=4096)
def _journal(ref_text: str) -> tuple[tuple[str, ...], str] | None:
    """The journal of a reference ("Color. Dis. 2019, 21, …" → ["Color", "Dis"], "2019"): the last run of capitalised
    (often abbreviated) words right before a year."""
    found = list(_JOURNAL.finditer(ref_text))
    if not found:
        return None
    words = tuple(w.rstrip(".") for w in found[-1].group(1).split() if w[:1].isupper())
    return (words, found[-1].group(2)) if words else None


def _abbreviates(short, long) -> bool:
    """Each abbreviated word starts the full word in its place ("Color. Dis." for "Colorectal Disease"); a one- or
    two-letter abbreviation ("J." for "Journal") only beside at least two of three or more letters."""
    if len(short) != len(long) or not all(lw.lower().startswith(sw.lower()) for sw, lw in zip(short, long)):
        return False
    short_ones = [sw for sw, lw in zip(short, long) if len(sw) < 3 and sw.lower() != lw.lower()]
    return not short_ones or (len(short) >= 3 and len(short) - len(short_ones) >= 2)


def journal_authors(question: str, bibliography) -> dict[str, list[str]]:
    """Journal names in the question → first authors of the entries published there (in the year the question
    gives, when it gives one)."""
    years = set(re.findall(r"\b(?:19|20)\d\d\b", question))
    out: dict[str, list[str]] = {}
    for m in _CAPITALISED.finditer(question):
        words = [w for w in m.group(0).split() if w[:1].isupper()]
        if len(words) < 2:
            continue  # a journal has two words or more (a one-word journal, "Cancer", is an ordinary word)
        for _, ref in bibliography.entries:
            j = _journal(ref.text)
            if not j or not ref.first_author:
                continue
            run, year = j
            if years and year not in years:
                continue
            # the run may begin with the end of the title ("… with Chemoradiation. J. Clin. Med."): any ending of
            # it of two words or more may be the journal
            for k in range(len(run) - 1):
                short = run[k:]
                spans = [words[a:a + len(short)] for a in range(len(words) - len(short) + 1)]
                span = next((sp for sp in spans if _abbreviates(short, sp)), None)
                if span:  # (a one-word journal, "Cancer", is an ordinary word in a question)
                    out.setdefault(" ".join(span), []).append(ref.first_author)
                    break
    # The longest name typed wins: "Annals of Surgical Oncology" is Ann. Surg. Oncol., not every journal whose name
    # ends in "Surg. Oncol." (Eur. J. Surg. Oncol., J. Surg. Oncol.)
    inside = {k for k in out for other in out if k != other and f" {k} " in f" {other} "}
    return {k: list(dict.fromkeys(v)) for k, v in out.items() if k not in inside}


_ROW_WORDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _row_words(retriever) -> dict[str, tuple[int, ...]]:
    """Words that describe one table record's study and no other → that record's reference numbers, read once per
    loaded index. A word qualifies when one record alone uses it in its cells (the study's own cell aside: its name
    and year are found anyway), and every passage of the text that uses it is about that same study."""
    found = _ROW_WORDS.get(retriever)
    if found is not None:
        return found
    users: dict[str, list] = {}
    for s in retriever.sentences:
        if s.kind == "table_record" and s.refs:
            for word in {t for _, v in table_cells(s.text)[1:] for t in tokens(v)}:
                users.setdefault(word, []).append(s)
    found = {}
    for word, rows in users.items():
        if len(rows) != 1 or word in STOPWORDS or len(word) < 2:
            continue
        refs = set(rows[0].refs)
        if not any(s.kind != "table_record" and word in retriever.sentence_tokens[i]
                   and not refs & set(s.refs + s.context_refs) for i, s in enumerate(retriever.sentences)):
            found[word] = rows[0].refs
    _ROW_WORDS[retriever] = found
    return found


# A study described by its size: "the 47-patient series", "the study of 1,018 patients", "in 96 consecutive patients"
_SIZE = re.compile(r"\b(\d{2,3}(?:,\d{3})?|\d{4,})(?:-|\s+)(?:consecutive\s+|\w+\s+)?(?:patients?|participants?|"
                   r"subjects?|cases?|pts)\b")
_SIZE_LABEL = re.compile(r"size|number of patients|\bn\b|patients", re.I)


def sized_studies(question: str, retriever) -> dict[str, tuple[int, ...]]:
    """A study the question describes by its number of patients → its reference numbers: the one table record whose
    size cell is that number, else the one cited study whose passage counts that many patients."""
    out = {}
    for m in _SIZE.finditer(question):
        n = m.group(1).replace(",", "")
        counted = re.compile(rf"(?<![\d.,]){n[:-3] + ',' + n[-3:] if len(n) > 3 else n}(?![\d.,%])|(?<![\d.,]){n}(?![\d.,%])")
        records = {s.refs for s in retriever.sentences if s.kind == "table_record" and s.refs
                   and any(_SIZE_LABEL.search(a) and counted.fullmatch(v.strip()) for a, v in table_cells(s.text)[1:])}
        if not records:
            patients = re.compile(counted.pattern.replace("(?![\\d.,%])", r"(?![\d.,%])\s+(?:\w+\s+){0,2}"
                                                          r"(?:patients|participants|subjects|cases|APRs)\b"))
            records = {tuple(s.refs or s.context_refs) for s in retriever.sentences
                       if s.kind == "text" and (s.refs or s.context_refs) and patients.search(s.text)}
        if len(records) == 1:
            out[m.group(0)] = next(iter(records))
    return out


# … or by the period it covers: "the 30-year series", "over three decades", "the 2002–2022 cohort"
_SPAN_YEARS = re.compile(r"\b(\d{1,2})[- ]years?\b(?![- ](?:os|dfs|pfs|rfs|survival|overall|disease|recurrence|"
                         r"progression|follow|rate|mortality|outcome))")
_SPAN_DATES = re.compile(r"\b((?:19|20)\d\d)\s*(?:–|-|to|and|through|until)\s*((?:19|20)\d\d)\b")


def period_studies(question: str, retriever) -> dict[str, tuple[int, ...]]:
    """A study the question describes by the years it covers → its reference numbers: the one cited passage that
    spans that many years ("over 30 years") or those dates ("between 2002 and 2022")."""
    out = {}
    asked = [(m.group(0), rf"\b(?:over|during|across|spanning|covering|for)\s+(?:the\s+(?:past|last)\s+)?"
                          rf"{m.group(1)}\s+years\b") for m in _SPAN_YEARS.finditer(question)]
    asked += [(m.group(0), rf"\b{m.group(1)}\s*(?:–|-|to|and|through|until)\s*{m.group(2)}\b")
              for m in _SPAN_DATES.finditer(question)]
    for words, pattern in asked:
        found = {tuple(s.refs or s.context_refs) for s in retriever.sentences
                 if s.kind == "text" and (s.refs or s.context_refs) and re.search(pattern, s.text)}
        if len(found) == 1:
            out[words] = next(iter(found))
    return out


def table_studies(question: str, retriever, bibliography) -> dict[str, list[str]]:
    """Words of the question that describe one table record's study and no other (`_row_words`), or its number of
    patients (`sized_studies`) → that study's first author."""
    if retriever.anchors_in(question):
        return {}  # the question names its study already
    rows = _row_words(retriever)
    out: dict[str, list[str]] = {}
    described = [(word, rows.get(word)) for word in dict.fromkeys(tokens(question))]
    for word, refs in described:
        authors = [r.first_author for n in refs or () for _, r in bibliography.by_number(n) if r.first_author]
        if authors:
            out[word] = list(dict.fromkeys(authors))
    # A size names a study only when nothing else describes one (a place may name another: "the American series of
    # 32 patients"), and when its first author names no other cited study (two papers by Kim).
    if not out and not retriever.lexicon.places(question):
        numbered = sized_studies(question, retriever) | period_studies(question, retriever)
        for words, refs in numbered.items():
            authors = list(dict.fromkeys(r.first_author for n in refs for _, r in bibliography.by_number(n)
                                         if r.first_author))
            if authors and all(sum(r.first_author == a for _, r in bibliography.entries) == 1 for a in authors):
                out[words] = authors
    return out


# A trial's name with its number, cut short ("KN-158", "kn158" for "KEYNOTE-158")
_NUMBERED_NAME = re.compile(r"(?<![\w-])([A-Za-z]{2,5})-?(\d{2,4})(?![\w-])")
_NUMBERED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def numbered_candidates(typed: str, retriever) -> set[str]:
    """The documents' numbered names ("keynote-158") that a typed one may shorten ("kn-158", "KN158"): the same
    number, a word that starts with the typed letters' first and holds them all in order, and is longer. Empty when
    the typed word is no numbered name, or one the documents use as it is. Their numbered names are read once per
    index."""
    m = re.fullmatch(r"([a-z]{2,5})-?(\d{2,4})", fold(typed))
    if not m or fold(typed) in retriever.vocabulary:
        return set()
    names = _NUMBERED.get(retriever)
    if names is None:
        names = _NUMBERED[retriever] = {}
        for t in retriever.vocabulary:
            n = re.fullmatch(r"([a-z]{3,})-(\d+)", t)
            if n:
                names.setdefault(n.group(2), set()).add(n.group(1))
    letters, number = m.groups()
    return {f"{word}-{number}" for word in names.get(number, ())
            if word[0] == letters[0] and len(word) > len(letters) and _in_order(letters, word)}


def numbered_names(question: str, retriever) -> dict[str, str]:
    """Each name with a number that the question shortens, typed → the one name of the documents it stands for
    (`numbered_candidates`; none when several would fit)."""
    out = {}
    for m in _NUMBERED_NAME.finditer(question):
        found = numbered_candidates(m.group(0), retriever)
        if len(found) == 1:
            out[m.group(0)] = found.pop()
    return out


def _in_order(letters: str, word: str) -> bool:
    """Every letter of `letters` occurs in `word`, in that order."""
    rest = iter(word)
    return all(c in rest for c in letters)


def resolve_descriptors(question: str, retriever, bibliography) -> Resolution:
    out = Resolution(question)
    described = table_studies(question, retriever, bibliography)
    authors = list(dict.fromkeys(a for names in described.values() for a in names))
    described_authors = set(authors) if len(authors) <= 2 else set()
    if 1 <= len(authors) <= 2:  # the words point at one study (two at most): name it for retrieval
        # "(Ko et al.)": a two-letter surname is read as a study's name only where it is used as an author's
        out.query = f"{out.query} ({' and '.join(a + ' et al.' if len(a) < 3 else a for a in authors)})"
        out.resolved.update({w: ", ".join(a) for w, a in described.items()})
    for journal, authors in journal_authors(question, bibliography).items():
        typed = r"\s+(?:(?:of|and|in|&|the)\s+)*".join(re.escape(w) for w in journal.split())
        # the journal of several cited papers, and another description of one of them ("the phase 1b trial published
        # in Annals of Oncology"): that one
        both = [a for a in authors if a in described_authors]
        authors = both or authors
        if len(authors) <= 2:
            out.query = re.sub(typed, " and ".join(authors), out.query)
            out.resolved[journal] = ", ".join(authors)
        else:  # the journal of many cited papers identifies none, and it is not what the question is about
            out.query = re.sub(typed, "", out.query)
    for acronym in dict.fromkeys(_ACRONYM.findall(question)):
        low = acronym.lower()
        if low in retriever.vocabulary or low in retriever.lexicon.glossary:
            continue
        spelled = long_form(acronym, retriever)
        if spelled:
            out.query = re.sub(rf"\b{re.escape(acronym)}\b", spelled, out.query)
            out.resolved[acronym] = spelled
    for typed, name in numbered_names(question, retriever).items():
        out.query = re.sub(rf"(?<![\w-]){re.escape(typed)}(?![\w-])", name, out.query)
        out.resolved[typed] = name
    for demonym, place in retriever.lexicon.places(question):
        where = re.compile(rf"(?<![\w-]){re.escape(place)}(?![\w-])")
        rx = re.compile(rf"\b{re.escape(demonym)}\b", re.I)
        own = [s for s in retriever.sentences if s.kind == "front" and where.search(fold(s.text))
               and _AFFILIATION.search(s.text)]
        if own:
            # "the Swiss authors/team" → "the review"; any other use of the word simply goes
            grouped = re.compile(rf"\b(?:the\s+)?{re.escape(demonym)}\s+{_GROUP_NOUNS}\b", re.I)
            out.query = grouped.sub("the review", out.query) if grouped.search(out.query) else rx.sub("", out.query)
            out.resolved[demonym] = "the authors of the review"
            continue
        names: list[str] = []
        for s in retriever.sentences:
            if s.kind == "table_record" and where.search(fold(s.text)):
                for n in s.refs:
                    names += [r.first_author for _, r in bibliography.by_number(n)]
        if not names:
            names = [r.first_author for _, r in bibliography.entries if where.search(fold(r.text))]
        names = list(dict.fromkeys(n for n in names if n))
        if names:
            out.query = rx.sub(" and ".join(names[:2]), out.query)
            out.resolved[demonym] = ", ".join(names[:2])
        else:
            out.unresolved.append(demonym)
    out.query = re.sub(r"\s{2,}", " ", out.query).strip()
    return out
