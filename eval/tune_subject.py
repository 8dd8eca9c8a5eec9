"""Tune how much a question word naming the corpus's own subject counts (bot/retrieve/lexicon.py SUBJECT_WEIGHT):
"… in anal squamous cell carcinoma", "ASCC" — words of every document's title, which every passage is about.
`--constant CONTEXT_WEIGHT` tunes the same way how much a word of the earlier turns counts in a follow-up read with
the conversation (only the cases with a history change; the ranker does not use it).

    .venv/bin/python eval/tune_subject.py [--constant SUBJECT_WEIGHT|CONTEXT_WEIGHT]

For each weight, every case of the working halves (never the locked ones), the public cases and
eval/dev_questions.jsonl is asked again, and the scorer's own fact matching (../shared/eval/textnorm.py) counts the
facts in the answer text and its quotes; ties are broken by how many of the sentences that answer the ranker's
training questions (eval/training/ranker_pairs.jsonl and ranker_pairs_broad2.jsonl) the answers quote, then by the
weight nearest 1 (the smallest change). The ranker is the committed one (bot/data/ranker.json): after writing the
chosen value into lexicon.py, retrain it with eval/train_ranker.py, whose features use these weights.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent / "shared" / "eval"))
sys.path.insert(0, str(ROOT / "eval"))

import bot.retrieve.lexicon as lexicon  # noqa: E402
from bot.pipeline import Pipeline  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tune_answers import GOLD, cases  # noqa: E402

WEIGHTS = [0.1, 0.2, 0.3, 0.45, 0.6, 0.8, 1.0]


def main() -> int:
    import argparse

    from textnorm import any_fact, fact_norm
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--constant", default="SUBJECT_WEIGHT", choices=("SUBJECT_WEIGHT", "CONTEXT_WEIGHT"))
    name = ap.parse_args().constant
    pipeline = Pipeline.load(Settings.from_env())
    todo = cases()
    if name == "CONTEXT_WEIGHT":
        todo = [c for c in todo if c.get("history")]
    gold = []
    for path in GOLD:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                gold.append((row["question"], [re.sub(r"\s+", " ", a)[:60] for a in row["answers"]]))
    rows = []
    for w in WEIGHTS:
        setattr(lexicon, name, w)
        facts = 0
        for c in todo:
            hist = [h["content"] if isinstance(h, dict) else h for h in c.get("history") or []]
            a = pipeline.ask(c["question"], hist)
            shown = fact_norm(a.text + " " + " ".join(x.quote for x in a.citations))
            facts += a.mode == "answer" and all(any_fact(shown, f) for f in c["facts"])
        quoted = sum(sum(s in pipeline.ask(q).text for s in answers) for q, answers in gold)
        rows.append((facts, quoted, -abs(1 - w), w))
        print(f"{name} {w}: fact cases answered {facts} of {len(todo)}, answering sentences quoted {quoted}")
    best = max(rows)
    print(f"best: {name} = {best[3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
