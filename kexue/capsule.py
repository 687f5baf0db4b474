"""Capsules as clustering (kexue.fm 4819): a CNN trunk with a global-pooling head or a capsule head, the margin loss
of ten independent binary outputs, and the single-digit → two-digit test.

The capsule layer, in the article's reading (output capsules are cluster centres of the transformed inputs):

    û_{j|i} = W_j u_i                         (one W_j per output capsule j, shared by every input capsule i)
    b_ij = 0;  repeat r times:
        c_ij = softmax_j(b_ij)                (over the output capsules j, for each input i)
        s_j  = Σ_i c_ij û_{j|i}
        v_j  = squash(s_j)
        b_ij = ⟨û_{j|i}, v_j⟩                 (the author's routing: no accumulation)
          or b_ij ← b_ij + ⟨û_{j|i}, v_j⟩     (Sabour et al.'s original routing)
    squash(s) = ‖s‖² / (k + ‖s‖²) · s / ‖s‖   (k = 1 in the original, k = 0.5 in the article)
    score_j = ‖v_j‖

Loss of both models, summed over the 10 classes: y·relu(0.9 − p)² + 0.25·(1 − y)·relu(p − 0.1)².
Images are (n, 1, H, W) tensors; the models have no fixed-size layer, so a 2H × W pair passes through.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

ROUTINGS = ("author", "original")
CLASSES = 10


# --------------------------------------------------------------------------- the capsule layer


def squash(s: Tensor, k: float = 0.5, eps: float = 1e-12) -> Tensor:
    """squash(s) = ‖s‖²/(k + ‖s‖²) · s/‖s‖ over the last axis (its norm is ‖s‖²/(k + ‖s‖²) < 1); eps keeps
    the gradient finite at s = 0."""
    norm2 = (s * s).sum(-1, keepdim=True)
    return norm2 / (k + norm2) * s / torch.sqrt(norm2 + eps)


def dynamic_routing(u_hat: Tensor, iterations: int, routing: str = "author", k: float = 0.5) -> tuple[Tensor, Tensor]:
    """Route û (batch, inputs i, outputs j, dim) to the output capsules v (batch, j, dim); also return the last
    coupling coefficients c (batch, i, j). `routing`: "author" sets b_ij = ⟨û_{j|i}, v_j⟩, "original" adds it."""
    if routing not in ROUTINGS:
        raise ValueError(f"unknown routing {routing!r}; expected one of {ROUTINGS}")
    b = torch.zeros(u_hat.shape[:3], dtype=u_hat.dtype, device=u_hat.device)
    for _ in range(iterations):
        c = torch.softmax(b, dim=2)  # over the output capsules j, for each input capsule i (brief, trap 3)
        s = torch.einsum("bij,bijd->bjd", c, u_hat)  # s_j = Σ_i c_ij û_{j|i}
        v = squash(s, k)
        agreement = torch.einsum("bijd,bjd->bij", u_hat, v)  # ⟨û_{j|i}, v_j⟩
        b = agreement if routing == "author" else b + agreement
    return v, c


class CapsuleLayer(nn.Module):
    """Shared-weight capsule layer: û_{j|i} = W_j u_i for every input capsule i, then dynamic routing."""

    def __init__(self, in_dim: int, capsules: int, dim: int, iterations: int, routing: str, k: float):
        super().__init__()
        if routing not in ROUTINGS:
            raise ValueError(f"unknown routing {routing!r}; expected one of {ROUTINGS}")
        # Glorot-uniform over (in_dim, capsules·dim), as the Keras code's 1×1 convolution kernel
        bound = (6 / (in_dim + capsules * dim)) ** 0.5
        self.weight = nn.Parameter(torch.empty(capsules, in_dim, dim).uniform_(-bound, bound))
        self.iterations, self.routing, self.k = iterations, routing, k

    def forward(self, u: Tensor) -> Tensor:
        """u (batch, inputs, in_dim) → v (batch, capsules, dim)."""
        u_hat = torch.einsum("bie,jed->bijd", u, self.weight)
        v, _ = dynamic_routing(u_hat, self.iterations, self.routing, self.k)
        return v


# --------------------------------------------------------------------------- the two models


def trunk(channels: Sequence[int]) -> nn.Sequential:
    """Conv(c1) → Conv(c2) → AvgPool 2×2 → Conv(c3) → Conv(c4), 3×3 kernels, valid padding, ReLU after each conv
    (the article: 64/64/128/128)."""
    c1, c2, c3, c4 = channels
    return nn.Sequential(
        nn.Conv2d(1, c1, 3),
        nn.ReLU(),
        nn.Conv2d(c1, c2, 3),
        nn.ReLU(),
        nn.AvgPool2d(2),
        nn.Conv2d(c2, c3, 3),
        nn.ReLU(),
        nn.Conv2d(c3, c4, 3),
        nn.ReLU(),
    )


class PoolingCNN(nn.Module):
    """Trunk → global average pooling → Dense(hidden, relu) → Dense(10, sigmoid): ten binary scores."""

    def __init__(self, channels: Sequence[int], hidden: int):
        super().__init__()
        self.trunk = trunk(channels)
        self.head = nn.Sequential(nn.Linear(channels[-1], hidden), nn.ReLU(), nn.Linear(hidden, CLASSES))

    def forward(self, x: Tensor) -> Tensor:
        features = self.trunk(x).mean(dim=(2, 3))  # global average pooling: any H × W
        return torch.sigmoid(self.head(features))


class CapsuleNet(nn.Module):
    """Trunk → the feature map as H·W input capsules of dimension c4 → 10 capsules → scores ‖v_j‖."""

    def __init__(self, channels: Sequence[int], dim: int, iterations: int, routing: str, k: float):
        super().__init__()
        self.trunk = trunk(channels)
        self.capsules = CapsuleLayer(channels[-1], CLASSES, dim, iterations, routing, k)

    def forward(self, x: Tensor) -> Tensor:
        u = self.trunk(x).flatten(2).transpose(1, 2)  # (batch, H·W, c4): one input capsule per position
        return self.capsules(u).norm(dim=-1)


def keras_init(module: nn.Module) -> None:
    """Glorot-uniform weights and zero biases, the Keras defaults of the article's code (torch's smaller default
    leaves this deep ReLU stack on the margin loss's plateau for the first epochs)."""
    if isinstance(module, nn.Conv2d | nn.Linear):
        nn.init.xavier_uniform_(module.weight)
        nn.init.zeros_(module.bias)


