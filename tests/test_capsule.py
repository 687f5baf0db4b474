"""Tests for kexue.capsule: squash and its ½ point, dynamic routing against a loop over the article's equations
(softmax over output capsules, the two update rules), the margin loss, the pair test's traps (height-axis
stacking, equal labels dropped, sets not ordered pairs), variable input size, the article's parameter counts,
and the numbers the claims' rules and guards read."""

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from kexue import capsule as cap
from kexue import classify


def loop_routing(u_hat: np.ndarray, iterations: int, routing: str, k: float) -> np.ndarray:
    """The article's routing for one sample, term by term: u_hat[i, j] = û_{j|i}."""
    n_in, n_out, _ = u_hat.shape
    b = np.zeros((n_in, n_out))
    for _ in range(iterations):
        c = np.exp(b) / np.exp(b).sum(axis=1, keepdims=True)  # softmax over j for each i
        v = []
        for j in range(n_out):
            s = sum(c[i, j] * u_hat[i, j] for i in range(n_in))
            norm2 = float(s @ s)
            v.append(norm2 / (k + norm2) * s / math.sqrt(norm2))
        agreement = np.array([[u_hat[i, j] @ v[j] for j in range(n_out)] for i in range(n_in)])
        b = agreement if routing == "author" else b + agreement
    return np.array(v)


@pytest.mark.parametrize("k", [0.5, 1.0])
def test_squash_norm_direction_and_half_point(k):
    s = torch.randn(50, 16, dtype=torch.float64)
    v = cap.squash(s, k)
    r = s.norm(dim=-1)
    assert torch.allclose(v.norm(dim=-1), r**2 / (k + r**2), atol=1e-12)
    assert torch.allclose(torch.nn.functional.cosine_similarity(v, s, dim=-1), torch.ones(50, dtype=torch.float64))
    half = torch.tensor([[math.sqrt(k), 0.0]], dtype=torch.float64)  # ‖s‖ = √k gives ‖v‖ = ½
    assert cap.squash(half, k).norm().item() == pytest.approx(0.5, abs=1e-10)


@pytest.mark.parametrize("routing", ["author", "original"])
@pytest.mark.parametrize("iterations", [1, 3])
def test_routing_matches_the_equations(routing, iterations):
    u_hat = torch.randn(2, 6, 4, 5, dtype=torch.float64)
    v, c = cap.dynamic_routing(u_hat, iterations, routing, k=0.5)
    for n in range(2):
        expected = loop_routing(u_hat[n].numpy(), iterations, routing, 0.5)
        assert np.allclose(v[n].numpy(), expected, atol=1e-12)
    # trap 3: the coupling coefficients sum to one over the output capsules j, for each input i
    assert torch.allclose(c.sum(dim=2), torch.ones(2, 6, dtype=torch.float64))


def test_the_two_routings_agree_for_two_iterations_and_differ_from_three():
    """b starts at 0, so the update rules first differ in the third iteration's couplings."""
    u_hat = torch.randn(3, 8, 10, 4, dtype=torch.float64)
    for iterations in (1, 2):
        a, _ = cap.dynamic_routing(u_hat, iterations, "author")
        b, _ = cap.dynamic_routing(u_hat, iterations, "original")
        assert torch.allclose(a, b, atol=1e-14)
    a, _ = cap.dynamic_routing(u_hat, 3, "author")
    b, _ = cap.dynamic_routing(u_hat, 3, "original")
    assert (a - b).abs().max() > 1e-6
    with pytest.raises(ValueError, match="unknown routing"):
        cap.dynamic_routing(u_hat, 3, "accumulate")


def test_margin_loss_matches_its_formula():
    p = torch.rand(5, 10, dtype=torch.float64)
    y = torch.tensor([3, 0, 9, 3, 5])
    direct = 0.0
    for n in range(5):
        for j in range(10):
            if j == y[n]:
                direct += max(0.0, 0.9 - p[n, j].item()) ** 2
            else:
                direct += 0.25 * max(0.0, p[n, j].item() - 0.1) ** 2
    assert cap.margin_loss(p, y).item() == pytest.approx(direct / 5, rel=1e-12)


