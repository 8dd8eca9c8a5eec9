#!/usr/bin/env python3
"""Before/after on a noisy machine: the warm ratio of another commit and of this checkout, measured alternately.

    .venv/bin/python bench/warm_ab.py main [--rounds 3] [--passes 3]

`make bench` measures one checkout; its ratios move with the machine's load from one run to the next. This puts
REF's tree (git archive) in a temporary folder and runs the warm measurement of `make bench` (Pipeline.load, then
each public and dev question of this checkout embedded alone and asked, paired, alternating order) in a fresh process for REF, then
for this checkout, `--rounds` times, on the index named by ASCC_BOT_INDEX (default: this checkout's index/; both
trees must read it). Prints floor (b) p50, warm ask p50 and their ratio per run.

`--quiet SECONDS`: before each run, wait (at most that long) until both cores are at least 90 % idle over half a
second, and print how idle they were: on a shared machine the ratio moves with the load (a busy machine slows the
floor more than the rest), so compare the runs that started on an idle machine.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MEASURE = r"""
import sys, time, statistics
from pathlib import Path
root, passes, case_files = sys.argv[1], int(sys.argv[2]), [Path(p) for p in sys.argv[3:]]
sys.path[:0] = [root, root + "/bench"]
from bench import load_cases, user_turns
from bot.pipeline import Pipeline
from bot.settings import Settings
cases = [c for c in load_cases(case_files) if isinstance(c.get("question"), str) and c["question"].strip()]
pipeline = Pipeline.load(Settings.from_env(), build_missing=False)
embedder = pipeline.embedder
for c in cases[:10]:
    embedder.encode_query(c["question"])
    try: pipeline.ask(c["question"], user_turns(c.get("history")))
    except Exception: pass
embed_t, ask_t = [], []
for rep in range(passes):
    for c in cases:
        def embed():
            t0 = time.perf_counter(); embedder.encode_query(c["question"]); embed_t.append(time.perf_counter() - t0)
        def ask():
            t0 = time.perf_counter()
            try: pipeline.ask(c["question"], user_turns(c.get("history")))
            except Exception: pass
            ask_t.append(time.perf_counter() - t0)
        for step in ((embed, ask) if rep % 2 == 0 else (ask, embed)):
            step()
fb, a = statistics.median(embed_t), statistics.median(ask_t)
load = open("/proc/loadavg").read().split()[0]
print(f"floor (b) p50 {fb * 1e3:5.2f} ms  warm ask p50 {a * 1e3:5.2f} ms  ratio {a / fb:.2f}  (load {load})")
"""


def idle_share(seconds: float = 0.5) -> float:
    """The share of CPU time spent idle over the next `seconds` (all cores, from /proc/stat)."""
    def sample() -> tuple[int, int]:
        with open("/proc/stat") as fh:
            values = [int(v) for v in fh.readline().split()[1:]]
        return values[3] + values[4], sum(values)

    idle0, total0 = sample()
    time.sleep(seconds)
    idle1, total1 = sample()
    return (idle1 - idle0) / max(1, total1 - total0)


def wait_quiet(limit: float) -> float:
    deadline = time.monotonic() + limit
    while True:
        share = idle_share()
        if share >= 0.9 or time.monotonic() >= deadline:
            return share
        time.sleep(1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ref", help="the commit to compare with (e.g. main)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--quiet", type=float, default=0.0, metavar="SECONDS",
                    help="wait up to SECONDS for an idle machine before each run")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="ascc-ab-") as tmp:
        archive = subprocess.run(["git", "archive", args.ref], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        trees = {args.ref: tmp, "this checkout": str(ROOT)}
        cases = [str(ROOT.parent / "shared" / "eval" / "questions.jsonl"), str(ROOT / "eval" / "dev_questions.jsonl")]
        env = {**os.environ, "ASCC_BOT_INDEX": os.environ.get("ASCC_BOT_INDEX", str(ROOT / "index")),
               "ASCC_BOT_CORPUS": os.environ.get("ASCC_BOT_CORPUS", str(ROOT / "corpus"))}
        for _ in range(args.rounds):
            for name, root in trees.items():
                idle = f"idle {wait_quiet(args.quiet):.2f}  " if args.quiet else ""
                out = subprocess.run([sys.executable, "-c", MEASURE, root, str(args.passes), *cases], cwd=root,
                                     capture_output=True, text=True, env={**env, "PYTHONPATH": root})
                print(f"{name:14s} {idle}" + (out.stdout.strip() or "failed: " + out.stderr.strip()[-300:]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
