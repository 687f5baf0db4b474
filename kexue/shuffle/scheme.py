"""Shuffling a line file larger than memory (kexue.fm/archives/8662), written from the article's algorithm.

Split the mn lines into m files of n lines; shuffle each file in memory ("vertical"); then, round after
round, read the next line of every file and write those m lines in a random order ("horizontal"). Near
uniform, not uniform: the scheme draws from (n!)^m·(m!)^n equally likely outcomes, which (mn)! need not
divide. Fixes: pick the next file with probability proportional to its remaining lines (uniform), and,
for a short last file, emit its line only with probability (left in it)/(left in a full file).

This module: the scheme on lists, exact enumeration, and numpy simulations vectorised over runs; the
file-based shuffle is in kexue.shuffle.files.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from fractions import Fraction

import numpy as np

# --------------------------------------------------------------------------- the algorithm on lists


def horizontal(files: list[list], shuffle, accept=None) -> list:
    """The horizontal pass: round r reads line r of every file (an exhausted file gives nothing, skipped)
    and writes them in a random order (`shuffle(lines)` permutes in place). `accept(i, position)`: whether
    file i emits its line this round (the short-last-file fix), decided on the counts at the round's start;
    a skipped line stays for a later round."""
    position = [0] * len(files)
    sizes = [len(f) for f in files]
    remaining = sum(sizes)
    out = []
    while remaining:
        emit = [i for i in range(len(files)) if position[i] < sizes[i] and (accept is None or accept(i, position))]
        this_round = [files[i][position[i]] for i in emit]
        for i in emit:
            position[i] += 1
        remaining -= len(emit)
        shuffle(this_round)
        out.extend(this_round)
    return out


def two_pass(items: list, n: int, rng: random.Random, fix_short_last: bool = False) -> list:
    """The article's shuffle on a list: m = ⌈len/n⌉ files of n items (the last may be short)."""
    files = [items[i : i + n] for i in range(0, len(items), n)]
    for f in files:
        rng.shuffle(f)
    accept = _short_last_rule(files, n, rng) if fix_short_last else None
    return horizontal(files, rng.shuffle, accept)


def _short_last_rule(files: list[list], n: int, rng: random.Random):
    """Rejection for the short last file: emit its line with probability (lines left in it)/(lines left
    in each full file); the full files always emit."""
    last, size = len(files) - 1, len(files[-1])

    def accept(i, position):
        if i < last:
            return True
        left_last, left_full = size - position[last], n - position[0]
        return left_full <= left_last or rng.random() < left_last / left_full

    return accept


def proportional(items: list, n: int, rng: random.Random) -> list:
    """The uniform variant: after the vertical pass, each output line comes from a file chosen with
    probability proportional to its remaining lines."""
    files = [items[i : i + n] for i in range(0, len(items), n)]
    for f in files:
        rng.shuffle(f)
    left = [len(f) for f in files]
    out = []
    while sum(left):
        i = rng.choices(range(len(files)), weights=left)[0]
        out.append(files[i][len(files[i]) - left[i]])
        left[i] -= 1
    return out


# --------------------------------------------------------------------------- exact enumeration


def enumerate_two_pass(m: int, n: int) -> Counter:
    """Every equally likely outcome of the two-pass shuffle of items 0…mn−1 (file i holds i·n … i·n+n−1):
    all (n!)^m vertical and (m!)^n horizontal permutations. Counter: output order → outcomes."""
    files = [list(range(i * n, (i + 1) * n)) for i in range(m)]
    counts = Counter()
    for vertical in itertools.product(itertools.permutations(range(n)), repeat=m):
        columns = [[files[i][vertical[i][r]] for i in range(m)] for r in range(n)]
        for across in itertools.product(itertools.permutations(range(m)), repeat=n):
            counts[tuple(columns[r][across[r][j]] for r in range(n) for j in range(m))] += 1
    return counts


def outcome_count(m: int, n: int) -> int:
    """(m!)^n·(n!)^m: the number of equally likely outcomes of the two-pass shuffle."""
    return math.factorial(m) ** n * math.factorial(n) ** m


def position_counts(counts: Counter, size: int) -> np.ndarray:
    """[item, position] → number of outcomes placing the item there."""
    table = np.zeros((size, size), dtype=np.int64)
    for order, c in counts.items():
        for position, item in enumerate(order):
            table[item, position] += c
    return table


