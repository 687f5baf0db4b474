"""How to train your accuracy? A critique of EXACT (kexue.fm/archives/9098).

- The paper's toy example: data {(−0.25, −1), (0, −1), (0.25, +1)}, f(x) = k(x − b), prediction sign f;
  sigmoid cross-entropy and hinge loss over b, with k = 1 (no temperature) and with k trainable.
- EXACT's smooth accuracy p(y|x) = P[y = argmax(μ/σ + ε)], ε ~ N(0, I), as the 1-D integral
  p_y = ∫ φ(e) Π_{j≠y} Φ((μ_y − μ_j)/σ + e) de, by the quantile rule: K nodes e_k = Φ⁻¹(k/(K + 1)), weights 1/K,
  the product taken directly (see exact_probability).
- The three losses on one network with a vector head μ(x) and a scalar head σ(x) > 0:
  CE −log softmax(μ)_y; EXACT −mean_batch p; EXACT-log −log mean_batch p (the mean over the minibatch inside the
  log: brief, trap 1); and a variant of ours, EXACT with σ ≡ 1 (the σ head collapses under plain EXACT).
- CE's first-order argument: −log p = (1 − p) + (1 − p)²/2 + …, so for p → 1 it optimises the smooth accuracy.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from scipy.optimize import minimize
from scipy.stats import norm, ttest_ind
from torch import Tensor, nn

from kexue import classify

TOY_X = np.array([-0.25, 0.0, 0.25])
TOY_Y = np.array([-1.0, -1.0, 1.0])
LOSSES = ("ce", "exact", "exact_log", "exact_sigma1")


# --------------------------------------------------------------------------- the toy example


def toy_ce(b, k: float = 1.0, x=TOY_X, y=TOY_Y) -> np.ndarray:
    """Σ log(1 + e^{−y·k(x − b)}), for an array of b."""
    b = np.asarray(b, dtype=float)[..., None]
    return np.logaddexp(0.0, -y * k * (x - b)).sum(-1)


def toy_hinge(b, k: float = 1.0, x=TOY_X, y=TOY_Y) -> np.ndarray:
    """Σ max(0, 1 − y·k(x − b)), for an array of b."""
    b = np.asarray(b, dtype=float)[..., None]
    return np.maximum(0.0, 1.0 - y * k * (x - b)).sum(-1)


def toy_accuracy(b, k: float = 1.0) -> np.ndarray:
    b = np.asarray(b, dtype=float)[..., None]
    return (np.sign(k * (TOY_X - b)) == TOY_Y).mean(-1)


def minimiser_set(grid: np.ndarray, values: np.ndarray, tol: float = 1e-9) -> tuple[float, float]:
    """(lowest, highest) grid point whose value is within tol of the minimum (the set is an interval here)."""
    inside = grid[values <= values.min() + tol]
    return float(inside.min()), float(inside.max())


def toy_ce_with_temperature(k_max: float, starts=((1.0, 0.0), (1.0, 0.7), (10.0, 0.5))) -> dict:
    """Joint minimisation of CE over (k, b) with 0 ≤ k ≤ k_max (L-BFGS-B); the free optimum drifts to k → ∞
    with b → 0.125, so k is bounded (brief, trap 6). The best of a few starts."""

    def objective(z):
        return float(toy_ce(z[1], z[0]))

    results = [
        minimize(objective, np.array(start), method="L-BFGS-B", bounds=[(0.0, k_max), (-1.0, 2.0)]) for start in starts
    ]
    best = min(results, key=lambda r: r.fun)
    return {"k": float(best.x[0]), "b": float(best.x[1]), "loss": float(best.fun)}


# --------------------------------------------------------------------------- EXACT's smooth accuracy


def quantile_nodes(K: int) -> Tensor:
    """e_k = Φ⁻¹(k/(K + 1)), k = 1…K: equal-weight nodes of the standard normal."""
    return torch.from_numpy(norm.ppf(np.arange(1, K + 1) / (K + 1)))


def normal_cdf(z: Tensor) -> Tensor:
    """Φ(z) = erfc(−z/√2)/2 (erfc is several times faster than log_ndtr on CPU, and its gradient φ(z) never
    divides 0 by 0 where Φ underflows)."""
    return 0.5 * torch.erfc(-z / math.sqrt(2.0))


def exact_probability(mu: Tensor, sigma: Tensor, y: Tensor, nodes: Tensor) -> Tensor:
    """p(y|x) = (1/K) Σ_k Π_{j≠y} Φ((μ_y − μ_j)/σ + e_k), per sample.

    The product is taken directly rather than in log space: p is an average of the products, so a product
    that underflows (< 1e-38 in float32) changes p by less than that; and unlike log_ndtr's gradient φ/Φ,
    Φ's gradient φ has no 0/0 for confidently wrong samples."""
    margin = (mu.gather(1, y[:, None]) - mu) / sigma  # (n, C)
    z = margin.unsqueeze(-1) + nodes.to(mu.dtype)  # (n, C, K)
    phi = normal_cdf(z).masked_fill(F.one_hot(y, mu.shape[1]).bool().unsqueeze(-1), 1.0)  # the j = y factor is 1
    return phi.prod(1).mean(-1)


