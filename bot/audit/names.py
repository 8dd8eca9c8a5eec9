"""Citation–name mismatch: a sentence names a study (first author, or a trial's name) and cites a number whose
bibliography entry is another paper.

A name is bound to the first bracket that follows it in the same sentence, unless another name comes in between
(then that bracket is the other name's). A first author is resolved through the entries' first authors (narrowed
by a year written right beside the name, "Kim et al. reported, in 2018 [28]"); a trial's name through the one
entry whose title gives it ("… the phase 2 KEYNOTE-158 study", "(SCARCE C17-02 PRODIGE 60)", ": InterAACT").
Nothing is flagged for a name the bibliography does not resolve ("Vaio" against "Vaios"), nor when the cited
entry lists the name anywhere (a co-author, a trial named in its title).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.audit.findings import MISMATCH, NAME_MISMATCH, Finding, quote_entry, quote_sentence
from bot.text import CITATION_RE, abbreviations, parse_citation
from bot.types import Document, Reference, Sentence

_PARTICLE = r"(?:(?:van|von|de|del|della|da|di|du|le|la|mac|mc|ten|ter)\s+){0,2}"
_SURNAME = _PARTICLE + r"[A-Z][A-Za-z\u00c0-\u024f'\u2019\-]+"
_ET_AL = re.compile(rf"\b({_SURNAME})\s+(?:et\s+al\b\.?|and\s+(?:colleagues|co-?workers)\b)")
_NAME_YEAR = re.compile(rf"\b({_SURNAME})\s+\(((?:19|20)\d\d)\)")                # Kim (2024) [35]
_BY_NAME = re.compile(rf"\b(?:by|from|of)\s+({_SURNAME})(?=\s*\[)")                # the study by Robert [32]
_TWO_NAMES = re.compile(rf"\b({_SURNAME})\s+(?:and|&)\s+{_SURNAME}(?=\s*\[)")       # Lindqvist and Mahlangu [8]
_YEAR_AFTER = re.compile(r"^[\s,]{0,3}(?:\[[^\]]{1,20}\]\s*)?(?:[a-z]+,?\s+){0,2}\(?((?:19|20)\d\d)\b")
_YEAR_BEFORE = re.compile(r"\b((?:19|20)\d\d)\s+(?:[a-z\-]+\s+){0,3}(?:by|from|of)\s+(?:the\s+)?$")
_GROUP = re.compile(r"\(([^()]{2,80})\)")
_BEFORE_STUDY = re.compile(r"([A-Za-z][\w\-]*(?:\s\d{1,3})?)\s+(?:study|trial)\b")
_AFTER_COLON = re.compile(r":\s+([A-Za-z][\w\-]*(?:\s\d{1,3})?)\.(?:\s|$)")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*(?:\s\d{1,3}\b)?")
# Between a name and the bracket after it, another source: the bracket is that source's, not the name's.
_OTHER_SOURCE = re.compile(
    r"\b(?:a|an|another|other|the|one|two|several|some|recent|previous|earlier|later)\s+(?:[\w\-]+\s+){0,2}?"
    r"(?:study|studies|trial|trials|meta-analys[ie]s|review|reviews|series|report|reports|registry|analysis|analyses|"
    r"guidelines?|paper|papers|publication|publications)\b"
    r"|\b(?:whereas|unlike|in contrast|confirmed by|consistent with|similar to|according to|others|other authors)\b",
    re.I)


def fold_name(s: str) -> str:
    """'Fouchardière' → 'fouchardiere', dashes and case unified: how names are compared."""
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return re.sub(r"[\s\u2010-\u2014\-]+", "-", s.lower().replace("\u2019", "'")).strip("-")


def _name_pattern(name: str, flags: int = re.I) -> re.Pattern:
    parts = [re.escape(p) for p in re.split(r"[\s\u2010-\u2014\-]+", name) if p]
    return re.compile(r"(?<![\w\-])" + r"[\s\u2010-\u2014\-]+".join(parts) + r"(?![\w\-])", flags)


def _looks_like_trial(token: str, before_trial: bool = False) -> bool:
    """KEYNOTE-158, PRODIGE 60, Epitopes-HPV02, InterAACT: two capitals and a digit or an inner capital; an
    all-capital word (PANTHER) only right before 'trial' or 'study' (in brackets it is usually a term's
    abbreviation)."""
    caps = sum(ch.isupper() for ch in token)
    if caps >= 2 and (any(ch.isdigit() for ch in token) or bool(re.search(r"[a-z][A-Z]", token))):
        return True
    return before_trial and len(token) >= 4 and token.isalpha() and token.isupper()


def trial_names(refs: dict[int, Reference]) -> dict[str, int]:
    """Trial names → the one entry whose title names them. A name found in several entries is no study's name."""
    found: dict[str, set[int]] = {}
    for ref in refs.values():
        defined = abbreviations(ref.text)  # '(VRAM)' after its long form is a term, not a study
        spots = [(m.group(1), False) for m in _GROUP.finditer(ref.text)]
        spots += [(m.group(1), True) for m in _BEFORE_STUDY.finditer(ref.text)]
        spots += [(m.group(1), False) for m in _AFTER_COLON.finditer(ref.text)]
        for spot, before_trial in spots:
            for tok in _TOKEN.findall(spot):
                if _looks_like_trial(tok, before_trial) and tok.lower() not in defined:
                    found.setdefault(tok, set())
    out = {}
    for name in found:
        pat = _name_pattern(name, 0)
        holders = {r.number for r in refs.values() if pat.search(r.text)}
        if len(holders) == 1:
            out[name] = holders.pop()
    return out


