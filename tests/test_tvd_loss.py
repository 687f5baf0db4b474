"""Tests for kexue.tvd_loss: L_γ's limits (1 − p, not −p), the logits form against the formula, the gradient and
stop-gradient identities against independent computations, precision near γ = 1, and the label noise."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from kexue import tvd_loss as tvd

P = torch.linspace(0.01, 1, 500, dtype=torch.float64)


def test_gamma_zero_is_cross_entropy():
    assert (tvd.gamma_loss_value(P, 0.0) + torch.log(P)).abs().max() < 1e-14
    logits, y = torch.randn(32, 5, dtype=torch.float64), torch.randint(0, 5, (32,))
    assert tvd.gamma_loss(logits, y, 0.0).item() == pytest.approx(F.cross_entropy(logits, y).item(), rel=1e-14)


@pytest.mark.parametrize("gamma", [0.1, 0.5, 0.8, 0.999])
def test_logits_form_matches_the_formula(gamma):
    logits, y = torch.randn(32, 5, dtype=torch.float64), torch.randint(0, 5, (32,))
    p = torch.softmax(logits, -1).gather(-1, y[:, None]).squeeze(-1)
    direct = (-torch.log(gamma + (1 - gamma) * p) / (1 - gamma)).mean()
    assert tvd.gamma_loss(logits, y, gamma).item() == pytest.approx(direct.item(), rel=1e-12)


def test_limit_is_one_minus_p_not_minus_p():
    """Trap 1: the γ → 1 limit is 1 − p; against −p the error stays at 1."""
    gamma = 1 - 1e-6
    value = tvd.gamma_loss_value(P, gamma)
    assert (value - (1 - P)).abs().max() < 2 * (1 - gamma)
    assert (value - (-P)).abs().min() > 0.99


def test_limits_summary():
    result = tvd.limits([1 - 1e-6, 1 - 1e-2], P.numpy())
    assert result["ce_error"] < 1e-14 and result["worst_ratio"] < 1
    # the gap is (1 − γ)(1 − p)²/2 to leading order: at γ = 0.99, p = 0.01, ≈ 0.0049
    assert result["near_one"][1]["max_error"] == pytest.approx(0.01 * 0.99**2 / 2, rel=0.05)


def test_log1p_form_keeps_precision_near_one():
    """Trap 2: log(γ + (1 − γ)p) in float64 at 1 − γ = 1e-12 loses most digits; log1p does not."""
    gamma, p = 1 - 1e-12, torch.tensor([0.3], dtype=torch.float64)
    exact = 0.7 + 1e-12 * 0.7**2 / 2  # series of −log1p(−εx)/ε with x = 0.7
    naive = (-torch.log(gamma + (1 - gamma) * p) / (1 - gamma)).item()
    assert tvd.gamma_loss_value(p, gamma).item() == pytest.approx(exact, rel=1e-9)
    assert abs(naive - exact) > 1e-6


def test_gradient_identity_and_its_independent_form():
    rows = tvd.gradient_identity([0.0, 0.3, 0.9], seed=1)
    assert max(r["relative_error"] for r in rows) < 1e-12
    # by hand for one sample: d L_γ / d logits = −(∂p/∂logits)/(γ + (1−γ)p), ∂p/∂z = p(e_y − softmax)
    z = torch.tensor([0.2, -1.0, 0.7], dtype=torch.float64, requires_grad=True)
    gamma, y = 0.3, torch.tensor([2])
    tvd.gamma_loss(z[None], y, gamma).backward()
    q = torch.softmax(z.detach(), -1)
    p = q[2]
    expected = -(p * (F.one_hot(y, 3)[0] - q)) / (gamma + (1 - gamma) * p)
    assert torch.allclose(z.grad, expected, atol=1e-14)


def test_stopgrad_identity_and_threshold():
    rows = tvd.stopgrad_identity([0.5], [0.0, 0.5], seed=2)
    assert all(r["relative_error"] < 1e-12 for r in rows) and rows[0]["error_vs_gamma_loss"] < 1e-12
    # with b > 0 the gradient is not ∇L_γ any more (the clamp binds where p/(γ + (1−γ)p) < b)
    z, y = torch.tensor([[3.0, 0.0, -3.0]], dtype=torch.float64, requires_grad=True), torch.tensor([2])
    (g_b,) = torch.autograd.grad(tvd.stopgrad_loss(z, y, 0.5, 0.5), z)
    (g_0,) = torch.autograd.grad(tvd.gamma_loss(z, y, 0.5), z)
    assert (g_b - g_0).abs().max() > 1e-3


def test_gradient_weight_ends():
    assert torch.allclose(tvd.gradient_weight(P, 0.0), torch.ones_like(P))
    assert torch.allclose(tvd.gradient_weight(P, 1 - 1e-12), P, atol=1e-9)


def test_symmetric_noise():
    labels = torch.arange(10).repeat(2000)
    noisy, flipped = tvd.symmetric_noise(labels, 0.4, 10, seed=0)
    assert abs(flipped.double().mean().item() - 0.4) < 0.02
    assert (noisy[flipped] != labels[flipped]).all() and (noisy[~flipped] == labels[~flipped]).all()
    # uniform over the other classes: each offset 1…9 about 1/9 of the flips
    offsets = torch.bincount((noisy[flipped] - labels[flipped]) % 10, minlength=10)[1:].double()
    assert offsets.min() / offsets.sum() > 0.09 and offsets.max() / offsets.sum() < 0.13
    same, none = tvd.symmetric_noise(labels, 0.0, 10, seed=0)
    assert torch.equal(same, labels) and not none.any()
    again, _ = tvd.symmetric_noise(labels, 0.4, 10, seed=0)
    assert torch.equal(again, noisy)


def test_gamma_loss_is_finite_for_hopeless_samples():
    z = torch.tensor([[200.0, -200.0]], requires_grad=True)
    loss = tvd.gamma_loss(z, torch.tensor([1]), 0.5)
    loss.backward()
    assert math.isfinite(loss.item()) and torch.isfinite(z.grad).all()
    assert loss.item() == pytest.approx(-math.log(0.5) / 0.5, rel=1e-6)


def test_relative_error():
    a = torch.tensor([1.0, 0.0])
    assert tvd.relative_error(a, a) == 0.0 and np.isclose(tvd.relative_error(2 * a, a), 1.0)


def test_skipping_the_per_epoch_training_pass_changes_no_model():
    """scripts/tvd_loss/run.py trains with evaluate_train=False (the per-epoch full pass over the training set was
    ~40 % of its cost): the model is the same, and the final training accuracy it computes once from the
    prediction equals the one the loop records per epoch."""
    from kexue import classify

    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(300, 20, generator=g), torch.randint(0, 10, (300,), generator=g)
    runs = {
        flag: classify.train(
            lambda: classify.mlp([20, 16, 10]),
            lambda logits, labels: tvd.gamma_loss(logits, labels, 0.5),
            (x, y),
            epochs=3,
            batch_size=32,
            lr=1e-2,
            seed=0,
            evaluate={"valid": (x[:50], y[:50])},
            evaluate_train=flag,
        )
        for flag in (True, False)
    }
    (full_model, full_history), (lean_model, lean_history) = runs[True], runs[False]
    assert "train_accuracy" not in lean_history
    assert all(torch.equal(a, b) for a, b in zip(full_model.parameters(), lean_model.parameters(), strict=True))
    assert lean_history["valid_accuracy"].equals(full_history["valid_accuracy"])
    assert classify.accuracy(classify.predict(lean_model, x), y) == full_history["train_accuracy"].iloc[-1]
