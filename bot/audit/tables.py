"""Table–text conflict: a table record and a body sentence about the same study (the same single reference
number) give different values for the same measure.

The body sentences about study [n] are those that cite [n] alone, or that cite nothing and belong to a paragraph
that cites [n] alone. Numbers agree when equal after rounding to the less precise of the two ('2' and '2.1').
When no sentence agrees with the table and every disagreeing value is a subgroup's, the finding is labelled
"different populations" (the whole cohort against its subgroups), not "conflict". A treatment conflicts only
when the table names a drug (by its international-name stem, bot/data/audit.json) that the text about the study
never names, while the text names another drug of the same stem ('Pembrolizumab + mDCF' against atezolizumab).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from bot.audit.findings import CONFLICT, POPULATIONS, TABLE_TEXT, Finding, quote_cell, quote_sentence
from bot.audit.measures import NAMES, column_measure, consistent, numbers, sentence_values
from bot.text import fold, table_cells
from bot.types import Document, Sentence

DATA = Path(__file__).resolve().parent.parent / "data" / "audit.json"


@lru_cache(maxsize=1)
def drug_stems() -> tuple[str, ...]:
    stems = json.loads(DATA.read_text(encoding="utf-8"))["drug_stems"]
    return tuple(sorted(stems, key=len, reverse=True))


def _stem(word: str) -> str | None:
    w = word.lower()
    return next((s for s in drug_stems() if len(w) >= len(s) + 3 and w.endswith(s)), None)


def _drugs(text: str) -> dict[str, str]:
    """Drug names in a text, folded → their stem."""
    out = {}
    for w in re.findall(r"[A-Za-z][A-Za-z\-]{4,}", text):
        stem = _stem(w)
        if stem:
            out[fold(w)] = stem
    return out


_ELSEWHERE = re.compile(r"\bet al\b|\((?:19|20)\d\d\)|\b(?:another|other|previous|earlier|prior|a further)\s+"
                        r"(?:[\w\-]+\s+)?(?:study|studies|trial|trials|series|report|cohort|analysis)\b", re.I)


def _about(doc: Document, n: int) -> list[Sentence]:
    """Sentences that cite [n] alone, or cite nothing in a paragraph that cites [n] alone and do not bring in
    another study ('In contrast, an earlier trial reported …')."""
    return [s for s in doc.sentences if s.kind == "text"
            and (s.refs == (n,) or (not s.refs and s.context_refs == (n,) and not _ELSEWHERE.search(s.text)))]


def check(doc: Document) -> list[Finding]:
    findings = []
    for rec in doc.sentences:
        if rec.kind != "table_record" or len(rec.refs) != 1:
            continue
        n = rec.refs[0]
        text = _about(doc, n)
        if not text:
            continue
        cells = table_cells(rec.text)
        study = cells[0][1] if cells else f"[{n}]"
        table = rec.section.split(".")[0] if rec.section.startswith("Table") else "table"
        for label, value in cells[1:]:
            measure = column_measure(label)
            if measure == "treatment":
                f = _treatment(doc, rec, label, value, text, study, table, n)
            elif measure:
                f = _numeric(doc, rec, label, value, measure, text, study, table, n)
            else:
                f = None
            if f:
                findings.append(f)
    return findings


def _numeric(doc, rec, label, value, measure, text, study, table, n) -> Finding | None:
    tvals = numbers(value)
    if len(tvals) != 1:
        return None  # 'NR', or several values in one cell (subgroups of the table itself)
    t = tvals[0]
    said = [(s, tv) for s in text for tv in sentence_values(s.text) if tv.measure == measure]
    if not said or any(consistent(t, tv.value) for _, tv in said):
        return None
    whole = [(s, tv) for s, tv in said if not tv.subgroup]
    label_ = CONFLICT if whole else POPULATIONS
    shown = whole or said
    values = ", ".join(dict.fromkeys(tv.value for _, tv in shown))
    summary = (f"{table} gives {study} a {NAMES[measure]} of {value}; the text gives {values}"
               + ("" if whole else " for subgroups (the whole cohort against its subgroups)"))
    quotes = [quote_cell(doc, rec, label, value)]
    quotes += [quote_sentence(s) for s in dict.fromkeys(s for s, _ in shown)]
    return Finding(TABLE_TEXT, label_, doc.doc_id, summary, quotes, [n], measure)


def _treatment(doc, rec, label, value, text, study, table, n) -> Finding | None:
    in_table = _drugs(value)
    if not in_table:
        return None
    in_text = {}
    for s in text:
        for d, stem in _drugs(s.text).items():
            in_text.setdefault(d, (stem, s))
    for drug, stem in in_table.items():
        if drug in in_text:
            continue
        others = [(d, s) for d, (st, s) in in_text.items() if st == stem and d not in in_table]
        if not others:
            continue  # the text never names a rival drug: it may just not say
        other, sentence = others[0]
        summary = (f"{table} gives the treatment of {study} as \u201c{value}\u201d; the text about [{n}] names "
                   f"{other}, never {drug}")
        return Finding(TABLE_TEXT, CONFLICT, doc.doc_id, summary,
                       [quote_cell(doc, rec, label, value), quote_sentence(sentence)], [n], "treatment")
    return None
