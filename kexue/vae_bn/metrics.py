"""Held-out VAE metrics as the BN-VAE reference code defines them (He et al. 2019's vae-lagging-encoder):
KL, active units, mutual information I(x; z), importance-weighted NLL and perplexity.

Model-agnostic: every function takes posterior parameters (μ, log σ²) of shape (M, d) and, for the
NLL, a callable z ↦ log p(x|z). Nothing here switches a model's mode: compute μ, log σ² in eval mode
(running BN statistics; trap T2) before calling.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

from kexue.vae_bn.models import kl_per_dim

LOG_2PI = math.log(2 * math.pi)


def log_normal(z: Tensor, mu: Tensor, logvar: Tensor) -> Tensor:
    """log N(z; μ, diag σ²) = −½ Σ_j (log 2π + log σ_j² + (z_j − μ_j)²/σ_j²), over the last dim (broadcasts)."""
    return -0.5 * (LOG_2PI + logvar + (z - mu).square() * torch.exp(-logvar)).sum(-1)


def mean_kl(mu: Tensor, logvar: Tensor) -> float:
    """KL: the mean over examples of KL(q(z|x) ‖ N(0, I)) = Σ_j ½ (μ² + σ² − log σ² − 1), in nats."""
    return float(kl_per_dim(mu, logvar).sum(1).mean())


def active_units(mu: Tensor, threshold: float = 0.01) -> tuple[int, Tensor]:
    """AU: the number of dims with Cov_x(E_q[z_j]) = Var_x(μ_j(x)) ≥ threshold, and those variances (d,).

    The variance is over the M examples with the N − 1 denominator, as the reference code. Under BN
    this is ≈ γ² per dim by construction (trap T3), so it is no evidence that z is used.
    """
    variances = mu.var(0, unbiased=True)
    return int((variances >= threshold).sum()), variances


def mutual_information(mu: Tensor, logvar: Tensor, generator: torch.Generator | None = None, chunk: int = 256) -> float:
    """I(x; z) = E_x E_{q(z|x)}[log q(z|x)] − E_x E_{q(z|x)}[log q(z)] (Hoffman & Johnson; He et al.).

    The first term is analytic: −(d/2)·log 2π − ½ Σ_j (1 + log σ_j²). For the second, one z_i ~ q(z|x_i)
    per example and the aggregate posterior q(z) ≈ (1/M) Σ_m q(z|x_m) over all M examples (its own
    component included), i.e. logsumexp_m log q(z_i|x_m) − log M. Biased and bounded by about log M
    (trap T9): compare arms only at equal M. `chunk` rows of z at a time keep memory at chunk·M·d.
    """
    m, d = mu.shape
    neg_entropy = (-0.5 * d * LOG_2PI - 0.5 * (1.0 + logvar).sum(1)).mean()
    z = mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=generator, dtype=mu.dtype)
    log_qz = torch.cat(
        [
            torch.logsumexp(log_normal(z[start : start + chunk, None, :], mu[None], logvar[None]), dim=1)
            for start in range(0, m, chunk)
        ]
    ) - math.log(m)
    return float(neg_entropy - log_qz.mean())


def iw_log_weights(
    log_px_given_z: Callable[[Tensor], Tensor],
    mu: Tensor,
    logvar: Tensor,
    k: int,
    chunk: int = 100,
    generator: torch.Generator | None = None,
) -> Tensor:
    """The K importance log-weights log p(x|z_k) + log N(z_k; 0, I) − log q(z_k|x), z_k ~ q(z|x), as (K, B).

    `log_px_given_z` maps z (c, B, d) to log p(x|z) (c, B); it is called with c ≤ `chunk` samples at a
    time (the reference code: K = 500 in chunks of 100).
    """
    log_weights = []
    for start in range(0, k, chunk):
        c = min(chunk, k - start)
        eps = torch.randn((c, *mu.shape), generator=generator, dtype=mu.dtype)
        z = mu + torch.exp(0.5 * logvar) * eps  # (c, B, d)
        log_prior = log_normal(z, torch.zeros_like(z), torch.zeros_like(z))
        log_weights.append(log_px_given_z(z) + log_prior - log_normal(z, mu, logvar))
    return torch.cat(log_weights)


def iw_estimate(log_weights: Tensor, k: int) -> Tensor:
    """log p(x) ≈ logsumexp_{k' ≤ k} log w_k' − log k, from the first k of the (K, B) log-weights: (B,)."""
    return torch.logsumexp(log_weights[:k], dim=0) - math.log(k)


def iw_log_likelihood(
    log_px_given_z: Callable[[Tensor], Tensor],
    mu: Tensor,
    logvar: Tensor,
    k: int,
    chunk: int = 100,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Importance-weighted log p(x) per example (B,), with K samples z_k ~ q(z|x):

        log p(x) ≈ logsumexp_k [log p(x|z_k) + log N(z_k; 0, I) − log q(z_k|x)] − log K

    A lower bound in expectation, tight as K → ∞, and exact for any K when q(z|x) is the true
    posterior. The NLL is its negative.
    """
    return iw_estimate(iw_log_weights(log_px_given_z, mu, logvar, k, chunk, generator), k)


def iw_k_grid(k: int) -> list[int]:
    """The K at which the IW estimate is reported: 1, 2, 5, 10, 20, 50, … below K, then K itself.

    Each is computed from the first K' of the same K samples (nested), so the curve costs nothing beyond K
    and its last step, from the second largest K' to K, is how far the estimate still moved (C3.3's guard).
    """
    grid, step = [], 0
    while (value := (1, 2, 5)[step % 3] * 10 ** (step // 3)) < k:
        grid.append(value)
        step += 1
    return [*grid, k]


def perplexity(nll: Tensor, tokens: Tensor) -> float:
    """PPL = exp(Σ_x NLL(x) / Σ_x T_x), T_x the predicted tokens of x: words plus "<eos>", not the start
    symbol (trap T10: use the IW-NLL, and the same count for every arm)."""
    return math.exp(float(nll.sum()) / float(tokens.sum()))
