"""The audit listing as text, for `ascc-bot audit` (the JSON form is the stored records themselves)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from bot.audit.findings import POPULATIONS
from bot.text import plural


def _quote_lines(q: Mapping) -> list[str]:
    number = q.get("sentence_id", "").removeprefix("ref-")
    role = f"{q['role']} [{number}]" if q["role"].endswith("entry") and number.isdigit() else q["role"]
    return [f"     {role} \u2014 {q['section']}, characters {q['start']}\u2013{q['end']}:",
            f"       \u201c{q['quote']}\u201d"]


def format_report(records: Mapping[str, dict]) -> str:
    """Per document: a count by kind, then each finding with its label, summary and verbatim quotes."""
    out = []
    for doc, rec in sorted(records.items()):
        findings = rec.get("findings", [])
        kinds = Counter(f["kind"] for f in findings)
        pops = sum(1 for f in findings if f["label"] == POPULATIONS)
        head = f"{doc}: " + (plural(len(findings), "finding") if findings else "no findings")
        if findings:
            head += ": " + ", ".join(f"{k} ({n})" for k, n in sorted(kinds.items()))
            head += f"; {pops} labelled \u201c{POPULATIONS}\u201d, not a conflict" if pops else ""
        out.append(head)
        if rec.get("error"):
            out.append(f"  the audit of this document failed ({rec['error']}); its findings are incomplete")
        for i, f in enumerate(findings, 1):
            out.append(f"  {i}. {f['kind']} \u2014 {f['label']}: {f['summary']}")
            for q in f["quotes"]:
                out += _quote_lines(q)
        out.append("")
    return "\n".join(out).rstrip() + "\n" if out else "no documents in the index\n"
