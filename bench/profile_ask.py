#!/usr/bin/env python3
"""Where a warm `Pipeline.ask` spends its time, function by function (cProfile), over the public + dev questions.

    .venv/bin/python bench/profile_ask.py [--passes 3] [--top 40] [--sort tottime|cumtime] [--no-embed]

A diagnostic beside `make bench` (which gives the ratios): the pipeline is loaded and warmed first, then every
question is asked `--passes` times under the profiler. `--no-embed` replaces the query embedding by a lookup of
vectors computed beforehand, so what is left is the work around the embedding. Prints the mean wall time per
question without the profiler too (the profiler itself slows Python code down, not numpy or ONNX Runtime).
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench import DEV_CASES, PUBLIC_CASES, load_cases, user_turns  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--sort", default="tottime", choices=("tottime", "cumtime"))
    ap.add_argument("--no-embed", action="store_true", help="embed every query beforehand; time the rest")
    args = ap.parse_args()

    from bot.pipeline import Pipeline
    from bot.settings import Settings

    cases = [c for c in load_cases([PUBLIC_CASES, DEV_CASES]) if isinstance(c.get("question"), str)
             and c["question"].strip()]
    pipeline = Pipeline.load(Settings.from_env(), build_missing=False)
    asks = [(c["question"], user_turns(c.get("history"))) for c in cases]

    def run_all():
        for q, hist in asks:
            try:
                pipeline.ask(q, hist)
            except Exception:  # noqa: BLE001 - refused inputs cost time too
                pass

    run_all()  # warm: loads the model, fills caches
    if args.no_embed:
        inner = pipeline.embedder.encode_query
        seen: dict[str, object] = {}

        def remember(text):
            if text not in seen:
                seen[text] = inner(text)
            return seen[text]

        pipeline.embedder.encode_query = remember
        run_all()
    per_q = []
    for _ in range(args.passes):
        for q, hist in asks:
            t0 = time.perf_counter()
            try:
                pipeline.ask(q, hist)
            except Exception:  # noqa: BLE001
                pass
            per_q.append(time.perf_counter() - t0)
    print(f"{len(asks)} questions × {args.passes} passes: mean {statistics.mean(per_q) * 1000:.2f} ms, "
          f"p50 {statistics.median(per_q) * 1000:.2f} ms (no profiler"
          f"{', embedding looked up' if args.no_embed else ''})")
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(args.passes):
        run_all()
    prof.disable()
    stats = pstats.Stats(prof)
    stats.sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
