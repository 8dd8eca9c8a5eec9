"""Coverage of a question's concepts by many units at once (sentences, paragraphs, sections, table cells).

`Lexicon.coverage` (bot/retrieve/lexicon.py) defines coverage for one token set: the IDF-weighted share of the
question's concepts it expresses, full credit for a concept one of whose alternatives it contains entirely, half
for a prefix match. A `TokenIndex` gives the same numbers for every unit of an index in a few array operations, and
`coverage_of` for the union of a few units (a window of neighbouring sentences) in a few integer operations.

Both go through a `Plan`: what one question needs from one index, worked out once per question and index and kept
on the Query. The arithmetic is the one of `Lexicon.coverage`, in the same order, so the numbers are the same to the
last bit (tests/test_coverage.py compares them).

One index holds every kind of unit a question's coverage is needed for (sentences, and as `parts` paragraphs,
section titles, table cells), as columns of one matrix over one vocabulary: a question's plan is worked out once,
and one pass of array operations gives the coverage of every unit of every kind.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from bot.retrieve.lexicon import PREFIX_MIN, Query, stem_prefix


class Concepts:
    """The index-independent part of a plan, worked out once per question: for each concept its weight, whether it
    is expressed everywhere (an alternative with no word at all) and its alternatives' distinct words."""

    def __init__(self, query: Query):
        self.concepts = query.concepts
        self.weights = [c.weight for c in query.concepts]
        self.total = sum(self.weights)
        self.always = [any(not alt for alt in c.alternatives) for c in query.concepts]
        self.alts = [[tuple(dict.fromkeys(alt)) for alt in c.alternatives if alt] for c in query.concepts]

    @staticmethod
    def of(query: Query) -> "Concepts":
        spec = query.plans.get("concepts")
        if spec is None or spec.concepts is not query.concepts:
            spec = query.plans["concepts"] = Concepts(query)
        return spec


