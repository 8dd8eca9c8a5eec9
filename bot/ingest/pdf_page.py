"""One PDF page read with PDFium (pypdfium2, C++): its characters, the ruling lines of its tables, its images.

Characters come as the dicts `pdf_layout` reads: text, x0, x1, top, bottom (points from the top left of the page as
displayed), size (points), fontname, upright. A character's box spans its font size from the descender up, as
pdfminer sets it, so the characters of a line at one size share their top and bottom whatever their shapes.
Characters PDFium adds on its own (the spaces and line breaks it infers) are left out: the layout finds word gaps
from positions. A hyphen PDFium marks as ending a line (it reports U+0002) is a hyphen.

Rules are the horizontal and vertical segments of the page's painted paths (a thin filled rectangle, as browsers
draw table borders, gives two long segments), for `pdf_tables` to find ruled cells in.

PDFium is not thread-safe: callers hold `LOCK` while a document is open.
"""
from __future__ import annotations

import ctypes
import math
import threading

import pypdfium2 as pdfium
import pypdfium2.raw as raw

LOCK = threading.Lock()
_LINE_END_HYPHEN = 0x02
_SOFT_HYPHEN = 0xAD


class Frame:
    """PDF user space → the page as displayed (its /Rotate applied): x to the right and `top` down from the top-left
    corner, in points. `point` is the affine map X = p·x + q·y + e, top = r·x + s·y + f."""

    def __init__(self, page: pdfium.PdfPage):
        left, bottom, right, top = page.get_cropbox()
        self.width, self.height = page.get_width(), page.get_height()  # as displayed
        self.p, self.q, self.e, self.r, self.s, self.f = {
            90: (0, 1, -bottom, 1, 0, -left),
            180: (-1, 0, right, 0, 1, -bottom),
            270: (0, -1, top, -1, 0, right),
        }.get(page.get_rotation() % 360, (1, 0, -left, 0, -1, top))

    def point(self, x: float, y: float) -> tuple[float, float]:
        return self.p * x + self.q * y + self.e, self.r * x + self.s * y + self.f

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        """A rectangle of user space → (x0, x1, top, bottom) as displayed."""
        (ax, at), (bx, bt) = self.point(x0, y0), self.point(x1, y1)
        return min(ax, bx), max(ax, bx), min(at, bt), max(at, bt)


def characters(page: pdfium.PdfPage, frame: Frame) -> list[dict]:
    textpage = page.get_textpage()
    try:
        return _characters(textpage.raw, frame)
    finally:
        textpage.close()


def _characters(tp, frame: Frame) -> list[dict]:
    box, m = raw.FS_RECTF(), raw.FS_MATRIX()
    x, y, descent = ctypes.c_double(), ctypes.c_double(), ctypes.c_float()
    name, flags = ctypes.create_string_buffer(128), ctypes.c_int()
    fonts: dict[int, tuple[str, float]] = {}  # font handle → (name, descent per unit of font size)
    p, q, r, s = frame.p, frame.q, frame.r, frame.s
    out: list[dict] = []
    count = raw.FPDFText_CountChars(tp)
    low_half = -1  # the index of the second half of a surrogate pair, read with the first
    for i in range(count):
        if i == low_half or raw.FPDFText_IsGenerated(tp, i):
            continue
        code = raw.FPDFText_GetUnicode(tp, i)
        if code == 0:
            continue
        raw.FPDFText_GetLooseCharBox(tp, i, box)
        x0, x1, top, bottom = frame.box(box.left, box.bottom, box.right, box.top)
        if 0xD800 <= code <= 0xDFFF:  # PDFium gives a character beyond U+FFFF ("𝛼", "😀") as two UTF-16 halves
            low = raw.FPDFText_GetUnicode(tp, i + 1) if i + 1 < count else 0
            if code <= 0xDBFF and 0xDC00 <= low <= 0xDFFF:
                code, low_half = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00), i + 1
            else:
                code = 0xFFFD
        if code == _SOFT_HYPHEN and out and i + 1 < count and raw.FPDFText_GetUnicode(tp, i + 1) not in (10, 13):
            # inside a line a soft hyphen is invisible (PDFium gives one inside a ligature spelled "f\xadi"):
            # the character before it takes its place
            out[-1]["x1"] = max(out[-1]["x1"], x1)
            continue
        handle = raw.FPDFTextObj_GetFont(raw.FPDFText_GetTextObject(tp, i))
        key = ctypes.cast(handle, ctypes.c_void_p).value
        font = fonts.get(key) if key else None
        if font is None:
            raw.FPDFText_GetFontInfo(tp, i, name, len(name), flags)
            ok = key and raw.FPDFFont_GetDescent(handle, ctypes.c_float(1.0), ctypes.byref(descent))
            font = (name.value.decode("utf-8", "replace"), -descent.value if ok else 0.2)
            if key:
                fonts[key] = font
        raw.FPDFText_GetMatrix(tp, i, m)
        # the character's axes as displayed, y up: its x axis (a, b) and its y axis (c, d)
        a, b, c, d = p * m.a + q * m.b, -(r * m.a + s * m.b), p * m.c + q * m.d, -(r * m.c + s * m.d)
        font_size = raw.FPDFText_GetFontSize(tp, i)
        upright = a * d > 0 and b * c <= 0  # pdfminer's test
        if upright:  # from the baseline, the font's descent down and its size up (a ligature's parts too)
            size = font_size * d
            raw.FPDFText_GetCharOrigin(tp, i, x, y)
            bottom = r * x.value + s * y.value + frame.f + font[1] * size
            top = bottom - size
        else:
            size = font_size * math.hypot(c, d)
        out.append({"text": "-" if code == _LINE_END_HYPHEN else chr(code), "x0": x0, "x1": x1, "top": top,
                    "bottom": bottom, "size": size, "fontname": font[0], "upright": upright})
    return out


