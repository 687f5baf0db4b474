"""LoRA from a gradient perspective (kexue.fm 9590): the identities against autograd, and the brief's traps."""

from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from kexue import lora_gradient as lg


@pytest.mark.parametrize("n, m, r", [(6, 9, 1), (9, 6, 3), (6, 6, 3)])
def test_gradient_formulas_match_autograd(n, m, r):
    assert lg.gradient_formula_errors(n, m, r, b=5, seed=1)["max_relative_error"] < 1e-10


def test_gradient_shapes_fix_the_order_of_the_product():
    """∂L/∂A must be n×r: only G Bᵀ has that shape; Bᵀ G does not even multiply."""
    G, A, B = torch.randn(6, 9), torch.randn(6, 2), torch.randn(2, 9)
    dA, dB = lg.lora_grads(G, A, B)
    assert dA.shape == A.shape and dB.shape == B.shape
    with pytest.raises(RuntimeError):
        B.T @ G


def test_projected_optimizer_equals_standard_lora_for_sgd():
    p = lg.regression(6, 9, 2, 20, seed=3)
    standard, projected = lg.standard_lora_sgd(p, 0.1, 50), lg.projected_optimizer_sgd(p, 0.1, 50)
    assert max(float((a - b).abs().max()) for a, b in zip(standard, projected, strict=True)) <= 1e-12
    assert float((standard[-1] - p["W0"]).abs().max()) > 1e-2


def test_zero_init_b_gives_a_zero_gradient_for_a_at_step_0():
    """The brief's trap: with B = 0, ∂L/∂A = G Bᵀ = 0, so only B moves on the first step."""
    p = lg.regression(6, 9, 2, 20, seed=3)
    W = (p["W0"] + p["A"] @ p["B"]).requires_grad_()
    lg.mse(p["X"], W, p["T"]).backward()
    dA, dB = lg.lora_grads(W.grad, p["A"], p["B"])
    assert float(dA.abs().max()) == 0 and float(dB.abs().max()) > 0


def test_update_expansion_is_exact_and_the_remainder_is_second_order():
    g = torch.Generator().manual_seed(0)
    G, A, B = (torch.randn(*s, generator=g, dtype=torch.float64) for s in ((6, 9), (6, 2), (2, 9)))
    cells = [lg.update_expansion(G, A, B, lr) for lr in (0.1, 0.03, 0.01, 0.003)]
    assert max(c["expansion_error"] for c in cells) < 1e-12
    # independent check: the remainder is exactly ‖η² G Bᵀ AᵀG‖
    for c in cells:
        assert c["remainder"] == pytest.approx(float((c["lr"] ** 2 * G @ B.T @ A.T @ G).norm()), rel=1e-9)
    assert lg.log_log_slope([c["lr"] for c in cells], [c["remainder"] for c in cells]) == pytest.approx(2, abs=1e-6)


def test_random_projection_expectation_is_sgd_at_twice_the_lr():
    G = torch.randn(6, 9, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    mean = lg.random_projection_mean(G, 0.1, 20000, seed=0)
    assert float((mean + 0.2 * G).norm() / (0.2 * G).norm()) < 0.05
    # the trap: against full SGD at η the mean is off by ≈ 100 %
    assert float((mean + 0.1 * G).norm() / (0.1 * G).norm()) > 0.9


def test_random_projection_mean_matches_the_single_update_formula():
    G = torch.randn(6, 9, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    g = torch.Generator().manual_seed(5)
    u, v = torch.randn(1, 6, 1, generator=g, dtype=G.dtype), torch.randn(1, 1, 9, generator=g, dtype=G.dtype)
    torch.testing.assert_close(
        lg.random_projection_mean(G, 0.1, 1, seed=5), lg.random_projection_update(G, 0.1, u[0], v[0])
    )


def test_articles_shapes_do_not_fit():
    """u ∈ R^{m×1}, v ∈ R^{1×n} as written in the article do not multiply G ∈ R^{n×m} (n ≠ m)."""
    G, u, v = torch.randn(6, 9), torch.randn(9, 1), torch.randn(1, 6)
    with pytest.raises(RuntimeError):
        lg.random_projection_update(G, 0.1, u, v)


def test_symmetric_init_keeps_the_model_and_moves_both_factors():
    cell = lg.symmetric_init_gap(6, 9, 3, 5, seed=0)
    assert cell["output_gap"] <= 1e-12 and cell["grad_A_norm"] > 0 and cell["grad_B_norm"] > 0


@pytest.mark.parametrize("n, m, r", [(6, 9, 1), (12, 18, 2), (12, 18, 3)])
def test_additive_variant_gradients_and_rank(n, m, r):
    cell = lg.additive_check(n, m, r, 5, seed=0)
    assert cell["grad_error"] < 1e-10
    assert cell["rank"] == 2 * r and cell["lora_rank"] == r


def test_additive_r1_is_row_and_column_sums():
    """Independent computation for r = 1: ΔW_ij = A_i + B_j."""
    A, B = torch.randn(4, 1, dtype=torch.float64), torch.randn(1, 5, dtype=torch.float64)
    torch.testing.assert_close(lg.additive_delta(A, B), A + B)
    with pytest.raises(ValueError, match="multiple"):
        lg.repeat_matrix(2, 5)


def test_implementation_cost_memory_and_unknown_kind():
    """impl-1 materialises W₀ + AB and ∂L/∂W: its peak extra memory is at least n·m floats; impl-2's is not."""
    n = m = 256
    assert lg.peak_memory("impl1", n, m, 4, 16) >= n * m * 4
    assert lg.peak_memory("impl2", n, m, 4, 16) < n * m * 4
    with pytest.raises(ValueError, match="unknown implementation"):
        lg.forward_backward("lora", **lg.layer(8, 8, 2, 4))


def test_timing_returns_every_sample():
    times = lg.time_implementations(64, 64, 2, 8, repeats=3, warmup=1)
    assert all(len(times["samples"][k]) == 3 and times[k] > 0 for k in lg.IMPLEMENTATIONS)
    assert np.isfinite([times[k] for k in lg.IMPLEMENTATIONS]).all()


def test_cost_thresholds_match_the_rule():
    """The job's thresholds (for the per-round margins the guards read) are the claim's own numbers."""
    config = yaml.safe_load(Path("config/articles/lora_gradient/config.yaml").read_text())
    claims = yaml.safe_load(Path("config/articles/lora_gradient/claims.yaml").read_text())["claims"]
    rule = next(c for c in claims if c["id"] == "lora_gradient.implementation_cost")["rule"]
    bounds = {part["key"]: part.get("at_most", part.get("at_least")) for part in rule["all_of"]}
    thresholds = config["cost"]["thresholds"]
    assert bounds["max_impl2_over_full"] == thresholds["impl2_max"]
    assert bounds["min_impl1_over_full"] == thresholds["impl1_min"]
    assert {g["seed_spread"]["key"] for g in rule["guards"]} == {"impl2_margin_per_round", "impl1_margin_per_round"}
