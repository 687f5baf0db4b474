"""Tests for kexue.dimension_formula.formula: the h_n table and thresholds of 7695, and the E4b capacity test."""

import json
import math

import numpy as np
import pytest
import torch
from scipy.integrate import quad

from kexue.dimension_formula import formula as dim

ARTICLE_H = {32: -7.77471, 64: -15.4734, 96: -23.1726, 128: -30.8718, 256: -61.6692, 512: -123.264}
ARTICLE_ROOTS = {64: 34.3, 256: 45.8, 512: 51.5, 1024: 57.3, 4096: 68.8, 1e5: 95.4, 5e6: 127.9}


@pytest.mark.parametrize("n, expected", sorted(ARTICLE_H.items()))
def test_h_n_matches_article_table(n, expected):
    assert abs(dim.h_n(n) - expected) <= 1e-3


def test_h_n_agrees_with_adaptive_quadrature():
    # independent check: scipy quad on the integrands scaled by their maximum
    n = 32

    def log_f(t):
        return (n - 2) * math.log(math.sin(t)) + n * math.cos(t)

    theta_star = math.atan(math.sqrt(dim.GOLDEN))
    peak = log_f(theta_star)  # near the maximum of the tilted integrand
    kw = dict(points=[theta_star], limit=200, epsabs=0, epsrel=1e-12)
    z_tilted = quad(lambda t: math.exp(log_f(t) - peak), 0, math.pi, **kw)[0]
    z_cos = quad(lambda t: math.cos(t) * math.exp(log_f(t) - peak), 0, math.pi, **kw)[0]
    z_plain = quad(lambda t: math.sin(t) ** (n - 2), 0, math.pi, epsabs=0, epsrel=1e-12)[0]
    reference = math.log(z_tilted) + peak - math.log(z_plain) - n * z_cos / z_tilted
    assert abs(dim.h_n(n) - reference) < 1e-6


def test_h_n_survives_large_n_and_n_equal_two():
    # T3: e^{n cos t} would overflow float64 at n = 1000; n = 2 means a uniform angle
    assert math.isfinite(dim.h_n(1000))
    i0, i1 = np.i0(2.0), 1.590636854637329  # I_1(2)
    assert abs(dim.h_n(2) - (math.log(i0) - 2 * i1 / i0)) < 1e-6


def test_slope_tends_to_half_log_golden():
    slope = 0.5 * math.log(dim.GOLDEN)
    assert abs(slope - 0.240606) < 1e-6
    assert abs(dim.h_n(512) / 512 + slope) < 1e-3
    assert abs(dim.h_n(512) / 512 + 0.2406) < 1e-3


def test_laplace_constants():
    c = dim.laplace_constants()
    assert c["theta_star"] == pytest.approx(0.904557, abs=1e-6)
    assert c["cos_theta_star"] == pytest.approx(1 / dim.GOLDEN, abs=1e-12)
    assert c["peak"] == pytest.approx(0.377428, abs=1e-6)
    assert c["curvature"] == pytest.approx(1.11803, abs=1e-5)
    assert c["constant"] == pytest.approx(8.31, abs=5e-3)  # T2: 8.31, not 8.33
    assert c["prefactor_tilted"] == pytest.approx(1.67629, abs=1e-4)
    assert c["prefactor_plain"] == pytest.approx(2.50663, abs=1e-5)


def test_article_arithmetic():
    for N, quoted in [(1e5, 96), (5e6, 128), (512, 52)]:
        assert abs(dim.formula_dimension(N) - quoted) <= 1
    assert dim.formula_dimension(1e5) == pytest.approx(95.90, abs=5e-3)  # natural log (T1)
    assert abs(dim.entropy_estimate(64, 1e5) - 7.55245) < 1e-4


def test_exact_thresholds_match_table():
    for N, root in ARTICLE_ROOTS.items():
        n = dim.exact_threshold(N)
        assert abs(n - root) < 0.1
        assert abs(dim.entropy_estimate(n, N)) < 1e-6


def test_target_matrices_are_row_stochastic():
    for kind, support in [("permutation", 1), ("two_columns", 2)]:
        P = dim.target_matrix(50, kind, torch.Generator().manual_seed(3))
        assert torch.allclose(P.sum(1), torch.ones(50))
        assert ((P > 0).sum(1) == support).all()
    perm = dim.target_matrix(50, "permutation", torch.Generator().manual_seed(3))
    assert (perm.sum(0) == 1).all()  # a permutation: every column used once
    with pytest.raises(ValueError):
        dim.target_matrix(4, "diagonal", torch.Generator())


