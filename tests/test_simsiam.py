"""Why SimSiam does not collapse (kexue.fm 7980): the toy ODE, the factor two, the losses and the measures."""

import math

import numpy as np
import pytest
import torch

from kexue import simsiam as ss


def test_stop_gradient_flow_conserves_phi2_minus_theta2_and_converges():
    r = ss.integrate_toy("stop_gradient", 0.6, 0.1, 200.0, 1e-10)
    assert abs(r["phi_end"] - 1) < 1e-6 and abs(r["theta_end"] - math.sqrt(0.65)) < 1e-6
    assert r["invariant_drift"] < 1e-8
    assert ss.stop_gradient_limit(0.6, 0.1) == pytest.approx(math.sqrt(0.65))


@pytest.mark.parametrize("variant", ["full_gradient", "target_only"])
def test_without_stop_gradient_theta_collapses(variant):
    r = ss.integrate_toy(variant, 0.6, 0.1, 200.0, 1e-10)
    assert abs(r["theta_end"]) < 1e-3 and r["phi_end"] < 0.9
    assert r["invariant_drift"] > 1e-3  # the invariant is the stop-gradient flow's only (trap)


def test_toy_rhs_matches_autograd_of_the_loss():
    """Independent computation: the full-gradient flow is −∇ of l = ½(φθ − θ)² with both θ trainable."""
    phi, theta = torch.tensor(0.7, requires_grad=True), torch.tensor(0.3, requires_grad=True)
    (0.5 * (phi * theta - theta) ** 2).backward()
    dphi, dtheta = ss.toy_rhs("full_gradient")(0, [0.7, 0.3])
    assert dphi == pytest.approx(-phi.grad.item()) and dtheta == pytest.approx(-theta.grad.item())
    # stop-gradient: only the first θ (the encoder branch) is differentiated
    theta_online, target = torch.tensor(0.3, requires_grad=True), torch.tensor(0.3)
    (0.5 * (0.7 * theta_online - target) ** 2).backward()
    assert ss.toy_rhs("stop_gradient")(0, [0.7, 0.3])[1] == pytest.approx(-theta_online.grad.item())


def test_factor_two_is_exact_for_iid_views():
    x = torch.rand(50, 784, generator=torch.Generator().manual_seed(0))
    r = ss.factor_two(x, [784, 32, 8], pad=2, pairs=400, batch=10, seed=0)
    assert r["ratio"] == pytest.approx(2, rel=0.02)
    assert r["alternating_mc"] == pytest.approx(r["alternating_exact"], rel=0.05)
    # exact: over every pair of shifts (i.i.d. views), the two-view loss is twice the variance
    with torch.no_grad():
        outs = ss.random_mlp([784, 32, 8], 0)(ss.all_shifts(x, 2))
    pairwise = ((outs[:, :, None] - outs[:, None, :]) ** 2).sum(-1).mean()
    assert float(pairwise) == pytest.approx(2 * r["alternating_exact"], rel=1e-5)


def test_all_shifts_enumerates_the_crop_distribution():
    x = torch.zeros(1, 784)
    x[0, 14 * 28 + 14] = 1.0
    views = ss.all_shifts(x, pad=2)
    assert views.shape == (1, 25, 784) and torch.all(views.sum(-1) == 1)
    shift = ss.random_shift(x.reshape(1, 1, 28, 28), 2, torch.Generator().manual_seed(0))
    assert any(torch.equal(shift.reshape(784), v) for v in views[0])


def test_random_erase_only_erases():
    x = torch.ones(64, 1, 28, 28)
    out = ss.random_erase(x, 0.5, torch.Generator().manual_seed(0))
    erased = (out == 0).flatten(1).any(1)
    assert set(out.unique().tolist()) <= {0.0, 1.0} and 10 < int(erased.sum()) < 54


def test_stop_gradient_blocks_the_target_branch():
    torch.manual_seed(0)
    net = ss.SimSiamNet((4, 8, 8), proj=6, pred_hidden=3)
    x1, x2 = torch.rand(8, 1, 28, 28), torch.rand(8, 1, 28, 28)
    # no predictor and stop-gradient on identical views: the gradient is that of ½D(z, sg z) twice
    ss.simsiam_loss(net, x1, x1, predictor=False, stop_gradient=True).backward()
    with_sg = [p.grad.clone() for p in net.encoder.parameters()]
    net.zero_grad()
    ss.simsiam_loss(net, x1, x1, predictor=False, stop_gradient=False).backward()
    without = [p.grad for p in net.encoder.parameters()]
    # with identical views the full gradient is exactly twice the stopped one
    for a, b in zip(with_sg, without, strict=True):
        torch.testing.assert_close(2 * a, b, rtol=1e-4, atol=1e-6)
    assert ss.simsiam_loss(net, x1, x2, predictor=True, stop_gradient=True).item() > -1


def test_collapse_measures():
    rng = np.random.default_rng(0)
    spread = rng.standard_normal((2000, 64))
    assert ss.output_std(spread) * 8 == pytest.approx(1, rel=0.05)
    assert ss.effective_rank(spread) > 55
    collapsed = np.ones((2000, 64)) + 1e-4 * rng.standard_normal((2000, 64))
    assert ss.output_std(collapsed) * 8 < 0.01
    rank_one = np.outer(rng.standard_normal(2000), rng.standard_normal(64))
    assert ss.effective_rank(rank_one) == pytest.approx(1, abs=1e-6)


def test_knn_accuracy_on_separable_clusters():
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((3, 16)) * 5
    labels = np.repeat(np.arange(3), 50)
    points = centres[labels] + rng.standard_normal((150, 16))
    assert ss.knn_accuracy(points[::2], labels[::2], points[1::2], labels[1::2], 5) == 1.0


def test_unknown_variants_fail_clearly():
    with pytest.raises(ValueError, match="unknown variant"):
        ss.toy_rhs("adam")(0, [0.5, 0.5])
    net = ss.SimSiamNet((4, 8, 8), proj=6, pred_hidden=3)
    x = torch.rand(4, 1, 28, 28)
    with pytest.raises(ValueError, match="unknown variant"):
        ss.variant_loss("byol", net, x, x, {"pad": 1, "erase_p": 0.0, "noise": 0.0}, torch.Generator())


def test_one_short_training_run_writes_the_curves_the_guards_read():
    g = torch.Generator().manual_seed(0)
    data = {
        "train": torch.rand(64, 1, 28, 28, generator=g),
        "train_labels": np.arange(64) % 4,
        "test": torch.rand(32, 1, 28, 28, generator=g),
        "test_labels": np.arange(32) % 4,
    }
    run = ss.train(
        "mean_target_stop",
        data,
        channels=(4, 8, 8),
        proj=6,
        pred_hidden=3,
        epochs=2,
        batch_size=16,
        base_lr=0.05,
        momentum=0.9,
        weight_decay=1e-4,
        aug={"pad": 2, "erase_p": 0.5, "noise": 0.1},
        mean_draws=2,
        knn_k=3,
        curve_images=16,
        seed=0,
    )
    assert len(run["curve"]) == 2 and all(math.isfinite(c["loss"]) for c in run["curve"])
    assert run["steps"] == 8 and 0 <= run["knn_accuracy"] <= 1