def build(model: dict) -> nn.Module:
    """A model from its settings: {"kind": "cnn", channels, hidden} or {"kind": "capsule", channels, dim,
    iterations, routing, squash_k}."""
    if model["kind"] == "cnn":
        net = PoolingCNN(model["channels"], model["hidden"])
    elif model["kind"] == "capsule":
        net = CapsuleNet(model["channels"], model["dim"], model["iterations"], model["routing"], model["squash_k"])
    else:
        raise ValueError(f"unknown model kind {model['kind']!r}; expected cnn or capsule")
    return net.apply(keras_init)


# --------------------------------------------------------------------------- loss, data, the pair test


def margin_loss(scores: Tensor, labels: Tensor) -> Tensor:
    """Σ_classes y·relu(0.9 − p)² + 0.25·(1 − y)·relu(p − 0.1)², mean over the batch; labels are class ids."""
    y = F.one_hot(labels, CLASSES).to(scores.dtype)
    per_class = y * F.relu(0.9 - scores) ** 2 + 0.25 * (1 - y) * F.relu(scores - 0.1) ** 2
    return per_class.sum(-1).mean()


def as_images(x: Tensor, crop: int) -> Tensor:
    """Flattened 28×28 images (n, 784) → (n, 1, 28 − 2·crop, 28 − 2·crop): `crop` border pixels removed per side
    (MNIST's digits sit in the central 20×20 box, so crop ≤ 4 keeps nearly all ink and saves CPU)."""
    images = x.reshape(-1, 1, 28, 28)
    return images[:, :, crop : 28 - crop, crop : 28 - crop].contiguous()


def make_pairs(x: Tensor, y: Tensor, seed: int) -> tuple[Tensor, Tensor]:
    """The article's two-digit set: each image stacked above a seeded permutation's partner along the height axis
    (n, 1, 2H, W), pairs of equal labels dropped; labels as sorted pairs (n, 2)."""
    partner = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    keep = y != y[partner]
    images = torch.cat([x[keep], x[partner][keep]], dim=2)  # dim 2 is the height of NCHW (brief, trap 1)
    labels = torch.sort(torch.stack([y[keep], y[partner][keep]], dim=1), dim=1).values
    return images, labels


def pair_scores(scores: Tensor, labels: Tensor, threshold: float = 0.5) -> dict:
    """Set accuracy of the two highest scores against the sorted label pair; "thresholded" also requires the
    second-highest score > threshold."""
    top = scores.topk(2, dim=1)
    predicted = torch.sort(top.indices, dim=1).values
    hit = (predicted == labels).all(dim=1)
    confident = top.values[:, 1] > threshold
    return {
        "set_accuracy": hit.double().mean().item(),
        "thresholded_accuracy": (hit & confident).double().mean().item(),
        "second_score_mean": top.values[:, 1].mean().item(),
        "pairs": len(labels),
    }


# --------------------------------------------------------------------------- arms and the claims' numbers

ARMS = {  # the compared models: kind, routing, squash constant (brief, trap 6: the variant is recorded)
    "cnn": {"kind": "cnn"},
    "capsule": {"kind": "capsule", "routing": "author", "squash_k": 0.5},
    "capsule_original_routing": {"kind": "capsule", "routing": "original", "squash_k": 0.5},
    "capsule_squash1": {"kind": "capsule", "routing": "author", "squash_k": 1.0},
}


