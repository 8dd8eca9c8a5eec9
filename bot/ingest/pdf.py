"""PDF ingestion: a PDF file → the same `Document` a text file gives, with the page of every sentence.

PDFium, through pypdfium2 (Apache-2.0/BSD-3), gives every character with its position, size and font, and the
ruling lines that tables are drawn with (`pdf_page`); `pdf_tables` finds the ruled cells. Per page: running headers, footers and page numbers are dropped (text in the top or bottom band that
repeats across pages once digits are ignored, or that is only a page number); tables are taken out of the flow;
the rest is read in column order (`pdf_layout`). The lines are then joined into paragraphs, headings, reference
entries and tables (`pdf_blocks`) and written as the text that `corpus.build_document` parses, so a PDF and a text
rendering of one article are cleaned, split and quoted by the same code.

A file that cannot be used is refused with a message naming it: not a PDF, truncated or damaged, encrypted, or
without a text layer (a scan: run OCR first).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw

from bot.ingest import pdf_page
from bot.ingest.corpus import CorpusError, parse
from bot.ingest.pdf_blocks import blocks_text, build_blocks
from bot.ingest.pdf_layout import Line, cell_text, page_fragments, reading_order
from bot.ingest.pdf_tables import find_tables
from bot.types import Document

MAX_PDF_BYTES = 50_000_000  # the file; the limit for documents applies to the text extracted from it
_BAND = 0.09                # share of the page height, at the top and at the bottom, where running lines live
_PDFIUM_ERRORS = {1: "unknown error", 2: "file error", 3: "format error", 5: "unsupported security handler",
                  6: "page error"}
_PAGE_NUMBER = re.compile(r"^(page\s*)?\d{1,4}(\s*(/|of)\s*\d{1,4})?$", re.I)


def _refuse(name: str, what: str) -> CorpusError:
    return CorpusError(f"{name}: {what}")


def check_bytes(name: str, data: bytes) -> None:
    """Cheap checks before parsing: a PDF starts with %PDF- and a complete one ends with %%EOF."""
    if not data.strip():
        raise _refuse(name, "the file is empty.")
    if b"%PDF-" not in data[:1024]:
        raise _refuse(name, "is not a PDF (it does not start with %PDF-); add PDFs, or text as .txt or .md.")
    if b"%%EOF" not in data[-2048:]:
        raise _refuse(name, "the PDF is truncated (no end-of-file marker); download or copy it again.")
    if len(data) > MAX_PDF_BYTES:
        raise _refuse(name, f"{len(data):,} bytes is over the {MAX_PDF_BYTES:,}-byte limit for a PDF.")


def extract(name: str, data: bytes) -> tuple[str, list[tuple[int, int]]]:
    """A PDF's text as `build_document` reads it, and (offset, page) marks where each line of it starts."""
    check_bytes(name, data)
    with pdf_page.LOCK:  # PDFium must not run in two threads at once (the UI may index while another user asks)
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if getattr(exc, "err_code", None) == pdfium_raw.FPDF_ERR_PASSWORD:
                raise _refuse(name, "the PDF is encrypted (password-protected); add an unencrypted copy, e.g. from "
                              "`qpdf --decrypt --password=… in.pdf out.pdf`.") from exc
            raise _refuse(name, "could not be read as a PDF (PDFium: "
                          f"{_PDFIUM_ERRORS.get(getattr(exc, 'err_code', None), 'unknown error')}); it may be "
                          "damaged.") from exc
        try:
            if pdfium_raw.FPDF_GetSecurityHandlerRevision(pdf) != -1:  # encrypted, even if without a password
                raise _refuse(name, "the PDF is encrypted; add an unencrypted copy, e.g. from "
                              "`qpdf --decrypt in.pdf out.pdf`.")
            pages, images = _read_pages(pdf)
        except CorpusError:
            raise
        except Exception as exc:
            raise _refuse(name, f"could not be read as a PDF ({exc.__class__.__name__}: {exc}); it may be "
                          "damaged.") from exc
        finally:
            pdf.close()
    letters = sum(ch.isalnum() for *_, frags, _ in pages for f in frags for ch in f.text)
    if letters < 20:
        if images:
            raise _refuse(name, "the PDF has no text layer (its pages are images, as in a scan), so there is "
                          "nothing to quote; run OCR first (e.g. `ocrmypdf in.pdf out.pdf`) and add the result.")
        raise _refuse(name, "the PDF contains no text.")
    lines = _lines(pages)
    body = Counter(ln.size for ln in lines if ln.cells is None).most_common(1)[0][0]
    blocks = build_blocks(lines, body, _paragraph_gap(lines, body))
    return blocks_text(blocks)


