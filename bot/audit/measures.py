"""Measures a table column and a sentence can both report, and the values a sentence gives for them.

Measures: median overall / progression-free survival (months), the 12-month rates of both (%), sample size and
treatment. A table column is mapped from its label ('Median Overall Survival (Months)' → os_median); a sentence
value is the first number with the measure's unit after the measure's name ('the median overall survival was 12.1
months'), with whether the sentence restricts it to a subgroup ('in the patients with PD-L1-negative tumors',
'for group A') or speaks of the whole cohort ('for the overall population').
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text import fold

_ENDPOINTS = {"os": "overall survival", "pfs": "progression-free survival", "rfs": "recurrence-free survival",
              "dfs": "disease-free survival", "efs": "event-free survival"}
NAMES = {"n": "sample size", "treatment": "treatment"}
for _k, _v in _ENDPOINTS.items():
    NAMES[f"{_k}_median"], NAMES[f"{_k}_12"] = f"median {_v}", f"12-month {_v} rate"

_ENDPOINT = re.compile(r"(?:overall|(?:progression|recurrence|relapse|disease|event)[- ]free) survival"
                       r"(?:\s*\([A-Z]{2,3}\))?|\b(?:OS|PFS|RFS|DFS|EFS)\b", re.I)
_H12_BEFORE = re.compile(r"\b(?:12[- ]months?|1[- ]year|one[- ]year)\W{0,3}$")
_OTHER_HORIZON = re.compile(r"\b(?:\d+|two|three|five|ten)[- ]?(?:years?|months?|y)\W{0,3}$")
_H12_AFTER = re.compile(r"^\s*(?:rates?\s+)?(?:at|after)\s+(?:12\s+months|1\s+year|one\s+year)\b")
_VALUE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(%|months?\b|mo\b)")
_WHOLE = re.compile(r"\b(?:overall population|whole (?:cohort|population|group)|entire (?:cohort|population)|"
                    r"all (?:the )?(?:patients|participants)|overall cohort|intention[- ]to[- ]treat)\b", re.I)
_SUBGROUP = re.compile(
    r"\b(?:sub-?groups?|arms?|group [A-Z0-9]\b|cohort [A-Z0-9]\b"
    r"|(?:in|for|among) (?:the )?(?:patients|those|participants|subjects) (?:with|who|whose|receiving|treated|on)\b"
    r"|(?:positive|negative)\b[^.;]{0,25}\b(?:tumou?rs|patients|group|cohort)"
    r"|(?:in|for) (?:the )?[\w\s\-]{0,40}\b(?:group|arm|regimen)\b"
    r"|\b(?:non-)?responders\b|\bstrat(?:um|a)\b|\bsubsets?\b|\bsubpopulations?\b)", re.I)
_QUALIFIED = re.compile(r"^\s*(?:in|for|among)\s+(?!all\b|the whole\b|the entire\b|the overall\b|the study\b|this\b)"
                        r"(?:the\s+|those\s+)?[\w\-\u2013\u2265\u2264<>= ]{1,50}?\b(?:patients|tumou?rs|disease|"
                        r"cases|participants|subjects|group|cohort|arm)\b", re.I)
_N_CUE = re.compile(r"\b(?:a total of|total of|including|included|enrolled|enrolling|involving|comprising|recruited|"
                    r"randomi[sz]ed|treated|studied|described|analy[sz]ed)"
                    r"\s+(\d[\d,]*)\s+(?:[a-z\-]+\s+){0,2}?(?:patients|participants|subjects|individuals|people)\b",
                    re.I)
_N_WERE = re.compile(r"\b(\d[\d,]*)\s+(?:[a-z\-]+\s+){0,2}?(?:patients|participants|subjects)\s+(?:were|was)\s+"
                     r"(?:enrolled|included|randomi[sz]ed|recruited)\b", re.I)
_N_SUBGROUP = re.compile(r"\b(?:sub-?groups?|arms?|group [A-Z0-9]|of whom|among them|each)\b", re.I)


def column_measure(label: str) -> str | None:
    """'Median Progression-Free Survival (Months)' → 'pfs_median'; labels the audit does not compare → None."""
    low = fold(label)
    endpoint = _endpoint(low)
    if endpoint:
        if re.search(r"\b(?:12[- ]?(?:months?|mo)|1[- ]year|one[- ]year)\b", low):
            return endpoint + "_12"
        return endpoint + "_median" if "median" in low else None
    if re.search(r"\bsample size\b|\bnumber of (?:patients|participants|subjects)\b|^n$|^no\. of patients"
                 r"|^(?:patients|participants) \(n\)$", low):
        return "n"
    if re.search(r"^(?:treatments?|regimens?|interventions?|therap(?:y|ies)|drugs?|arms?)\b", low):
        return "treatment"
    return None


def _endpoint(phrase: str) -> str | None:
    low = fold(phrase)
    for key, rx in (("os", r"overall survival|\bos\b"), ("pfs", r"progression[- ]free|\bpfs\b"),
                    ("rfs", r"(?:recurrence|relapse)[- ]free|\brfs\b"), ("dfs", r"disease[- ]free|\bdfs\b"),
                    ("efs", r"event[- ]free|\befs\b")):
        if re.search(rx, low):
            return key
    return None


def numbers(cell: str) -> list[str]:
    """The values of a cell, without what it gives in brackets ('14.2 (11.0–17.5)' → ['14.2'])."""
    return re.findall(r"(?<![\w.])\d+(?:\.\d+)?", re.sub(r"\([^()]*\)", " ", cell).replace(",", ""))


def consistent(a: str, b: str) -> bool:
    """Equal once rounded to the less precise of the two: '2' agrees with '2.1' and '2.0', '11.9' not with '12.1'."""
    dec = min(len(a.partition(".")[2]), len(b.partition(".")[2]))
    return abs(float(a) - float(b)) <= 0.5 * 10 ** -dec + 1e-9


@dataclass(frozen=True)
class TextValue:
    measure: str
    value: str
    subgroup: bool


def sentence_values(text: str) -> list[TextValue]:
    """Every (measure, value) a sentence states for survival, with whether it is a subgroup's."""
    out: list[TextValue] = []
    phrases = list(_ENDPOINT.finditer(text))
    for k, m in enumerate(phrases):
        word = m.group(0)
        if len(word) <= 3 and not word.isupper():
            continue  # 'os' or 'Pfs' in running text is not the abbreviation
        endpoint = _endpoint(word)
        before = text[max(0, m.start() - 30):m.start()]
        stop = phrases[k + 1].start() if k + 1 < len(phrases) else len(text)
        after_start = m.end()
        h12 = bool(_H12_BEFORE.search(before))
        ha = _H12_AFTER.match(text[m.end():stop])
        if ha:
            h12, after_start = True, m.end() + ha.end()
        if not h12 and _OTHER_HORIZON.search(before):
            continue  # a 5-year rate: not a measure the tables are compared on
        v = _VALUE.search(text, after_start, min(stop, after_start + 90))
        if not v:
            continue
        unit = v.group(2)
        if unit == "%" and not h12 and re.match(r"\s*(?:at|after)\s+(?:12\s+months|1\s+year|one\s+year)\b",
                                                text[v.end():]):
            h12 = True  # 'OS was 60% at 12 months'
        if unit == "%" and h12:
            measure = endpoint + "_12"
        elif unit != "%" and not h12:
            measure = endpoint + "_median"
        else:
            continue
        span = text[m.start():v.end() + 15]
        # '2.1 months in MGMT-methylated and 1.9 months in unmethylated tumours': a second value of the same unit
        # in the same clause, or 'in <qualified> patients' after the value, marks per-group values
        same_unit = r"%" if unit == "%" else r"months?\b|mo\b"
        rest = text[v.end():stop]
        clause = re.split(r"[;.](?:\s|$)|,\s+(?:and|but|while|whereas)\s", rest, maxsplit=1)[0]
        per_group = bool(re.search(rf"\d\s*(?:{same_unit})", clause)) or bool(_QUALIFIED.match(rest))
        subgroup = not _WHOLE.search(span) and (per_group or bool(_SUBGROUP.search(text)))
        out.append(TextValue(measure, v.group(1), subgroup))
    for rx in (_N_CUE, _N_WERE):
        for m in rx.finditer(text):
            window = text[max(0, m.start() - 40):m.end() + 40]
            out.append(TextValue("n", m.group(1).replace(",", ""), bool(_N_SUBGROUP.search(window))))
    seen, uniq = set(), []
    for tv in out:
        if (tv.measure, tv.value) not in seen:
            seen.add((tv.measure, tv.value))
            uniq.append(tv)
    return uniq
