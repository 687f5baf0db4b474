"""Tests for kexue.sector_probability: the article's formula in exact rationals against independent computations
(the closed form for θ ≤ π, a disk Monte Carlo that never looks at angles directly, brute-force gaps), the
polynomial identity, and the brief's traps (truncation, cancellation, p = 1 cells, endpoints)."""

import copy
import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import yaml

from kexue import sector_probability as sp
from kexue.verdicts import decide

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- the formula


@pytest.mark.parametrize(
    "n, theta, expected",
    [
        (4, 1.0, Fraction(1, 2)),
        (3, 1.5, Fraction(1)),
        (5, 1.2, Fraction(79, 125)),
        (6, 0.5, Fraction(3, 512)),
        (8, 1.0, Fraction(1, 16)),
    ],
)
def test_the_briefs_reported_values(n, theta, expected):
    assert sp.sector_probability(n, theta) == expected


def test_semicircle_closed_form_exactly_for_theta_up_to_pi():
    for n in range(2, 21):
        for t in [Fraction(k, 20) for k in range(1, 21)]:
            assert sp.sector_probability(n, t) == n * (t / 2) ** (n - 1)


def test_above_pi_the_closed_form_overshoots():
    # for θ > π the k = 2 term is needed: n(θ/2π)^(n−1) alone is not the probability (and exceeds 1 for n = 2)
    assert sp.sector_probability(3, 1.5) != sp.semicircle_probability(3, 1.5)
    assert sp.semicircle_probability(2, 1.5) > 1


def test_truncation_matters_except_below_one_over_n():
    # keeping every term gives 1 (the identity): right only when x < 1/n, wrong at the puzzle (x = 1/2, n = 4)
    assert sp.all_terms_sum(4, sp.gap_threshold(1.0)) == 1 != sp.sector_probability(4, 1.0)
    x = sp.gap_threshold(1.6)  # x = 1/5 < 1/4
    assert x < Fraction(1, 4)
    assert sp.sector_probability(4, 1.6) == sp.all_terms_sum(4, x) == 1


def test_probability_is_monotone_in_theta_and_between_0_and_1():
    for n in range(2, 12):
        values = [sp.sector_probability(n, Fraction(k, 50)) for k in range(0, 101)]
        assert all(0 <= v <= 1 for v in values)
        assert all(a <= b for a, b in zip(values, values[1:], strict=False))


def test_endpoints_are_guarded_and_bad_input_is_refused():
    assert sp.sector_probability(5, 0) == 0
    assert sp.sector_probability(5, 2) == 1 == sp.sector_probability(5, 3.5)
    assert sp.sector_probability(1, 0.3) == 1
    with pytest.raises(ValueError, match="n must be"):
        sp.sector_probability(0, 1.0)
    with pytest.raises(ValueError, match="θ must be"):
        sp.sector_probability(3, -0.5)


# --------------------------------------------------------------------------- identity and cancellation


def test_identity_symbolically_up_to_15():
    assert all(sp.identity_holds_symbolically(n) for n in range(1, 16))


def test_identity_in_exact_rationals_at_random_points_independently_of_sympy():
    rng = np.random.default_rng(0)
    for n in range(1, 31):
        for _ in range(3):
            x = Fraction(int(rng.integers(-50, 50)), int(rng.integers(1, 50)))
            assert sp.all_terms_sum(n, x) == 1


def test_floats_cancel_catastrophically_where_rationals_do_not():
    # the same value (exactly 1) in floating point: terms of size ~C(n,k)|1 − kx|^(n−1) leave nothing accurate
    assert sp.all_terms_sum(60, Fraction(1, 20)) == 1
    assert abs(sp.all_terms_sum(60, 0.05) - 1) > 1e-3
    # and the truncated formula: a large n near θ = 2π, float against the exact value
    exact = float(sp.sector_probability(100, 1.98))
    assert abs(sp.sector_probability_float(100, 1.98) - exact) > 1e-6


# --------------------------------------------------------------------------- Monte Carlo


