"""Tests for kexue.jl_lemma: exact distributions, brute-force loops and identities the JL claims rest on."""

import itertools
import json
import math

import numpy as np
import pytest
from scipy import stats

from kexue import jl_lemma as jl
from kexue.jl_lemma import _smallest_passing


def rng(seed=0):
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- lemmas


def test_bounds_are_the_article_formulas():
    assert jl.unit_norm_bound(64, 0.5) == pytest.approx(2 * math.exp(-2.0))
    assert jl.orthogonality_bound(64, 0.5) == pytest.approx(4 * math.exp(-2.0))
    assert jl.unit_norm_bound(8, 0.1) > 1  # raw value, not clipped
    with pytest.raises(ValueError):
        jl.unit_norm_bound(64, 1.0)


@pytest.mark.parametrize("n, eps", [(64, 0.3), (256, 0.1)])
def test_unit_norm_tail_matches_exact_chi_square(n, eps):
    # n·‖u‖² ~ χ²_n, so P(|‖u‖² − 1| ≥ ε) = F(n(1−ε)) + S(n(1+ε))
    exact = stats.chi2.cdf(n * (1 - eps), n) + stats.chi2.sf(n * (1 + eps), n)
    p, se = jl.unit_norm_tail(n, eps, 20_000, rng(1))
    assert se == pytest.approx(math.sqrt(p * (1 - p) / 20_000))
    assert abs(p - exact) < 4 * se
    assert p <= jl.unit_norm_bound(n, eps)


@pytest.mark.parametrize("n, eps", [(64, 0.1), (64, 0.3)])
def test_orthogonality_tail_matches_exact_mixture(n, eps):
    # given ‖v‖² = s/n with s ~ χ²_n, ⟨u, v⟩ ~ N(0, s/n²): P = E_s[2·Φ̄(εn/√s)]
    exact = stats.chi2.expect(lambda s: 2 * stats.norm.sf(eps * n / math.sqrt(s)), args=(n,))
    p, se = jl.orthogonality_tail(n, eps, 20_000, rng(2))
    assert abs(p - exact) < 4 * se
    assert p <= jl.orthogonality_bound(n, eps)


def test_tails_are_zero_far_out_and_batches_add_up():
    assert jl.unit_norm_tail(1024, 0.5, 1000, rng()) == (0.0, 0.0)
    assert sum(jl._batches(1_000_003, 7)) == 1_000_003


# --------------------------------------------------------------------------- JL


def test_jl_dimension_values():
    assert jl.jl_dimension(500, 0.3) == 1658
    assert jl.jl_dimension(500, 0.5) == 597
    assert jl.jl_dimension(500, 0.5, constant=16.0) == 398
    assert jl.jl_dimension(100, 0.1) == math.ceil(2400 * math.log(100))


def test_gaussian_points_shape_and_unit_rows():
    points = jl.gaussian_points(7, 5, rng(), unit=True)
    assert points.shape == (7, 5)
    np.testing.assert_allclose(np.linalg.norm(points, axis=1), 1.0)


def brute_force_distortion(points, A, inner):
    worst = 0.0
    for i, j in itertools.combinations(range(len(points)), 2):
        if inner:
            gap = (A @ points[i]) @ (A @ points[j]) - points[i] @ points[j]
        else:
            diff = points[i] - points[j]
            gap = np.sum((A @ diff) ** 2) / np.sum(diff**2) - 1
        worst = max(worst, abs(gap))
    return worst


@pytest.mark.parametrize("inner", [False, True])
def test_max_distortion_matches_brute_force(inner):
    points = jl.gaussian_points(9, 6, rng(3), unit=inner)
    A = rng(4).standard_normal((4, 6)) / 2
    assert jl.max_distortion(points, A, inner) == pytest.approx(brute_force_distortion(points, A, inner), rel=1e-10)


def test_max_distortion_of_identity_and_scaling():
    points = jl.gaussian_points(50, 20, rng(5))
    assert jl.max_distortion(points, np.eye(20)) < 1e-12
    assert jl.max_distortion(points, np.eye(20), inner=True) < 1e-12
    # A = 2I multiplies every squared distance by 4
    assert jl.max_distortion(points, 2 * np.eye(20)) == pytest.approx(3.0)