def _read_pages(pdf) -> tuple[list, int]:
    """Per page: (number, width, height, text fragments, tables as Lines); and how many images the pages hold."""
    pages, images = [], 0
    for no in range(1, len(pdf) + 1):
        page = pdf[no - 1]
        try:
            frame = pdf_page.Frame(page)
            chars = pdf_page.characters(page, frame)
            rules, n_images = pdf_page.rules_and_images(page, frame)
        finally:
            page.close()
        images += n_images
        tables = []
        for t in find_tables(rules):
            inside = [c for c in chars if _inside(c, t.bbox)]
            rows = [[cell_text([c for c in inside if _inside(c, cell)]) if cell else "" for cell in row]
                    for row in t.rows]
            if len(rows) >= 2 and max(len(r) for r in rows) >= 2 and any(c for r in rows for c in r):
                tables.append(Line(no, *_xxyy(t.bbox), cells=rows))
        chars = [c for c in chars if not any(_inside(c, (t.x0, t.top, t.x1, t.bottom)) for t in tables)]
        pages.append((no, frame.width, frame.height, page_fragments(no, chars), tables))
    return pages, images


def _inside(ch: dict, box: tuple[float, float, float, float]) -> bool:
    x0, top, x1, bottom = box
    return x0 - 1 <= (ch["x0"] + ch["x1"]) / 2 <= x1 + 1 and top - 1 <= (ch["top"] + ch["bottom"]) / 2 <= bottom + 1


def _xxyy(bbox: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    x0, top, x1, bottom = bbox
    return x0, x1, top, bottom


def _lines(pages: list) -> list[Line]:
    """Every page's lines in reading order, without running headers, footers and page numbers."""
    def key(f: Line) -> str:
        return re.sub(r"\d+", "#", f.text.lower())

    def in_band(f: Line, height: float) -> bool:
        return f.bottom < height * _BAND or f.top > height * (1 - _BAND)

    seen = Counter(k for _, _, h, frags, _ in pages for k in {key(f) for f in frags if in_band(f, h)})
    repeated = {k for k, n in seen.items() if n >= max(2, len(pages) // 2)}
    out: list[Line] = []
    for no, width, height, frags, tables in pages:
        kept = [f for f in frags if not (in_band(f, height) and (key(f) in repeated or _PAGE_NUMBER.match(f.text)))]
        out.extend(reading_order(no, width, kept, tables))
    return out


def _paragraph_gap(lines: list[Line], body: float) -> float:
    """The usual gap between two lines of a paragraph, in font sizes, plus a margin: wider gaps end paragraphs."""
    gaps = sorted((b.top - a.bottom) / max(b.size, 1.0) for a, b in zip(lines, lines[1:])
                  if a.region == b.region and a.cells is None and b.cells is None and a.size == b.size == body
                  and b.top > a.bottom - 1)
    usual = gaps[len(gaps) // 3] if gaps else 0.3
    return usual + 0.2


def _norm(s: str) -> str:
    return re.sub(r"[^0-9a-z]", "", s.lower())


def with_pages(doc: Document, text: str, marks: list[tuple[int, int]]) -> Document:
    """Set the page of every sentence: where its text (letters and digits) starts in the extracted text."""
    norm, page_at = [], []
    ends = marks[1:] + [(len(text), marks[-1][1] if marks else None)]
    for (start, page), (end, _) in zip(marks, ends):
        for ch in text[start:end].lower():
            if ch.isascii() and ch.isalnum():
                norm.append(ch)
                page_at.append(page)
    flat = "".join(norm)
    cursor, out = 0, []
    for s in doc.sentences:
        probe = s.text
        if s.kind == "table_record":
            m = re.match(r"^[^:]*:\s*([^;]*)", s.text)
            probe = m.group(1) if m else s.text
        key = _norm(probe)[:80]
        at = flat.find(key, cursor) if key else -1
        if at < 0 and key:
            at = flat.find(key)
        if at >= 0:
            cursor = at
        out.append(replace(s, page=page_at[at] if at >= 0 else None))
    doc.sentences = out
    return doc


def pdf_document(name: str, data: bytes, path: str = "", metadata: dict | None = None,
                 max_text_bytes: int = 2_000_000) -> Document:
    """A PDF's bytes → its Document (sentences with their pages); a CorpusError naming the file if unusable."""
    text, marks = extract(name, data)
    if len(text.encode("utf-8")) > max_text_bytes:
        raise _refuse(name, f"its text is over the {max_text_bytes:,}-byte limit for a document.")
    return with_pages(parse(name, text, path, metadata), text, marks)
