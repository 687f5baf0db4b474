"""Word-vector dimension formula n > 8.33 ln N (kexue.fm archives 7695 and 8711).

7695: with ||u|| = ||v|| = sqrt(n) the pair entropy is H ~ 2 ln N + h_n, h_n ~ -0.24 n, so
H < 0 ("room to spare") once n > (2/0.24) ln N; 8711 applies it to attention head sizes.
E4a computes h_n in log space; E4b fits N x N targets with norm-constrained vectors.
"""

import math
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F
from scipy import stats
from scipy.optimize import brentq
from scipy.special import logsumexp, xlogy

GOLDEN = (1 + 5**0.5) / 2
ARTICLE_SLOPE = 0.24  # the article's rounded -h_n/n
ARTICLE_CONSTANT = 8.33  # 2 / 0.24 = 8.333, as quoted
DEFAULT_GRID = (2, 4, 8, 12, 16, 24, 32, 48, 64)
TARGET_KINDS = ("permutation", "two_columns")


# --- E4a: h_n and the thresholds ---------------------------------------------------------


@lru_cache(maxsize=4)
def _theta_grid(points: int):
    """Trapezoid grid on [0, pi]: log weights, sin(theta), cos(theta)."""
    theta = np.linspace(0.0, math.pi, points)
    sin = np.sin(theta)
    sin[[0, -1]] = 0.0  # exact zeros, so log sin = -inf at both ends (T3)
    log_w = np.full(points, math.log(math.pi / (points - 1)))
    log_w[[0, -1]] -= math.log(2.0)  # trapezoid half-weights at the ends
    return log_w, sin, np.cos(theta)


def h_n(n: float, points: int = 400_001) -> float:
    """h_n = log E[e^{n cos t}] - E[n cos t e^{n cos t}] / E[e^{n cos t}], t ~ sin^{n-2} t."""
    log_w, sin, cos = _theta_grid(points)
    # xlogy: (n-2) log sin t, -inf at the ends, and 0 for n = 2 (uniform angle)
    log_density = log_w + xlogy(n - 2.0, sin)
    log_tilted = log_density + n * cos  # log of sin^{n-2} t e^{n cos t}, never overflows
    log_z = logsumexp(log_tilted)
    log_mean_exp = log_z - logsumexp(log_density)  # log E[e^{n cos t}]
    tilted_mean_cos = float(np.dot(np.exp(log_tilted - log_z), cos))
    return float(log_mean_exp - n * tilted_mean_cos)


def laplace_constants() -> dict:
    """Laplace method on f(t) = log sin t + cos t: f' = 0 at cos t* = sin^2 t*, i.e. cos t* = 1/phi."""
    theta_star = math.atan(math.sqrt(GOLDEN))  # tan^2 t* = 1/cos t* = phi
    cos_star = math.cos(theta_star)
    peak = math.log(math.sin(theta_star)) + cos_star  # = 1/phi - (1/2) ln phi
    curvature = math.sqrt(5) / 2  # -f''(t*)/2 = (phi + 1/phi)/2
    # h_n ~ n peak - n log sin(pi/2) - n cos t* = n log sin t* = -(1/2) n ln phi
    slope = 0.5 * math.log(GOLDEN)
    return {
        "theta_star": theta_star,
        "cos_theta_star": cos_star,
        "peak": peak,
        "curvature": curvature,
        "slope": slope,
        "constant": 2.0 / slope,
        # the article's prefactors: sqrt(pi/curvature) and sqrt(2 pi) (numerator, denominator)
        "prefactor_tilted": math.sqrt(math.pi / curvature),
        "prefactor_plain": math.sqrt(2 * math.pi),
    }


def entropy_estimate(n: float, N: float) -> float:
    """H ~ 2 ln N + h_n (sampling approximation of the pair entropy)."""
    return 2.0 * math.log(N) + h_n(n)


def formula_dimension(N: float, constant: float = ARTICLE_CONSTANT) -> float:
    """n = 8.33 ln N (natural log, T1)."""
    return constant * math.log(N)


def exact_threshold(N: float, points: int = 400_001) -> float:
    """Real n solving 2 ln N + h_n = 0 (the integral instead of the 0.24 slope)."""
    slope = laplace_constants()["slope"]
    # h_n/n decreases to -slope from below, so h_n < -slope n: f(hi) < 0; f(2) = 2 ln N - 0.57 > 0
    hi = 2.0 * math.log(N) / slope + 2.0
    return float(brentq(lambda n: 2.0 * math.log(N) + h_n(n, points), 2.0, hi, xtol=1e-8))


# --- E4b: capacity test ------------------------------------------------------------------


def target_matrix(N: int, kind: str, rng: torch.Generator) -> torch.Tensor:
    """Row-stochastic N x N target: one-hot permutation rows, or 1/2 on 2 random columns."""
    P = torch.zeros(N, N)
    if kind == "permutation":
        P[torch.arange(N), torch.randperm(N, generator=rng)] = 1.0
    elif kind == "two_columns":
        cols = torch.rand(N, N, generator=rng).argsort(dim=1)[:, :2]  # 2 distinct columns
        P.scatter_(1, cols, 0.5)
    else:
        raise ValueError(f"kind must be one of {TARGET_KINDS}, got {kind!r}")
    return P