def test_success_count_median_and_replay():
    points = jl.gaussian_points(30, 40, rng(6))
    count, median = jl.success_count(points, 20, 0.5, 5, rng(7))
    assert isinstance(count, int) and 0 <= count <= 5
    # same seed → same 5 draws; exactly 3 of 5 distinct values are ≤ their median
    assert jl.success_count(points, 20, median, 5, rng(7)) == (3, median)
    assert jl.success_count(points, 20, 0.999, 5, rng(7))[0] <= jl.success_count(points, 400, 0.999, 5, rng(7))[0] == 5


@pytest.mark.parametrize("threshold", [1, 2, 37, 100])
def test_bisection_finds_step(threshold):
    calls = []
    found = _smallest_passing(lambda n: calls.append(n) or n >= threshold, 100)
    assert found == threshold
    assert len(calls) <= math.ceil(math.log2(101))
    assert (100 in calls) == (threshold == 100)  # n_max is evaluated only when all below fail


def test_bisection_reports_failure_above_range():
    assert _smallest_passing(lambda n: n >= 101, 100) == 101
    assert _smallest_passing(lambda n: n >= 100, 100) == 100


@pytest.mark.parametrize("inner", [False, True])
def test_empirical_threshold_is_below_bound_and_exact(inner):
    points = jl.gaussian_points(20, 60, rng(8), unit=inner)
    eps, draws = 0.5, 5
    bound = jl.jl_dimension(20, eps)
    n = jl.empirical_threshold(points, eps, draws, rng(9), bound, inner)
    assert 1 < n <= bound
    # the same seed replays the draws bisection saw: all pass at n, not all at n − 1
    assert jl.success_count(points, n, eps, draws, rng(9), inner)[0] == draws
    assert jl.success_count(points, n - 1, eps, draws, rng(9), inner)[0] < draws


def test_empirical_threshold_reports_failure_as_n_max_plus_one():
    points = jl.gaussian_points(20, 60, rng(10))
    assert jl.empirical_threshold(points, 0.3, 3, rng(11), 5) == 6


# --------------------------------------------------------------------------- LSH


def test_sign_cosine_endpoints():
    assert jl.sign_cosine(0.0, 64, 5, rng()) == 1.0
    assert jl.sign_cosine(math.pi, 64, 5, rng()) == -1.0


def test_sign_cosine_is_linear_in_angle_not_cosine():
    theta, n, pairs = 0.69, 1024, 50
    linear = 1 - 2 * theta / math.pi
    se = math.sqrt(1 - linear**2) / math.sqrt(n * pairs)  # each sign product has variance 1 − μ²
    observed = jl.sign_cosine(theta, n, pairs, rng(12))
    assert abs(observed - linear) < 4 * se
    assert math.cos(theta) - observed > 0.15


def test_lsh_curve_fields_and_ordering():
    thetas = [0.25, 0.69, math.pi / 2, 2.0, 2.5]
    curve = jl.lsh_curve(thetas, 256, 20, rng(13))
    json.dumps(curve)
    assert curve["spearman_theta"] == pytest.approx(-1.0, abs=1e-12)
    assert curve["theta_at_max_gap_cos"] in (0.69, 2.5)  # peaks of |cos θ − (1 − 2θ/π)|
    assert curve["max_gap_linear"] < 0.05 < 0.15 < curve["max_gap_cos"]
    np.testing.assert_allclose(curve["cos_theta"], np.cos(thetas))


# --------------------------------------------------------------------------- randomised SVD


def test_low_rank_matrix_has_the_rank():
    assert np.linalg.matrix_rank(jl.low_rank_matrix(30, 50, 4, rng())) == 4


def test_randomized_svd_literal_claim_fails_and_halko_works():
    M = jl.low_rank_matrix(500, 2000, 10, rng(14))
    result = jl.randomized_svd_check(M, 100, 10, rng(15))
    json.dumps(result)
    assert result["sqrt_n_over_k"] == pytest.approx(math.sqrt(20))
    assert result["literal_error"] == pytest.approx(math.sqrt(20), rel=0.1)
    assert result["literal_error_qr"] == pytest.approx(math.sqrt(1 - 100 / 2000), rel=0.02)
    assert result["halko_error"] < 1e-10
    assert result["subspace_overlap"] > 0.99
    # singular values of the 10×100 factor VᵀQ lie near 1 ± √(rank/k) ≈ 1 ± 0.32
    assert len(result["sigma_ratios"]) == 10
    assert all(0.6 < r < 1.4 for r in result["sigma_ratios"])
    with pytest.raises(ValueError):
        jl.randomized_svd_check(M, 5, 10, rng())
