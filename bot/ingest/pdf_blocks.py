"""Lines of a PDF in reading order → the blocks of text that `corpus.build_document` parses.

One block per paragraph, on one line; a heading on its own, numbered as "2.1. Title"; one block per entry of the
reference list ("12. Author…"); a table as tab-separated rows. Lines of a paragraph are joined, and so are the
parts of a paragraph cut by a column or page break. A hyphen at the end of a line is dropped when it split a word
("contri-" + "buting"), and kept when it belongs to the word ("post-" + "radiation", "PD-" + "L1", "Follow-" + "Up"):
the document's own spelling elsewhere decides, then the shape of the word.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.ingest.pdf_layout import Line

_TERMINAL = re.compile(r"[.!?:;)\]\"”’%]$")
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+([A-Z][^\n]{0,120})$")
_REF_HEADINGS = {"references", "bibliography", "references:", "literature cited"}
_REF_START = re.compile(r"^\[?(\d{1,3})(?:\.|\])?\s+(\S.*)$")
_WORD = re.compile(r"[A-Za-z][A-Za-z\-\u2010]*[A-Za-z]")
# First parts that make compounds rather than syllables, and second parts that are words of their own.
# (Prefixes that usually close up, "multicenter", "intraoperative", "recurrence", are not listed.)
_PREFIXES = {"post", "pre", "non", "meta", "self", "well", "long", "short", "high", "low", "cross", "first",
             "second", "third", "double", "single", "open", "phase", "dose", "age", "all", "one", "two", "three",
             "five", "ten"}
_SUFFIXES = {"based", "related", "free", "specific", "year", "month", "up", "term", "line", "positive",
             "negative", "induced", "associated", "targeted", "like", "label", "site", "risk", "grade", "level",
             "dependent", "analysis", "radiation", "treated", "arm", "center", "centre", "life", "time", "day"}
_HYPHENS = "-\u2010"


@dataclass
class Block:
    kind: str                      # para | heading | ref | table
    text: str = ""
    marks: list[tuple[int, int]] = field(default_factory=list)  # (offset in text, page) where each line starts
    lines: list[Line] = field(default_factory=list)


class Vocabulary:
    """How the document itself spells words inside its lines: 'meta-analysis' or 'metaanalysis'?"""

    def __init__(self, lines: list[Line]):
        self.words: set[str] = set()
        self.hyphenated: set[str] = set()
        for ln in lines:  # the first and last word of a line may be parts of a word cut at a line end
            for w in _WORD.findall(ln.text)[1:-1]:
                w = w.lower().replace("\u2010", "-")
                (self.hyphenated if "-" in w else self.words).add(w)

    def join(self, prev: str, nxt: str) -> str:
        """Two lines of one paragraph as one text."""
        if not prev:
            return nxt
        if prev.endswith("\u00ad"):
            return prev[:-1] + nxt
        if prev[-1:] in _HYPHENS and len(prev) > 1 and prev[-2].isalpha() and nxt[:1].isalpha():
            a = re.search(r"[^\W\d_]+$", prev[:-1]).group(0).lower()
            b = re.match(r"[^\W\d_]+", nxt).group(0).lower()
            if not nxt[0].islower() or self._keeps_hyphen(a, b):
                return prev[:-1] + "-" + nxt
            return prev[:-1] + nxt
        if prev[-1:] in _HYPHENS and not prev[-2:-1].isspace():
            return prev[:-1] + "-" + nxt  # "5-" + "year", "KEYNOTE-" + "158"
        if prev[-1:] in "/\u2013" and not prev[-2:-1].isspace():
            return prev + nxt  # "https://doi.org/" + "10.3390/…", "1.04–" + "2.49"
        return prev + " " + nxt

    def _keeps_hyphen(self, a: str, b: str) -> bool:
        if f"{a}-{b}" in self.hyphenated:
            return True
        if a + b in self.words:
            return False
        return a in _PREFIXES or b in _SUFFIXES or (a in self.words and b in self.words)  # "surgery-alone"


def is_heading_style(ln: Line, body_size: float) -> bool:
    return bool(ln.text) and len(ln.text) < 160 and (ln.bold >= 0.9 or ln.size >= body_size * 1.15)


def _plain_numbered_heading(ln: Line) -> bool:
    """A numbered heading set like the text: short, alone on its line, no final full stop."""
    m = _NUMBERED.match(ln.text)
    width = ln.column[1] - ln.column[0]
    return bool(m) and len(ln.text) <= 90 and not ln.text.endswith(".") and (ln.x1 - ln.x0) < 0.75 * width


def build_blocks(lines: list[Line], body_size: float, para_gap: float) -> list[Block]:
    """Group lines into blocks. `para_gap` is the gap between two lines, in font sizes, above which a new paragraph
    starts."""
    vocab = Vocabulary([ln for ln in lines if ln.cells is None and ln.text])
    blocks: list[Block] = []
    in_refs = False
    last_ref = 0

    def start(kind: str, ln: Line) -> None:
        blocks.append(Block(kind, "", [], []))
        add(ln)

    def add(ln: Line) -> None:
        b = blocks[-1]
        joined = vocab.join(b.text, ln.text)
        b.marks.append((len(joined) - len(ln.text), ln.page))
        b.text = joined
        b.lines.append(ln)

    for ln in lines:
        if ln.cells is not None:
            rows = ["\t".join(_cell(c, vocab) for c in row) for row in ln.cells]
            if blocks and blocks[-1].kind == "table":  # a table continued (next page, or its second half)
                blocks[-1].text += "\n" + "\n".join(rows)
            else:
                blocks.append(Block("table", "\n".join(rows), [(0, ln.page)], [ln]))
            continue
        head = (is_heading_style(ln, body_size) or ln.text.strip().lower() in _REF_HEADINGS
                or (not in_refs and _plain_numbered_heading(ln)))
        prev_block = blocks[-1] if blocks else None
        prev = prev_block.lines[-1] if prev_block and prev_block.lines else None
        if head:
            if (prev_block and prev_block.kind == "heading" and prev.region == ln.region
                    and abs(prev.size - ln.size) < 0.5 and ln.top - prev.bottom < ln.size
                    and not _NUMBERED.match(ln.text)):
                add(ln)  # a heading set on two lines
            else:
                start("heading", ln)
            in_refs = ln.text.strip().lower() in _REF_HEADINGS
            last_ref = 0
            continue
        if in_refs:
            m = _REF_START.match(ln.text)
            if m and (int(m.group(1)) == last_ref + 1 or (last_ref == 0)) and _starts_line(ln):
                last_ref = int(m.group(1))
                start("ref", ln)
            elif prev_block and prev_block.kind == "ref" and (prev.region != ln.region  # an entry goes on
                                                             or not _new_paragraph(prev, ln, para_gap, indents=False)):
                add(ln)
            else:
                start("para", ln)
            continue
        if prev_block is None or prev_block.kind != "para" or _new_paragraph(prev, ln, para_gap):
            start("para", ln)
        else:
            add(ln)
    for b in blocks:
        if b.kind == "heading":
            m = _NUMBERED.match(b.text)
            if m:
                b.text = f"{m.group(1)}. {m.group(2).strip()}"
        elif b.kind == "ref":
            m = _REF_START.match(b.text)
            if m and not re.match(r"^\d+\.\s", b.text):  # "[12] Author" and "12 Author" are written "12. Author"
                b.text = f"{m.group(1)}. {m.group(2)}"
    return [b for b in blocks if b.text.strip()]


def _starts_line(ln: Line) -> bool:
    """An entry starts at the column's left edge (a continuation line of a hanging indent does not)."""
    return ln.x0 <= ln.column[0] + 2 * ln.size


