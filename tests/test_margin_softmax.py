"""Tests for kexue.margin_softmax: sqrt(1 − cos) against the chord and the angle, 1 − cos's triangle violations by
hand, the sufficient condition's implication (and its failure for 1 − cos, and that it is not necessary), the
AM-softmax loss against its formula, the model's cosines, average precision against scikit-learn, retrieval on a
toy set, the adaptive margin by hand, and one tiny training run with the values the guards read."""

import math

import numpy as np
import pytest
import torch
from sklearn.metrics import label_ranking_average_precision_score

from kexue import margin_softmax as ms


def test_sqrt_one_minus_cos_is_the_chord_over_root_two():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 1000, 8))
    angle = np.arccos(np.clip(np.sum(ms.unit(x) * ms.unit(y), -1), -1, 1))
    # independent: the chord of the unit circle is 2 sin(θ/2), and 1 − cos θ = 2 sin²(θ/2)
    assert np.abs(ms.sqrt_cos_distance(x, y) - np.sqrt(2) * np.sin(angle / 2)).max() < 1e-12
    assert np.abs(ms.chord_over_root2(x, y) - np.sqrt(2) * np.sin(angle / 2)).max() < 1e-12


def test_one_minus_cos_violates_the_triangle_inequality_by_hand():
    """x ⟂ z, y halfway: 1 − cos gives 1 > 2(1 − 1/√2) ≈ 0.586; sqrt(1 − cos) gives 1 ≤ 2·0.541."""
    x, y, z = np.array([[1.0, 0.0]]), np.array([[1.0, 1.0]]), np.array([[0.0, 1.0]])
    assert ms.triangle_excess(ms.one_minus_cos, x, y, z)[0] == pytest.approx(1 - 2 * (1 - 1 / math.sqrt(2)))
    assert ms.triangle_excess(ms.sqrt_cos_distance, x, y, z)[0] < 0


def test_cosine_metric_check():
    result = ms.cosine_metric_check(20_000, 8, seed=0, tol=1e-12, chunk=7_000)
    assert result["one_minus_cos_violation_rate"] > 0.01 and result["sqrt_violations"] == 0
    assert result["identity_max_error"] < 1e-12 and result["sqrt_largest_excess"] < 0
    hist = result["excess_histogram"]
    assert sum(hist["sqrt"]) == sum(hist["one_minus_cos"]) == 20_000  # every excess lies in [−4, 2]
    assert len(hist["edges"]) == ms.EXCESS_BINS + 1


