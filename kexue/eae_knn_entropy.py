"""EAE: autoencoder + BN + maximum entropy = generative model, and the k-NN entropy estimator (kexue.fm 7343;
Ghose, Rashwan & Poupart, UAI 2020).

The Kozachenko–Leonenko estimator of the differential entropy of n samples z_i ∈ R^d,

    Ĥ(Z) = (d/n) Σ_i log ε_k(i) + log B_d + ψ(n) − ψ(k),      B_d = π^{d/2} / Γ(d/2 + 1)

with ε_k(i) the distance from z_i to its k-th nearest neighbour and B_d the volume of the unit ball; for
k = 1 the article writes ψ(n) − ψ(1) ≈ log(n − 1) + γ. It rests on

    ∫₀¹ (n−1)·C(n−2, k−1)·P^{k−1}(1−P)^{n−k−1}·log P dP = ψ(k) − ψ(n)

(the expected log of the ball mass P(ε_k)) and on ψ(1) = −γ, ψ(n) = Σ_{m=1}^{n−1} 1/m − γ.

The EAE: codes z = BN(E(x)) (BatchNorm without γ, β: mean 0, variance 1 per dimension), loss
‖x − D(z)‖² − λ·Ĥ(z) over each minibatch. Among distributions with those moments N(0, I) has the largest
entropy, so the entropy term pushes the codes toward N(0, I) and z ~ N(0, I) can be decoded. The model and
the loop are THE shared autoencoders of kexue/autoencoder.py; this module adds the entropy term.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.integrate
import scipy.special
import torch
from sklearn.neighbors import NearestNeighbors
from torch import Tensor

from kexue import autoencoder as ae

EULER_GAMMA = float(np.euler_gamma)
DISTANCE_FLOOR = 1e-8  # log ε has an infinite gradient where two codes coincide (brief, trap)


# --------------------------------------------------------------------------- the estimator


def log_unit_ball_volume(d: int) -> float:
    """log B_d = (d/2) log π − log Γ(d/2 + 1)."""
    return 0.5 * d * math.log(math.pi) - math.lgamma(0.5 * d + 1)


def neighbour_distances(z: np.ndarray, k: int) -> np.ndarray:
    """(n, k): column j − 1 holds ε_j(i), the exact Euclidean distance from z_i to its j-th nearest other
    sample (scikit-learn; both searches are exact: a k-d tree in ≤ 3 dimensions, brute force beyond, where
    trees are slower)."""
    nn = NearestNeighbors(n_neighbors=k + 1, algorithm="kd_tree" if z.shape[1] <= 3 else "brute").fit(z)
    distances, _ = nn.kneighbors(z)
    return distances[:, 1:]  # column 0 is z_i itself


def entropy_from_distances(eps: np.ndarray, d: int, k: int) -> float:
    """Ĥ(Z) = (d/n) Σ log ε_k(i) + log B_d + ψ(n) − ψ(k), in nats (scipy's digamma, not log(n − 1))."""
    n = len(eps)
    return float(d * np.log(eps).mean() + log_unit_ball_volume(d) + scipy.special.digamma(n) - scipy.special.digamma(k))


def knn_entropy(z: np.ndarray, k: int) -> float:
    """Ĥ(Z) of the samples z (n, d) with the k-th neighbour distances."""
    z = np.asarray(z, dtype=np.float64).reshape(len(z), -1)
    return entropy_from_distances(neighbour_distances(z, k)[:, k - 1], z.shape[1], k)


def knn_entropy_k1_article(z: np.ndarray) -> float:
    """The article's k = 1 form: (d/n) Σ log ε(i) + log B_d + log(n − 1) + γ (ψ(n) replaced by log(n − 1))."""
    z = np.asarray(z, dtype=np.float64).reshape(len(z), -1)
    n, d = z.shape
    eps = neighbour_distances(z, 1)[:, 0]
    return float(d * np.log(eps).mean() + log_unit_ball_volume(d) + math.log(n - 1) + EULER_GAMMA)


def knn_entropy_torch(z: Tensor, k: int, floor: float = DISTANCE_FLOOR) -> Tensor:
    """The same estimator on a minibatch of codes, differentiable: distances by torch.cdist, ε floored at
    `floor`. Only Σ log ε_k(i) depends on the parameters; ψ(n) − ψ(k) and log B_d are constants at fixed n."""
    n, d = z.shape
    distances = torch.cdist(z, z)
    distances = distances + torch.diag(torch.full((n,), math.inf, dtype=z.dtype))  # no self-neighbour
    eps = distances.kthvalue(k, dim=1).values.clamp_min(floor)
    constant = log_unit_ball_volume(d) + float(scipy.special.digamma(n) - scipy.special.digamma(k))
    return d * eps.log().mean() + constant


def gaussian_entropy(d: int, variance: float = 1.0) -> float:
    """H(N(0, v I_d)) = ½ d log(2πe v)."""
    return 0.5 * d * math.log(2 * math.pi * math.e * variance)


# --------------------------------------------------------------------------- the identities


def beta_integral(n: int, k: int) -> float:
    """∫₀¹ (n−1)·C(n−2, k−1)·P^{k−1}(1−P)^{n−k−1}·log P dP by adaptive quadrature (scipy.integrate.quad).

    The weight is the Beta(k, n − k) density; it is evaluated in log space (lgamma, log1p) so that large n
    does not overflow, and the interval is split where that density has its mass (around k/n)."""
    if not 1 <= k <= n - 1:
        raise ValueError(f"the k-th neighbour among n − 1 others needs 1 ≤ k ≤ n − 1 (n = {n}, k = {k})")
    log_norm = math.lgamma(n) - math.lgamma(k) - math.lgamma(n - k)  # (n−1)·C(n−2, k−1) = 1/B(k, n−k)

    def integrand(p: float) -> float:
        if p <= 0.0:
            return 0.0 if k > 1 else -math.inf
        return math.exp(log_norm + (k - 1) * math.log(p) + (n - k - 1) * math.log1p(-p)) * math.log(p)

    mode = k / n
    cuts = sorted({0.0, *(min(c * mode, 1.0) for c in (0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 20.0)), 1.0})
    return float(
        sum(
            scipy.integrate.quad(integrand, a, b, limit=200, epsabs=1e-14, epsrel=1e-13)[0]
            for a, b in zip(cuts[:-1], cuts[1:], strict=True)
            if b > a
        )
    )


def digamma_by_harmonic(n: int) -> float:
    """ψ(n) = Σ_{m=1}^{n−1} 1/m − γ (math.fsum: exact to rounding)."""
    return math.fsum(1.0 / m for m in range(1, n)) - EULER_GAMMA


# --------------------------------------------------------------------------- the EAE


def entropy_regulariser(weight: float, k: int, floor: float = DISTANCE_FLOOR) -> ae.Regulariser:
    """−λ·Ĥ(z) over the minibatch codes z = BN(E(x)) (BN in training mode: the batch's own statistics)."""
    return lambda code, z: -weight * knn_entropy_torch(z, k, floor)


def regulariser(kind: str, weight: float, k: int) -> ae.Regulariser | None:
    """The loss term of each model of this article: the shared ones (ae, vae), the entropy term for the EAE
    (kind "bn"; λ = 0 is the BN autoencoder without it)."""
    if kind == "bn":
        return entropy_regulariser(weight, k) if weight > 0 else None
    return ae.standard_regulariser(kind, weight)


def eae_models(weights) -> dict[str, tuple[str, float]]:
    """name → (kind, weight) of one EAE per λ ("eae_0", "eae_0.01", …): what this article trains itself."""
    return {f"eae_{w:g}": ("bn", float(w)) for w in weights}


def model_names(weights) -> dict[str, tuple[str, float]]:
    """name → (kind, weight): ae and vae (ae.BASELINES, trained by vae_geometry's rule and read here), and
    one EAE per λ."""
    return dict(ae.BASELINES) | eae_models(weights)


def is_decreasing(values) -> bool:
    """Strictly decreasing along the list."""
    return all(b < a for a, b in zip(values[:-1], values[1:], strict=True))
