"""Hubness in high dimensions (kexue.fm/archives/9147): the ball's vanishing share of its cube, and the
k-occurrence N_k(x) (how often x is among the k nearest neighbours of the other points) growing skewed
with the dimension, its hubs near the centre.

Every function takes an explicit `rng` where it draws, and returns plain numbers or numpy arrays.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import gammaln
from scipy.stats import skew, spearmanr
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

# --------------------------------------------------------------------------- ball vs cube


def ball_cube_ratio(n: int) -> float:
    """V_n / 2^n = π^{n/2} / (Γ(n/2 + 1)·2^n): the unit n-ball's share of its bounding cube [−1, 1]^n."""
    return math.exp(0.5 * n * math.log(math.pi) - gammaln(0.5 * n + 1.0) - n * math.log(2.0))


def ball_acceptance(n: int, draws: int, rng: np.random.Generator, batch: int = 200_000) -> tuple[float, float]:
    """Monte Carlo of the same share: the fraction of uniform cube points with ‖x‖ ≤ 1, and its binomial SE."""
    hits = 0
    for start in range(0, draws, batch):
        x = rng.uniform(-1.0, 1.0, size=(min(batch, draws - start), n))
        hits += int(np.count_nonzero(np.einsum("ij,ij->i", x, x) <= 1.0))
    p = hits / draws
    return p, math.sqrt(p * (1.0 - p) / draws)


# --------------------------------------------------------------------------- k-occurrence


def neighbour_lists(x: np.ndarray, k: int, metric: str = "euclidean") -> np.ndarray:
    """Each point's k nearest neighbours, itself excluded, by exact search (scikit-learn brute force).

    With exact duplicates the point itself need not come first among its k + 1 nearest; we drop its own
    index wherever it appears, else (a duplicate took its place at distance 0) the last of the k + 1."""
    search = NearestNeighbors(n_neighbors=k + 1, algorithm="brute", metric=metric).fit(x)
    _, idx = search.kneighbors(x)
    own = idx == np.arange(len(x))[:, None]
    # rows without their own index: drop the (k+1)-th, so that every row keeps exactly k neighbours
    own[~own.any(axis=1), -1] = True
    return idx[~own].reshape(len(x), k)


def k_occurrence(x: np.ndarray, k: int, metric: str = "euclidean") -> np.ndarray:
    """N_k(x_j) = #{i ≠ j : x_j is among the k nearest neighbours of x_i}; Σ_j N_k = N·k."""
    return np.bincount(neighbour_lists(x, k, metric).ravel(), minlength=len(x))


def duplicate_count(x: np.ndarray) -> int:
    """Rows that repeat an earlier row exactly (ties the k-NN search must break)."""
    return len(x) - len(np.unique(x, axis=0))


def hub_statistics(counts: np.ndarray, x: np.ndarray) -> dict:
    """Skewness, max and anti-hub share of N_k, and its Spearman correlation with the distance to the
    sample mean (negative: points nearer the centre are picked more often)."""
    distance = np.linalg.norm(x - x.mean(axis=0), axis=1)
    rho, p = spearmanr(counts, distance)
    return {
        "skewness": float(skew(counts)),
        "max": int(counts.max()),
        "antihub_fraction": float(np.mean(counts == 0)),
        "rho_centre": float(rho),
        "p_centre": float(p),
    }


def sample(distribution: str, n_points: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """i.i.d. N(0, I_d) or uniform on the cube [−1, 1]^d."""
    if distribution == "gaussian":
        return rng.standard_normal((n_points, d))
    if distribution == "uniform":
        return rng.uniform(-1.0, 1.0, size=(n_points, d))
    raise ValueError(f"unknown distribution {distribution!r}: use 'gaussian' or 'uniform'")


def pca(x: np.ndarray, dims: int, seed: int) -> np.ndarray:
    """Projection on the leading `dims` principal components (lowers the intrinsic dimension)."""
    return PCA(n_components=dims, random_state=seed).fit_transform(x)
