"""Reference hygiene: numbers cited that the reference list does not have, and entries no passage cites.

Only for a document with a numbered reference list and at least one numbered citation (a document cited by
author and year would otherwise have every entry "never cited"). Citations are counted everywhere outside the
reference list: prose, table records, captions.
"""
from __future__ import annotations

from bot.audit.findings import HYGIENE, OUTSIDE, UNCITED, Finding, quote_entry, quote_sentence
from bot.text import CITATION_RE, parse_citation
from bot.types import Document


def check(doc: Document) -> list[Finding]:
    refs = doc.references
    if not refs:
        return []
    cited: set[int] = set()
    findings = []
    last = quote_entry(doc, max(refs), "reference list")
    for s in doc.sentences:
        outside: list[int] = []
        for m in CITATION_RE.finditer(s.text):
            nums = parse_citation(m.group(1))
            cited.update(nums)
            outside += [x for x in nums if x not in refs]
        if outside:
            nums_txt = ", ".join(map(str, sorted(set(outside))))
            where = "a table" if s.kind == "table_record" else "the text"
            gaps = "" if len(refs) == max(refs) - min(refs) + 1 else f", {len(refs)} entries"
            summary = (f"{where} cites [{nums_txt}], which the reference list does not have (it numbers "
                       f"{min(refs)}\u2013{max(refs)}{gaps})")
            quotes = [quote_sentence(s, "table" if s.kind == "table_record" else "text")] + ([last] if last else [])
            findings.append(Finding(HYGIENE, OUTSIDE, doc.doc_id, summary, quotes, sorted(set(outside))))
    if not cited:
        return findings
    for n in sorted(set(refs) - cited):
        q = quote_entry(doc, n, "reference list")
        findings.append(Finding(HYGIENE, UNCITED, doc.doc_id, f"reference [{n}] is never cited in the text",
                                [q] if q else [], [n]))
    return findings