def test_pairs_are_stacked_on_height_without_equal_labels_and_sorted():
    x = torch.arange(40 * 4 * 3, dtype=torch.float32).reshape(40, 1, 4, 3)
    y = torch.arange(40) % 10
    images, labels = cap.make_pairs(x, y, seed=0)
    assert images.shape[1:] == (1, 8, 3)  # trap 1: 2H × W, not H × 2W
    assert (labels[:, 0] != labels[:, 1]).all()  # trap 5: equal labels dropped
    assert (labels[:, 0] < labels[:, 1]).all()  # sorted: a set, not an ordered pair
    partner = torch.randperm(40, generator=torch.Generator().manual_seed(0))
    keep = y != y[partner]
    assert len(labels) == keep.sum()
    assert torch.equal(images[:, :, :4], x[keep]) and torch.equal(images[:, :, 4:], x[partner][keep])


def test_pair_scores_compare_sets_and_threshold_the_second_score():
    scores = torch.zeros(4, 10)
    scores[0, [7, 2]] = torch.tensor([0.9, 0.8])  # right set, given in the other order
    scores[1, [2, 7]] = torch.tensor([0.9, 0.3])  # right set, second score below 0.5
    scores[2, [2, 5]] = torch.tensor([0.9, 0.8])  # wrong set
    scores[3, [1, 4]] = torch.tensor([0.6, 0.55])  # right set
    labels = torch.tensor([[2, 7], [2, 7], [2, 7], [1, 4]])
    result = cap.pair_scores(scores, labels)
    assert result["set_accuracy"] == pytest.approx(3 / 4)
    assert result["thresholded_accuracy"] == pytest.approx(2 / 4)


@pytest.mark.parametrize("arm", list(cap.ARMS))
def test_models_take_any_image_size_and_score_in_unit_interval(arm):
    """Trap 2: no Flatten or fixed-size layer, so the pair images pass through the single-digit model."""
    torch.manual_seed(0)
    model = cap.build(cap.arm_model(arm, {"channels": [4, 4, 8, 8], "hidden": 16, "capsule_dim": 4, "iterations": 3}))
    for shape in [(3, 1, 20, 20), (3, 1, 40, 20), (2, 1, 56, 28)]:
        out = model(torch.rand(shape))
        assert out.shape == (shape[0], 10) and (out >= 0).all() and (out < 1).all()


def test_the_article_size_is_270k_parameters():
    """64/64/128/128 convolutions (3×3, biases) + Dense(128) + Dense(10), or + 10 capsules of 16 from 128."""
    settings = {"channels": [64, 64, 128, 128], "hidden": 128, "capsule_dim": 16, "iterations": 3}
    trunk = (9 * 1 * 64 + 64) + (9 * 64 * 64 + 64) + (9 * 64 * 128 + 128) + (9 * 128 * 128 + 128)
    cnn = classify.parameter_count(cap.build(cap.arm_model("cnn", settings)))
    capsule = classify.parameter_count(cap.build(cap.arm_model("capsule", settings)))
    assert cnn == trunk + (128 * 128 + 128) + (128 * 10 + 10) == 276_810
    assert capsule == trunk + 128 * 16 * 10 == 279_488


def test_crop_keeps_the_centre():
    x = torch.arange(2 * 784, dtype=torch.float32).reshape(2, 784)
    images = cap.as_images(x, 4)
    assert images.shape == (2, 1, 20, 20)
    assert torch.equal(images[0, 0], x[0].reshape(28, 28)[4:24, 4:24])
    assert cap.as_images(x, 0).shape == (2, 1, 28, 28)


BRIEF_PAIR = {  # the brief's thresholds, as claims.yaml's parameters of pair_generalisation hold them
    "capsule_min": 0.90,
    "cnn_set_max": 0.60,
    "cnn_thresholded_max": 0.30,
    "partial_capsule_min": 0.80,
    "partial_lead": 0.30,
}


def fake_run(arm, seed, test, pair_set, pair_thr, curve):
    return {
        "arm": arm,
        "seed": seed,
        "model": {"kind": cap.ARMS[arm]["kind"], **{k: v for k, v in cap.ARMS[arm].items() if k != "kind"}},
        "parameters": 1000,
        "test_accuracy": test,
        "pair": {"set_accuracy": pair_set, "thresholded_accuracy": pair_thr, "pairs": 90},
        "curves": {"curve_accuracy": curve},
    }


