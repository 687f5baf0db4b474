"""Tests for kexue.discrete_reparam: the Gumbel case against softmax (the article's closed form), the quadrature
layer against scipy quad and an independent n = 2 formula, its gradient, and the brief's traps (Σp ≠ 1 at finite K,
underflow of the product, shift invariance on T itself)."""

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from scipy import stats

from kexue import discrete_reparam as dr
from kexue.verdicts import decide

ROOT = Path(__file__).resolve().parents[1]


def rng(seed=0):
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- Gumbel: exactly softmax


@pytest.mark.parametrize("n, scale", [(2, 0.5), (5, 2.0), (12, 5.0)])
def test_gumbel_integral_is_softmax(n, scale):
    mu = rng(n).normal(0, scale, n)
    assert np.abs(dr.gumbel_integrated_probs(mu) - dr.softmax(mu)).max() < 1e-10


def test_gumbel_argmax_frequencies_are_softmax():
    mu = np.array([0.3, -1.0, 2.0, 0.0])
    freq = dr.argmax_frequencies(mu, 400_000, dr.gumbel_noise, rng(1))
    target = dr.softmax(mu)
    assert (np.abs(freq - target) < 4 * dr.binomial_se(target, 400_000)).all()


def test_gaussian_noise_is_not_softmax():
    # the construction with other noise is a different map: Gaussian noise is not softmax(μ)
    mu = np.array([0.0, 1.0, 2.0])
    assert np.abs(dr.gaussian_integrated_probs(mu) - dr.softmax(mu)).max() > 0.05


# --------------------------------------------------------------------------- the Gaussian quadrature layer


def test_two_categories_have_the_closed_form_phi_of_the_gap_over_root_two():
    # n = 2: p_1 = P(ε_1 − ε_2 > μ_2 − μ_1) = Φ((μ_1 − μ_2)/√2): an independent value for both quad and the rule
    mu = np.array([0.7, -0.4])
    exact = stats.norm.cdf((mu[0] - mu[1]) / np.sqrt(2))
    assert dr.gaussian_integrated_probs(mu)[0] == pytest.approx(exact, abs=1e-10)
    p = dr.quadrature_probs(torch.from_numpy(mu), dr.gaussian_nodes(100_000)).numpy()
    assert p[0] == pytest.approx(exact, abs=1e-4)


def test_quadrature_converges_to_the_integral_and_is_not_normalised_at_finite_K():
    mu = rng(2).normal(0, 1.0, 10)
    reference = dr.gaussian_integrated_probs(mu)
    assert reference.sum() == pytest.approx(1.0, abs=1e-9)
    errors = [
        np.abs(dr.quadrature_probs(torch.from_numpy(mu), dr.gaussian_nodes(K)).numpy() - reference).max()
        for K in (8, 64, 1000, 20_000)
    ]
    assert all(a > b for a, b in zip(errors, errors[1:], strict=False))
    sums = [float(dr.quadrature_probs(torch.from_numpy(mu), dr.gaussian_nodes(K)).sum()) for K in (8, 1000)]
    assert sums[0] < sums[1] < 1  # the trap: the nodes k/(K+1) miss the tails, Σp < 1


def test_nodes_are_the_gaussian_quantiles_and_reach_only_about_sqrt_2_log_K():
    nodes = dr.gaussian_nodes(1000).numpy()
    assert nodes[0] == pytest.approx(stats.norm.ppf(1 / 1001)) and nodes[-1] == pytest.approx(-nodes[0])
    assert nodes[-1] < np.sqrt(2 * np.log(1000))


def test_log_cdf_sum_does_not_underflow_where_the_product_does():
    # gaps of 40: Φ(−40) ≈ 1e-350 underflows to 0 in a product; the log-space layer keeps p and its order
    mu = torch.tensor([0.0, 40.0, 80.0], dtype=torch.float64)
    nodes = dr.gaussian_nodes(1000)
    naive = torch.special.ndtr(mu[0] - mu[1] + nodes) * torch.special.ndtr(mu[0] - mu[2] + nodes)
    assert float(naive.mean()) == 0.0
    log_p = dr.quadrature_log_probs(mu, nodes)
    assert torch.isfinite(log_p).all() and (log_p.argsort() == torch.tensor([0, 1, 2])).all()


def test_shift_invariance_on_T_itself_and_order():
    mu = rng(3).normal(0, 2.0, 30)
    nodes = dr.gaussian_nodes(1000)
    p = dr.quadrature_probs(torch.from_numpy(mu), nodes)
    for c in (10.0, -10.0):
        assert (dr.quadrature_probs(torch.from_numpy(mu + c), nodes) - p).abs().max() < 1e-12
    assert (p.argsort().numpy() == np.argsort(mu)).all()


def test_gradient_matches_central_differences():
    mu = rng(4).normal(0, 2.0, 6)
    nodes = dr.gaussian_nodes(500)
    auto = dr.jacobian_autograd(mu, nodes)
    fd = dr.jacobian_central_differences(mu, nodes, 1e-5)
    assert np.linalg.norm(auto - fd) / np.linalg.norm(auto) < 1e-6
    # each row of the Jacobian sums to 0: moving all μ together changes nothing (shift invariance)
    assert np.abs(auto.sum(axis=1)).max() < 1e-12


# --------------------------------------------------------------------------- registry × committed metrics


def claims():
    return yaml.safe_load((ROOT / "config/articles/discrete_reparam/claims.yaml").read_text())["claims"]


@pytest.mark.parametrize(
    "claim_id, key, value",
    [
        ("discrete_reparam.properties", "mu_draws", 20),
        ("discrete_reparam.properties", "K", 64),
        ("discrete_reparam.gumbel_softmax", "mc_draws", 100_000),
        ("discrete_reparam.quadrature", "mc_draws", 100_000),
        ("discrete_reparam.quadrature", "K", 64),
        ("discrete_reparam.quadrature_reference", "mc_draws", 100_000),
    ],
)
def test_each_guard_turns_a_smaller_run_inconclusive(claim_id, key, value):
    claim = next(c for c in claims() if c["id"] == claim_id)
    metrics = copy.deepcopy(json.loads((ROOT / "results" / claim["metrics"]).read_text()))
    assert "precondition unmet" not in decide(claim, metrics)["evidence"]
    metrics[key] = value
    result = decide(claim, metrics)
    assert result["verdict"] == "inconclusive" and "precondition unmet" in result["evidence"]