class Plan:
    """One question against one index: each concept's alternatives as the rows they need (an alternative with a word
    the index never holds is dropped: no unit expresses it), and the rows any of which is a partial match. Rows are
    those of `TokenIndex.matrix`: its words, then its prefixes."""

    def __init__(self, query: Query, index: "TokenIndex"):
        spec = Concepts.of(query)
        self.concepts = spec.concepts
        self.weights = spec.weights
        self.total = spec.total
        self.always = spec.always
        self.alts = [[rows for alt in alts if (rows := index.alternative(alt)) is not None] for alts in spec.alts]
        self.partial = [index.partial(c.word) for c in spec.concepts]
        self._index = index
        self._bits: tuple | None = None
        self._unit_bits: list[int] | dict[int, int] | None = None
        self._matrices: tuple | None = None
        self._all: np.ndarray | None = None  # coverage of every unit
        self._covered: dict[int, float] = {}  # coverage of a window, by the bits of the words it holds

    # ------------------------------------------------------------------------------------ every unit at once
    def _groups(self):
        """The plan as groups of rows, each with a threshold and a credit: an alternative (all of its rows: its
        length; the concept's weight), the partial matches (any row: 1; half the weight), a concept expressed
        everywhere (the row true everywhere: 1; the weight). Returns the rows, the group of each row, each group's
        threshold and credit, the concept of each group, and the weight of each concept that has a group."""
        rows: list[int] = []
        row_group, thresholds, credits, group_concept, weights = [], [], [], [], []
        for w, always, alts, part in zip(self.weights, self.always, self.alts, self.partial):
            groups = [([self._index.everywhere], 1, w)] if always else \
                [(r, len(r), w) for r in alts] + ([(part, 1, 0.5 * w)] if part else [])
            if not groups:
                continue  # expressed nowhere: the concept adds nothing
            for group_rows, threshold, credit in groups:
                row_group += [len(thresholds)] * len(group_rows)
                rows += group_rows
                thresholds.append(threshold)
                credits.append(credit)
                group_concept.append(len(weights))
            weights.append(w)
        return rows, row_group, thresholds, credits, group_concept, weights

    def coverage(self) -> np.ndarray:
        """Lexicon.coverage of every unit of the index (every part's too), computed once per plan: a read-only array.

        A unit meets a group when it has at least `threshold` of the group's rows (all of an alternative's words,
        any partial match). Its credit for a concept is the weight when it meets one of the concept's alternatives,
        else half the weight when it meets the partial group, else 0: the sum of the credits of the groups it meets,
        capped at the weight (any sum with an alternative's full weight in it is at least the weight, and a partial
        credit alone is exact). The credits are then summed over the concepts row after row, in concept order, as
        Lexicon.coverage adds them, and divided by the total weight: the same numbers to the last bit."""
        if self._all is None:
            arrays = self._arrays()
            if arrays is None:
                out = np.zeros(self._index.size)
            else:
                rows, in_group, thresholds, of_concept, credits, weights = arrays
                met = in_group @ self._index.matrix[rows].astype(np.float32) >= thresholds
                credit = np.minimum(of_concept @ (met * credits), weights)
                out = np.add.reduce(credit, axis=0) / self.total
            out.flags.writeable = False
            self._all = out
        return self._all

    def _arrays(self):
        """The groups as arrays (made once per plan); None when no concept can be expressed anywhere."""
        if self._matrices is None:
            rows, row_group, thresholds, credits, group_concept, weights = self._groups()
            if not self.total or not rows:
                self._matrices = ()
            else:
                in_group = np.zeros((len(thresholds), len(rows)), dtype=np.float32)
                in_group[row_group, range(len(rows))] = 1.0
                of_concept = np.zeros((len(weights), len(thresholds)))
                of_concept[group_concept, range(len(thresholds))] = 1.0
                self._matrices = (rows, in_group, np.array(thresholds, dtype=np.float32)[:, None], of_concept,
                                  np.array(credits)[:, None], np.array(weights)[:, None])
        return self._matrices or None

    # ------------------------------------------------------------------------------------ a union of units
    def _layout(self):
        """The rows the plan looks at, and each concept's weight and bit masks over them: expressed everywhere;
        any of these bits (one-word alternatives); all the bits of one of these (longer ones); a partial match."""
        if self._bits is None:
            rows = sorted({r for alts in self.alts for rows_ in alts for r in rows_} |
                          {r for part in self.partial for r in part})
            bit = {r: 1 << k for k, r in enumerate(rows)}

            def mask(of) -> int:  # the bits of some rows (an OR: the same row may come twice)
                out = 0
                for r in of:
                    out |= bit[r]
                return out

            masks = []
            for w, always, alts, part in zip(self.weights, self.always, self.alts, self.partial):
                single = mask(rows_[0] for rows_ in alts if len(rows_) == 1)
                multi = [mask(rows_) for rows_ in alts if len(rows_) > 1]
                masks.append((w, always, single, multi, mask(part)))
            self._bits = (self._index.matrix[rows], masks)
        return self._bits

    def _units(self) -> list[int] | dict[int, int]:
        """Each unit's rows among those the plan looks at, as the bits of an integer: a list of every unit's when
        they fit in 64 bits, else a dict filled unit by unit (`_unit`)."""
        if self._unit_bits is None:
            rows = self._layout()[0]
            if len(rows) <= 64:  # every unit at once, one unsigned 64-bit word each
                weights = np.left_shift(np.uint64(1), np.arange(len(rows), dtype=np.uint64))
                self._unit_bits = (rows[:, :self._index.n].T.astype(np.uint64) * weights).sum(
                    axis=1, dtype=np.uint64).tolist()
            else:
                self._unit_bits = {}
        return self._unit_bits

    def _unit(self, i: int) -> int:
        bits = self._units()
        if isinstance(bits, list):
            return bits[i]
        if i not in bits:
            bits[i] = sum(1 << int(k) for k in np.flatnonzero(self._layout()[0][:, i]))
        return bits[i]

    def coverage_of(self, units) -> float:
        """Lexicon.coverage of the union of `units`' token sets (and of their prefixes)."""
        if not self.total:
            return 0.0
        have = 0
        bits = self._units()
        if isinstance(bits, list):
            for i in units:
                have |= bits[i]
        else:
            for i in units:
                have |= self._unit(i)
        known = self._covered.get(have)  # windows often hold the same words of the question
        if known is not None:
            return known
        got = 0.0
        for w, always, single, multi, part in self._layout()[1]:
            if always or have & single or any(have & m == m for m in multi):
                got += w
            elif have & part:
                got += 0.5 * w
        self._covered[have] = got / self.total
        return self._covered[have]


