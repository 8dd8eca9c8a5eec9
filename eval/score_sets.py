#!/usr/bin/env python3
"""Score case sets with ../shared/eval/run_eval.py, the bot and the LangChain baseline side by side, in one table.

    .venv/bin/python eval/score_sets.py ../shared/eval/questions.jsonl eval/dev_questions.jsonl 'eval/sets/*.working.jsonl'
    .venv/bin/python eval/score_sets.py --systems bot 'eval/sets/*.locked.jsonl' --markdown artifacts/eval/locked.md
    .venv/bin/python eval/score_sets.py --answers artifacts/eval/answers CASES...   # rescore saved answers, run nothing

For every case file and system, run_eval.py asks the system and saves its answers (--out, default
artifacts/eval/answers/SYSTEM/SET.jsonl); the figures are then computed from those answers with run_eval.py's own
`score` and `corpus_text`, aggregated exactly as run_eval.py prints them, so the numbers are the same.
Arguments are case files or globs (quote globs so that the shell leaves them to this script).
"""
from __future__ import annotations

import argparse
import glob
import importlib.util
import json
import shlex
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RUN_EVAL = PROJECT_ROOT.parent / "shared" / "eval" / "run_eval.py"
SYSTEMS = {"bot": ".venv/bin/ascc-bot ask --jsonl", "baseline": ".venv/bin/python eval/baseline_langchain.py"}
COLUMNS = ["set", "cases", "system", "facts (answer+quotes)", "facts in answer text", "reference recall",
           "deferred", "abstained", "wrongly deferred / abstained", "quotes verbatim"]


class Problem(Exception):
    """Bad arguments or a missing file: reported as one line, nothing is written."""


def load_run_eval(path: Path):
    if not path.is_file():
        raise Problem(f"the scorer is not there: {path} (it lives in ../shared/eval/)")
    spec = importlib.util.spec_from_file_location("run_eval", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def expand(patterns: list[str]) -> list[tuple[str, Path]]:
    """(set name, case file) for each file; a set is named after its file, or `NAME=FILE` names it."""
    files: list[tuple[str, Path]] = []
    for pattern in patterns:
        label, _, rest = pattern.partition("=")
        if not rest or not label.isidentifier():
            label, rest = "", pattern
        matches = sorted(glob.glob(rest)) if glob.has_magic(rest) else [rest]
        if not matches:
            print(f"note: no case file matches {rest}", file=sys.stderr)
        for m in matches:
            if not Path(m).is_file():
                raise Problem(f"no such case file: {m}")
            name = label if label and len(matches) == 1 else Path(m).name.removesuffix(".jsonl")
            if Path(m) not in [f for _, f in files]:
                files.append((name, Path(m)))
    if not files:
        raise Problem("no case file to score")
    return files


def read_jsonl(path: Path, what: str) -> list[dict]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise Problem(f"{path}:{n}: {what} line is not JSON ({exc})") from exc
    return out


def check_cases(path: Path, cases: list[dict]) -> None:
    """The contract run_eval.py reads: a case's history is the earlier user turns as strings. A turn written as
    {"role": …, "content": …} would reach the bot wrapped once more, as a content that is not text, and the
    conversation would be silently dropped (fresh17 arrived so)."""
    for c in cases:
        history = c.get("history", [])
        if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
            raise Problem(f"{path}: case {c.get('id', '?')}: history must be a list of the earlier user turns as "
                          "strings (run_eval.py adds the role itself)")


def tally(run_eval, cases: list[dict], answers: list[dict], corpus_n: str) -> dict:
    """The figures run_eval.py prints, from its own `score`, plus fact questions wrongly abstained."""
    rows, quotes_total, quotes_bad = run_eval.score(cases, answers, corpus_n)
    facts = [r for r in rows if r["kind"] in ("fact", "follow_up")]
    rr = [r["ref_recall"] for r in rows if r.get("ref_recall") is not None]

    def share(kind):
        rs = [r for r in rows if r["kind"] == kind]
        return sum(r["ok"] for r in rs), len(rs)
    return {
        "cases": len(rows),
        "facts": (sum(r["ok"] for r in facts), len(facts)),
        "in_answer": (sum(1 for r in facts if r.get("in_answer")), len(facts)),
        "ref_recall": (sum(rr), len(rr)),
        "deferred": share("recommend"),
        "abstained": share("out_of_scope"),
        "wrong": (sum(r["why"] == "mode=deferred" for r in facts), sum(r["why"] == "mode=abstained" for r in facts)),
        "verbatim": (quotes_total - len(quotes_bad), quotes_total),
    }


def add(a: dict, b: dict) -> dict:
    return {k: a[k] + b[k] if k == "cases" else tuple(x + y for x, y in zip(a[k], b[k])) for k in a}


def cells(name: str, system: str, t: dict | None) -> list[str]:
    if t is None:
        return [name, "", system, "failed (see above)"] + [""] * (len(COLUMNS) - 4)

    def frac(pair):
        return f"{pair[0]}/{pair[1]}" if pair[1] else "–"
    s, n = t["ref_recall"]
    return [name, str(t["cases"]), system, frac(t["facts"]), frac(t["in_answer"]), f"{s / n:.2f}" if n else "n/a",
            frac(t["deferred"]), frac(t["abstained"]), f"{t['wrong'][0]} / {t['wrong'][1]}", frac(t["verbatim"])]


def markdown(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows]) + "\n"