def arms_with(cnn, capsule, original=(0.99, 0.95, 0.95), squash1=(0.99, 0.93, 0.93)):
    runs = []
    for arm, (test, pair_set, pair_thr) in zip(
        ["cnn", "capsule", "capsule_original_routing", "capsule_squash1"],
        [cnn, capsule, original, squash1],
        strict=True,
    ):
        runs += [fake_run(arm, s, test, pair_set + 0.01 * s, pair_thr, [0.1, 0.9, test]) for s in range(3)]
    return cap.arm_summaries(runs)


@pytest.mark.parametrize(
    ("cnn", "capsule", "strict", "partial"),
    [
        ((0.99, 0.40, 0.10), (0.99, 0.94, 0.94), True, True),  # the article's numbers: reproduced
        ((0.99, 0.40, 0.35), (0.99, 0.94, 0.94), False, True),  # CNN thresholded above 0.30: partially
        ((0.99, 0.40, 0.10), (0.99, 0.84, 0.84), False, True),  # Capsule at 0.85: partially
        ((0.99, 0.60, 0.10), (0.99, 0.84, 0.84), False, False),  # lead below 0.30: not reproduced
        ((0.99, 0.20, 0.10), (0.99, 0.75, 0.85), False, False),  # Capsule plain below 0.80: not reproduced
    ],
)
def test_pair_margins_follow_the_brief(cnn, capsule, strict, partial):
    pair = cap.claim_numbers(arms_with(cnn, capsule), 0.985, BRIEF_PAIR)["pair"]
    assert (pair["strict_margin"] >= 0, pair["partial_margin"] >= 0) == (strict, partial)
    assert pair["capsule_set"] == pytest.approx(capsule[1] + 0.01)  # the seed mean of 3 seeds (+0, +0.01, +0.02)


def test_the_values_the_guards_read_are_written():
    arms = arms_with((0.99, 0.4, 0.1), (0.98, 0.94, 0.94))
    numbers = cap.claim_numbers(arms, 0.985, BRIEF_PAIR)
    assert arms["capsule"]["curve"] == pytest.approx([0.1, 0.9, 0.98])  # still_improving reads this list
    assert numbers["parity"]["margin"] == pytest.approx(0.98 - 0.985)
    assert numbers["squash"]["per_seed_difference"] == pytest.approx([0.01, 0.01, 0.01])  # seed_spread
    assert numbers["squash"]["pair_set_difference"] == pytest.approx(0.01)
    assert numbers["routing"]["pair_set_accuracy_gap_points"] == pytest.approx(1.0)
    assert numbers["routing"]["test_accuracy_gap_points"] == pytest.approx(1.0)
    assert arms["capsule_squash1"]["variant"] == {"kind": "capsule", "routing": "author", "squash_k": 1.0}


def test_skipping_the_train_pass_changes_no_number_of_the_shared_loop():
    """classify.train(evaluate_train=False) trains the same model (evaluation draws no random numbers)."""
    x, y = torch.rand(64, 1, 16, 16), torch.randint(0, 10, (64,))
    settings = {"kind": "cnn", "channels": [2, 2, 4, 4], "hidden": 8}
    runs = [
        classify.train(
            lambda: cap.build(settings),
            cap.margin_loss,
            (x, y),
            epochs=2,
            batch_size=16,
            lr=1e-3,
            seed=0,
            evaluate={"curve": (x[:8], y[:8])},
            evaluate_train=flag,
        )
        for flag in (True, False)
    ]
    (with_train, h1), (without, h2) = runs
    assert "train_accuracy" in h1 and "train_accuracy" not in h2
    assert h1["curve_accuracy"].tolist() == h2["curve_accuracy"].tolist()
    assert all(torch.equal(a, b) for a, b in zip(with_train.parameters(), without.parameters(), strict=True))


def test_the_registry_holds_the_brief_pair_thresholds():
    """The summary gets the pair thresholds from claims.yaml (parameters); they are the brief's."""
    import yaml

    root = Path(__file__).resolve().parents[1]
    claims = yaml.safe_load((root / "config" / "articles" / "capsule" / "claims.yaml").read_text())["claims"]
    pair = next(c for c in claims if c["id"] == "capsule.pair_generalisation")
    assert pair["parameters"] == BRIEF_PAIR
