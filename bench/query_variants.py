#!/usr/bin/env python3
"""Issue 10's idea 1, measured: what if the bot did not embed the abbreviation-expanded question?

    .venv/bin/python bench/query_variants.py VARIANT [--alpha A] cli ask --jsonl   # the CLI, with VARIANT's vectors
    .venv/bin/python bench/query_variants.py VARIANT [--alpha A] answerable [-v]   # eval/answerable.py, the same
    .venv/bin/python bench/query_variants.py VARIANT [--alpha A] cosines            # vs the bot's vectors
    .venv/bin/python bench/query_variants.py VARIANT [--alpha A] speed [--passes 3] # floor (b), the bot, VARIANT

The bot embeds `retriever.expand(question)` ("… DCF regimen … (docetaxel, cisplatin, and fluorouracil)"): at the
median 23 word pieces instead of 18, ~0.3–0.4 ms more than floor (b), which embeds the question as typed.
Variants (nothing here changes the bot; the pipeline is patched in this process only):

  expanded  what the bot does (a check: the same answers as `ascc-bot ask`)
  typed     the question as typed, everywhere a question is embedded (guard, retrieval, flowchart branch)
  split     the typed question's vector for the guard and the flowchart branch; for retrieval, its token states
            summed with ALPHA × the token states of each expansion embedded alone (" (docetaxel, cisplatin, and
            fluorouracil)" without [CLS]/[SEP]), normalised: mean pooling over the tokens of both, which a table of
            phrase vectors stored with the index would give without an ONNX run on the longer text. The table is
            computed here at load (every long form, abbreviation and place the lexicon can add).
  mixed     split's retrieval vector for the guard and the flowchart branch too.

`cli` / `answerable` let eval/score_sets.py and eval/answerable.py score a variant:
    .venv/bin/python eval/score_sets.py --systems bot --bot-cmd \
        ".venv/bin/python bench/query_variants.py split cli ask --jsonl" --out /tmp/split CASES...
`speed` is the warm measurement of `make bench` (each question embedded alone, right next to being asked) with
the bot's ask and VARIANT's ask interleaved in one process.
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


def token_states(encoder, text: str) -> np.ndarray:
    """The last hidden states of one text on the bot's ONNX path (`OnnxEncoder.encode` before pooling)."""
    enc = encoder.tokenizer.encode_batch(encoder._prepare([text]))[0]
    feeds = {"input_ids": np.asarray([enc.ids], dtype=np.int64),
             "attention_mask": np.asarray([enc.attention_mask], dtype=np.int64),
             "token_type_ids": np.asarray([enc.type_ids], dtype=np.int64)}
    return encoder.session.run(None, {name: feeds[name] for name in encoder.inputs})[0][0]


def unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v))[None, :].astype(np.float32)


class Variant:
    """Patches one loaded pipeline so that its query vectors are VARIANT's."""

    def __init__(self, pipeline, name: str, alpha: float):
        self.p, self.name, self.alpha = pipeline, name, alpha
        self.lexicon = pipeline.retriever.lexicon
        self.phrases: dict[str, np.ndarray] = {}
        if name == "expanded":
            return
        pipeline.embedder._resolve()
        self.encoder = pipeline.embedder._onnx
        if self.encoder is None:
            raise SystemExit("query_variants: the ONNX path is not in use")
        if name in ("split", "mixed"):  # every text an expansion can add, as an index build would store them
            lex = self.lexicon
            for phrase in {*lex.glossary.values(), *lex.glossary, *lex.demonyms.values()}:
                self.phrases[phrase] = token_states(self.encoder, " (" + phrase + ")")[1:-1].sum(axis=0)
        pipeline.retriever.expand = lambda text: text  # the guard and the branch embed the typed text
        if name in ("split", "mixed"):
            pipeline.rank = self.rank
            pipeline.embedder.encode_query = self.encode_query
        self.last: tuple[str, np.ndarray] | None = None  # the text the guard embedded in this ask, its states' sum

    def encode_query(self, text: str) -> np.ndarray:
        """The guard's vector, as `OnnxEncoder.encode` pools it; its token states' sum is kept for `rank` in the
        same ask (one ONNX run gives both, as the bot's own vector is shared by the guard and retrieval now)."""
        states = token_states(self.encoder, text)
        self.last = (text, states.sum(axis=0))
        if self.name == "mixed":
            return self.mix(text, self.last[1])
        return unit(states.mean(axis=0))

    def retrieval_vector(self, text: str) -> np.ndarray:
        if self.name == "expanded":
            return self.p.embedder.encode_query(self.lexicon.expand(text))
        if self.name == "typed":
            return self.p.embedder.encode_query(text)
        last, self.last = self.last, None
        return self.mix(text, last[1] if last is not None and last[0] == text
                        else token_states(self.encoder, text).sum(axis=0))

    def mix(self, text: str, total: np.ndarray) -> np.ndarray:
        for phrase in self.lexicon.expansions(text):
            total = total + self.alpha * self.phrases[phrase]
        return unit(total)

    def rank(self, q, history, qvec=None):
        """Pipeline.rank with the retrieval vector of the variant (the guard's vector is not reused)."""
        dense_text, context, carry = self.p.contextual_query(q, history)
        qvec = self.retrieval_vector(dense_text)
        return self.p.retriever.search(self.p.retriever.make_query(q, context, carry_names=carry), qvec)


