"""Discrete distributions from the reparameterisation viewpoint (kexue.fm 9085).

The Gumbel-max trick run backwards: for i.i.d. noise ε with density φ and CDF Φ, define

    p_i = P[argmax(μ + ε) = i] = ∫ φ(ε) ∏_{j≠i} Φ(μ_i − μ_j + ε) dε.

Gumbel noise (Φ(ε) = exp(−e^{−ε})) gives exactly softmax(μ). For other noises the substitution t = Φ(ε) turns
the integral into ∫_0^1 ∏_{j≠i} Φ(μ_i − μ_j + Φ⁻¹(t)) dt and the rule with nodes t_k = k/(K+1) gives

    p_i ≈ (1/K) Σ_k ∏_{j≠i} Φ(μ_i − μ_j + Φ⁻¹(t_k)),

differentiable in torch (only Φ is evaluated in the graph; the nodes Φ⁻¹(t_k) are constants). The product is
taken as a sum of log Φ (torch.special.log_ndtr) and exponentiated at the end: the product underflows for large
logit gaps.
"""

import math

import numpy as np
import torch
from scipy import integrate, special, stats

# ----------------------------------------------------------------------------- Gaussian quadrature layer


def gaussian_nodes(K: int) -> torch.Tensor:
    """Φ⁻¹(k/(K+1)), k = 1…K, for standard Gaussian noise: constants computed once."""
    return torch.from_numpy(stats.norm.ppf(np.arange(1, K + 1) / (K + 1)))


def quadrature_log_probs(mu: torch.Tensor, nodes: torch.Tensor) -> torch.Tensor:
    """log p_i = log (1/K) Σ_k exp(Σ_{j≠i} log Φ(μ_i − μ_j + ε_k)) for Gaussian noise, μ of shape (n,).

    Only the differences μ_i − μ_j enter (no max-subtraction), so T(μ + c) = T(μ) is a property of the
    formula, not of the implementation."""
    n = mu.shape[-1]
    gaps = mu[:, None] - mu[None, :]  # (n, n): μ_i − μ_j
    log_cdf = torch.special.log_ndtr(gaps[:, :, None] + nodes)  # (n, n, K)
    off_diagonal = ~torch.eye(n, dtype=torch.bool, device=mu.device)
    per_node = (log_cdf * off_diagonal[:, :, None]).sum(dim=1)  # (n, K): Σ_{j≠i}
    return torch.logsumexp(per_node, dim=-1) - math.log(len(nodes))


def quadrature_probs(mu: torch.Tensor, nodes: torch.Tensor) -> torch.Tensor:
    return quadrature_log_probs(mu, nodes).exp()


# ----------------------------------------------------------------------------- references


def integrand_log(mu: np.ndarray, i: int, eps: float, logpdf, logcdf) -> float:
    """log[φ(ε) ∏_{j≠i} Φ(μ_i − μ_j + ε)]."""
    others = np.delete(mu, i)
    return logpdf(eps) + float(np.sum(logcdf(mu[i] - others + eps)))


def integrated_probs(mu, logpdf, logcdf) -> np.ndarray:
    """p_i by adaptive quadrature (scipy quad over the real line), one integral per i."""
    mu = np.asarray(mu, dtype=float)
    return np.array(
        [
            integrate.quad(
                lambda e, i=i: math.exp(integrand_log(mu, i, e, logpdf, logcdf)), -np.inf, np.inf, epsabs=1e-13
            )[0]
            for i in range(len(mu))
        ]
    )


def gumbel_logpdf(eps):
    """φ(ε) = exp(−ε − e^{−ε}) (standard Gumbel); −inf far in the left tail, where e^{−ε} overflows."""
    with np.errstate(over="ignore"):
        return -eps - np.exp(-eps)


def gumbel_logcdf(eps):
    """Φ(ε) = exp(−e^{−ε})."""
    with np.errstate(over="ignore"):
        return -np.exp(-eps)


def gaussian_integrated_probs(mu) -> np.ndarray:
    return integrated_probs(mu, stats.norm.logpdf, special.log_ndtr)


def gumbel_integrated_probs(mu) -> np.ndarray:
    return integrated_probs(mu, gumbel_logpdf, gumbel_logcdf)


def softmax(mu) -> np.ndarray:
    return special.softmax(np.asarray(mu, dtype=float))


def argmax_frequencies(mu, draws: int, noise, rng: np.random.Generator, batch: int = 200_000) -> np.ndarray:
    """Monte Carlo of P[argmax(μ + ε) = i]; noise(rng, shape) draws ε."""
    mu = np.asarray(mu, dtype=float)
    counts = np.zeros(len(mu))
    done = 0
    while done < draws:
        size = min(batch, draws - done)
        winners = np.argmax(mu + noise(rng, (size, len(mu))), axis=1)
        counts += np.bincount(winners, minlength=len(mu))
        done += size
    return counts / draws


def gumbel_noise(rng, shape):
    return rng.gumbel(size=shape)


def gaussian_noise(rng, shape):
    return rng.standard_normal(shape)


def binomial_se(p, draws: int) -> np.ndarray:
    """sqrt(p(1−p)/N), floored at 1/N."""
    p = np.asarray(p, dtype=float)
    return np.maximum(np.sqrt(p * (1 - p) / draws), 1 / draws)


# ----------------------------------------------------------------------------- gradient check


def jacobian_autograd(mu: np.ndarray, nodes: torch.Tensor) -> np.ndarray:
    """∂p_i/∂μ_j of the quadrature layer by torch autograd (float64)."""
    x = torch.tensor(mu, dtype=torch.float64)
    return torch.autograd.functional.jacobian(lambda m: quadrature_probs(m, nodes), x).numpy()


def jacobian_central_differences(mu: np.ndarray, nodes: torch.Tensor, h: float) -> np.ndarray:
    """(p(μ + h e_j) − p(μ − h e_j)) / 2h, column by column."""
    mu = np.asarray(mu, dtype=float)
    columns = []
    for j in range(len(mu)):
        step = np.zeros_like(mu)
        step[j] = h
        up = quadrature_probs(torch.from_numpy(mu + step), nodes).numpy()
        down = quadrature_probs(torch.from_numpy(mu - step), nodes).numpy()
        columns.append((up - down) / (2 * h))
    return np.stack(columns, axis=1)
