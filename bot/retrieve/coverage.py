"""Coverage of a question's concepts by many units at once (sentences, paragraphs, sections, table cells).

`Lexicon.coverage` (bot/retrieve/lexicon.py) defines coverage for one token set: the IDF-weighted share of the
question's concepts it expresses, full credit for a concept one of whose alternatives it contains entirely, half
for a prefix match. A `TokenIndex` gives the same numbers for every unit of an index in a few array operations, and
`coverage_of` for the union of a few units (a window of neighbouring sentences) in a few integer operations.

Both go through a `Plan`: what one question needs from one index, worked out once per question and index and kept
on the Query. The arithmetic is the one of `Lexicon.coverage`, in the same order, so the numbers are the same to the
last bit (tests/test_coverage.py compares them).
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from bot.retrieve.lexicon import PREFIX_MIN, Query, stem_prefix


class Concepts:
    """The index-independent part of a plan, worked out once per question: for each concept its weight, whether it
    is expressed everywhere (an alternative with no word at all), its alternatives' distinct words, and the words and
    prefixes that are a partial match (the concept's word cut at PREFIX_MIN letters and more, as a word; the word
    itself and its stem, as prefixes)."""

    def __init__(self, query: Query):
        self.concepts = query.concepts
        self.weights = [c.weight for c in query.concepts]
        self.total = sum(self.weights)
        self.always = [any(not alt for alt in c.alternatives) for c in query.concepts]
        self.alts = [[tuple(dict.fromkeys(alt)) for alt in c.alternatives if alt] for c in query.concepts]
        self.partial_words = [[c.word[:k] for k in range(PREFIX_MIN, len(c.word))] for c in query.concepts]
        self.partial_prefixes = [list(dict.fromkeys((c.word, stem_prefix(c.word)))) if len(c.word) >= PREFIX_MIN
                                 else [] for c in query.concepts]

    @staticmethod
    def of(query: Query) -> "Concepts":
        spec = query.plans.get("concepts")
        if spec is None or spec.concepts is not query.concepts:
            spec = query.plans["concepts"] = Concepts(query)
        return spec


class Plan:
    """One question against one index: each concept's alternatives as the token rows they need (an alternative with
    a word the index never holds is dropped: no unit expresses it), and the token and prefix rows any of which is a
    partial match."""

    def __init__(self, query: Query, index: "TokenIndex"):
        spec = Concepts.of(query)
        self.concepts = spec.concepts
        self.weights = spec.weights
        self.total = spec.total
        self.always = spec.always
        token_row, prefix_row = index.token_row, index.prefix_row
        self.alts: list[list[list[int]]] = []
        for alts in spec.alts:
            rows = [[token_row.get(t) for t in alt] for alt in alts]
            self.alts.append([r for r in rows if None not in r])
        self.partial: list[tuple[list[int], list[int]]] = [
            ([r for w in words if (r := token_row.get(w)) is not None],
             [r for p in prefixes if (r := prefix_row.get(p)) is not None])
            for words, prefixes in zip(spec.partial_words, spec.partial_prefixes)]
        self._index = index
        self._bits: tuple | None = None
        self._unit_bits: list[int] | dict[int, int] | None = None

    # ------------------------------------------------------------------------------------ every unit at once
    def full_and_partial(self) -> tuple[np.ndarray, np.ndarray]:
        """(concepts × units) booleans: the concept is expressed; a prefix of it is."""
        ix = self._index
        n_c = len(self.concepts)
        full = np.zeros((n_c, ix.n), dtype=bool)
        partial = np.zeros((n_c, ix.n), dtype=bool)
        alt_rows, alt_lens, alt_starts, alt_concepts = [], [], [], []
        for ci, (always, alts) in enumerate(zip(self.always, self.alts)):
            if always:
                full[ci] = True
            elif alts:
                alt_concepts.append(ci)
                alt_starts.append(len(alt_lens))
                for rows in alts:
                    alt_rows.extend(rows)
                    alt_lens.append(len(rows))
        if alt_rows:
            counts = np.add.reduceat(ix.token_matrix[alt_rows], np.cumsum([0] + alt_lens[:-1]), axis=0,
                                     dtype=np.int32)
            alt_full = counts == np.array(alt_lens)[:, None]
            full[alt_concepts] = np.logical_or.reduceat(alt_full, alt_starts, axis=0)
        blocks, starts, owners = [], [], []
        n_rows = 0
        for ci, (tok_rows, pre_rows) in enumerate(self.partial):
            if tok_rows or pre_rows:
                owners.append(ci)
                starts.append(n_rows)
                if tok_rows:
                    blocks.append(ix.token_matrix[tok_rows])
                if pre_rows:
                    blocks.append(ix.prefix_matrix[pre_rows])
                n_rows += len(tok_rows) + len(pre_rows)
        if blocks:
            partial[owners] = np.logical_or.reduceat(np.vstack(blocks), starts, axis=0)
        return full, partial

    def coverage(self) -> np.ndarray:
        """Lexicon.coverage of every unit."""
        got = np.zeros(self._index.n)
        if not self.total:
            return got
        full, partial = self.full_and_partial()
        credit = np.array(self.weights)[:, None] * (full + 0.5 * (partial & ~full))
        # summed over the concepts row after row, in concept order, as Lexicon.coverage adds them
        return np.add.reduce(credit, axis=0) / self.total if len(credit) else got

    # ------------------------------------------------------------------------------------ a union of units
    def _unit(self, i: int) -> int:
        """Unit i's words among those the plan looks at, as bits of an integer."""
        if self._unit_bits is None:
            rows, _ = self._layout()
            if len(rows) <= 64:  # every unit at once, in one unsigned 64-bit word each
                weights = np.left_shift(np.uint64(1), np.arange(len(rows), dtype=np.uint64))
                self._unit_bits = (rows.T.astype(np.uint64) * weights).sum(axis=1, dtype=np.uint64).tolist()
            else:
                self._unit_bits = {}
        bits = self._unit_bits
        if isinstance(bits, list):
            return bits[i]
        if i not in bits:
            rows, _ = self._layout()
            bits[i] = sum(1 << int(k) for k in np.flatnonzero(rows[:, i]))
        return bits[i]

    def _layout(self):
        """The rows the plan looks at (token rows, then prefix rows) and each concept's bit masks."""
        if self._bits is None:
            ix = self._index
            toks = sorted({r for alts in self.alts for rows in alts for r in rows}
                          | {r for t, _ in self.partial for r in t})
            pres = sorted({r for _, p in self.partial for r in p})
            bit_t = {r: k for k, r in enumerate(toks)}
            bit_p = {r: len(toks) + k for k, r in enumerate(pres)}
            rows = np.vstack([ix.token_matrix[toks], ix.prefix_matrix[pres]]) if toks or pres else np.zeros((0, ix.n))
            masks = []
            for w, always, alts, (tok_rows, pre_rows) in zip(self.weights, self.always, self.alts, self.partial):
                # one-word alternatives: any of their bits; longer ones: all the bits of one of them
                single = sum(1 << bit_t[rows_[0]] for rows_ in alts if len(rows_) == 1)
                multi = [sum(1 << bit_t[r] for r in rows_) for rows_ in alts if len(rows_) > 1]
                part = sum(1 << bit_t[r] for r in tok_rows) | sum(1 << bit_p[r] for r in pre_rows)
                masks.append((w, always, single, multi, part))
            self._bits = (rows, masks)
        return self._bits

    def coverage_of(self, units) -> float:
        """Lexicon.coverage of the union of `units`' token sets (and of their prefixes)."""
        if not self.total:
            return 0.0
        have = 0
        for i in units:
            have |= self._unit(i)
        got = 0.0
        for w, always, single, multi, part in self._layout()[1]:
            if always or have & single or any(have & m == m for m in multi):
                got += w
            elif have & part:
                got += 0.5 * w
        return got / self.total


