"""Indexing a PDF: the whole build against the embedding it contains (issue 9: "indexing a 20-page PDF takes
≤ 1.5× the embedding time of its text").

    .venv/bin/python bench/pdf_index.py [--runs 3] [--json FILE]

The review is rendered by headless Chromium (tests/fixtures/make_pdfs.py's HTML, one column, set in a larger type
so that it runs to about 20 pages). Each run builds an index of a corpus holding only that PDF from scratch, on the
ONNX path with the model export already in place (exporting is a one-off, not indexing), and times the whole build
and, inside it, every call of the embedder and the reading of the PDF (`bot.ingest.pdf.extract`: PDFium, layout). The ratio compares the two within the same build, so the machine's
load cancels out. A benchmark, not a test: it exits 0 whatever the figures (`--strict`: 1 when the goal is missed).
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))

GOAL = 1.5
LARGER_TYPE = "<style>body { font-size: 16pt !important; } p { line-height: 1.5; }</style></head>"


def render(out: Path) -> int:
    """The review as a one-column PDF of about 20 pages; returns its page count."""
    import pypdfium2

    from make_pdfs import print_to_pdf, review_html

    page = review_html(columns=1, running="none").replace("</head>", LARGER_TYPE, 1)
    print_to_pdf(page, out, header_footer=False)
    return len(pypdfium2.PdfDocument(str(out)))


def one_build(pdf: Path, onnx_source: Path, model_path: str) -> tuple[float, float, int, float]:
    """Seconds for the whole build, seconds spent embedding inside it, the texts embedded, and seconds spent
    reading the PDF."""
    from bot.index import store
    from bot.ingest import pdf as pdf_ingest
    from bot.index.embed import Embedder
    from bot.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        corpus.mkdir()
        shutil.copy(pdf, corpus / pdf.name)
        shutil.copytree(onnx_source, index / "onnx")  # the model's export, as after the first build
        settings = Settings.from_env(corpus_dir=corpus, index_dir=index, model_path=model_path)
        embedder = Embedder(model_path, index_dir=index, backend="onnx")
        embedder.encode(["warm up the session"])  # loading the model is not indexing either
        spent, count = [0.0], [0]
        encode = embedder.encode

        def timed(texts, *args, **kwargs):
            t = time.perf_counter()
            try:
                return encode(texts, *args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - t
                count[0] += len(texts)

        embedder.encode = timed
        extract, reading = pdf_ingest.extract, [0.0]

        def timed_extract(*args, **kwargs):
            t = time.perf_counter()
            try:
                return extract(*args, **kwargs)
            finally:
                reading[0] += time.perf_counter() - t

        pdf_ingest.extract = timed_extract
        try:
            t = time.perf_counter()
            store.build(settings, embedder=embedder, force=True)
            return time.perf_counter() - t, spent[0], count[0], reading[0]
        finally:
            pdf_ingest.extract = extract


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--strict", action="store_true")
    args = ap.parse_args()
    from bot.settings import Settings

    settings = Settings.from_env()
    onnx_source = settings.index_dir / "onnx"
    if not onnx_source.is_dir():
        print(f"no model export in {onnx_source}: run `ascc-bot index` first", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "review-20pages.pdf"
        pages = render(pdf)
        runs = [one_build(pdf, onnx_source, settings.model_path) for _ in range(args.runs)]
    total = statistics.median(r[0] for r in runs)
    embed = statistics.median(r[1] for r in runs)
    reading = statistics.median(r[3] for r in runs)
    ratio = statistics.median(r[0] / r[1] for r in runs)
    res = {"pages": pages, "texts_embedded": runs[0][2], "build_s": round(total, 3), "embedding_s": round(embed, 3),
           "reading_pdf_s": round(reading, 3), "ratio": round(ratio, 3), "goal": GOAL, "runs": args.runs}
    print(f"indexing a {pages}-page PDF: whole build {total:.2f} s, embedding inside it {embed:.2f} s "
          f"({runs[0][2]} texts) = {ratio:.2f}× (goal ≤ {GOAL}×) — {'PASS' if ratio <= GOAL else 'MISSED'}; "
          f"reading the PDF {reading:.2f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    return 1 if args.strict and ratio > GOAL else 0


if __name__ == "__main__":
    sys.exit(main())
