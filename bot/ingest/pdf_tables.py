"""Ruled tables: the cells that a page's horizontal and vertical rules enclose.

This is the method of pdfplumber's table finder with its default settings (the "lines" strategy, after Anssi
Nurminen's thesis and Tabula), applied to the rules `pdf_page` reads with PDFium. Rules less than 3 pt apart are
snapped to their mean position, and collinear rules with less than 3 pt between them are joined. Rules shorter than
3 pt are dropped. A vertical rule that meets a horizontal one, within 3 pt, makes a corner. A cell is the smallest
rectangle whose four corners are joined by rules. Cells that share a corner make one table, and a table needs at
least two cells.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import groupby

SNAP = JOIN = MIN_LENGTH = TOLERANCE = 3.0

Rule = tuple  # ("h", y, x0, x1) or ("v", x, top, bottom)
Box = tuple   # (x0, top, x1, bottom)


@dataclass
class Table:
    bbox: Box
    rows: list[list[Box | None]]  # top to bottom; one entry per column of the table, None where no cell starts


def find_tables(rules: list[Rule]) -> list[Table]:
    """The ruled tables of a page, top to bottom, from its rules (as displayed: y grows down)."""
    edges = [e for e in _merge([r for r in rules if r[3] - r[2] >= 1]) if e[3] - e[2] >= MIN_LENGTH]
    return [_table(cells) for cells in _groups(_cells(_corners(edges)))]


def _merge(rules: list[Rule]) -> list[Rule]:
    """Snap the rules of each orientation to the mean of their cluster, then join collinear ones."""
    snapped: list[Rule] = []
    for orient in ("v", "h"):
        mine = [r for r in rules if r[0] == orient]
        positions = sorted({r[1] for r in mine})
        clusters: list[list[float]] = []
        for p in positions:
            if clusters and p <= clusters[-1][-1] + SNAP:
                clusters[-1].append(p)
            else:
                clusters.append([p])
        home = {p: n for n, cluster in enumerate(clusters) for p in cluster}
        members: dict[int, list[Rule]] = defaultdict(list)
        for r in mine:
            members[home[r[1]]].append(r)
        for group in members.values():
            mean = sum(r[1] for r in group) / len(group)
            snapped.extend((orient, mean, r[2], r[3]) for r in group)
    out: list[Rule] = []
    for _, same_line in groupby(sorted(snapped, key=lambda r: (r[0], r[1])), key=lambda r: (r[0], r[1])):
        joined: list[Rule] = []
        for r in sorted(same_line, key=lambda r: r[2]):
            if joined and r[2] <= joined[-1][3] + JOIN:
                if r[3] > joined[-1][3]:
                    joined[-1] = (*joined[-1][:3], r[3])
            else:
                joined.append(r)
        out.extend(joined)
    return out


def _corners(edges: list[Rule]) -> dict[tuple[float, float], tuple[set, set]]:
    """Each point where a vertical and a horizontal edge meet → (its vertical edges, its horizontal edges)."""
    corners: dict[tuple[float, float], tuple[set, set]] = {}
    vertical = [e for e in edges if e[0] == "v"]
    horizontal = [e for e in edges if e[0] == "h"]
    for v in vertical:
        for h in horizontal:
            if (v[2] <= h[1] + TOLERANCE and v[3] >= h[1] - TOLERANCE
                    and h[2] - TOLERANCE <= v[1] <= h[3] + TOLERANCE):
                vs, hs = corners.setdefault((v[1], h[1]), (set(), set()))
                vs.add(v)
                hs.add(h)
    return corners


def _cells(corners: dict[tuple[float, float], tuple[set, set]]) -> list[Box]:
    """For every corner, the smallest cell it is the top-left corner of, if any."""
    def joined(p, q) -> bool:
        return bool((p[0] == q[0] and corners[p][0] & corners[q][0]) or (p[1] == q[1] and corners[p][1] & corners[q][1]))

    points = sorted(corners)
    same_x: dict[float, list] = defaultdict(list)
    same_y: dict[float, list] = defaultdict(list)
    for p in points:
        same_x[p[0]].append(p)
        same_y[p[1]].append(p)
    cells = []
    for pt in points:
        below = [p for p in same_x[pt[0]] if p > pt]
        right = [p for p in same_y[pt[1]] if p > pt]
        cell = next(((pt[0], pt[1], r[0], b[1]) for b in below if joined(pt, b) for r in right if joined(pt, r)
                     if (r[0], b[1]) in corners and joined((r[0], b[1]), r) and joined((r[0], b[1]), b)), None)
        if cell:
            cells.append(cell)
    return cells


def _groups(cells: list[Box]) -> list[list[Box]]:
    """Cells that share corners, directly or through other cells, as tables of two cells or more, top to bottom."""
    def corners(c: Box) -> set:
        return {(c[0], c[1]), (c[0], c[3]), (c[2], c[1]), (c[2], c[3])}

    left, groups = list(cells), []
    while left:
        group = [left.pop(0)]
        seen = corners(group[0])
        grew = True
        while grew:
            grew = False
            for c in list(left):
                if corners(c) & seen:
                    group.append(c)
                    seen |= corners(c)
                    left.remove(c)
                    grew = True
        groups.append(group)
    return [g for g in sorted(groups, key=lambda g: min((c[1], c[0]) for c in g)) if len(g) > 1]


def _table(cells: list[Box]) -> Table:
    xs = sorted({c[0] for c in cells})
    rows = []
    for _, row in groupby(sorted(cells, key=lambda c: (c[1], c[0])), key=lambda c: c[1]):
        at = {c[0]: c for c in row}
        rows.append([at.get(x) for x in xs])
    bbox = (min(c[0] for c in cells), min(c[1] for c in cells), max(c[2] for c in cells), max(c[3] for c in cells))
    return Table(bbox, rows)
