"""Safe HTML/markdown fragments for the Streamlit app: pure functions, no Streamlit import, so they are unit-testable.

Every piece of user or document text goes through `esc` (for `st.html`) or `md` (for widgets whose labels and bodies
are markdown). Nothing from a question or a document can become markup: a question such as
`<script>alert(1)</script>` is shown as those characters, and `$x$`, `**x**` or `:red[x]` in a document stay literal.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping

STYLE = """<style>
.ascc-text { white-space: pre-wrap; line-height: 1.55; overflow-wrap: anywhere; }
.ascc-meta { font-size: 0.85rem; opacity: 0.8; margin-top: 0.6rem; }
.ascc-passage { white-space: pre-wrap; line-height: 1.5; font-size: 0.93rem; border-left: 3px solid #c9ced6;
                padding: 0.2rem 0 0.2rem 0.75rem; margin: 0.2rem 0 0.4rem 0; overflow-wrap: anywhere; }
.ascc-passage mark { background: #ffe08a; color: #111; padding: 0 0.1em; border-radius: 2px; }
.ascc-bib { font-size: 0.9rem; line-height: 1.45; margin: 0.15rem 0; overflow-wrap: anywhere; }
.ascc-legend { font-size: 0.9rem; line-height: 1.5; }
.ascc-note { font-size: 0.9rem; line-height: 1.45; border-left: 3px solid #d9822b; background: #fff6ea; color: #222;
             padding: 0.35rem 0.6rem; margin: 0.2rem 0 0.6rem 0; overflow-wrap: anywhere; }
</style>"""

# CommonMark lets every ASCII punctuation character be backslash-escaped; these are the ones that can start markup
# in Streamlit's markdown (emphasis, links, headings, lists, tables, math `$`, directives `:red[...]`, HTML, entities).
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=^\"'])")


def esc(text: object) -> str:
    """HTML-escape for `st.html` bodies (quotes included, so text is also safe inside attributes)."""
    return html.escape(str(text), quote=True)


def md(text: object) -> str:
    """Escape text for st.markdown / st.error / labels: every markup character is shown literally. Newlines become
    hard line breaks so multi-line text keeps its lines."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", "  \n")


def text_block(text: str, css_class: str = "ascc-text") -> str:
    """A block of plain text (line breaks kept) for st.html."""
    return f'<div class="{css_class}">{esc(text)}</div>'