class MuSigma(nn.Module):
    """An MLP trunk with a vector head μ(x) ∈ R^C and a scalar head σ(x) = softplus(·) + 1e-3 > 0.

    At initialisation σ ≈ 1 (the σ head's weights are zero and its bias solves softplus(b) + 1e-3 = 1) and μ is
    small (its weights scaled by `mu_scale`): a tiny σ would make p nearly 0/1 and EXACT's gradient vanish
    (brief, trap 2). CE uses μ only."""

    def __init__(self, widths, classes: int, mu_scale: float = 0.1):
        super().__init__()
        self.trunk = nn.Sequential(classify.mlp(widths), nn.ReLU())
        self.mu = nn.Linear(widths[-1], classes)
        self.sigma = nn.Linear(widths[-1], 1)
        with torch.no_grad():
            self.mu.weight.mul_(mu_scale)
            self.mu.bias.zero_()
            self.sigma.weight.zero_()
            self.sigma.bias.fill_(math.log(math.expm1(1.0 - 1e-3)))

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        h = self.trunk(x)
        return self.mu(h), F.softplus(self.sigma(h)) + 1e-3


def make_loss(name: str, nodes: Tensor):
    """The loss on MuSigma's outputs (μ, σ) and integer labels."""
    if name == "ce":
        return lambda out, y: F.cross_entropy(out[0], y)
    if name == "exact":
        return lambda out, y: -exact_probability(out[0], out[1], y, nodes).mean()
    if name == "exact_log":
        return lambda out, y: -torch.log(exact_probability(out[0], out[1], y, nodes).mean())
    if name == "exact_sigma1":  # a variant of ours, not the paper's: σ ≡ 1, so σ cannot collapse
        return lambda out, y: -exact_probability(out[0], torch.ones_like(out[1]), y, nodes).mean()
    raise ValueError(f"unknown loss {name!r}; expected one of {LOSSES}")


def mu_scores(out) -> Tensor:
    """Predictions from argmax μ (= argmax μ/σ, EXACT's rule, since σ > 0; brief, trap 5)."""
    return out[0]


# --------------------------------------------------------------------------- CE's first-order argument


def first_order_gap(p: Tensor, threshold: float = 0.9) -> tuple[float, float]:
    """(share of samples with p ≥ threshold, mean of |−log p − (1 − p)| / (1 − p) over them); p = 1 exactly
    has the limit 0."""
    p = p.double()
    high = p[p >= threshold]
    if len(high) == 0:
        return 0.0, math.nan
    one_minus = 1 - high
    ratio = torch.where(one_minus > 0, (-torch.log(high) - one_minus).abs() / one_minus, torch.zeros_like(high))
    return len(high) / len(p), ratio.mean().item()


def softmax_target_probability(model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
    mu, _ = classify.predict(model, x)
    return torch.softmax(mu.double(), dim=1).gather(1, y[:, None]).squeeze(1)


# --------------------------------------------------------------------------- comparisons over seeds


def welch(a, b) -> dict:
    """One-sided Welch t-tests both ways for the means of a and b (independent seeds)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    greater = ttest_ind(a, b, equal_var=False, alternative="greater").pvalue
    less = ttest_ind(a, b, equal_var=False, alternative="less").pvalue
    return {
        "difference": float(a.mean() - b.mean()),
        "p_first_better": float(greater),
        "p_second_better": float(less),
        "min_one_sided_p": float(min(greater, less)),
    }