class TokenIndex:
    """Which units (sentences, table cells) contain each word and each word prefix: coverage of a question is then
    computed for all units at once with a few array operations, instead of a Python loop per sentence."""

    def __init__(self, token_sets: list[set[str]]):
        self.n = len(token_sets)
        post: dict[str, list[int]] = defaultdict(list)
        pre: dict[str, set[int]] = defaultdict(set)
        for i, toks in enumerate(token_sets):
            for t in toks:
                post[t].append(i)
                for k in range(PREFIX_MIN, len(t) + 1):
                    pre[t[:k]].add(i)
        self.token_row = {t: k for k, t in enumerate(post)}
        self.prefix_row = {t: k for k, t in enumerate(pre)}
        # (words × units) and (prefixes × units): a question's rows are gathered in one step
        self.token_matrix = np.zeros((len(post), self.n), dtype=bool)
        for t, units in post.items():
            self.token_matrix[self.token_row[t], units] = True
        self.prefix_matrix = np.zeros((len(pre), self.n), dtype=bool)
        for t, units in pre.items():
            self.prefix_matrix[self.prefix_row[t], list(units)] = True
        self._none = np.zeros(self.n, dtype=bool)
        self._none.flags.writeable = False

    def has(self, token: str) -> np.ndarray:
        row = self.token_row.get(token)
        return self._none.copy() if row is None else self.token_matrix[row].copy()

    def has_all(self, toks) -> np.ndarray:
        out = np.ones(self.n, dtype=bool)
        for t in toks:
            row = self.token_row.get(t)
            if row is None:
                return np.zeros(self.n, dtype=bool)
            out &= self.token_matrix[row]
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
        return self.plan(query).coverage()

    def coverage_of(self, query: Query, units) -> float:
        """Lexicon.coverage of the union of some units (a window of sentences)."""
        return self.plan(query).coverage_of(units)