def exact_proportional(m: int, n: int) -> dict:
    """Exact probability of every output order under the proportional scheme (Fractions): the vertical
    permutations are uniform; each sequence of file choices has probability Π left_i/total."""
    probabilities: dict = {}
    vertical_p = Fraction(1, math.factorial(n) ** m)
    for labels in set(itertools.permutations([i for i in range(m) for _ in range(n)])):
        left, p = [n] * m, Fraction(1)
        for i in labels:
            p *= Fraction(left[i], sum(left))
            left[i] -= 1
        for vertical in itertools.product(itertools.permutations(range(n)), repeat=m):
            taken = [0] * m
            order = []
            for i in labels:
                order.append(i * n + vertical[i][taken[i]])
                taken[i] += 1
            probabilities[tuple(order)] = probabilities.get(tuple(order), 0) + p * vertical_p
    return probabilities


# --------------------------------------------------------------------------- vectorised simulations


def two_pass_batch(m: int, n: int, runs: int, rng: np.random.Generator) -> np.ndarray:
    """`runs` two-pass shuffles of m full files of n items at once: (runs, mn) output orders."""
    ids = np.broadcast_to(np.arange(m * n).reshape(m, n), (runs, m, n))
    vertical = rng.permuted(ids, axis=2)  # each file shuffled
    across = rng.permuted(vertical.transpose(0, 2, 1), axis=2)  # round r: its m lines in a random order
    return across.reshape(runs, m * n)


def ragged_batch(sizes: list[int], runs: int, rng: np.random.Generator, fix_short_last: bool = False) -> np.ndarray:
    """`runs` two-pass shuffles at once of files of the given sizes (all n but a shorter last one): the
    list version `two_pass`, round by round, vectorised over runs. (runs, Σ sizes) output orders."""
    m, n = len(sizes), max(sizes)
    sizes_ = np.array(sizes)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    # vertical pass: a uniform permutation of each file's valid lines (padding sorts last)
    keys = rng.random((runs, m, n))
    keys[:, np.arange(n)[None, :] >= sizes_[:, None]] = np.inf
    vertical = offsets[None, :, None] + np.argsort(keys, axis=2)
    out = np.empty((runs, int(sizes_.sum())), dtype=np.int64)
    position, written = np.zeros((runs, m), dtype=np.int64), np.zeros(runs, dtype=np.int64)
    rows, slots = np.arange(runs)[:, None], np.arange(m)[None, :]
    while written[0] < out.shape[1]:
        emit = position < sizes_[None, :]
        if fix_short_last:
            left_last, left_full = sizes[-1] - position[:, -1], n - position[:, 0]
            emit[:, -1] &= (left_full <= left_last) | (rng.random(runs) * left_full < left_last)
        lines = vertical[rows, slots, np.minimum(position, n - 1)]
        # this round's lines in a random order: emitted lines get random keys, the rest sort last
        order = np.argsort(np.where(emit, rng.random((runs, m)), np.inf), axis=1)
        count = emit.sum(axis=1)
        valid = slots < count[:, None]
        target = written[:, None] + slots
        out[np.broadcast_to(rows, valid.shape)[valid], target[valid]] = np.take_along_axis(lines, order, axis=1)[valid]
        position += emit
        written += count
    return out


def proportional_batch(m: int, n: int, runs: int, rng: np.random.Generator) -> np.ndarray:
    """`runs` proportional shuffles at once, step by step: pick a file with probability ∝ its remaining
    lines, emit its next line (after the vertical pass)."""
    vertical = rng.permuted(np.broadcast_to(np.arange(m * n).reshape(m, n), (runs, m, n)), axis=2)
    left = np.full((runs, m), n)
    out = np.empty((runs, m * n), dtype=np.int64)
    rows = np.arange(runs)
    for step in range(m * n):
        u = rng.random(runs) * left.sum(axis=1)
        choice = (u[:, None] >= np.cumsum(left, axis=1)).sum(axis=1)
        out[:, step] = vertical[rows, choice, n - left[rows, choice]]
        left[rows, choice] -= 1
    return out


def permutation_index(orders: np.ndarray) -> np.ndarray:
    """Lehmer code of each row (a permutation of 0…k−1) → its rank in 0…k!−1."""
    k = orders.shape[1]
    rank = np.zeros(len(orders), dtype=np.int64)
    for i in range(k):
        smaller_after = (orders[:, i + 1 :] < orders[:, i : i + 1]).sum(axis=1)
        rank = rank * (k - i) + smaller_after
    return rank