class TokenIndex:
    """Which units (sentences, and the units of its `parts`: paragraphs, section titles, table cells) contain each
    word and each word prefix: coverage of a question is then computed for all units at once with a few array
    operations, instead of a Python loop per unit.

    The units of `token_sets` come first (`n` of them: `coverage`, `coverage_of`, `has` and `has_all` are about
    them), then each part's, in order (`part(name).coverage`)."""

    MEMO = 4096  # words and alternatives whose rows are remembered (bounded: questions bring new words forever)

    def __init__(self, token_sets: list[set[str]], parts: dict[str, list[set[str]]] | None = None):
        self.n = len(token_sets)
        units = list(token_sets)
        self.spans: dict[str, tuple[int, int]] = {}
        for name, sets in (parts or {}).items():
            self.spans[name] = (len(units), len(units) + len(sets))
            units += sets
        self.size = len(units)
        post: dict[str, list[int]] = defaultdict(list)
        pre: dict[str, set[int]] = defaultdict(set)
        for i, toks in enumerate(units):
            for t in toks:
                post[t].append(i)
                for k in range(PREFIX_MIN, len(t) + 1):
                    pre[t[:k]].add(i)
        # one (rows × units) boolean matrix: a row per word, then a row per prefix, then a row true everywhere
        self.token_row = {t: k for k, t in enumerate(post)}
        self.prefix_row = {t: len(post) + k for k, t in enumerate(pre)}
        self.everywhere = len(post) + len(pre)
        self.matrix = np.zeros((len(post) + len(pre) + 1, self.size), dtype=bool)
        self.matrix[self.everywhere] = True
        for t, members in post.items():
            self.matrix[self.token_row[t], members] = True
        for t, members in pre.items():
            self.matrix[self.prefix_row[t], list(members)] = True
        self._alternatives: dict[tuple[str, ...], list[int] | None] = {}
        self._partials: dict[str, list[int]] = {}

    def part(self, name: str) -> "Part":
        return Part(self, *self.spans[name])

    def alternative(self, words: tuple[str, ...]) -> list[int] | None:
        """The rows of an alternative's (distinct) words; None when the index never holds one of them."""
        rows = self._alternatives.get(words, False)
        if rows is False:
            rows = [self.token_row.get(t) for t in words]
            rows = None if None in rows else rows
            self._remember(self._alternatives, words, rows)
        return rows

    def partial(self, word: str) -> list[int]:
        """The rows that make a partial match of a concept's word: the word cut at PREFIX_MIN letters and more, as a
        word; the word itself and its stem, as prefixes (none for a word shorter than PREFIX_MIN)."""
        rows = self._partials.get(word)
        if rows is None:
            rows = []
            if len(word) >= PREFIX_MIN:
                rows = [r for k in range(PREFIX_MIN, len(word)) if (r := self.token_row.get(word[:k])) is not None]
                rows += [r for p in dict.fromkeys((word, stem_prefix(word))) if (r := self.prefix_row.get(p)) is not None]
            self._remember(self._partials, word, rows)
        return rows

    def _remember(self, memo: dict, key, value) -> None:
        if len(memo) >= self.MEMO:
            memo.clear()
        memo[key] = value

    def has(self, token: str) -> np.ndarray:
        row = self.token_row.get(token)
        return np.zeros(self.n, dtype=bool) if row is None else self.matrix[row, :self.n].copy()

    def has_all(self, toks) -> np.ndarray:
        out = np.ones(self.n, dtype=bool)
        for t in toks:
            row = self.token_row.get(t)
            if row is None:
                return np.zeros(self.n, dtype=bool)
            out &= self.matrix[row, :self.n]
        return out

    def plan(self, query: Query) -> Plan:
        """The question's plan against this index, made once and kept on the query."""
        plans = query.plans
        plan = plans.get(id(self))
        if plan is None or plan._index is not self or plan.concepts is not query.concepts:
            plan = plans[id(self)] = Plan(query, self)
        return plan

    def coverage(self, query: Query) -> np.ndarray:
        """Lexicon.coverage for every unit: full credit for a concept expressed, half for a prefix match."""
        return self.plan(query).coverage()[:self.n].copy()

    def coverage_of(self, query: Query, units) -> float:
        """Lexicon.coverage of the union of some units (a window of sentences)."""
        return self.plan(query).coverage_of(units)


class Part:
    """The units of one part of a TokenIndex (the paragraphs, the section titles, the table cells)."""

    def __init__(self, index: TokenIndex, start: int, end: int):
        self.index, self.start, self.end = index, start, end
        self.n = end - start

    def coverage(self, query: Query) -> np.ndarray:
        """Lexicon.coverage for every unit of this part (from the question's plan for the whole index)."""
        return self.index.plan(query).coverage()[self.start:self.end].copy()