def _trim_before(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    cut = text[-width:]
    space = cut.find(" ")
    return "\u2026" + (cut[space + 1:] if 0 <= space < 40 else cut)


def _trim_after(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    cut = text[:width]
    space = cut.rfind(" ")
    return (cut[:space] if space > width - 40 else cut) + "\u2026"


def passage_block(paragraph: str, start: int, end: int, context_chars: int = 600) -> str:
    """The quoted span highlighted inside its paragraph (long paragraphs trimmed around it), for st.html."""
    return passage_block_multi(paragraph, [(start, end)], context_chars)


def passage_block_multi(paragraph: str, spans: Iterable[tuple[int, int]], context_chars: int = 600) -> str:
    """A paragraph shown once with every quoted span in it highlighted (overlapping spans merged); the text
    before the first and after the last highlight is trimmed to `context_chars`."""
    clean = sorted((max(0, min(s, len(paragraph))), max(0, min(e, len(paragraph)))) for s, e in spans)
    merged: list[list[int]] = []
    for s, e in clean:
        e = max(s, e)
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    if not merged:
        return f'<div class="ascc-passage">{esc(paragraph)}</div>'
    out = [esc(_trim_before(paragraph[:merged[0][0]], context_chars))]
    for k, (s, e) in enumerate(merged):
        out.append(f"<mark>{esc(paragraph[s:e])}</mark>")
        nxt = merged[k + 1][0] if k + 1 < len(merged) else None
        out.append(esc(paragraph[e:nxt]) if nxt is not None else esc(_trim_after(paragraph[e:], context_chars)))
    return f'<div class="ascc-passage">{"".join(out)}</div>'


def group_by_paragraph(keys: Iterable[object]) -> list[list[int]]:
    """Positions grouped by key (e.g. document and paragraph), in order of first appearance: quotes from one
    paragraph are shown under that paragraph once."""
    groups: dict[object, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    return list(groups.values())


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 document', '2 documents' ('1 passage', '3 passages'); `many` for irregular plurals."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def source_label(numbers: int | Iterable[int]) -> str:
    """'Source 2', 'Sources 1, 3': never in square brackets, which are kept for the review's own reference
    numbers."""
    nums = [numbers] if isinstance(numbers, int) else list(numbers)
    return ("Source " if len(nums) == 1 else "Sources ") + ", ".join(map(str, nums))


def refs_label(refs: Iterable[int]) -> str:
    """[12, 23] — the review's own reference numbers."""
    nums = sorted(set(refs))
    return "[" + ", ".join(map(str, nums)) + "]" if nums else ""


def citation_heading(i: int | Iterable[int] | None, section: str, doc: str, refs: Iterable[int],
                     context_refs: Iterable[int] = (), label: str = "") -> str:
    """'Source 1 · 2.1. Salvage Surgery · review.txt · cites [12]' as escaped HTML. `label` replaces the
    'Source N' wording (e.g. 'Passage 1' for passages that do not answer)."""
    name = label or (source_label(i) if i is not None and i != [] else "")
    number = f"<b>{esc(name)}</b> \u00b7 " if name else ""
    parts = [number + esc(section or "Untitled section")] + ([esc(doc)] if doc else [])
    own, ctx = refs_label(refs), refs_label(set(context_refs) - set(refs))
    if own:
        parts.append(f"cites {own}")
    if ctx:
        parts.append(f"its paragraph cites {ctx}")
    return '<div class="ascc-meta">' + " \u00b7 ".join(parts) + "</div>"


def bibliography_block(entries: Mapping[int, str]) -> str:
    """The full reference-list entries, numbered as in the review."""
    rows = [f'<div class="ascc-bib"><b>[{int(n)}]</b> {esc(entry)}</div>' for n, entry in sorted(entries.items())]
    return "".join(rows) or '<div class="ascc-bib">(no reference numbers cited)</div>'


def _note_where(quote: Mapping) -> str:
    role, section = quote.get("role", ""), quote.get("section", "")
    number = str(quote.get("sentence_id", "")).removeprefix("ref-")
    if role == "table":
        return section.split(".")[0] if section.startswith("Table") else "A table"
    if role.endswith("entry") or role == "reference list":
        return f"Reference [{number}]" if number.isdigit() else "The reference list"
    return f"The text ({section})"


def note_block(note: Mapping) -> str:
    """A note beside the quote it concerns: the review contradicts itself here, with each side's own words."""
    sources = note.get("sources") or []
    rows = "".join(f"<div>{esc(_note_where(q))}, characters {int(q['start'])}\u2013{int(q['end'])}: "
                   f"\u201c{esc(q['quote'])}\u201d</div>" for q in note.get("quotes", []))
    return (f'<div class="ascc-note"><div><b>Note on {esc(source_label(sources)) if sources else "this passage"}'
            f"</b> \u2014 the review is not consistent with itself ({esc(note.get('kind', ''))}): "
            f"{esc(note.get('summary', ''))}.</div>{rows}</div>")


def legend_block(footnotes: Mapping[str, str], notice: str) -> str:
    """Footnote marks explained, then the statement that the chart is a reconstruction."""
    rows = [f"<div><b>[{esc(k)}]</b> {esc(v)}</div>" for k, v in footnotes.items()]
    return (f'<div class="ascc-legend"><div><b>Footnotes</b></div>{"".join(rows)}'
            f'<div style="margin-top:0.4rem"><b>Note:</b> {esc(notice)}</div></div>')


def split_tree(text: str, tree: str) -> tuple[str, str]:
    """Separate a deferred answer's prose from its text rendering of the flowchart (shown as a diagram instead)."""
    if tree and text.endswith(tree):
        return text[: -len(tree)].rstrip(), tree
    return text, ""
