#!/usr/bin/env python3
"""What the warm ratio of `make bench` is made of: the embedding the bot does, the work around it, and what the
embedding does to that work.

    .venv/bin/python bench/warm_parts.py [--passes 3]

A diagnostic beside `make bench` (the same questions, the same pipeline, one process). For each public and dev
question, interleaved (each step right after the others, so all see the same load):

  floor (b)        the question as typed, embedded alone: what `make bench` divides by;
  embed expanded   the abbreviation-expanded question the pipeline embeds, alone;
  ask              `pipeline.ask`, right after an ONNX run (as in `make bench`);
  rest inside ask  the same asks, minus the time spent in their own `encode_query` calls: the work around the
                   embedding as `make bench` meets it (this question's texts not seen for 168 questions);
  rest, warm       `pipeline.ask` with the query vectors looked up, right after another such ask: the work around
                   the embedding with warm caches;
  rest, after ONNX the same, right after an ONNX run of another text;
  rest, after 48 MB the same, right after summing a 48 MB array (no ONNX at all).

ask ≈ embed expanded + rest inside ask. "rest, warm" and "rest, after ONNX" come right after the same question's
other steps, so the last-few-texts caches (`bot.text.tokens`, the study names of a text) hit, as they do not in
`make bench`: they understate the rest inside an ask by ~0.2–0.3 ms. The model's weights (~42 MB of float32) pass through the 32 MB L3 cache at
every embedding and evict what the rest of the question reads, so the work around the embedding runs on cold
caches: "rest, after 48 MB" shows the same slowdown with no model at all, so it is the memory traffic, not ONNX
Runtime's threads.

`--stages`: the same two "rest" conditions (warm; right after an ONNX run), step by step (the steps `make bench`
times), so the steps that pay most for the evicted caches can be told apart; and a third column, "in an ask", from
separate passes that run as `make bench` does (each question's typed text embedded, then the question asked with
its real embedding, 168 other questions before it comes again), where the "whole ask" row less "embed the query"
is the rest inside an ask.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench import DEV_CASES, PUBLIC_CASES, load_cases, stage_profile, user_turns  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--stages", action="store_true", help="the rest step by step, warm and right after ONNX")
    args = ap.parse_args()

    from bot.pipeline import Pipeline
    from bot.settings import Settings

    cases = [c for c in load_cases([PUBLIC_CASES, DEV_CASES]) if isinstance(c.get("question"), str)
             and c["question"].strip()]
    pipeline = Pipeline.load(Settings.from_env(), build_missing=False)
    embed = pipeline.embedder.encode_query
    asks = [(c["question"], user_turns(c.get("history"))) for c in cases]
    expanded = [pipeline.retriever.expand(q.strip()) for q, _ in asks]
    vectors: dict[str, np.ndarray] = {}

    def looked_up(text: str) -> np.ndarray:
        if text not in vectors:
            vectors[text] = embed(text)
        return vectors[text]

    inside = [0.0]  # time spent in encode_query during the current ask

    def embed_timed(text: str) -> np.ndarray:
        t0 = time.perf_counter()
        try:
            return embed(text)
        finally:
            inside[0] += time.perf_counter() - t0

    def ask(q, hist, lookup: bool) -> None:
        pipeline.embedder.encode_query = looked_up if lookup else embed_timed
        inside[0] = 0.0
        try:
            pipeline.ask(q, hist)
        except Exception:  # noqa: BLE001 - refused inputs cost time too
            pass

    for (q, hist), x in zip(asks, expanded):  # warm up; remember every vector the pipeline asks for
        embed(q), embed(x), ask(q, hist, True), ask(q, hist, False)
    if args.stages:
        return stages(pipeline, cases, embed, looked_up, args.passes)
    big = np.ones(48_000_000 // 8)
    other = "What is the role of salvage surgery?"

    def nothing(q, hist, x) -> None:
        pass

    # name: (what runs just before, what is timed)
    steps = {
        "floor (b)": (nothing, lambda q, hist, x: embed(q)),
        "embed expanded": (nothing, lambda q, hist, x: embed(x)),
        "ask": (lambda q, hist, x: embed(other), lambda q, hist, x: ask(q, hist, False)),
        "rest, warm": (lambda q, hist, x: ask(q, hist, True), lambda q, hist, x: ask(q, hist, True)),
        "rest, after ONNX": (lambda q, hist, x: embed(other), lambda q, hist, x: ask(q, hist, True)),
        "rest, after 48 MB": (lambda q, hist, x: big.sum(), lambda q, hist, x: ask(q, hist, True)),
    }
    times: dict[str, list[float]] = {k: [] for k in steps}
    rest_in_ask: list[float] = []
    for rep in range(args.passes):
        for (q, hist), x in zip(asks, expanded):
            for name in (list(steps) if rep % 2 == 0 else list(steps)[::-1]):
                before, timed = steps[name]
                before(q, hist, x)
                t0 = time.perf_counter()
                timed(q, hist, x)
                times[name].append(time.perf_counter() - t0)
                if name == "ask":
                    rest_in_ask.append(times[name][-1] - inside[0])
    pipeline.embedder.encode_query = embed
    times = {**dict(list(times.items())[:3]), "rest inside ask": rest_in_ask, **dict(list(times.items())[3:])}
    floor = statistics.median(times["floor (b)"])
    load = Path("/proc/loadavg").read_text().split()[0]
    print(f"{len(asks)} questions × {args.passes} passes (load {load}); p50, and as a multiple of floor (b):")
    for name, values in times.items():
        p50 = statistics.median(values)
        print(f"  {name:18s} {p50 * 1000:6.2f} ms  {p50 / floor:5.2f} ×")
    return 0


def stages(pipeline, cases, embed, looked_up, passes: int) -> int:
    """Each step's mean time per question, with the query vectors looked up: right after another such ask (warm)
    and right after an ONNX run of another text; interleaved, the order alternating between passes."""
    other = "What is the role of salvage surgery?"

    def warm(case) -> None:
        pipeline.embedder.encode_query = looked_up
        try:
            pipeline.ask(case["question"], user_turns(case.get("history")))
        except Exception:  # noqa: BLE001 - refused inputs cost time too
            pass
        pipeline.embedder.encode_query = embed

    before = {"warm": warm, "after ONNX": lambda case: embed(other), "in an ask": None}
    sums: dict[str, dict[str, float]] = {k: {} for k in before}
    totals = {k: 0.0 for k in before}
    for rep in range(passes):
        for case in cases:
            for name in (["warm", "after ONNX"] if rep % 2 == 0 else ["after ONNX", "warm"]):
                before[name](case)
                pipeline.embedder.encode_query = looked_up
                steps, total = stage_profile(pipeline, [case])  # wraps the steps for this one question
                pipeline.embedder.encode_query = embed
                totals[name] += total
                for step, t in steps.items():
                    sums[name][step] = sums[name].get(step, 0.0) + t
    for rep in range(passes):  # as make bench: the typed question embedded, then asked with its real embedding
        for case in cases:
            embed(case["question"])
            steps, total = stage_profile(pipeline, [case])
            totals["in an ask"] += total
            for step, t in steps.items():
                sums["in an ask"][step] = sums["in an ask"].get(step, 0.0) + t
    n = passes * len(cases)
    load = Path("/proc/loadavg").read_text().split()[0]
    print(f"{len(cases)} questions × {passes} passes (load {load}); mean per question, query vectors looked up "
          "(but in an ask):")
    print(f"  {'step':48s} {'warm':>8s} {'after ONNX':>11s} {'difference':>11s} {'in an ask':>10s}")
    names = sorted(set().union(*sums.values()), key=lambda k: -sums["in an ask"].get(k, 0.0))
    rows = [(k, *(sums[c].get(k, 0.0) / n for c in before)) for k in names]
    rows.append(("whole ask", *(totals[c] / n for c in before)))
    for name, a, b, c in rows:
        print(f"  {name:48s} {a * 1e3:6.3f} ms {b * 1e3:8.3f} ms {(b - a) * 1e3:+8.3f} ms {c * 1e3:7.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