def rules_and_images(page: pdfium.PdfPage, frame: Frame) -> tuple[list[tuple], int]:
    """The page's horizontal rules (("h", y, x0, x1)) and vertical rules (("v", x, top, bottom)) as displayed, and how
    many images it shows (inside form XObjects too)."""
    rules: list[tuple] = []
    images = [0]

    def walk(count, get, outer: tuple[float, ...]) -> None:
        for k in range(count):
            obj = get(k)
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_IMAGE:
                images[0] += 1
            elif kind in (raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM):
                m = raw.FS_MATRIX()
                raw.FPDFPageObj_GetMatrix(obj, m)
                here = _compose((m.a, m.b, m.c, m.d, m.e, m.f), outer)
                if kind == raw.FPDF_PAGEOBJ_FORM:
                    walk(raw.FPDFFormObj_CountObjects(obj), lambda j, o=obj: raw.FPDFFormObj_GetObject(o, j), here)
                else:
                    rules.extend(_path_rules(obj, here, frame))

    walk(raw.FPDFPage_CountObjects(page), lambda k: raw.FPDFPage_GetObject(page, k), (1, 0, 0, 1, 0, 0))
    return rules, images[0]


def _compose(inner: tuple[float, ...], outer: tuple[float, ...]) -> tuple[float, ...]:
    """The matrix of `inner` followed by `outer` (PDF row-vector convention)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _path_rules(path, m: tuple[float, ...], frame: Frame) -> list[tuple]:
    """The straight horizontal and vertical segments of a painted path, as displayed."""
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    raw.FPDFPath_GetDrawMode(path, fill, stroke)
    if not fill.value and not stroke.value:
        return []
    a, b, c, d, e, f = m
    x, y = ctypes.c_float(), ctypes.c_float()
    out, start, prev = [], None, None
    for k in range(raw.FPDFPath_CountSegments(path)):
        seg = raw.FPDFPath_GetPathSegment(path, k)
        raw.FPDFPathSegment_GetPoint(seg, x, y)
        pt = frame.point(x.value * a + y.value * c + e, x.value * b + y.value * d + f)
        kind = raw.FPDFPathSegment_GetType(seg)
        if kind == raw.FPDF_SEGMENT_MOVETO:
            start = pt
        elif kind == raw.FPDF_SEGMENT_LINETO and prev is not None:
            out.append(_rule(prev, pt))
        if raw.FPDFPathSegment_GetClose(seg) and start is not None:
            out.append(_rule(pt, start))
        prev = pt
    return [r for r in out if r]


def _rule(p: tuple[float, float], q: tuple[float, float]) -> tuple | None:
    if abs(p[1] - q[1]) < 0.01:
        return ("h", p[1], min(p[0], q[0]), max(p[0], q[0]))
    if abs(p[0] - q[0]) < 0.01:
        return ("v", p[0], min(p[1], q[1]), max(p[1], q[1]))
    return None