def _new_paragraph(prev: Line, ln: Line, para_gap: float, indents: bool = True) -> bool:
    """Does `ln` start a new paragraph after `prev`? A wider gap, another font size, or an indented line after a
    short one (not in a reference list, whose entries hang)."""
    indent = indents and ln.x0 > ln.column[0] + 0.8 * ln.size
    if prev.region != ln.region:  # next column or page: the paragraph goes on unless the last one ended
        return bool(_TERMINAL.search(prev.text)) and (indent or not ln.text[:1].islower())
    if ln.top - prev.bottom > para_gap * max(ln.size, 1.0) or abs(ln.size - prev.size) > 1.0:
        return True
    short = prev.x1 < prev.column[1] - 2 * prev.size
    return indent and short


def _cell(lines: str | None, vocab: Vocabulary) -> str:
    text = ""
    for part in (lines or "").splitlines():
        part = re.sub(r"\s+", " ", part).strip()
        if part:
            text = vocab.join(text, part)
    return text


def blocks_text(blocks: list[Block]) -> tuple[str, list[tuple[int, int]]]:
    """The blocks as the text `build_document` reads (blank line between blocks), and where each page starts."""
    parts: list[str] = []
    marks: list[tuple[int, int]] = []
    pos = 0
    for b in blocks:
        if parts:
            parts.append("\n\n")
            pos += 2
        marks.extend((pos + off, page) for off, page in b.marks)
        parts.append(b.text)
        pos += len(b.text)
    return "".join(parts), marks
