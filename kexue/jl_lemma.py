"""Johnson–Lindenstrauss lemma checks (claims C5.1–C5.7), all Monte Carlo with numpy.

Su's theory article (kexue.fm/archives/8679) proves the unit-norm and orthogonality lemmas and the
JL bound n > 24·ln N/ε²; the applications article (kexue.fm/archives/8706) uses it for LSH by sign
codes and for randomised SVD. Each function takes an explicit `rng` (np.random.Generator) and
returns plain Python numbers so results serialise to JSON.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.stats import spearmanr

_BATCH_ELEMENTS = 1 << 22  # ≈ 32 MB of float64 per Monte-Carlo batch


# --------------------------------------------------------------------------- lemmas (C5.1, C5.2)


def _check_eps(eps: float) -> None:
    if not 0.0 < eps < 1.0:
        raise ValueError(f"the JL lemmas need 0 < eps < 1, got {eps}")


def unit_norm_bound(n: int, eps: float) -> float:
    """P(|‖u‖² − 1| ≥ ε) ≤ 2·exp(−ε²n/8) for u ~ N(0, I/n); raw value, may exceed 1."""
    _check_eps(eps)
    return 2.0 * math.exp(-eps * eps * n / 8.0)


def orthogonality_bound(n: int, eps: float) -> float:
    """P(|⟨u, v⟩| ≥ ε) ≤ 4·exp(−ε²n/8) for independent u, v ~ N(0, I/n); may exceed 1."""
    _check_eps(eps)
    return 4.0 * math.exp(-eps * eps * n / 8.0)


def _batches(draws: int, n: int):
    """Batch sizes summing to `draws`, so a batch of n-vectors stays near _BATCH_ELEMENTS."""
    size = max(1, _BATCH_ELEMENTS // max(n, 1))
    for start in range(0, draws, size):
        yield min(size, draws - start)


def _proportion(hits: int, draws: int) -> tuple[float, float]:
    """p̂ = hits/draws and its binomial standard error √(p̂(1−p̂)/draws)."""
    p = hits / draws
    return p, math.sqrt(p * (1.0 - p) / draws)


def unit_norm_tail(n: int, eps: float, draws: int, rng: np.random.Generator) -> tuple[float, float]:
    """Monte-Carlo P(|‖u‖² − 1| ≥ ε), u with i.i.d. N(0, 1/n) entries: (p̂, SE)."""
    hits = 0
    for size in _batches(draws, n):
        z = rng.standard_normal((size, n))
        squared_norm = np.einsum("ij,ij->i", z, z) / n
        hits += int(np.count_nonzero(np.abs(squared_norm - 1.0) >= eps))
    return _proportion(hits, draws)


def orthogonality_tail(n: int, eps: float, draws: int, rng: np.random.Generator) -> tuple[float, float]:
    """Monte-Carlo P(|⟨u, v⟩| ≥ ε), u, v independent with i.i.d. N(0, 1/n) entries: (p̂, SE)."""
    hits = 0
    for size in _batches(draws, 2 * n):
        inner = np.einsum("ij,ij->i", rng.standard_normal((size, n)), rng.standard_normal((size, n))) / n
        hits += int(np.count_nonzero(np.abs(inner) >= eps))
    return _proportion(hits, draws)


# --------------------------------------------------------------------------- JL (C5.3–C5.5)


def jl_dimension(N: int, eps: float, constant: float = 24.0) -> int:
    """n = ⌈constant·ln N/ε²⌉: the JL dimension (24 for probability ≥ (N−1)/N, 16 for ≥ 1/N)."""
    _check_eps(eps)
    return math.ceil(constant * math.log(N) / (eps * eps))


def gaussian_points(N: int, m: int, rng: np.random.Generator, unit: bool = False) -> np.ndarray:
    """N points v_i ∈ ℝ^m with i.i.d. N(0, 1) entries; rows scaled to ‖v_i‖ = 1 when `unit`."""
    points = rng.standard_normal((N, m))
    if unit:
        points /= np.linalg.norm(points, axis=1, keepdims=True)
    return points


def _squared_distances(gram: np.ndarray) -> np.ndarray:
    """‖x_i − x_j‖² = ‖x_i‖² + ‖x_j‖² − 2⟨x_i, x_j⟩, from the Gram matrix (N×N, no N²×m tensor)."""
    norms = np.diag(gram).copy()
    distances = gram * -2.0
    distances += norms[:, None]
    distances += norms[None, :]
    return distances


def _reference(points: np.ndarray, inner: bool) -> np.ndarray:
    """What projected pairs are compared with: ⟨v_i, v_j⟩, or ‖v_i − v_j‖² (diagonal set to 1)."""
    gram = points @ points.T
    if inner:
        return gram
    distances = _squared_distances(gram)
    np.fill_diagonal(distances, 1.0)  # i = j is excluded below; avoids 0/0
    return distances


def _deviation(reference: np.ndarray, projected: np.ndarray, inner: bool) -> float:
    """max_{i<j} |⟨Av_i, Av_j⟩ − ⟨v_i, v_j⟩|, or max_{i<j} |‖Av_i − Av_j‖²/‖v_i − v_j‖² − 1|."""
    gram = projected @ projected.T
    if inner:
        gram -= reference
    else:
        gram = _squared_distances(gram)
        gram /= reference
        gram -= 1.0
    np.fill_diagonal(gram, 0.0)  # both matrices are symmetric, so max over i≠j = max over i<j
    return float(np.abs(gram, out=gram).max())


def max_distortion(points: np.ndarray, A: np.ndarray, inner: bool = False) -> float:
    """max_{i<j} |‖A(v_i − v_j)‖²/‖v_i − v_j‖² − 1|, or |⟨Av_i, Av_j⟩ − ⟨v_i, v_j⟩| when `inner`.

    Points must be distinct for the distance version. Memory is O(N²) (Gram matrices, float64).
    """
    points = np.asarray(points, dtype=np.float64)
    return _deviation(_reference(points, inner), points @ np.asarray(A, np.float64).T, inner)


def _draw_seeds(draws: int, rng: np.random.Generator) -> list[int]:
    return [int(s) for s in rng.integers(0, 2**63, size=draws)]


def _projection(seed: int, n: int, m: int) -> np.ndarray:
    """A ∈ ℝ^{n×m} with i.i.d. N(0, 1/n) entries, drawn from its own seed.

    numpy fills row by row, so the matrices for n < n' share their first n rows (common random
    numbers): the success of a draw then changes with n only through n, not through new noise,
    and success_count(…, n, …, same rng) replays exactly the draws empirical_threshold saw at n.
    """
    return np.random.default_rng(seed).standard_normal((n, m)) / math.sqrt(n)


def _distortions(points: np.ndarray, n: int, seeds: list[int], inner: bool):
    """Max distortion of each draw A_s (s in seeds), lazily, so callers can stop early."""
    points = np.asarray(points, dtype=np.float64)
    reference = _reference(points, inner)
    for seed in seeds:
        yield _deviation(reference, points @ _projection(seed, n, points.shape[1]).T, inner)


def success_count(
    points: np.ndarray, n: int, eps: float, draws: int, rng: np.random.Generator, inner: bool = False
) -> tuple[int, float]:
    """Draws (fresh A ~ N(0, 1/n) each) with ALL pairs within ε, and the median max distortion.

    JL promises success with probability ≥ (N−1)/N (distances) or (N−2)/N (inner products)
    once n ≥ 24·ln N/ε².
    """
    worst = list(_distortions(points, n, _draw_seeds(draws, rng), inner))
    return sum(d <= eps for d in worst), float(np.median(worst))


def _smallest_passing(passes: Callable[[int], bool], n_max: int) -> int:
    """Smallest n in [1, n_max] with passes(n), by bisection; n_max + 1 if passes(n_max) fails.

    Bisection assumes passes is monotone (false below a threshold, true from it on). It calls
    passes at most ⌈log₂(n_max + 1)⌉ times and evaluates n_max only if everything below fails.
    """
    failing, passing = 0, n_max + 1  # sentinels, never evaluated
    while passing - failing > 1:
        middle = (failing + passing) // 2
        if passes(middle):
            passing = middle
        else:
            failing = middle
    return passing


def empirical_threshold(
    points: np.ndarray, eps: float, draws: int, rng: np.random.Generator, n_max: int, inner: bool = False
) -> int:
    """Smallest n ≤ n_max at which all `draws` draws of A keep every pair within ε (C5.5).

    Bisection over n assumes success is monotone in n; the same per-draw seeds are used for
    every n (see _projection), which makes that assumption close to true. Returns n_max + 1
    when even n_max fails, so "returned n > n_max" means "not found below the bound".
    success_count(points, n, eps, draws, rng') with rng' in the state rng had on entry
    reproduces the draws behind the returned n exactly.
    """
    seeds = _draw_seeds(draws, rng)
    return _smallest_passing(lambda n: all(d <= eps for d in _distortions(points, n, seeds, inner)), n_max)


# --------------------------------------------------------------------------- LSH (C5.6)


def sign_cosine(theta: float, n: int, pairs: int, rng: np.random.Generator) -> float:
    """E[cos(sign(Au), sign(Av))] at angle θ: equals 1 − 2θ/π for Gaussian A (not cos θ).

    A Gaussian A is rotation invariant, so only the plane of u and v matters: u = e1 and
    v = cos θ·e1 + sin θ·e2 in ℝ² give the same law as any pair at angle θ in ℝ^m, at a cost
    of 2 columns instead of m. The scale of A does not change signs, so A ~ N(0, 1).
    """
    columns = rng.standard_normal((pairs, n, 2))
    Au = columns[..., 0]
    Av = math.cos(theta) * columns[..., 0] + math.sin(theta) * columns[..., 1]
    # cos of two ±1 vectors = (1/n)·Σ sign·sign = 2·(fraction of equal signs) − 1
    agree = np.mean(np.signbit(Au) == np.signbit(Av), axis=1)
    return float(np.mean(2.0 * agree - 1.0))


def lsh_curve(thetas, n: int, pairs: int, rng: np.random.Generator) -> dict:
    """sign_cosine(θ) on a grid, against the article's cos θ and the exact 1 − 2θ/π."""
    theta = np.asarray(thetas, dtype=np.float64)
    observed = np.array([sign_cosine(t, n, pairs, rng) for t in theta])
    linear = 1.0 - 2.0 * theta / math.pi
    gap_cos = np.abs(observed - np.cos(theta))
    return {
        "theta": theta.tolist(),
        "sign_cosine": observed.tolist(),
        "one_minus_2theta_over_pi": linear.tolist(),
        "cos_theta": np.cos(theta).tolist(),
        "max_gap_cos": float(gap_cos.max()),
        "max_gap_linear": float(np.abs(observed - linear).max()),
        "theta_at_max_gap_cos": float(theta[np.argmax(gap_cos)]),
        "spearman_theta": float(spearmanr(theta, observed).statistic),
    }


# --------------------------------------------------------------------------- randomised SVD (C5.7)


def low_rank_matrix(rows: int, cols: int, rank: int, rng: np.random.Generator) -> np.ndarray:
    """M = G₁G₂ with G₁ ∈ ℝ^{rows×rank}, G₂ ∈ ℝ^{rank×cols} i.i.d. N(0, 1): rank exactly `rank`."""
    return rng.standard_normal((rows, rank)) @ rng.standard_normal((rank, cols))


def _relative_residual(M: np.ndarray, Q: np.ndarray) -> float:
    """‖M − MQQᵀ‖_F / ‖M‖_F."""
    return float(np.linalg.norm(M - (M @ Q) @ Q.T) / np.linalg.norm(M))


def randomized_svd_check(M: np.ndarray, k: int, rank: int, rng: np.random.Generator) -> dict:
    """Test M ≈ MQQᵀ for Q ∈ ℝ^{n×k} i.i.d. N(0, 1/k) (E[QQᵀ] = I), and what holds instead.

    M is rows×n. The article's reconstruction U_B Σ_B (QV_B)ᵀ with B = MQ equals MQQᵀ exactly,
    so literal_error covers it. QQᵀ has rank k < n, so the error is ≈ √(n/k) (exactly
    E‖M(I − QQᵀ)‖²_F = (n+1)/k·‖M‖²_F); QR gives a random rank-k projection, error ≈ √(1 − k/n).
    JL does give (MQ)(MQ)ᵀ ≈ MMᵀ, hence σ_B ≈ σ_M and U_B ≈ U_M; Halko's Q = orth(MᵀΩ)
    spans the row space of M when rank ≤ k, so its error is at rounding level.
    """
    rows, n = M.shape
    if not rank <= min(k, rows):
        raise ValueError("need rank ≤ min(k, rows)")
    Q = rng.standard_normal((n, k)) / math.sqrt(k)
    B = M @ Q
    U_M, sigma_M, _ = np.linalg.svd(M, full_matrices=False)
    U_B, sigma_B, _ = np.linalg.svd(B, full_matrices=False)
    overlap = np.linalg.norm(U_M[:, :rank].T @ U_B[:, :rank]) ** 2 / rank
    omega = rng.standard_normal((rows, k))
    return {
        "literal_error": _relative_residual(M, Q),
        "literal_error_qr": _relative_residual(M, np.linalg.qr(Q)[0]),
        "sigma_ratios": (sigma_B[:rank] / sigma_M[:rank]).tolist(),
        "subspace_overlap": float(overlap),
        "halko_error": _relative_residual(M, np.linalg.qr(M.T @ omega)[0]),
        "sqrt_n_over_k": math.sqrt(n / k),
    }
