"""A simple scheme to ease the over-confidence of cross-entropy (kexue.fm/archives/9526, the γ-loss of TaiLr).

Replace −log p by L_γ(p) = −log[γ + (1 − γ)p]/(1 − γ): CE at γ = 0, 1 − p (smoothed accuracy, up to a constant)
as γ → 1. Its gradient is CE's reweighted by p/(γ + (1 − γ)p): ∇L_γ = −∇p/(γ + (1 − γ)p). The paper's thresholded
gradient −max(b, p/(γ + (1 − γ)p))·∇log p has no closed-form loss and is implemented with a stop-gradient.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor


def gamma_loss_value(p: Tensor, gamma: float) -> Tensor:
    """L_γ(p) = −log1p((1 − γ)(p − 1))/(1 − γ): log1p keeps precision when γ is close to 1 (brief, trap 2)."""
    return -torch.log1p((1 - gamma) * (p - 1)) / (1 - gamma)


def gamma_loss(logits: Tensor, y: Tensor, gamma: float) -> Tensor:
    """Mean L_γ over a batch from logits: log[γ + (1 − γ)p] = logaddexp(log γ, log(1 − γ) + log p), so that
    γ = 0 is exactly CE (log 0 = −inf) and a p that underflows stays finite in log space."""
    log_p = torch.log_softmax(logits, dim=-1).gather(-1, y[:, None]).squeeze(-1)
    if gamma == 0:
        return -log_p.mean()
    inner = torch.logaddexp(torch.full_like(log_p, math.log(gamma)), math.log1p(-gamma) + log_p)
    return (-inner / (1 - gamma)).mean()


def gradient_weight(p: Tensor, gamma: float) -> Tensor:
    """p/(γ + (1 − γ)p): the factor that turns CE's gradient into L_γ's."""
    return p / (gamma + (1 - gamma) * p)


def stopgrad_loss(logits: Tensor, y: Tensor, gamma: float, b: float) -> Tensor:
    """−sg[max(b, p/(γ + (1 − γ)p))]·log p, averaged: its gradient is the paper's −max(b, w)·∇log p."""
    log_p = torch.log_softmax(logits, dim=-1).gather(-1, y[:, None]).squeeze(-1)
    weight = torch.clamp(gradient_weight(log_p.exp(), gamma), min=b).detach()
    return -(weight * log_p).mean()


# --------------------------------------------------------------------------- identities (float64)


def limits(gammas, p: np.ndarray) -> dict:
    """max |L_0 − (−log p)| and, per γ near 1, max |L_γ − (1 − p)| against the rule's 2(1 − γ)."""
    pt = torch.from_numpy(p).double()
    at_zero = (gamma_loss_value(pt, 0.0) + torch.log(pt)).abs().max().item()
    rows = []
    for gamma in gammas:
        error = (gamma_loss_value(pt, gamma) - (1 - pt)).abs().max().item()
        rows.append({"gamma": gamma, "one_minus_gamma": 1 - gamma, "max_error": error, "bound": 2 * (1 - gamma)})
    return {"ce_error": at_zero, "near_one": rows, "worst_ratio": max(r["max_error"] / r["bound"] for r in rows)}


def _classifier(seed: int, n: int = 16, d: int = 5, classes: int = 4):
    gen = torch.Generator().manual_seed(seed)
    w = torch.randn(d, classes, generator=gen, dtype=torch.float64, requires_grad=True)
    x = torch.randn(n, d, generator=gen, dtype=torch.float64)
    y = torch.randint(0, classes, (n,), generator=gen)
    return w, x, y


def _grad(loss, w) -> Tensor:
    (g,) = torch.autograd.grad(loss, w)
    return g


def relative_error(a: Tensor, b: Tensor) -> float:
    return ((a - b).norm() / b.norm()).item()


def gradient_identity(gammas, seed: int) -> list[dict]:
    """On a random softmax classifier (float64): ∇ mean L_γ against the sum of CE's per-sample gradients, each
    times p/(γ + (1 − γ)p), computed apart."""
    w, x, y = _classifier(seed)
    rows = []
    for gamma in gammas:
        ours = _grad(gamma_loss(x @ w, y, gamma), w)
        logits = x @ w
        p = torch.softmax(logits, -1).gather(-1, y[:, None]).squeeze(-1).detach()
        per_sample_ce = F.cross_entropy(logits, y, reduction="none")
        formula = _grad((gradient_weight(p, gamma) * per_sample_ce).mean(), w)  # weights are constants here
        rows.append({"gamma": gamma, "relative_error": relative_error(ours, formula)})
    return rows


def stopgrad_identity(gammas, bs, seed: int) -> list[dict]:
    """The stop-gradient loss's autograd gradient against −max(b, w)·∇log p (per-sample gradients, summed), and at
    b = 0 against ∇L_γ."""
    w, x, y = _classifier(seed)
    rows = []
    for gamma in gammas:
        for b in bs:
            ours = _grad(stopgrad_loss(x @ w, y, gamma, b), w)
            log_p = torch.log_softmax(x @ w, -1).gather(-1, y[:, None]).squeeze(-1)
            weights = torch.clamp(gradient_weight(log_p.exp(), gamma), min=b).detach()
            per_sample = [_grad(-torch.log_softmax(x[i] @ w, -1)[y[i]], w) for i in range(len(y))]
            formula = sum(wi * gi for wi, gi in zip(weights, per_sample, strict=True)) / len(y)
            row = {"gamma": gamma, "b": b, "relative_error": relative_error(ours, formula)}
            if b == 0:
                row["error_vs_gamma_loss"] = relative_error(ours, _grad(gamma_loss(x @ w, y, gamma), w))
            rows.append(row)
    return rows


# --------------------------------------------------------------------------- label noise


def symmetric_noise(labels: Tensor, rate: float, classes: int, seed: int) -> tuple[Tensor, Tensor]:
    """(noisy labels, flipped mask): each label, with probability `rate`, replaced by one of the other classes
    drawn uniformly."""
    gen = torch.Generator().manual_seed(seed)
    flipped = torch.rand(len(labels), generator=gen) < rate
    shift = torch.randint(1, classes, (len(labels),), generator=gen)
    return torch.where(flipped, (labels + shift) % classes, labels), flipped