def arm_model(arm: str, settings: dict) -> dict:
    """The build() settings of an arm from the shared model settings (channels, hidden, capsule_dim, iterations)."""
    spec = ARMS[arm]
    if spec["kind"] == "cnn":
        return {"kind": "cnn", "channels": settings["channels"], "hidden": settings["hidden"]}
    return {
        "kind": "capsule",
        "channels": settings["channels"],
        "dim": settings["capsule_dim"],
        "iterations": settings["iterations"],
        "routing": spec["routing"],
        "squash_k": spec["squash_k"],
    }


def arm_summaries(runs: list[dict]) -> dict:
    """Per arm, seeds in order: test accuracy, pair set and thresholded accuracy (lists and means), the
    seed-mean learning curve (the still-improving guards read it) and the parameter count."""
    out = {}
    for arm in [a for a in ARMS if any(r["arm"] == a for r in runs)]:
        mine = sorted((r for r in runs if r["arm"] == arm), key=lambda r: r["seed"])
        lists = {
            "test_accuracy": [r["test_accuracy"] for r in mine],
            "pair_set_accuracy": [r["pair"]["set_accuracy"] for r in mine],
            "pair_thresholded_accuracy": [r["pair"]["thresholded_accuracy"] for r in mine],
        }
        curves = torch.tensor([r["curves"]["curve_accuracy"] for r in mine], dtype=torch.float64)
        out[arm] = {
            "seeds": [r["seed"] for r in mine],
            "variant": {k: v for k, v in mine[0]["model"].items() if k in ("kind", "routing", "squash_k")},
            "parameters": mine[0]["parameters"],
            "pairs": mine[0]["pair"]["pairs"],
            **lists,
            **{f"mean_{k}": sum(v) / len(v) for k, v in lists.items()},
            "curve": curves.mean(0).tolist(),
        }
    return out


def claim_numbers(arms: dict, parity_threshold: float, pair: dict) -> dict:
    """The numbers the registry's rules read. `pair` holds the brief's thresholds (claims.yaml: parameters of
    pair_generalisation). Margins are ≥ 0 exactly when the brief's conditions hold: pair.strict_margin for
    "reproduced" (Capsule ≥ capsule_min on both metrics, CNN ≤ cnn_set_max plain and ≤ cnn_thresholded_max
    thresholded), pair.partial_margin for "partially" (Capsule ≥ partial_capsule_min on both, ahead of the CNN by
    ≥ partial_lead on both)."""
    out = {}
    if "cnn" in arms and "capsule" in arms:
        cnn, capsule = arms["cnn"], arms["capsule"]
        lowest = min(cnn["mean_test_accuracy"], capsule["mean_test_accuracy"])
        out["parity"] = {
            "cnn": cnn["mean_test_accuracy"],
            "capsule": capsule["mean_test_accuracy"],
            "min_test_accuracy": lowest,
            "threshold": parity_threshold,
            "margin": lowest - parity_threshold,
        }
        c_set, c_thr = capsule["mean_pair_set_accuracy"], capsule["mean_pair_thresholded_accuracy"]
        n_set, n_thr = cnn["mean_pair_set_accuracy"], cnn["mean_pair_thresholded_accuracy"]
        out["pair"] = {
            "capsule_set": c_set,
            "capsule_thresholded": c_thr,
            "cnn_set": n_set,
            "cnn_thresholded": n_thr,
            "strict_margin": min(
                c_set - pair["capsule_min"],
                c_thr - pair["capsule_min"],
                pair["cnn_set_max"] - n_set,
                pair["cnn_thresholded_max"] - n_thr,
            ),
            "partial_margin": min(
                c_set - pair["partial_capsule_min"],
                c_thr - pair["partial_capsule_min"],
                c_set - n_set - pair["partial_lead"],
                c_thr - n_thr - pair["partial_lead"],
            ),
        }
    if "capsule" in arms and "capsule_original_routing" in arms:
        a, b = arms["capsule"], arms["capsule_original_routing"]
        out["routing"] = {
            f"{name}_gap_points": 100 * abs(a[f"mean_{name}"] - b[f"mean_{name}"])
            for name in ("test_accuracy", "pair_set_accuracy", "pair_thresholded_accuracy")
        }
    if "capsule" in arms and "capsule_squash1" in arms and arms["capsule"]["seeds"] == arms["capsule_squash1"]["seeds"]:
        half, one = arms["capsule"], arms["capsule_squash1"]
        out["squash"] = {
            "pair_set_half": half["mean_pair_set_accuracy"],
            "pair_set_one": one["mean_pair_set_accuracy"],
            "pair_set_difference": half["mean_pair_set_accuracy"] - one["mean_pair_set_accuracy"],
            # paired by seed (the same initialisation seed and batch order): the seed-spread guard reads these
            "per_seed_difference": [
                h - o for h, o in zip(half["pair_set_accuracy"], one["pair_set_accuracy"], strict=True)
            ],
            "test_difference_points": 100 * (half["mean_test_accuracy"] - one["mean_test_accuracy"]),
        }
    return out