def test_norm_constraint_holds_after_fit_and_result_is_json():
    P = dim.target_matrix(64, "two_columns", torch.Generator().manual_seed(0))
    fit = dim.fit_capacity(P, 8, steps=60)
    assert fit["norm_deviation"] < 1e-5
    assert 0.0 <= fit["mean_target_prob"] <= fit["support_mass"] <= 1.0 + 1e-6
    json.dumps(fit)


def test_fit_is_deterministic_given_seed():
    P = dim.target_matrix(32, "permutation", torch.Generator().manual_seed(1))
    assert dim.fit_capacity(P, 4, steps=30, seed=5) == dim.fit_capacity(P, 4, steps=30, seed=5)


def test_norm_constraint_is_what_makes_the_test_meaningful():
    # T5: free norms let 2 dims fit any permutation; at ||u|| = sqrt(2) logits are <= 2
    P = dim.target_matrix(16, "permutation", torch.Generator().manual_seed(0))
    free = dim.fit_capacity(P, 2, constrained=False)
    fixed = dim.fit_capacity(P, 2, constrained=True)
    assert free["success"] and free["mean_target_prob"] > 0.95
    assert not fixed["success"] and fixed["mean_target_prob"] < 0.5
    assert fixed["norm_deviation"] < 1e-5


def test_two_column_success_needs_the_even_split():
    # a model putting all mass on one of the two target columns is not a fit
    P = dim.target_matrix(64, "two_columns", torch.Generator().manual_seed(0))
    fit = dim.fit_capacity(P, 32)
    assert fit["success"] and abs(fit["entropy_gap"]) < 0.05


def test_smallest_dimension_is_a_first_success():
    grid = dim.DEFAULT_GRID
    result = dim.smallest_dimension(32, grid=grid, kind="permutation", seed=0)
    by_n = {f["n"]: f for f in result["fits"]}
    n_star = result["n_star"]
    assert n_star in grid and by_n[n_star]["success"]
    assert n_star > grid[0]
    assert not by_n[grid[grid.index(n_star) - 1]]["success"]
    assert len(result["fits"]) <= math.ceil(math.log2(len(grid) + 1))
    json.dumps(result)


def test_smallest_dimension_reports_no_success():
    result = dim.smallest_dimension(64, grid=[2], steps=20)
    assert result["n_star"] is None and result["note"]


def test_fit_log_law_recovers_synthetic_law():
    N = [64, 128, 256, 512, 64, 128, 256, 512]  # repeated N, as with several seeds
    law = dim.fit_log_law(N, [3 * math.log(x) + 2 for x in N])
    assert law["c"] == pytest.approx(3, abs=1e-9) and law["b"] == pytest.approx(2, abs=1e-9)
    assert law["c_low"] == pytest.approx(3, abs=1e-6) and law["c_high"] == pytest.approx(3, abs=1e-6)
    assert law["r2"] == pytest.approx(1)


def test_fit_log_law_interval_covers_noisy_slope():
    rng = np.random.default_rng(0)
    N = np.repeat([64, 256, 1024, 4096], 3)
    law = dim.fit_log_law(N, 3 * np.log(N) + 2 + rng.normal(0, 0.5, N.size))
    assert law["c_low"] < 3 < law["c_high"] and law["c_low"] < law["c"] < law["c_high"]


def test_circle_construction_fits_any_permutation_in_two_free_dimensions():
    from kexue.dimension_formula.formula import circle_radius, circle_target_prob

    assert circle_target_prob(64, 0.0) == pytest.approx(1 / 64)  # r = 0: uniform softmax
    r = circle_radius(64, 0.95)
    assert circle_target_prob(64, r) == pytest.approx(0.95)
    # independent check: explicit vectors and a softmax over the logits of row 0
    angles = 2 * np.pi * np.arange(64) / 64
    u = r * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    logits = u @ u.T
    row = np.exp(logits[0] - logits[0].max())
    assert row[0] / row.sum() == pytest.approx(0.95)
    assert r > 10 * np.sqrt(2)  # far beyond the constrained norm √n = √2
