"""One PDF page → its text lines and tables in reading order.

Characters (read with PDFium, `pdf_page`) are grouped into rows by height, and rows into fragments wherever a wide gap
separates them. A page whose rows keep a common gap near the middle has two columns there: consecutive rows that do
not cross that gutter form a two-column region, read left column first; a row that crosses it (a title, an abstract
set across the page, a wide table) ends the region. Tables whose ruled cells the extractor finds are taken out of
the text flow and kept as rows of cells, in their place in the reading order.
"""
from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field

import numpy as np

_SPACE_GAP = 0.15     # a gap wider than this share of the font size between two characters is a space
_FRAGMENT_GAP = 1.1   # a gap wider than this many font sizes splits a row into fragments (columns, header parts)
_MIN_GUTTER_ROWS = 2  # lines left of a middle gap (and one more right of it) that make a page two columns


@dataclass
class Line:
    """A line of text in one column, or a table (then `cells` holds its rows and `text` is empty)."""
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    text: str = ""
    size: float = 0.0
    bold: float = 0.0          # share of the line's letters set in a bold face
    column: tuple[float, float] = (0.0, 0.0)  # the x-range of the column (or region) the line was read in
    cells: list[list[str]] | None = None
    region: int = 0            # lines of one column of one region share a region number
    chars: list[dict] = field(default_factory=list, repr=False)


@functools.lru_cache(maxsize=256)
def _is_bold(fontname: str) -> bool:
    return bool(re.search(r"bold|black|heavy|semibold|demi", fontname, re.I))


def _rows(chars: list[dict]) -> list[list[dict]]:
    """Characters grouped into rows by height, the largest first: a smaller character (a superscript or subscript,
    "m²") then joins the row whose height holds its middle, so it stays in its place in the line."""
    tops: list[float] = []              # the rows, kept in order of their top
    bands: list[list[float]] = []       # [top, bottom, height of its largest characters]
    rows: list[list[dict]] = []
    for ch in sorted(chars, key=lambda c: (-round(c["size"], 1), c["bottom"], c["x0"])):
        mid = (ch["top"] + ch["bottom"]) / 2
        i = bisect.bisect_right(tops, mid)
        home, best = None, float("inf")
        for j in range(max(0, i - 3), min(len(rows), i + 1)):
            top, bottom, height = bands[j]
            same = ch["bottom"] - ch["top"] >= height * 0.9
            pad = height * 0.2 if same else 0.0
            if top + pad <= mid <= bottom - pad:
                if same:
                    home = j
                    bands[j][0], bands[j][1] = min(top, ch["top"]), max(bottom, ch["bottom"])
                    tops[j] = bands[j][0]
                    break
                # a smaller character goes with the row it sits next to (two columns' rows may both hold it)
                near = min(abs(ch["x0"] - c["x1"]) for c in rows[j]) if rows[j] else float("inf")
                if near < best:
                    home, best = j, near
        if home is None:
            home = bisect.bisect_right(tops, ch["top"])
            tops.insert(home, ch["top"])
            bands.insert(home, [ch["top"], ch["bottom"], ch["bottom"] - ch["top"]])
            rows.insert(home, [])
        rows[home].append(ch)
    order = sorted(range(len(rows)), key=lambda k: bands[k][1])
    return [sorted(rows[k], key=lambda c: c["x0"]) for k in order]


def _fragments(row: list[dict]) -> list[list[dict]]:
    out: list[list[dict]] = [[row[0]]]
    for prev, ch in zip(row, row[1:]):
        if ch["x0"] - prev["x1"] > _FRAGMENT_GAP * max(prev["size"], ch["size"], 6.0):
            out.append([ch])
        else:
            out[-1].append(ch)
    return out


_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st",
              "\ufb06": "st"}