def disk_monte_carlo(n, theta_over_pi, trials, rng):
    """An independent estimate: points uniform in the disk by rejection from the square, then the smallest
    sector with apex at the centre that holds them (a brute-force scan over each point as the sector's edge)."""
    hits = 0
    for _ in range(trials):
        pts = []
        while len(pts) < n:
            p = rng.uniform(-1, 1, 2)
            if p @ p <= 1:
                pts.append(p)
        angles = np.arctan2([p[1] for p in pts], [p[0] for p in pts])
        # the points fit iff, starting at some point and turning counter-clockwise, all lie within θ
        spans = [np.mod(angles - a, 2 * np.pi).max() for a in angles]
        hits += min(spans) <= theta_over_pi * np.pi
    return hits / trials


@pytest.mark.parametrize("n, theta", [(3, 0.8), (4, 1.0), (5, 1.4)])
def test_formula_against_an_independent_disk_simulation(n, theta):
    trials = 20_000
    p = float(sp.sector_probability(n, theta))
    mc = disk_monte_carlo(n, theta, trials, np.random.default_rng(n))
    assert abs(mc - p) <= 4 * sp.standard_error(p, trials)


def test_max_gaps_against_a_loop():
    rng = np.random.default_rng(3)
    state = rng.bit_generator.state
    gaps = sp.max_gaps(5, 50, rng)
    rng.bit_generator.state = state
    phi = rng.uniform(0.0, 2 * np.pi, size=(50, 5))
    for row, g in zip(phi, gaps, strict=True):
        s = sorted(row)
        loop = max([b - a for a, b in zip(s, s[1:], strict=False)] + [2 * np.pi - s[-1] + s[0]])
        assert g == pytest.approx(loop)


def test_certain_cells_come_out_exactly_one_and_the_rule_demands_it():
    mc = sp.monte_carlo(3, 1.5, 100_000, np.random.default_rng(0))
    assert mc == 1.0
    assert sp.cell_agrees(1.0, 1.0, 100_000, 4)
    assert not sp.cell_agrees(1.0, 0.99999, 100_000, 4)  # SE = 0 at p = 1: no tolerance
    assert sp.standard_error(1.0, 1000) == 1 / 1000


# --------------------------------------------------------------------------- spacings


def test_spacings_sum_to_one_and_tails_match():
    rng = np.random.default_rng(0)
    x = sp.spacings(5, 200_000, rng)
    assert np.allclose(x.sum(axis=1), 1) and (x >= 0).all()
    c = [0.1, 0.05, 0.2]
    p = sp.spacing_tail(5, c)
    assert p == pytest.approx(0.65**4)
    assert abs(np.all(x[:, :3] > c, axis=1).mean() - p) < 4 * sp.standard_error(p, 200_000)
    assert sp.spacing_tail(5, [0.6, 0.5]) == 0.0


def test_simplex_histogram_expectation_is_a_distribution_on_the_triangle():
    e = sp.simplex_histogram_expected(10)
    assert e.sum() == pytest.approx(1.0)
    assert e[0, 0] == pytest.approx(2 / 100) and e[0, 9] == pytest.approx(1 / 100) and e[5, 5] == 0


# --------------------------------------------------------------------------- registry × committed metrics


def claims():
    return yaml.safe_load((ROOT / "config/articles/sector_probability/claims.yaml").read_text())["claims"]


def committed(claim):
    return json.loads((ROOT / "results" / claim["metrics"]).read_text())


@pytest.mark.parametrize(
    "claim_id, key, value",
    [
        ("sector_probability.formula", "trials", 10_000),
        ("sector_probability.formula", "se_multiple", 5),
        ("sector_probability.semicircle", "trials", 10_000),
        ("sector_probability.spacings", "draws", 10_000),
        ("sector_probability.identity", "max_n", 6),
    ],
)
def test_each_guard_turns_a_smaller_run_inconclusive(claim_id, key, value):
    claim = next(c for c in claims() if c["id"] == claim_id)
    metrics = copy.deepcopy(committed(claim))
    assert decide(claim, metrics)["verdict"] != "inconclusive"
    metrics[key] = value
    result = decide(claim, metrics)
    assert result["verdict"] == "inconclusive" and "precondition unmet" in result["evidence"]


def test_math_comb_is_the_binomial_used():
    assert math.comb(8, 3) == 56
