"""Tests for kexue.exact_accuracy: the toy example's numbers from the loss formulas, EXACT's quadrature against
Monte Carlo, the three losses, the minibatch trap of the log variant, CE's first-order gap, and the Welch tests."""

import math

import numpy as np
import pytest
import torch
from scipy.stats import norm

from kexue import exact_accuracy as ea

GRID = np.round(np.arange(-1, 2 + 5e-5, 1e-4), 10)


def test_toy_losses_by_hand():
    # b = 0: CE = log(1 + e^{−0.25}) + log 2 + log(1 + e^{−0.25}); hinge = 0.75 + 1 + 0.75
    assert ea.toy_ce(0.0) == pytest.approx(2 * math.log1p(math.exp(-0.25)) + math.log(2))
    assert ea.toy_hinge(0.0) == pytest.approx(2.5)


def test_toy_without_temperature_matches_the_paper():
    assert GRID[ea.toy_ce(GRID).argmin()] == pytest.approx(0.70, abs=0.005)
    low, high = ea.minimiser_set(GRID, ea.toy_hinge(GRID))
    assert (low, high) == pytest.approx((0.75, 1.0), abs=1e-9)
    assert ea.toy_accuracy(0.7) == pytest.approx(2 / 3) and ea.toy_accuracy(0.1) == 1.0


def test_hinge_set_at_k8_is_one_point_and_below_8_touches_the_edges():
    """At k = 8 the hinge sum is |1 − 8b| on (0, 0.25), minimised only at b = 1/8; at k = 4 it is flat on [0, 0.25]."""
    assert ea.minimiser_set(GRID, ea.toy_hinge(GRID, 8)) == pytest.approx((0.125, 0.125))
    low, high = ea.minimiser_set(GRID, ea.toy_hinge(GRID, 4))
    assert low == pytest.approx(0.0) and high == pytest.approx(0.25)


def test_ce_with_bounded_temperature_lands_inside_and_near_max_margin():
    result = ea.toy_ce_with_temperature(1e3)
    assert 0 < result["b"] < 0.25 and abs(result["b"] - 0.125) < 0.01 and result["k"] > 50


def test_quantile_nodes():
    nodes = ea.quantile_nodes(3)
    assert nodes.tolist() == pytest.approx(norm.ppf([0.25, 0.5, 0.75]).tolist())


def test_exact_probability_against_monte_carlo():
    """p_y = P[y = argmax(μ/σ + ε)]: the quadrature with many nodes against sampling the argmax directly."""
    gen = torch.Generator().manual_seed(0)
    mu = torch.randn(6, 4, generator=gen, dtype=torch.float64)
    sigma = torch.rand(6, 1, generator=gen, dtype=torch.float64) + 0.5
    y = torch.randint(0, 4, (6,), generator=gen)
    p = ea.exact_probability(mu, sigma, y, ea.quantile_nodes(4000))
    eps = torch.randn(400_000, 6, 4, generator=gen, dtype=torch.float64)
    mc = ((mu / sigma + eps).argmax(-1) == y).double().mean(0)
    assert torch.allclose(p, mc, atol=4e-3)


def test_exact_probabilities_sum_to_one_over_labels():
    mu = torch.tensor([[0.3, -1.0, 2.0]], dtype=torch.float64)
    sigma = torch.tensor([[0.7]], dtype=torch.float64)
    nodes = ea.quantile_nodes(2000)
    total = sum(ea.exact_probability(mu, sigma, torch.tensor([c]), nodes) for c in range(3))
    assert total.item() == pytest.approx(1.0, abs=2e-3)


def test_exact_probability_at_equal_scores_is_one_over_c():
    """μ = 0: p = E[Φ(e)^{C−1}] = 1/C exactly; the equal-weight rule gets it to O(1/K)."""
    p = ea.exact_probability(torch.zeros(1, 10), torch.ones(1, 1), torch.tensor([3]), ea.quantile_nodes(64))
    assert p.item() == pytest.approx(0.1, abs=0.01)


def test_exact_gradient_is_finite_for_confidently_wrong_samples():
    """A log_ndtr product would give φ/Φ = 0/0 here; EXACT's gradient is just (nearly) zero."""
    mu = torch.tensor([[-200.0, 0.0, 0.0]], requires_grad=True)
    loss = ea.make_loss("exact", ea.quantile_nodes(64))((mu, torch.full((1, 1), 1e-3)), torch.tensor([0]))
    loss.backward()
    assert torch.isfinite(mu.grad).all() and mu.grad.abs().max() < 1e-20