_SUPERSCRIPT = str.maketrans("0123456789", "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def text_of(chars: list[dict]) -> str:
    """Characters of one line → text, with a space wherever the gap between two characters is a word gap. A small
    raised digit is a superscript ("m²", a footnote mark "¹"); ligatures are spelled out ("ﬁ" → "fi")."""
    letters = sorted(c["size"] for c in chars if c["text"].strip())
    usual = letters[len(letters) // 2] if letters else 0
    base = sorted(c["bottom"] for c in chars if c["size"] >= usual * 0.9) or [0]
    baseline = base[len(base) // 2]
    out: list[str] = []
    prev = None
    for ch in chars:
        if prev is not None and ch["x0"] - prev["x1"] > _SPACE_GAP * min(prev["size"], ch["size"]):
            if out and out[-1] != " ":
                out.append(" ")
        text = _LIGATURES.get(ch["text"], ch["text"])
        if ch["size"] < usual * 0.95 and ch["bottom"] < baseline - 0.2 * usual:
            text = text.translate(_SUPERSCRIPT)
        out.append(text)
        prev = ch
    return re.sub(r"\s+", " ", "".join(out)).strip()


def cell_text(chars: list[dict]) -> str:
    """The characters inside one table cell → its lines, read like the page's text."""
    glyphs = [c for c in chars if c.get("upright", True)]
    return "\n".join(text_of(row) for row in _rows(glyphs) if text_of(row))


def make_line(page: int, chars: list[dict], column: tuple[float, float] = (0.0, 0.0)) -> Line:
    letters = [c for c in chars if c["text"].isalnum()] or chars
    sizes = sorted(c["size"] for c in letters)
    return Line(page, min(c["x0"] for c in chars), max(c["x1"] for c in chars), min(c["top"] for c in chars),
                max(c["bottom"] for c in chars), text_of(chars), round(sizes[len(sizes) // 2], 1),
                sum(_is_bold(c.get("fontname", "")) for c in letters) / len(letters), column, None, 0, chars)


def page_fragments(page_no: int, chars: list[dict]) -> list[Line]:
    """Every fragment of every row of the page, as a Line (used for running headers and for columns)."""
    glyphs = [c for c in chars if c["text"].strip() and c.get("upright", True)]
    out = []
    for row in _rows(glyphs):
        for frag in _fragments(row):
            out.append(make_line(page_no, frag))
    return out


def _gutter(frags: list[Line], width: float) -> float | None:
    """The x of a white gap near the middle of the page with column text on both sides, if there is one.

    Column lines end just left of the gap and start just right of it; at least `_MIN_GUTTER_ROWS` must do each,
    and (almost) no fragment narrower than a column may cross it at their height. Lines across the page are read
    on their own, so they do not count."""
    narrow = [f for f in frags if f.x1 - f.x0 < width * 0.55]
    if len(narrow) < 2 * _MIN_GUTTER_ROWS:
        return None
    x0 = np.array([f.x0 for f in narrow])[None, :]
    x1 = np.array([f.x1 for f in narrow])[None, :]
    top = np.array([f.top for f in narrow])[None, :]
    xs = np.arange(int(width * 0.3), int(width * 0.7))[:, None].astype(float)
    left = (x1 <= xs) & (x1 > xs - width * 0.12)
    right = (x0 >= xs) & (x0 < xs + width * 0.06)
    lo = np.where(right, top, np.inf).min(axis=1, keepdims=True)  # the height of the right column's lines
    hi = np.where(right, top, -np.inf).max(axis=1, keepdims=True)
    beside = (top >= lo - 2) & (top <= hi + 2)
    crossing = ((x0 < xs) & (x1 > xs) & beside).sum(axis=1)
    n_right = right.sum(axis=1)
    n = np.where(n_right >= _MIN_GUTTER_ROWS + 1, np.minimum((left & beside).sum(axis=1), n_right), 0)
    n = np.where(crossing <= n * 0.25, n, 0)
    best = int(n.max())
    if best < _MIN_GUTTER_ROWS:
        return None
    at = np.flatnonzero(n == best)
    run = at[: np.argmax(np.diff(np.append(at, at[-1] + 2)) > 1) + 1]  # the first run of best positions
    return float(xs[run[len(run) // 2], 0])  # its middle


def reading_order(page_no: int, width: float, frags: list[Line], tables: list[Line]) -> list[Line]:
    """Fragments and tables of one page → lines in reading order, each tagged with its column and region."""
    gutter = _gutter(frags, width)
    items = sorted(frags + tables, key=lambda f: (f.top, f.x0))
    regions: list[tuple[bool, list[Line]]] = []  # (across the page?, items), top to bottom
    for it in items:
        wide = gutter is None or _is_wide(it, gutter)
        if regions and regions[-1][0] == wide:
            regions[-1][1].append(it)
        else:
            regions.append((wide, [it]))
    merged: list[tuple[bool, list[Line]]] = []
    for wide, reg in regions:  # lines left of the gutter with nothing beside them belong to the flow across
        wide = wide or all(f.x1 <= gutter + 1 for f in reg)
        if merged and merged[-1][0] and wide:
            merged[-1][1].extend(reg)
        else:
            merged.append((wide, reg))
    regions = merged
    out: list[Line] = []
    region_no = page_no * 1000
    for wide, reg in regions:
        parts = [reg] if wide else [[f for f in reg if f.x1 <= gutter + 1], [f for f in reg if f.x1 > gutter + 1]]
        for part in parts:
            if not part:
                continue
            region_no += 1
            out.extend(_lines(part, region_no))
    return out


def _is_wide(item: Line, gutter: float) -> bool:
    return item.x0 < gutter - 1 and item.x1 > gutter + 1


def _lines(items: list[Line], region: int) -> list[Line]:
    """Fragments of one column → whole lines (fragments of one row joined), top to bottom."""
    col = (min(i.x0 for i in items), max(i.x1 for i in items))
    out: list[Line] = []
    for it in sorted(items, key=lambda f: (round(f.top), f.x0)):
        if it.cells is None and out and out[-1].cells is None and abs(out[-1].top - it.top) < 2:
            merged = make_line(it.page, out[-1].chars + it.chars)
            out[-1] = merged
        else:
            out.append(it)
    for ln in out:
        ln.column, ln.region = col, region
    return out