@dataclass
class _Mention:
    name: str
    start: int
    end: int
    trial: int | None = None  # the entry a trial's name resolves to
    year: int | None = None


def _mentions(text: str, trials: dict[str, int]) -> list[_Mention]:
    out: list[_Mention] = []
    for rx in (_ET_AL, _NAME_YEAR, _BY_NAME, _TWO_NAMES):
        for m in rx.finditer(text):
            year = int(m.group(2)) if rx is _NAME_YEAR else None
            if year is None:
                after = _YEAR_AFTER.match(text[m.end():m.end() + 45])
                before = _YEAR_BEFORE.search(text[max(0, m.start() - 40):m.start()])
                year = int(after.group(1)) if after else int(before.group(1)) if before else None
            out.append(_Mention(m.group(1), m.start(1), m.end(), year=year))
    for name, number in trials.items():
        for m in _name_pattern(name, 0).finditer(text):  # case as written: 'ALPHA' is not 'alpha'
            out.append(_Mention(name, m.start(), m.end(), trial=number))
    out.sort(key=lambda x: (x.start, -x.end))
    kept: list[_Mention] = []
    for x in out:  # one mention per place ("Kim et al." and "Kim (2024)" can overlap)
        if not kept or x.start >= kept[-1].end:
            kept.append(x)
    return kept


def _bound(text: str, mentions: list[_Mention], i: int) -> tuple[list[int], int] | None:
    """Numbers of the first bracket after mention i, if no other mention comes before that bracket."""
    me = mentions[i]
    nxt = mentions[i + 1].start if i + 1 < len(mentions) else len(text)
    for m in CITATION_RE.finditer(text, me.end):
        if m.start() >= nxt or _OTHER_SOURCE.search(text, me.end, m.start()):
            return None
        return parse_citation(m.group(1)), m.start()
    return None


def _has_name(ref: Reference, name: str) -> bool:
    return bool(_name_pattern(name).search(ref.text)) or fold_name(name) in fold_name(ref.text).split("-")


def check(doc: Document) -> list[Finding]:
    refs = doc.references
    if not refs:
        return []
    by_author: dict[str, list[Reference]] = {}
    for r in refs.values():
        by_author.setdefault(fold_name(r.first_author), []).append(r)
    trials = trial_names(refs)
    findings = []
    for s in doc.sentences:
        if s.kind not in ("text", "table_record", "caption"):
            continue
        mentions = _mentions(s.text, trials)
        for i, me in enumerate(mentions):
            bound = _bound(s.text, mentions, i)
            if not bound:
                continue
            cited = [refs[n] for n in bound[0] if n in refs]
            if not cited:
                continue  # numbers outside the reference list: reference hygiene reports them
            f = _judge(doc, s, me, cited, by_author)
            if f:
                findings.append(f)
    return findings


def _judge(doc: Document, s: Sentence, me: _Mention, cited: list[Reference],
           by_author: dict[str, list[Reference]]) -> Finding | None:
    numbers = {r.number for r in cited}
    if me.trial is not None:
        if me.trial in numbers or any(_has_name(r, me.name) for r in cited):
            return None
        named = [me.trial]
    else:
        entries = by_author.get(fold_name(me.name), [])
        if not entries:
            return None  # a name no entry has as first author ('Vaio' for 'Vaios'): cannot tell, say nothing
        same_year = [r for r in entries if me.year and r.year == me.year]
        hits = [r for r in cited if r in entries]
        if hits:
            # the cited paper has this first author; only a year written beside the name can contradict it
            if not same_year or any(r in same_year for r in hits) or any(r.year is None for r in hits):
                return None
            named = [r.number for r in same_year]
        else:
            if any(_has_name(r, me.name) for r in cited):
                return None  # a co-author of the cited paper
            named = [r.number for r in (same_year or entries)]
    cited_txt = ", ".join(map(str, sorted(numbers)))
    year = f" ({me.year})" if me.year and me.trial is None else ""
    where = "the table" if s.kind == "table_record" else "the text"
    summary = (f"{where} names {me.name}{year} and cites [{cited_txt}], but the reference list has {me.name}{year} at "
               + " and ".join(f"[{n}]" for n in named))
    quotes = [quote_sentence(s, "table" if s.kind == "table_record" else "text")]
    quotes += [q for q in [quote_entry(doc, named[0], "named entry")] if q]
    quotes += [q for n in sorted(numbers) for q in [quote_entry(doc, n, "cited entry")] if q]
    return Finding(NAME_MISMATCH, MISMATCH, doc.doc_id, summary, quotes, sorted(set(named) | numbers))