def _embed(raw: torch.Tensor, constrained: bool) -> torch.Tensor:
    """u = sqrt(n) raw/||raw|| (Su's ||u|| = sqrt(n), T5), or raw itself when unconstrained."""
    return math.sqrt(raw.shape[1]) * F.normalize(raw, dim=1) if constrained else raw


def fit_capacity(
    target: torch.Tensor,
    n: int,
    steps: int = 400,
    lr: float = 0.1,
    seed: int = 0,
    constrained: bool = True,
    threshold: float = 0.95,
) -> dict:
    """min mean_i CE(P_i, softmax_j <u_i, v_j>) over u, v in R^n; logits unscaled (T5).

    mean_target_prob = mean_i sum_j min(P_ij, Q_ij) = 1 - mean total-variation distance.
    For a one-hot row it is the probability of the target column; for the two-column target
    it also demands the 1/2-1/2 split, so >= 0.95 means "fits P", not just "lands on its
    support" (support_mass, reported too). success = mean_target_prob >= threshold.
    """
    gen = torch.Generator().manual_seed(seed)
    N = target.shape[0]
    U = torch.randn(N, n, generator=gen).requires_grad_()
    V = torch.randn(N, n, generator=gen).requires_grad_()
    opt = torch.optim.Adam([U, V], lr=lr)
    for _ in range(steps):  # full batch
        opt.zero_grad()
        loss = F.cross_entropy(_embed(U, constrained) @ _embed(V, constrained).T, target)
        loss.backward()
        opt.step()
    with torch.no_grad():
        u, v = _embed(U, constrained), _embed(V, constrained)
        log_q = torch.log_softmax(u @ v.T, dim=1)
        q = log_q.exp()
        final_loss = -(target * log_q).sum(1).mean().item()
        overlap = torch.minimum(target, q).sum(1).mean().item()
        support_mass = (q * (target > 0)).sum(1).mean().item()
        model_entropy = -(q * log_q).sum(1).mean().item()
        target_entropy = -torch.xlogy(target, target).sum(1).mean().item()
        norms = torch.cat([u, v]).double().norm(dim=1) / math.sqrt(n)
        norm_deviation = (norms - 1).abs().max().item()
    return {
        "N": int(N),
        "n": int(n),
        "constrained": bool(constrained),
        "mean_target_prob": overlap,
        "support_mass": support_mass,
        "entropy_gap": model_entropy - target_entropy,
        "norm_deviation": norm_deviation,
        "final_loss": final_loss,
        "success": bool(overlap >= threshold),
    }


def circle_target_prob(N: int, radius: float) -> float:
    """Target probability when N free 2-d vectors u_i = v_i sit on a circle of radius r:
    1 / Σ_k exp(r² (cos(2πk/N) − 1)), the same for every row. → 1 as r → ∞ (trap T5)."""
    k = np.arange(N)
    return float(1.0 / np.exp(radius**2 * (np.cos(2 * math.pi * k / N) - 1.0)).sum())


def circle_radius(N: int, prob: float) -> float:
    """The radius at which the circle construction reaches target probability `prob`: without the
    norm constraint 2 dimensions fit any permutation, given large enough norms."""
    return float(brentq(lambda r: circle_target_prob(N, r) - prob, 0.0, 10.0 * N))


def smallest_dimension(
    N: int,
    grid=DEFAULT_GRID,
    kind: str = "permutation",
    seed: int = 0,
    steps: int = 400,
    lr: float = 0.1,
    threshold: float = 0.95,
) -> dict:
    """n*(N) = min{n in grid : fit succeeds}, by bisection over the sorted grid.

    Assumes success is monotone in n (more room never hurts), so only ~log2(len(grid)) fits
    are run. The fits done are returned in order; unless n* is the grid minimum, the grid
    value just below n* is among them and failed. n_star is None if no grid value succeeds.
    """
    grid = sorted(int(n) for n in grid)
    target = target_matrix(N, kind, torch.Generator().manual_seed(seed))
    fits, ok = [], {}
    lo, hi = -1, len(grid)  # invariant: grid[lo] fails (or lo = -1), grid[hi] succeeds (or hi = len)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        record = fit_capacity(target, grid[mid], steps=steps, lr=lr, seed=seed, threshold=threshold)
        fits.append(record)
        ok[mid] = record["success"]
        lo, hi = (lo, mid) if ok[mid] else (mid, hi)
    n_star = grid[hi] if hi < len(grid) else None
    return {
        "N": int(N),
        "kind": kind,
        "seed": int(seed),
        "grid": grid,
        "n_star": n_star,
        "note": None if n_star is not None else f"no n in grid up to {grid[-1]} succeeded",
        "fits": fits,
    }


def fit_log_law(N_values, n_values) -> dict:
    """n*(N) = c ln N + b by least squares; 95 % t-interval for c (pools repeated N, e.g. seeds)."""
    x = np.log(np.asarray(N_values, dtype=float))
    y = np.asarray(n_values, dtype=float)
    fit = stats.linregress(x, y)
    dof = len(x) - 2
    # two points fix the line but leave no degrees of freedom for an interval
    half = stats.t.ppf(0.975, dof) * fit.stderr if dof > 0 else None
    return {
        "c": float(fit.slope),
        "b": float(fit.intercept),
        "c_low": None if half is None else float(fit.slope - half),
        "c_high": None if half is None else float(fit.slope + half),
        "r2": float(fit.rvalue**2),
        "points": int(len(x)),
    }
