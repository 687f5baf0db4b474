"""Tests for kexue.nm_classification: the losses against direct formulas, the m = 2 reduction (with the ½ trap),
the stationary points with soft labels, overflow safety, and the values the guards read."""

import itertools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from kexue import nm_classification as nm


def direct_loss1(s, t):
    """Σ_j log(1 + Σ_i Σ_{k≠j} t_ij e^{s_ik − s_ij}), term by term (one sample)."""
    n, m = s.shape
    return sum(
        math.log(1 + sum(t[i, j] * math.exp(s[i, k] - s[i, j]) for i in range(n) for k in range(m) if k != j))
        for j in range(m)
    )


def direct_loss3(s, t):
    n, m = s.shape
    return sum(math.log(1 + sum(t[i, j] * math.exp(-s[i, j] + s[i].mean()) for i in range(n))) for j in range(m))


def random_case(seed, n=3, m=4):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, m)), rng.dirichlet(np.ones(m), size=n)


@pytest.mark.parametrize("seed", range(3))
def test_losses_match_their_formulas(seed):
    s, t = random_case(seed)
    st, tt = torch.from_numpy(s), torch.from_numpy(t)
    assert nm.loss1(st, tt).item() == pytest.approx(direct_loss1(s, t), rel=1e-12)
    assert nm.loss3(st, tt).item() == pytest.approx(direct_loss3(s, t), rel=1e-12)
    assert nm.per_head_ce(st, tt).item() == pytest.approx(
        -(t * np.log(np.exp(s) / np.exp(s).sum(1, keepdims=True))).sum()
    )


def test_per_head_ce_with_hard_labels_is_torch_cross_entropy_times_heads():
    s, y = torch.randn(8, 3, 5, dtype=torch.float64), torch.randint(0, 5, (8, 3))
    ours = nm.hard_loss("ce", 5)(s, y)
    assert ours.item() == pytest.approx(3 * F.cross_entropy(s.reshape(-1, 5), y.flatten()).item())


def test_m2_reduction_and_the_half():
    """Loss-3 equals multi-label CE at half the logit difference; without the ½ it does not (brief, trap 2)."""
    result = nm.m2_reduction(heads=7, seed=0)
    assert result["loss1_error"] < 1e-12 and result["loss3_error"] < 1e-12
    assert result["loss3_without_half_error"] > 1e-3


def test_multilabel_ce_matches_the_hard_label_formula():
    """With t ∈ {0, 1}: log(1 + Σ_{N} e^{u}) + log(1 + Σ_{P} e^{−u}) (archives/7359)."""
    u = torch.tensor([1.5, -0.3, 2.0, -1.0], dtype=torch.float64)
    t = torch.tensor([1.0, 0.0, 1.0, 0.0], dtype=torch.float64)
    direct = math.log(1 + math.exp(-0.3) + math.exp(-1.0)) + math.log(1 + math.exp(-1.5) + math.exp(-2.0))
    assert nm.multilabel_ce(u, t).item() == pytest.approx(direct, rel=1e-14)


def test_stationary_points_with_soft_labels():
    """Loss-3 and per-head CE are stationary at s = log t; loss-1 is not (its gradient there is O(1))."""
    _, t = random_case(5, n=4, m=5)
    t = torch.from_numpy(t)
    assert nm.gradient_norm(nm.loss3, torch.log(t), t) < 1e-12
    assert nm.gradient_norm(nm.per_head_ce, torch.log(t), t) < 1e-12
    assert nm.gradient_norm(nm.loss1, torch.log(t), t) > 1e-3


def test_loss3_is_invariant_to_a_shift_per_head():
    s, t = (torch.from_numpy(a) for a in random_case(2))
    shifted = s + torch.tensor([[3.0], [-2.0], [0.5]], dtype=torch.float64)
    assert nm.loss3(shifted, t).item() == pytest.approx(nm.loss3(s, t).item(), rel=1e-13)


def test_minimiser_of_loss3_reaches_the_labels():
    _, t = random_case(7, n=2, m=3)
    s_star, _ = nm.minimise(nm.loss3, torch.from_numpy(t), starts=2, seed=0)
    assert nm.softmax_gap(s_star, torch.from_numpy(t)) < 1e-6


def test_loss1_does_not_overflow_on_large_logits():
    s = torch.tensor([[800.0, -800.0, 0.0]], dtype=torch.float64, requires_grad=True)
    t = torch.tensor([[0.0, 1.0, 0.0]], dtype=torch.float64)
    value = nm.loss1(s, t)
    value.backward()
    assert value.item() == pytest.approx(1600.0, rel=1e-9) and torch.isfinite(s.grad).all()