def test_clipping_near_cos_one():
    """Trap 4: 1 − cos of nearly parallel vectors can round below 0; clipped, its square root stays a number."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((10_000, 8))
    y = x * (1 + 1e-9 * rng.random((10_000, 1)))
    raw = 1 - np.sum(ms.unit(x) * ms.unit(y), -1)
    assert (raw < 0).any()  # the trap is real in float64
    assert (ms.one_minus_cos(x, y) >= 0).all() and np.isfinite(ms.sqrt_cos_distance(x, y)).all()


def test_sufficient_condition_implication_and_its_limits():
    euclidean = ms.sufficient_condition_check(20_000, 4, seed=0)
    assert euclidean["premise"] > 1000 and euclidean["premise_without_retrieval"] == 0
    assert euclidean["retrieval_without_premise"] > 0  # sufficient, not necessary (trap 5)
    assert euclidean["classification_without_retrieval"] > 0  # classification alone does not give retrieval
    # with 1 − cos, not a metric, the implication fails in some configurations
    assert ms.sufficient_condition_check(20_000, 4, seed=0, distance=ms.one_minus_cos)["premise_without_retrieval"] > 0


def direct_am_softmax(cosines, y, s, m):
    """Mean over samples of log(1 + Σ_{i≠y} exp(s·(cos_i + m − cos_y))), term by term."""
    total = 0.0
    for row, label in zip(cosines.tolist(), y.tolist(), strict=True):
        total += math.log(1 + sum(math.exp(s * (c + m - row[label])) for i, c in enumerate(row) if i != label))
    return total / len(y)


@pytest.mark.parametrize("margin", [0.0, 0.1, 0.35])
def test_am_softmax_loss_matches_its_formula(margin):
    cosines = torch.rand(16, 7, dtype=torch.float64) * 2 - 1
    y = torch.randint(0, 7, (16,))
    ours = ms.am_softmax_loss(cosines, y, 30.0, margin).item()
    assert ours == pytest.approx(direct_am_softmax(cosines, y, 30.0, margin), rel=1e-12)


def test_margin_moves_the_target_logit_only():
    """Trap 1: shifting every cosine by the margin would change nothing (softmax is shift-invariant); the margin
    must lower the target alone, which raises the loss."""
    cosines, y = torch.tensor([[0.5, 0.2, -0.1]], dtype=torch.float64), torch.tensor([0])
    assert ms.am_softmax_loss(cosines, y, 30.0, 0.35) > ms.am_softmax_loss(cosines, y, 30.0, 0.0)
    everyone = torch.nn.functional.cross_entropy(30.0 * (cosines - 0.35), y)
    assert everyone.item() == pytest.approx(ms.am_softmax_loss(cosines, y, 30.0, 0.0).item())


def test_cosine_classifier_outputs_cosines():
    torch.manual_seed(0)
    model = ms.CosineClassifier([10, 8, 4], classes=3)
    x = torch.randn(5, 10)
    e = model.embed(x)
    assert torch.allclose(e.norm(dim=-1), torch.ones(5))
    centres = model.centres / model.centres.norm(dim=-1, keepdim=True)
    assert torch.allclose(model(x), e @ centres.T) and model(x).abs().max() <= 1 + 1e-6


def test_average_precision_by_hand_and_against_scikit_learn():
    similarity = torch.tensor([[0.9, 0.5, 0.1]])
    relevant = torch.tensor([[True, False, True]])
    assert ms.average_precisions(similarity, relevant).item() == pytest.approx((1 + 2 / 3) / 2)
    gen = torch.Generator().manual_seed(0)
    similarity = torch.randn(40, 200, generator=gen, dtype=torch.float64)
    relevant = torch.rand(40, 200, generator=gen) < 0.2
    relevant[:, 0] = True  # every query has a relevant item
    ours = ms.average_precisions(similarity, relevant).mean().item()
    assert ours == pytest.approx(label_ranking_average_precision_score(relevant.numpy(), similarity.numpy()), rel=1e-12)


def test_retrieval_leaves_the_query_out():
    """Two tight clusters: every metric is perfect. The query itself (cosine 1) must not count as its own hit: with
    one member of class 2 alone, its R@1 and AP would be wrong if it were."""
    rng = np.random.default_rng(0)
    a = ms.unit(np.array([1.0, 0.0, 0.0]) + 0.01 * rng.standard_normal((5, 3)))
    b = ms.unit(np.array([0.0, 1.0, 0.0]) + 0.01 * rng.standard_normal((5, 3)))
    embeddings, labels = np.vstack([a, b]).astype(np.float32), np.array([0] * 5 + [1] * 5)
    result = ms.retrieval(embeddings, labels, queries=None, seed=0)
    assert result == {"queries": 10, "gallery": 10, "recall_at_1": 1.0, "map": 1.0, "separation": 1.0}
    lone = np.vstack([embeddings, ms.unit(np.array([[0.0, 0.05, 1.0]])).astype(np.float32)])
    with_lone = np.append(labels, 0)  # labelled 0 but far from class 0: its nearest other item is of class 1
    result = ms.retrieval(lone, with_lone, queries=None, seed=0)
    assert result["recall_at_1"] == pytest.approx(10 / 11) and result["separation"] < 1
    assert ms.retrieval(lone, with_lone, queries=4, seed=0)["queries"] == 4


def test_adaptive_margin_by_hand():
    cosines = torch.tensor([[0.5, -0.5], [0.0, 1.0]])
    y = torch.tensor([0, 1])
    # d = sqrt(1 − cos): own distances sqrt(0.5) and 0; nearest other: sqrt(1.5) and 1
    result = ms.adaptive_margin(cosines, y)
    own, other = math.sqrt(0.5) / 2, (math.sqrt(1.5) + 1) / 2
    assert result["mean_own_distance"] == pytest.approx(own)
    assert result["mean_nearest_other_distance"] == pytest.approx(other)
    assert result["cosine_margin"] == pytest.approx(2 * own * (own + other))


def test_train_and_evaluate_writes_what_the_summary_and_guards_read():
    gen = torch.Generator().manual_seed(0)
    x, y = torch.rand(120, 12, generator=gen), torch.randint(0, 3, (120,), generator=gen)
    xo, yo = torch.rand(30, 12, generator=gen), torch.randint(3, 5, (30,), generator=gen)
    data = {"train": (x, y), "closed": (x[:40], y[:40]), "open": (xo, yo)}
    settings = {"hidden": [8], "embedding": 4, "scale": 30.0, "epochs": 2, "batch_size": 32, "lr": 1e-2}
    metrics, history = ms.train_and_evaluate(data, 0.35, settings | {"queries": None, "query_seed": 0}, seed=0)
    assert len(metrics["curves"]["test_accuracy"]) == 3 == len(history)
    assert set(metrics["retrieval"]) == {"closed", "open"} and metrics["retrieval"]["open"]["gallery"] == 30
    assert 0 <= metrics["retrieval"]["open"]["map"] <= 1 and metrics["adaptive"]["cosine_margin"] > 0
    again, _ = ms.train_and_evaluate(data, 0.35, settings | {"queries": None, "query_seed": 0}, seed=0)
    assert again["retrieval"] == metrics["retrieval"]  # a seed fixes the run