def patch_load(name: str, alpha: float) -> None:
    from bot.pipeline import Pipeline

    load = Pipeline.load.__func__

    def patched(cls, *a, **k):
        pipeline = load(cls, *a, **k)
        Variant(pipeline, name, alpha)
        return pipeline

    Pipeline.load = classmethod(patched)


def cases():
    from bench import DEV_CASES, PUBLIC_CASES, load_cases

    return [c for c in load_cases([PUBLIC_CASES, DEV_CASES]) if isinstance(c.get("question"), str)
            and c["question"].strip()]


def cosines(name: str, alpha: float) -> int:
    from bot.pipeline import Pipeline
    from bot.settings import Settings

    pipeline = Pipeline.load(Settings.from_env(), build_missing=False)
    bot = pipeline.embedder.encode_query
    expand = pipeline.retriever.lexicon.expand
    variant = Variant(pipeline, name, alpha)
    qs = [c["question"].strip() for c in cases()]
    qs = [q for q in qs if expand(q) != q]
    cos = np.array([float(variant.retrieval_vector(q)[0] @ bot(expand(q))[0]) for q in qs])
    print(f"{name}: {len(qs)} public and dev questions with an expansion; cosine of the retrieval vector to the "
          f"bot's: mean {cos.mean():.4f}, 10th percentile {np.percentile(cos, 10):.4f}, min {cos.min():.4f}")
    return 0


def speed(name: str, alpha: float, passes: int) -> int:
    from bench import user_turns
    from bot.pipeline import Pipeline
    from bot.settings import Settings

    bot_p = Pipeline.load(Settings.from_env(), build_missing=False)
    var_p = Pipeline.load(Settings.from_env(), build_missing=False)  # its own Embedder, the same ONNX session
    Variant(var_p, name, alpha)
    embed = bot_p.embedder.encode_query
    asks = [(c["question"], user_turns(c.get("history"))) for c in cases()]

    def ask(p, q, hist):
        try:
            p.ask(q, hist)
        except Exception:  # noqa: BLE001 - refused inputs cost time too
            pass

    for q, hist in asks[:10]:
        embed(q), ask(bot_p, q, hist), ask(var_p, q, hist)
    steps = {"floor (b)": lambda q, h: embed(q), "ask (the bot)": lambda q, h: ask(bot_p, q, h),
             f"ask ({name})": lambda q, h: ask(var_p, q, h)}
    times: dict[str, list[float]] = {k: [] for k in steps}
    for rep in range(passes):
        for q, hist in asks:
            for key in (list(steps) if rep % 2 == 0 else list(steps)[::-1]):
                t0 = time.perf_counter()
                steps[key](q, hist)
                times[key].append(time.perf_counter() - t0)
    floor = statistics.median(times["floor (b)"])
    load = Path("/proc/loadavg").read_text().split()[0]
    print(f"{len(asks)} questions × {passes} passes (load {load}): " + "; ".join(
        f"{k} {statistics.median(v) * 1e3:.2f} ms = {statistics.median(v) / floor:.2f} ×" for k, v in times.items()))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("variant", choices=("expanded", "typed", "split", "mixed"))
    ap.add_argument("--alpha", type=float, default=1.0, help="split: the weight of the expansions' token states")
    ap.add_argument("what", choices=("cli", "answerable", "cosines", "speed"))
    ap.add_argument("rest", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    if args.what == "cosines":
        return cosines(args.variant, args.alpha)
    if args.what == "speed":
        passes = int(args.rest[args.rest.index("--passes") + 1]) if "--passes" in args.rest else 3
        return speed(args.variant, args.alpha, passes)
    patch_load(args.variant, args.alpha)
    if args.what == "cli":
        from bot.cli import main as cli_main

        return cli_main(args.rest)
    sys.path.insert(0, str(ROOT / "eval"))
    sys.argv = ["answerable.py", *args.rest]
    from answerable import main as answerable_main

    return answerable_main()


if __name__ == "__main__":
    sys.exit(main())
