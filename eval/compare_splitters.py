#!/usr/bin/env python3
"""Compare sentence splitters on the labelled sample tests/data/sentences_gold.jsonl (issue 9, item 3).

    .venv/bin/python eval/compare_splitters.py              # the table (Markdown) for docs/evaluation.md
    .venv/bin/python eval/compare_splitters.py -v           # also every boundary a splitter missed or invented

Candidates: the project's own `bot.text.split_sentences`, and, when installed (`pip install -e ".[eval]"`),
pysbd, syntok, sentencex and NLTK's Punkt (the pure-Python `PunktSentenceTokenizer`, untrained and trained on the
review's cleaned text: NLTK's pretrained English model needs a data download at run time, which this project never
does). A splitter that is not installed is listed as skipped.

Each gold row is one paragraph and its sentences, the paragraph being the sentences joined by single spaces. A
splitter's sentences are mapped back to character offsets in the paragraph (whitespace-insensitive, so one that
returns strings rather than spans is scored the same way). Scores, per document:
- boundary precision / recall / F1 over the sentence starts inside a paragraph (the first start is not a boundary);
- exact sentences: the share of gold sentences whose span the splitter returns exactly;
- time per 1,000 gold sentences (best of several runs over the document's paragraphs).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Callable, Iterable

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
GOLD = PROJECT_ROOT / "tests" / "data" / "sentences_gold.jsonl"
REVIEW = PROJECT_ROOT / "corpus" / "racine2025-ascc-review.txt"

Span = tuple[int, int]
Splitter = Callable[[str], list[Span]]


class Problem(Exception):
    """A gold file that cannot be used: reported as one line."""


# ---------------------------------------------------------------- gold
def load_gold(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        spans = gold_spans(row["paragraph"], row["sentences"])
        if spans is None:
            raise Problem(f"{path.name} line {n}: the sentences do not make up the paragraph")
        rows.append({**row, "spans": spans})
    return rows


def gold_spans(paragraph: str, sentences: list[str]) -> list[Span] | None:
    spans, pos = [], 0
    for s in sentences:
        at = paragraph.find(s, pos)
        if at < 0 or paragraph[pos:at].strip():
            return None
        spans.append((at, at + len(s)))
        pos = at + len(s)
    return spans if not paragraph[pos:].strip() else None


# ---------------------------------------------------------------- mapping strings back to offsets
def spans_of_strings(text: str, pieces: Iterable[str]) -> list[Span]:
    """Offsets of each piece in `text`, matching non-space characters in order (a splitter may trim or normalise
    whitespace). A piece whose characters cannot be found in order is skipped (and so costs the splitter)."""
    spans, pos = [], 0
    for piece in pieces:
        chars = [c for c in piece if not c.isspace()]
        if not chars:
            continue
        i, start, k = pos, None, 0
        while i < len(text) and k < len(chars):
            c = text[i]
            if c.isspace():
                i += 1
                continue
            if c != chars[k]:
                break
            if start is None:
                start = i
            k += 1
            i += 1
        if k == len(chars) and start is not None:
            spans.append((start, i))
            pos = i
    return spans


# ---------------------------------------------------------------- candidates
def _handwritten() -> Splitter:
    from bot.text import split_sentences
    return split_sentences


def _pysbd() -> Splitter:
    import pysbd
    seg = pysbd.Segmenter(language="en", clean=False)
    return lambda text: spans_of_strings(text, seg.segment(text))


def _syntok() -> Splitter:
    from syntok import segmenter

    def split(text: str) -> list[Span]:
        out = []
        for paragraph in segmenter.analyze(text):
            for sentence in paragraph:
                first, last = sentence[0], sentence[-1]
                out.append((first.offset, last.offset + len(last.value)))
        return out
    return split


def _sentencex() -> Splitter:
    from sentencex import segment
    return lambda text: spans_of_strings(text, segment("en", text))


def _punkt(train: bool) -> Callable[[], Splitter]:
    def make() -> Splitter:
        from nltk.tokenize.punkt import PunktSentenceTokenizer
        tok = PunktSentenceTokenizer(REVIEW.read_text(encoding="utf-8")) if train else PunktSentenceTokenizer()
        return lambda text: list(tok.span_tokenize(text))
    return make


CANDIDATES: dict[str, tuple[str, Callable[[], Splitter]]] = {
    "hand-written (bot/text.py)": ("bot", _handwritten),
    "pysbd": ("pysbd", _pysbd),
    "syntok": ("syntok", _syntok),
    "sentencex": ("sentencex", _sentencex),
    "NLTK Punkt, untrained": ("nltk", _punkt(False)),
    "NLTK Punkt, trained on the review": ("nltk", _punkt(True)),
}


# ---------------------------------------------------------------- scoring
def trimmed(text: str, spans: list[Span]) -> list[Span]:
    out = []
    for a, b in spans:
        piece = text[a:b]
        if piece.strip():
            a += len(piece) - len(piece.lstrip())
            b -= len(piece) - len(piece.rstrip())
            out.append((a, b))
    return out


def score(rows: list[dict], split: Splitter, repeats: int = 5) -> dict:
    tp = fp = fn = exact = n_gold = 0
    errors = []
    for row in rows:
        text, gold = row["paragraph"], row["spans"]
        pred = trimmed(text, split(text))
        g_bounds, p_bounds = {a for a, _ in gold[1:]}, {a for a, _ in pred[1:]}
        tp += len(g_bounds & p_bounds)
        fp += len(p_bounds - g_bounds)
        fn += len(g_bounds - p_bounds)
        exact += len(set(gold) & set(pred))
        n_gold += len(gold)
        errors += [("missed", text, a) for a in sorted(g_bounds - p_bounds)]
        errors += [("invented", text, a) for a in sorted(p_bounds - g_bounds)]
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for row in rows:
            split(row["paragraph"])
        best = min(best, time.perf_counter() - t0)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"boundaries": tp + fn, "sentences": n_gold, "precision": p, "recall": r, "f1": f1,
            "exact": exact / n_gold if n_gold else 1.0, "ms_per_1000": 1000 * best / n_gold * 1000,
            "errors": errors}


def context(text: str, at: int, width: int = 40) -> str:
    return f"…{text[max(0, at - width):at]}‖{text[at:at + width]}…".replace("\n", " ")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gold", type=Path, default=GOLD)
    ap.add_argument("-v", "--verbose", action="store_true", help="list every missed and invented boundary")
    args = ap.parse_args(argv)
    try:
        rows = load_gold(args.gold)
    except (OSError, ValueError, KeyError, Problem) as exc:
        print(f"compare_splitters: {exc}", file=sys.stderr)
        return 2
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_doc[row["doc"]].append(row)
    docs = list(by_doc) + ["all"]
    by_doc["all"] = rows

    print("| splitter | document | sentences | boundaries | precision | recall | F1 | exact sentences "
          "| ms per 1,000 sentences |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    skipped, details = [], []
    for name, (package, make) in CANDIDATES.items():
        try:
            split = make()
        except ImportError:
            skipped.append(f"{name} (package `{package}` not installed)")
            continue
        for doc in docs:
            s = score(by_doc[doc], split)
            print(f"| {name} | {doc} | {s['sentences']} | {s['boundaries']} | {s['precision']:.3f} "
                  f"| {s['recall']:.3f} | {s['f1']:.3f} | {s['exact']:.3f} | {s['ms_per_1000']:.1f} |")
            if doc != "all":
                details += [(name, doc, *e) for e in s["errors"]]
    for line in skipped:
        print(f"\nskipped: {line}")
    if args.verbose:
        print()
        for name, doc, kind, text, at in details:
            print(f"{name} | {doc} | {kind}: {context(text, at)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
