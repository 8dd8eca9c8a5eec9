#!/usr/bin/env python3
"""Would running the query embedding concurrently with the rest of an answer pay? The ceiling of that idea.

    .venv/bin/python bench/overlap.py [--passes 3] [--threads 0 1 2] [--quiet SECONDS]

ONNX Runtime releases the GIL during `session.run`, so the work of an answer that does not need the query vector
(parsing, the guard's cues, BM25, descriptors…) could run on the main thread while a worker thread embeds. This
measures the best case of that, without touching the pipeline: the *whole* rest of the answer (`pipeline.ask` with
the query vectors looked up) overlapped with one embedding of the question, as if none of it needed the vector.
For each public and dev question, interleaved (each step right after the others, so all see the same load):

  floor (b)         the question as typed, embedded alone: what `make bench` divides by;
  ask               `pipeline.ask`, the bot as it is (embedding, then the rest);
  serial            the abbreviation-expanded question embedded, then the rest (vectors looked up): ≈ ask;
  overlapped        the same embedding on a persistent worker thread while the main thread does the rest, joined;
  overlapped, 1 thr the same with an ONNX session of one intra-op thread (the second core left to the rest).

`--threads` adds sessions with other intra-op thread counts (0 = ONNX Runtime's default, the bot's). The machine
has 2 cores: with its default, ONNX Runtime already runs a query on both (its CPU time is printed), so work moved
beside it takes a core from the embedding.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench import DEV_CASES, PUBLIC_CASES, load_cases, user_turns  # noqa: E402
from warm_ab import wait_quiet  # noqa: E402


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of the process
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--threads", type=int, nargs="*", default=[1], help="intra-op thread counts to add")
    ap.add_argument("--quiet", type=float, default=0.0, metavar="SECONDS",
                    help="wait up to SECONDS for an idle machine first")
    args = ap.parse_args()

    import onnxruntime as ort

    from bot.index import onnx
    from bot.pipeline import Pipeline
    from bot.settings import Settings

    cases = [c for c in load_cases([PUBLIC_CASES, DEV_CASES]) if isinstance(c.get("question"), str)
             and c["question"].strip()]
    pipeline = Pipeline.load(Settings.from_env(), build_missing=False)
    embedder = pipeline.embedder
    embed = embedder.encode_query
    embed("warm up")
    encoder = embedder._onnx
    if encoder is None:
        print("the bot is not on the ONNX path here; nothing to measure")
        return 1
    sessions = {"default": encoder.session}
    for n in args.threads:
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.enable_cpu_mem_arena = False
        options.add_session_config_entry("session.force_spinning_stop", "1")
        options.intra_op_num_threads = n
        sessions[f"{n} thr"] = ort.InferenceSession(str(encoder.folder / onnx.MODEL_FILE), options,
                                                    providers=["CPUExecutionProvider"])

    asks = [(pipeline.validate(c["question"]), user_turns(c.get("history"))) for c in cases]
    expanded = [pipeline.retriever.expand(q) for q, _ in asks]
    vectors: dict[str, np.ndarray] = {}

    def looked_up(text: str) -> np.ndarray:
        if text not in vectors:
            vectors[text] = embed(text)
        return vectors[text]

    def rest(q, hist) -> None:
        embedder.encode_query = looked_up
        try:
            pipeline.ask(q, hist)
        finally:
            embedder.encode_query = embed

    for (q, hist), x in zip(asks, expanded):  # warm up; remember every vector the pipeline asks for
        embed(x), rest(q, hist), pipeline.ask(q, hist)
    worker = ThreadPoolExecutor(max_workers=1)

    def with_session(name, fn):
        def run(*a):
            encoder.session = sessions[name]
            try:
                return fn(*a)
            finally:
                encoder.session = sessions["default"]
        return run

    def serial(q, hist, x) -> None:
        embed(x)
        rest(q, hist)

    def run_model(feeds: dict, started: threading.Event):
        started.set()  # the main thread waits for this, so the worker holds the GIL only until ONNX Runtime
        return encoder.session.run(None, feeds)[0]  # releases it (else it waits for the main thread's Python)

    def overlapped(q, hist, x) -> None:
        encodings = encoder.tokenizer.encode_batch(encoder._prepare([x]))
        ids = np.asarray([e.ids for e in encodings], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask,
                 "token_type_ids": np.asarray([e.type_ids for e in encodings], dtype=np.int64)}
        started = threading.Event()
        pending = worker.submit(run_model, {name: feeds[name] for name in encoder.inputs}, started)
        started.wait()
        rest(q, hist)
        hidden = pending.result()
        m = mask[:, :, None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    steps = {
        "floor (b)": lambda q, hist, x: embed(q),
        "ask": lambda q, hist, x: pipeline.ask(q, hist),
        "serial": serial,
        "overlapped": overlapped,
    }
    for name in sessions:
        if name != "default":
            steps[f"floor (b), {name}"] = with_session(name, lambda q, hist, x: embed(q))
            steps[f"overlapped, {name}"] = with_session(name, overlapped)
    embed_cpu = {name: [] for name in sessions}
    if args.quiet:
        print(f"idle {wait_quiet(args.quiet):.2f} at the start")
    times: dict[str, list[float]] = {k: [] for k in steps}
    for rep in range(args.passes):
        for (q, hist), x in zip(asks, expanded):
            for name in (list(steps) if rep % 2 == 0 else list(steps)[::-1]):
                t0 = time.perf_counter()
                steps[name](q, hist, x)
                times[name].append(time.perf_counter() - t0)
            for name in sessions:  # CPU time of one embedding, all threads
                encoder.session = sessions[name]
                c0 = cpu_seconds()
                embed(q)
                embed_cpu[name].append(cpu_seconds() - c0)
            encoder.session = sessions["default"]
    worker.shutdown()
    floor = statistics.median(times["floor (b)"])
    load = Path("/proc/loadavg").read_text().split()[0]
    print(f"{len(asks)} questions × {args.passes} passes (load {load}); p50, and as a multiple of floor (b):")
    for name, values in times.items():
        p50 = statistics.median(values)
        print(f"  {name:26s} {p50 * 1000:6.2f} ms  {p50 / floor:5.2f} ×")
    for name, values in embed_cpu.items():
        print(f"  CPU time of one embedding, {name} session: {statistics.mean(values) * 1000:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
