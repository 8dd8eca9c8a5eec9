#!/usr/bin/env python3
"""How many answerable questions the bot declines or defers, and why: a development check for the guard and the
scope rules, beside the evaluation sets.

    .venv/bin/python eval/answerable.py            # counts by reason
    .venv/bin/python eval/answerable.py -v         # and every question not answered

The questions are those written to train the ranker (eval/training/ranker_pairs*.jsonl, from the review only): each
comes with the sentences of the review that answer it, so every one is answerable, and none belongs to an
evaluation set. ranker_pairs_broad2.jsonl (300 broad and how/why questions) is not used to train the ranker (it did
not improve the working halves) and serves only here. A rule that declines some of these is declining questions the
review answers; what it gains must be weighed on the look-alike sets (eval/sets/*.working.jsonl).
"""
from __future__ import annotations

import argparse
import collections
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.pipeline import Pipeline  # noqa: E402
from bot.settings import Settings  # noqa: E402

FILES = sorted((ROOT / "eval" / "training").glob("ranker_pairs*.jsonl"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-v", "--verbose", action="store_true", help="list every question not answered")
    args = ap.parse_args()
    pipeline = Pipeline.load(Settings.from_env())
    asked, missed = 0, []
    for path in FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            question = json.loads(line)["question"]
            asked += 1
            answer = pipeline.ask(question)
            if answer.mode != "answer":
                missed.append((answer.mode, answer.reason or "", question))
    # one line per kind of reason: quoted words, numbers and "for <subject>" folded away
    kinds = collections.Counter((mode, re.sub(r"'[^']*'|\d+(\.\d+)?|\bfor \w.*$|\(.*$", "…", reason)[:70])
                                for mode, reason, _ in missed)
    print(f"{asked} answerable questions ({', '.join(p.name for p in FILES)}): {len(missed)} not answered")
    for (mode, reason), n in kinds.most_common():
        print(f"{n:5d}  {mode}: {reason}")
    if args.verbose:
        for mode, reason, question in missed:
            print(f"- {mode} ({reason}): {question}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
