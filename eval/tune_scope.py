"""Tune the scope check's "given for another study" thresholds (bot/guard/values.py OTHER_MIN, OTHER_GAP) on the
working halves only; with --described, the coverage a question with an unstated description ("the Dutch series")
needs to be answered with a note (bot/guard/scope.py DESCRIBED_COVERAGE).

    .venv/bin/python eval/tune_scope.py
    .venv/bin/python eval/tune_scope.py --described
    .venv/bin/python eval/tune_scope.py --window      # TYPE_WINDOW: how many top sentences the value checks read

Cases: the public cases, eval/dev_questions.jsonl and eval/sets/*.working.jsonl (never the locked halves). For each
pair of values every question is asked again; the objective counts the out-of-scope questions declined, minus
FALSE_COST for each fact question declined or deferred (a wrong refusal costs more than a missed one). Ties keep
the stricter pair (fewer refusals). The chosen values are written by hand into bot/guard/values.py, with this script
named beside them.
"""
from __future__ import annotations

import glob
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bot.guard.scope as scope  # noqa: E402
import bot.guard.values as values  # noqa: E402
from bot.pipeline import Pipeline  # noqa: E402
from bot.settings import Settings  # noqa: E402

OTHER_MIN = [0.6, 0.7, 0.8, 0.9, 1.0]
OTHER_GAP = [0.1, 0.2, 0.3, 0.4, 0.5]
FALSE_COST = 5  # the acceptance sets allow no fact refused, and a miss or two among the out-of-scope
DESCRIBED = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]


def cases() -> list[dict]:
    files = [ROOT.parent / "shared" / "eval" / "questions.jsonl", ROOT / "eval" / "dev_questions.jsonl",
             *sorted(glob.glob(str(ROOT / "eval" / "sets" / "*.working.jsonl")))]
    out = []
    for f in files:
        if Path(f).exists():
            out += [json.loads(line) for line in Path(f).read_text(encoding="utf-8").splitlines() if line.strip()]
    return [c for c in out if c.get("kind") in ("fact", "follow_up", "out_of_scope")]


def answerable() -> list[str]:
    """The ranker's training questions: answerable by construction, in no evaluation set (eval/answerable.py)."""
    return [json.loads(line)["question"] for path in sorted((ROOT / "eval" / "training").glob("ranker_pairs*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def declined_and_refused(pipeline, todo) -> tuple[int, int]:
    """Out-of-scope cases declined, and fact cases not answered."""
    declined = wrong = 0
    for c in todo:
        history = [h["content"] if isinstance(h, dict) else h for h in c.get("history") or []]
        mode = pipeline.ask(c["question"], history).mode
        if c["kind"] == "out_of_scope":
            declined += mode == "abstained"
        else:
            wrong += mode != "answer"
    return declined, wrong


def main() -> int:
    pipeline = Pipeline.load(Settings.from_env())
    todo = cases()
    if "--described" in sys.argv[1:]:
        return tune_described(pipeline, todo)
    if "--window" in sys.argv[1:]:
        return tune_window(pipeline, todo)

    def run() -> tuple[int, int]:
        return declined_and_refused(pipeline, todo)

    rows = []
    for lo in OTHER_MIN:
        for gap in OTHER_GAP:
            values.OTHER_MIN, values.OTHER_GAP = lo, gap
            declined, wrong = run()
            rows.append((declined - FALSE_COST * wrong, lo, gap, declined, wrong))
            print(f"OTHER_MIN {lo}  OTHER_GAP {gap}:  out of scope declined {declined}, facts refused {wrong}")
    values.OTHER_MIN = values.OTHER_GAP = 9.0  # the check off: the baseline
    declined, wrong = run()
    print(f"without the check: out of scope declined {declined}, facts refused {wrong}")
    best = max(rows, key=lambda r: (r[0], r[1], r[2]))
    print(f"best: OTHER_MIN = {best[1]}, OTHER_GAP = {best[2]} (declined {best[3]}, refused {best[4]}; "
          f"{len(todo)} cases)")
    return 0


def tune_described(pipeline, todo) -> int:
    """DESCRIBED_COVERAGE: out-of-scope questions declined, minus FALSE_COST for each fact question of the working
    halves and each answerable training question refused. Ties keep the higher value (fewer answers)."""
    extra = answerable()
    rows = []
    for value in DESCRIBED:
        scope.DESCRIBED_COVERAGE = value
        declined, wrong = declined_and_refused(pipeline, todo)
        refused = sum(pipeline.ask(q).mode != "answer" for q in extra)
        rows.append((declined - FALSE_COST * (wrong + refused), value, declined, wrong, refused))
        print(f"DESCRIBED_COVERAGE {value}: out of scope declined {declined}, facts refused {wrong}, "
              f"answerable refused {refused} of {len(extra)}")
    best = max(rows, key=lambda r: (r[0], r[1]))
    print(f"best: DESCRIBED_COVERAGE = {best[1]} ({len(todo)} cases, {len(extra)} answerable questions)")
    return 0


WINDOWS = [4, 5, 6, 8, 10, 12]


def tune_window(pipeline, todo) -> int:
    """TYPE_WINDOW (bot/guard/values.py, read by bot/guard/shapes.py too): out-of-scope questions declined, minus
    FALSE_COST for each fact question of the working halves and each answerable training question refused. Ties
    keep the smaller window (fewer sentences read).

    Session 9 (661b402): 4 → 304 declined / 9 refused / 66 answerable refused; 5 → 305 / 6 / 57; 6 → 305 / 5 / 52;
    8 → 304 / 5 / 47; 10 → 303 / 5 / 47; 12 → 302 / 5 / 49. The objective prefers 8, but 8 is not adopted: the
    seventh and eighth sentences let through a look-alike tests/test_scope_wording.py keeps declined ("What rate of
    infection follows primary closure?" read as answered by "HPV infection, accounting for 80–85% of cases"), and
    capturing "what rate of X" as the measure, which would mend it, refused 11 more fact questions."""
    import bot.guard.shapes as shapes

    extra = answerable()
    rows = []
    for window in WINDOWS:
        values.TYPE_WINDOW = shapes.TYPE_WINDOW = window
        declined, wrong = declined_and_refused(pipeline, todo)
        refused = sum(pipeline.ask(q).mode != "answer" for q in extra)
        rows.append((declined - FALSE_COST * (wrong + refused), -window, declined, wrong, refused))
        print(f"TYPE_WINDOW {window}: out of scope declined {declined}, facts refused {wrong}, "
              f"answerable refused {refused} of {len(extra)}")
    best = max(rows)
    print(f"best: TYPE_WINDOW = {-best[1]} ({len(todo)} cases, {len(extra)} answerable questions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
