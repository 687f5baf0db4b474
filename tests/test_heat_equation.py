"""Tests for kexue.heat_equation: the derivation's identities against independent computations (analytic
derivatives A²z and B²z, the closed form of S for B = c₁A + c₂A²), the commuting condition, the O(Δx²) step, and
the brief's traps (non-commuting matrices, rounding at small h)."""

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import linalg

from kexue import heat_equation as he
from kexue.verdicts import decide

ROOT = Path(__file__).resolve().parents[1]


def matrices(seed=0, d=8):
    rng = np.random.default_rng(seed)
    A = he.random_generator(d, rng)
    return A, he.commuting_partner(A, 0.5, 0.2), he.random_generator(d, rng), rng.standard_normal(d)


def test_generator_has_spectral_norm_one_and_partner_commutes():
    A, B, C, _ = matrices()
    assert np.linalg.norm(A, 2) == pytest.approx(1.0)
    assert np.linalg.norm(he.commutator(A, B)) < 1e-14
    assert np.linalg.norm(he.commutator(A, C)) > 0.1


def test_laplace_coefficient_has_its_closed_form_for_a_polynomial_partner():
    # B = A(0.5I + 0.2A) ⇒ B² = A²(0.5I + 0.2A)² ⇒ S = −A²(B²)⁻¹ = −(0.5I + 0.2A)⁻²
    A, B, _, _ = matrices(1)
    M = 0.5 * np.eye(8) + 0.2 * A
    assert np.allclose(he.laplace_coefficient(A, B), -np.linalg.inv(M @ M), atol=1e-10)


def test_solution_solves_the_first_order_system_and_the_laplace_equation_analytically():
    A, B, _, z0 = matrices(2)
    z = he.solution(A, B, z0, 0.4, -0.7)
    # z_xx = A²z, z_yy = B²z exactly (derivatives of expm), so z_xx + S z_yy = A²z − A²z = 0
    S = he.laplace_coefficient(A, B)
    assert np.linalg.norm(A @ A @ z + S @ B @ B @ z) < 1e-12 * np.linalg.norm(A @ A @ z)


def test_finite_difference_residual_is_small_at_h_1e_3_and_rounding_grows_below():
    A, B, _, z0 = matrices(3)
    at_brief = he.laplace_residual(A, B, z0, 0.5, 0.5, 1e-3)
    assert at_brief < 1e-6
    assert he.laplace_residual(A, B, z0, 0.5, 0.5, 1e-6) > 10 * at_brief  # the trap: h too small
    zxx, _ = he.second_differences(A, B, z0, 0.5, 0.5, 1e-3)
    assert np.allclose(zxx, A @ A @ he.solution(A, B, z0, 0.5, 0.5), rtol=1e-5, atol=1e-6)


def test_non_commuting_partner_breaks_the_integration_order_and_the_commuting_one_does_not():
    A, B, C, z0 = matrices(4)
    gap = np.linalg.norm(he.path_x_then_y(A, C, z0, 1, 1) - he.path_y_then_x(A, C, z0, 1, 1))
    assert gap > 1e-3 * np.linalg.norm(z0)
    same = np.linalg.norm(he.path_x_then_y(A, B, z0, 1, 1) - he.path_y_then_x(A, B, z0, 1, 1))
    assert same < 1e-13 * np.linalg.norm(z0)
    # and for commuting matrices both orders are expm(xA + yB)
    assert np.allclose(he.path_x_then_y(A, B, z0, 1, 1), he.solution(A, B, z0, 1, 1), atol=1e-13)


def test_one_step_error_is_second_order_with_the_taylor_constant():
    A, _, _, z0 = matrices(5)
    dxs = [0.1, 0.05, 0.025, 0.0125]
    errors = [he.euler_step_error(A, z0, dx) for dx in dxs]
    assert 1.8 <= he.loglog_slope(dxs, errors) <= 2.2
    # leading term: (Δx²/2)‖A²z‖/‖z‖
    leading = 0.5 * 1e-4 * np.linalg.norm(A @ A @ z0) / np.linalg.norm(z0)
    assert he.euler_step_error(A, z0, 0.01) == pytest.approx(leading, rel=0.05)
    assert he.loglog_slope([1, 2, 4], [3, 12, 48]) == pytest.approx(2.0)


def test_expm_reference_is_exact_where_euler_is_not():
    A, _, _, z0 = matrices(6)
    half = linalg.expm(0.05 * A)
    assert np.allclose(half @ half @ z0, linalg.expm(0.1 * A) @ z0, atol=1e-14)


# --------------------------------------------------------------------------- registry × committed metrics


def claims():
    return yaml.safe_load((ROOT / "config/articles/heat_equation/claims.yaml").read_text())["claims"]


@pytest.mark.parametrize("key, value", [("max_cond_B2", 1e12), ("max_path_gap_commuting", 0.2)])
def test_each_guard_of_the_laplace_claim_fires_on_a_broken_precondition(key, value):
    claim = next(c for c in claims() if c["id"] == "heat_equation.first_order_implies_laplace")
    metrics = copy.deepcopy(json.loads((ROOT / "results" / claim["metrics"]).read_text()))
    assert decide(claim, metrics)["verdict"] == "reproduced"
    metrics[key] = value
    result = decide(claim, metrics)
    assert result["verdict"] == "inconclusive" and "precondition unmet" in result["evidence"]


def test_untestable_claims_are_registered_as_not_evaluated():
    ids = {c["id"]: c for c in claims()}
    for claim_id in ("heat_equation.beats_mae", "heat_equation.nlp_transfer"):
        assert "not_evaluated" in ids[claim_id]["rule"] and "metrics" not in ids[claim_id]
        assert decide(ids[claim_id], {})["verdict"] == "inconclusive"