def build_rows(results: dict, names: tuple[str, ...], systems: list[str]) -> list[list[str]]:
    """One row per set and system, systems side by side; an 'all sets' group when there are several sets."""
    rows = [cells(name, system, results[name, system]) for name in names for system in systems]
    if len(names) > 1:
        for system in systems:
            done = [results[name, system] for name in names if results[name, system] is not None]
            if done:
                total = done[0]
                for t in done[1:]:
                    total = add(total, t)
                label = "all sets" if len(done) == len(names) else f"all scored sets ({len(done)}/{len(names)})"
                rows.append(cells(label, system, total))
    return rows


def commit_line() -> str:
    def git(*args):
        p = subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True)
        return p.stdout.strip() if p.returncode == 0 else ""
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = " (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else ""
    return f"commit {head}{dirty}"


def run_system(run_eval_path: Path, cmd: str, cases: Path, corpus: Path, save: Path, verbose: bool) -> str | None:
    """run_eval.py asks `cmd` (run from the project root) and saves the answers; returns its report, None if it failed."""
    save.parent.mkdir(parents=True, exist_ok=True)
    save.unlink(missing_ok=True)
    p = subprocess.run([sys.executable, str(run_eval_path), "--cmd", cmd, "--cases", str(cases.resolve()),
                        "--corpus", str(corpus.resolve()), "--save", str(save.resolve())] + (["-v"] if verbose else []),
                       capture_output=True, text=True, cwd=PROJECT_ROOT)
    if verbose or p.returncode != 0:
        print(p.stdout + p.stderr[-3000:], file=sys.stderr)
    if p.returncode != 0 or not save.is_file():
        print(f"error: run_eval.py failed on {cases} with `{cmd}` (exit code {p.returncode})", file=sys.stderr)
        return None
    return p.stdout


def check_same(report: str, t: dict, where: str) -> None:
    """A guard against drifting from run_eval.py: its printed 'facts answered' must be ours."""
    ours = f"facts answered      {t['facts'][0]}/{t['facts'][1]}"
    if ours not in report:
        print(f"warning: {where}: run_eval.py reports differently from this table:\n{report}", file=sys.stderr)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases", nargs="+", help="case files or globs; NAME=FILE names a set (default: the file's name)")
    ap.add_argument("--systems", default="bot,baseline", help="comma-separated, of: " + ", ".join(SYSTEMS))
    ap.add_argument("--bot-cmd", default=SYSTEMS["bot"])
    ap.add_argument("--baseline-cmd", default=SYSTEMS["baseline"])
    ap.add_argument("--corpus", default="corpus")
    ap.add_argument("--run-eval", default=str(RUN_EVAL), help="path of run_eval.py (default: %(default)s)")
    ap.add_argument("--out", default="artifacts/eval/answers", help="answers are saved in OUT/SYSTEM/SET.jsonl")
    ap.add_argument("--answers", metavar="DIR", help="score the answers saved in DIR/SYSTEM/SET.jsonl; run nothing")
    ap.add_argument("--markdown", metavar="FILE", help="also write the table, with the commit, to FILE")
    ap.add_argument("-v", "--verbose", action="store_true", help="print run_eval.py's own report, failing cases included")
    args = ap.parse_args(argv)

    try:
        systems = [s.strip() for s in args.systems.split(",") if s.strip()]
        unknown = [s for s in systems if s not in SYSTEMS]
        if unknown or not systems:
            raise Problem(f"unknown system {', '.join(unknown) or '(none)'}; choose among {', '.join(SYSTEMS)}")
        names, files = zip(*expand(args.cases))
        if len(set(names)) < len(names):
            raise Problem("two case files have the same name; their answers would overwrite each other")
        run_eval = load_run_eval(Path(args.run_eval))
        corpus_dir = Path(args.corpus)
        corpus_n = run_eval.corpus_text(corpus_dir) if corpus_dir.exists() else ""
        if not corpus_n:   # run_eval.py's own fallback
            corpus_n = run_eval.corpus_text(Path(args.run_eval).resolve().parent.parent / "seeds")
        cmds = {"bot": args.bot_cmd, "baseline": args.baseline_cmd}
        results = {}
        for path, name in zip(files, names):
            cases = read_jsonl(path, "case")
            check_cases(path, cases)
            for system in systems:
                saved = Path(args.answers or args.out) / system / f"{name}.jsonl"
                if args.answers:
                    if not saved.is_file():
                        raise Problem(f"no saved answers for {system} on {name}: {saved}")
                    report = None
                else:
                    print(f"scoring {system} on {path} ...", file=sys.stderr, flush=True)
                    report = run_system(Path(args.run_eval), cmds[system], path, corpus_dir, saved, args.verbose)
                    if report is None:
                        results[name, system] = None
                        continue
                results[name, system] = tally(run_eval, cases, read_jsonl(saved, "answer"), corpus_n)
                if report is not None:
                    check_same(report, results[name, system], f"{system} on {name}")
    except (Problem, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    table = markdown(build_rows(results, names, systems))
    print(table, end="")
    if args.markdown:
        out = Path(args.markdown)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(f"Scored at {commit_line()}, with {Path(args.run_eval).name}.\n\n{table}", encoding="utf-8")
        print(f"table written to {out}", file=sys.stderr)
    return 0 if all(v is not None for v in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
