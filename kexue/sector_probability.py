"""n random points in a disk in one sector of central angle θ (kexue.fm 9324).

Only the angles matter (the sector's apex is the centre). Cut the circle at one point: the n gaps between
consecutive angles are the n spacings of n − 1 uniform points on [0, 1] (times 2π), and the points fit in a
sector of angle θ iff the largest gap is at least 2π − θ, i.e. max spacing ≥ x with x = 1 − θ/(2π).
Inclusion–exclusion over the events {x_i > x}, with P(x_1 > c_1, …, x_k > c_k) = (1 − Σc)^{n−1}, gives

    P(n, θ) = Σ_{k ≥ 1, 1 − kx > 0} (−1)^{k−1} C(n, k) (1 − kx)^{n−1}.

The alternating sum cancels catastrophically for large n (terms of size C(n, k)), so it is evaluated in
exact rationals (fractions.Fraction); floats appear only at the end.
"""

import math
from fractions import Fraction

import numpy as np
import sympy

# ----------------------------------------------------------------------------- the formula


def gap_threshold(theta_over_pi) -> Fraction:
    """x = 1 − θ/(2π), exact for θ given as a multiple of π (a decimal such as 0.3 is read as 3/10)."""
    return 1 - Fraction(str(theta_over_pi)) / 2


def sector_probability(n: int, theta_over_pi) -> Fraction:
    """The article's inclusion–exclusion sum, exact: only the terms with 1 − kx > 0 are kept."""
    if n < 1:
        raise ValueError(f"n must be a positive integer, got {n}")
    t = Fraction(str(theta_over_pi))
    if t < 0:
        raise ValueError(f"θ must be ≥ 0, got {theta_over_pi}π")
    # endpoints guarded rather than fed to the sum: one point always fits; θ ≥ 2π holds everything,
    # θ = 0 holds n ≥ 2 distinct angles with probability 0
    if n == 1 or t >= 2:
        return Fraction(1)
    if t == 0:
        return Fraction(0)
    x = gap_threshold(t)
    return sum(
        (
            Fraction((-1) ** (k - 1) * math.comb(n, k)) * (1 - k * x) ** (n - 1)
            for k in range(1, n + 1)
            if 1 - k * x > 0
        ),
        Fraction(0),
    )


def sector_probability_float(n: int, theta_over_pi: float) -> float:
    """The same truncated sum in floating point: what a naive implementation computes (cancellation trap)."""
    x = 1 - theta_over_pi / 2
    return sum((-1) ** (k - 1) * math.comb(n, k) * (1 - k * x) ** (n - 1) for k in range(1, n + 1) if 1 - k * x > 0)


def semicircle_probability(n: int, theta_over_pi) -> Fraction:
    """For θ ≤ π only k = 1 survives: P = n (θ/2π)^{n−1}."""
    return n * (Fraction(str(theta_over_pi)) / 2) ** (n - 1)


def all_terms_sum(n: int, x):
    """Σ_{k=1..n} (−1)^{k−1} C(n, k)(1 − kx)^{n−1} with every term kept (x symbolic, rational or float)."""
    return sum((-1) ** (k - 1) * math.comb(n, k) * (1 - k * x) ** (n - 1) for k in range(1, n + 1))


def identity_holds_symbolically(n: int) -> bool:
    """The article's identity: the all-terms sum, expanded as a polynomial in x, is the constant 1."""
    x = sympy.Symbol("x")
    return sympy.expand(all_terms_sum(n, x)) == 1


# ----------------------------------------------------------------------------- Monte Carlo


def _batches(total: int, size: int):
    while total > 0:
        yield min(size, total)
        total -= size


def max_gaps(n: int, trials: int, rng: np.random.Generator) -> np.ndarray:
    """Largest circular gap between n uniform angles on [0, 2π), one value per trial."""
    phi = np.sort(rng.uniform(0.0, 2 * np.pi, size=(trials, n)), axis=1)
    wrap = 2 * np.pi - phi[:, -1] + phi[:, 0]
    inner = np.diff(phi, axis=1).max(axis=1, initial=0.0)
    return np.maximum(inner, wrap)


def monte_carlo(n: int, theta_over_pi: float, trials: int, rng: np.random.Generator, batch: int = 250_000) -> float:
    """Fraction of trials whose n angles fit in one sector of angle θ (max gap ≥ 2π − θ)."""
    need = 2 * np.pi - theta_over_pi * np.pi
    hits = sum(int((max_gaps(n, size, rng) >= need).sum()) for size in _batches(trials, batch))
    return hits / trials


def standard_error(p: float, trials: int) -> float:
    """sqrt(p(1−p)/N), floored at 1/N (the brief's floor for p ∈ {0, 1})."""
    return max(math.sqrt(p * (1 - p) / trials), 1 / trials)


def cell_agrees(p: float, mc: float, trials: int, se_multiple: float) -> bool:
    """|MC − p| ≤ m·SE; where p is exactly 0 or 1 the MC must equal it exactly (SE = 0 there)."""
    if p in (0.0, 1.0):
        return mc == p
    return abs(mc - p) <= se_multiple * standard_error(p, trials)


# ----------------------------------------------------------------------------- spacings


def spacings(n: int, draws: int, rng: np.random.Generator) -> np.ndarray:
    """The n spacings cut from [0, 1] by n − 1 uniform points, one row per draw."""
    cuts = np.sort(rng.uniform(size=(draws, n - 1)), axis=1)
    edges = np.concatenate([np.zeros((draws, 1)), cuts, np.ones((draws, 1))], axis=1)
    return np.diff(edges, axis=1)


def spacing_tail(n: int, c) -> float:
    """P(x_1 > c_1, …, x_k > c_k) = (1 − Σc)^{n−1} (zero once Σc ≥ 1)."""
    return max(0.0, 1 - float(np.sum(c))) ** (n - 1)


def simplex_histogram_expected(bins: int) -> np.ndarray:
    """Expected fraction of (x_1, x_2) draws per square bin of [0, 1]² for n = 3, under the constant
    density 2 on the triangle x_1 + x_2 < 1: a bin wholly inside has area h², a bin the diagonal cuts
    (i + j = bins − 1) exactly half of it, the rest none."""
    i, j = np.meshgrid(np.arange(bins), np.arange(bins), indexing="ij")
    area = np.where(i + j <= bins - 2, 1.0, np.where(i + j == bins - 1, 0.5, 0.0)) / bins**2
    return 2 * area