def test_the_losses():
    mu = torch.tensor([[2.0, 0.0, -1.0], [0.0, 1.0, 0.5]])
    sigma = torch.ones(2, 1)
    y = torch.tensor([0, 2])
    nodes = ea.quantile_nodes(64)
    p = ea.exact_probability(mu, sigma, y, nodes)
    ce = ea.make_loss("ce", nodes)((mu, sigma), y)
    assert ce.item() == pytest.approx(torch.nn.functional.cross_entropy(mu, y).item())
    assert ea.make_loss("exact", nodes)((mu, sigma), y).item() == pytest.approx(-p.mean().item())
    assert ea.make_loss("exact_log", nodes)((mu, sigma), y).item() == pytest.approx(-math.log(p.mean().item()))
    # the σ ≡ 1 variant ignores the σ head
    assert ea.make_loss("exact_sigma1", nodes)((mu, 5 * sigma), y).item() == pytest.approx(-p.mean().item())
    with pytest.raises(ValueError, match="unknown loss"):
        ea.make_loss("hinge", nodes)


def test_log_variant_differs_from_exact_only_through_the_minibatch():
    """Trap 1: over one batch, −log E[p] has the gradient of −E[p] times 1/E[p] (same direction); split into
    minibatches, the per-batch weights 1/E_batch[p] differ, so the directions differ."""
    gen = torch.Generator().manual_seed(0)
    mu = torch.randn(8, 3, generator=gen, requires_grad=True)
    sigma, y, nodes = torch.ones(8, 1), torch.randint(0, 3, (8,), generator=gen), ea.quantile_nodes(64)

    def grad(loss_name, batches):
        mu.grad = None
        sum(ea.make_loss(loss_name, nodes)((mu[b], sigma[b]), y[b]) for b in batches).backward()
        return mu.grad.flatten().clone()

    def cosine(a, b):
        return (a @ b / a.norm() / b.norm()).item()

    whole = [slice(0, 8)]
    assert cosine(grad("exact", whole), grad("exact_log", whole)) == pytest.approx(1.0, abs=1e-6)
    halves = [slice(0, 4), slice(4, 8)]
    assert cosine(grad("exact", halves), grad("exact_log", halves)) < 1 - 1e-4


def test_mu_sigma_starts_with_sigma_one_and_small_mu():
    torch.manual_seed(0)
    model = ea.MuSigma([784, 32], 10, mu_scale=0.1)
    mu, sigma = model(torch.rand(16, 784))
    assert torch.allclose(sigma, torch.ones_like(sigma), atol=1e-6) and mu.abs().max() < 0.5


def test_first_order_gap():
    p = torch.tensor([0.95, 0.9, 0.5, 1.0], dtype=torch.float64)
    share, gap = ea.first_order_gap(p)
    by_hand = np.mean([(-math.log(0.95) - 0.05) / 0.05, (-math.log(0.9) - 0.1) / 0.1, 0.0])
    assert share == 0.75 and gap == pytest.approx(by_hand)
    assert gap <= (-math.log(0.9) - 0.1) / 0.1 < 0.06  # the bound at p = 0.9 is 0.0536
    assert ea.first_order_gap(torch.tensor([0.2]))[0] == 0.0


def test_welch_both_ways():
    a, b = [0.9, 0.91, 0.92, 0.9, 0.91], [0.5, 0.55, 0.6, 0.52, 0.58]
    result = ea.welch(a, b)
    assert result["p_first_better"] < 1e-4 and result["p_second_better"] > 0.99
    assert result["min_one_sided_p"] == result["p_first_better"] and result["difference"] == pytest.approx(0.358)
    tie = ea.welch([0.5, 0.6, 0.7], [0.55, 0.65, 0.6])
    assert tie["min_one_sided_p"] > 0.05


def test_committed_metrics_hold_what_the_guards_read():
    """Every guard's key is in the committed default-tier metrics as the raw value it needs: a test-accuracy curve
    with one value per epoch (epoch 0 included), a p-value or a share for the preconditions."""
    import json
    from pathlib import Path

    import yaml

    from kexue.verdicts import lookup

    root = Path(__file__).resolve().parents[1]
    folder = root / "config/articles/exact_accuracy"
    claims = yaml.safe_load((folder / "claims.yaml").read_text())["claims"]
    epochs = yaml.safe_load((folder / "config.yaml").read_text())["training"]["epochs"]
    checked = 0
    for claim in claims:
        metrics = json.loads((root / "results" / claim["metrics"]).read_text())
        for guard in claim["rule"].get("guards", []):
            ((kind, spec),) = guard.items()
            try:
                value = lookup(metrics, spec["key"])
            except KeyError:
                assert "if_absent" in claim["rule"], (claim["id"], spec["key"])  # a set not on this tier
                continue
            if kind == "still_improving":
                assert len(value) == epochs + 1, (claim["id"], spec["key"])
            else:
                assert 0 <= value <= 1, (claim["id"], spec["key"])
            checked += 1
    assert checked >= 8
