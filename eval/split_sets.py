"""Split a helper-written question file into a working half (tuned on) and a locked half (scored once per
milestone, never read case by case while tuning). Deterministic: within each (set, kind), cases are ordered by the
SHA-256 of their id and dealt alternately, so re-running gives the same halves. Cases that carry a "style" (broad,
how/why, specific …) are dealt within each (kind, style), so both halves hold every style.

    python eval/split_sets.py SOURCE.jsonl PREFIX:ID_PREFIX [PREFIX:ID_PREFIX ...]

writes eval/sets/<PREFIX>.working.jsonl and eval/sets/<PREFIX>.locked.jsonl for the cases whose id starts with
ID_PREFIX, and prints only counts (so splitting never shows a locked case).
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "sets"


def split(cases: list[dict]) -> tuple[list[dict], list[dict]]:
    working, locked = [], []
    groups = sorted({(c["kind"], c.get("style", "")) for c in cases})
    for group_key in groups:
        group = sorted((c for c in cases if (c["kind"], c.get("style", "")) == group_key),
                       key=lambda c: hashlib.sha256(c["id"].encode()).hexdigest())
        for i, c in enumerate(group):
            (working if i % 2 == 0 else locked).append(c)
    key = lambda c: c["id"]  # noqa: E731
    return sorted(working, key=key), sorted(locked, key=key)


def main(argv: list[str]) -> None:
    source, specs = Path(argv[0]), argv[1:]
    cases = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    OUT.mkdir(exist_ok=True)
    for spec in specs:
        name, prefix = spec.split(":")
        working, locked = split([c for c in cases if c["id"].startswith(prefix)])
        for half, rows in (("working", working), ("locked", locked)):
            (OUT / f"{name}.{half}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                                     encoding="utf-8")
        print(f"{name}: {len(working)} working, {len(locked)} locked")


if __name__ == "__main__":
    main(sys.argv[1:])