def test_loss1_is_finite_when_the_target_dominates():
    """The case e^{LSE − s_ij} − 1 rounds to 0 in float32 (a naive log of it gives −inf and a nan gradient)."""
    s = torch.tensor([[60.0, 0.0, 0.0]], requires_grad=True)
    y = torch.tensor([0])
    value = nm.hard_loss("loss1", 3)(s.unsqueeze(0), y.unsqueeze(0))
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(s.grad).all()


def test_loss3_hard_labels_have_no_finite_minimiser():
    """Scaling the right direction up keeps lowering loss-3 towards 0 (brief, trap 1)."""
    y = torch.tensor([[0, 2]])
    direction = F.one_hot(y, 3).double()
    values = [nm.hard_loss("loss3", 3)(scale * direction, y).item() for scale in (1, 10, 30)]
    assert values[0] > values[1] > values[2] > 0 and values[2] < 1e-8


def test_above_mean_not_max_by_hand():
    s = torch.tensor([[[1.0, 2.0, 0.0], [3.0, 0.0, 0.0], [0.0, 0.5, 1.0]]])  # three heads of one sample
    y = torch.tensor([[0, 0, 0]])
    # head 0: target 1 > mean 1? no (equal); head 1: target is the max; head 2: 0 below mean
    assert nm.above_mean_not_max(s, y) == 0.0
    y = torch.tensor([[0, 1, 1]])
    # head 0: 1.0 = mean, no; head 1: 0 < mean; head 2: 0.5 = mean 0.5, no
    assert nm.above_mean_not_max(s, y) == 0.0
    s2 = torch.tensor([[[2.0, 3.0, 0.0]]])
    assert nm.above_mean_not_max(s2, torch.tensor([[0]])) == 1.0


@pytest.mark.parametrize("ratio", [1, 4, 64])
def test_class_prior_ratio(ratio):
    prior = nm.class_prior(5, ratio)
    assert prior.sum() == pytest.approx(1) and prior.max() / prior.min() == pytest.approx(ratio)


def test_linear_task_prior_skews_the_labels_and_the_task_is_shared():
    balanced = nm.linear_task(20, 6, 5, 1, 200, 4000, seed=0)
    skewed = nm.linear_task(20, 6, 5, 64, 200, 4000, seed=0)
    assert torch.equal(balanced["test"][0], skewed["test"][0])  # same x, only the prior differs
    shares = torch.bincount(skewed["test"][1].flatten(), minlength=5).double() / skewed["test"][1].numel()
    assert shares[0] > 2 * shares[4]
    flat = torch.bincount(balanced["test"][1].flatten(), minlength=5).double() / balanced["test"][1].numel()
    assert (flat - 0.2).abs().max() < 0.03


def test_free_logit_check_rows():
    rows = nm.free_logit_check("loss3", heads=2, classes=3, label_sets=2, starts=1, seed=0)
    assert [r["set"] for r in rows] == [0, 1] and all(r["softmax_gap"] < 1e-6 for r in rows)


def test_losses_all_have_a_function():
    assert set(nm.LOSSES) == set(nm.LOSS_FUNCTIONS)
    for name, (n, m) in itertools.product(nm.LOSSES, [(2, 3)]):
        s, y = torch.randn(4, n, m), torch.randint(0, m, (4, n))
        assert torch.isfinite(nm.hard_loss(name, m)(s, y))


# --------------------------------------------------------------------------- what the guards read


def test_committed_metrics_hold_what_the_guards_read():
    """Every guard's key is in the committed default-tier metrics, as the raw values it needs: a curve with one
    value per epoch (epoch 0 included), one effect per seed."""
    from pathlib import Path

    import yaml

    from kexue.verdicts import lookup

    root = Path(__file__).resolve().parents[1]
    claims = yaml.safe_load((root / "config/articles/nm_classification/claims.yaml").read_text())["claims"]
    config = yaml.safe_load((root / "config/articles/nm_classification/config.yaml").read_text())["linear_task"]
    guarded = [c for c in claims if "guards" in c["rule"]]
    assert guarded
    for claim in guarded:
        metrics = __import__("json").loads((root / "results" / claim["metrics"]).read_text())
        for guard in claim["rule"]["guards"]:
            ((kind, spec),) = guard.items()
            value = lookup(metrics, spec["key"])
            if kind == "still_improving":
                assert len(value) == config["epochs"] + 1, (claim["id"], spec["key"])
            elif kind == "seed_spread":
                assert len(value) == len(config["seeds"]), (claim["id"], spec["key"])
