"""Gradient accumulation hidden in momentum (kexue.fm/archives/8634).

Notation of the article: χ_{t/k} = 1 when k divides t, else 0; t counts micro-steps (one minibatch each).

- SGDM with accumulation inside the momentum buffer (no extra buffer):
      m_t = [(β − 1)·χ_{(t−1)/k} + 1]·m_{t−1} + ((1 − β)/k)·g_t,     θ_t = θ_{t−1} − χ_{t/k}·α·m_t
  equals SGDM on the mean of k gradients (all taken at the same θ) exactly.
- The Adam analogue builds v from g² the same way and corrects the bias with β^{t/k}; it is not exact,
  because true accumulation squares the mean gradient while this averages the squares.
- β̃ = 1 − (1 − β)/k: an EMA with β̃ over micro-steps approximates the EMA with β of k-step means.
- "Update less": plain Adam moments, but θ moves only when k divides t (lr × χ_{t/k}).

Part A is numpy float64 (the exact identity); part B trains an MLP on MNIST with six Adam variants on
the same minibatch stream, in kexue.classify's loop and MLP: each variant is the loop's optimizer, called once
per minibatch, which accumulates and moves the parameters every k-th call as its equations say.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from scipy import stats

from kexue import classify

# --------------------------------------------------------------------------- part A: the SGDM identity


def chi(t: int, k: int) -> float:
    """χ_{t/k}: 1 when k divides t, else 0."""
    return 1.0 if t % k == 0 else 0.0


def sgdm_in_momentum(theta0, grad: Callable, batches: Sequence, alpha: float, beta: float, k: int) -> np.ndarray:
    """The article's SGDM: the k-step accumulation lives inside m (one buffer)."""
    theta, m = np.array(theta0, dtype=np.float64), np.zeros_like(theta0, dtype=np.float64)
    for t, batch in enumerate(batches, start=1):
        g = grad(theta, batch)
        m = ((beta - 1.0) * chi(t - 1, k) + 1.0) * m + (1.0 - beta) / k * g
        theta = theta - chi(t, k) * alpha * m
    return theta


def sgdm_accumulated(theta0, grad: Callable, batches: Sequence, alpha: float, beta: float, k: int) -> np.ndarray:
    """Textbook gradient accumulation: a separate buffer sums k gradients, then one SGDM step on their mean."""
    theta, m = np.array(theta0, dtype=np.float64), np.zeros_like(theta0, dtype=np.float64)
    buffer = np.zeros_like(theta)
    for t, batch in enumerate(batches, start=1):
        buffer = buffer + grad(theta, batch)
        if t % k == 0:
            m = beta * m + (1.0 - beta) * buffer / k
            theta = theta - alpha * m
            buffer = np.zeros_like(theta)
    return theta


def noisy_quadratic(d: int, steps: int, noise: float, rng: np.random.Generator):
    """½(θ − c_t)ᵀH(θ − c_t) with a fixed positive-definite H and a fresh centre c_t per minibatch."""
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    h = q @ np.diag(np.linspace(0.1, 1.0, d)) @ q.T
    centres = noise * rng.standard_normal((steps, d))

    def grad(theta, c):
        return h @ (theta - c)

    return grad, list(centres), rng.standard_normal(d)


def logistic_stream(d: int, n: int, steps: int, batch: int, rng: np.random.Generator):
    """Logistic regression on n synthetic points; minibatch t is a fixed index set."""
    x = rng.standard_normal((n, d))
    y = (x @ rng.standard_normal(d) + 0.5 * rng.standard_normal(n) > 0).astype(np.float64)

    def grad(theta, idx):
        p = 1.0 / (1.0 + np.exp(-(x[idx] @ theta)))
        return x[idx].T @ (p - y[idx]) / len(idx)

    return grad, [rng.choice(n, batch, replace=False) for _ in range(steps)], np.zeros(d)


def identity_gap(problem: str, k: int, steps: int, alpha: float, beta: float, seed: int, d: int = 50) -> dict:
    """max|θ_in-momentum − θ_accumulated| after `steps` micro-steps on the same minibatch stream."""
    rng = np.random.default_rng(seed)
    if problem == "quadratic":
        grad, batches, theta0 = noisy_quadratic(d, steps, 1.0, rng)
    elif problem == "logistic":
        grad, batches, theta0 = logistic_stream(d, 2000, steps, 16, rng)
    else:
        raise ValueError(f"unknown problem {problem!r}; expected quadratic or logistic")
    inside = sgdm_in_momentum(theta0, grad, batches, alpha, beta, k)
    outside = sgdm_accumulated(theta0, grad, batches, alpha, beta, k)
    moved = float(np.abs(outside - theta0).max())
    return {
        "problem": problem,
        "k": k,
        "steps": steps,
        "max_abs_gap": float(np.abs(inside - outside).max()),
        "max_abs_move": moved,
    }


# --------------------------------------------------------------------------- β̃ weights


def accumulated_ema_weights(beta: float, k: int, horizon: int) -> np.ndarray:
    """Weight that the EMA (β) of k-step means puts on the micro-gradient s steps before a cycle end:
    ((1 − β)/k)·β^{⌊s/k⌋}, s = 0 … horizon − 1."""
    s = np.arange(horizon)
    return (1.0 - beta) / k * beta ** (s // k)


def beta_tilde_weights(beta: float, k: int, horizon: int) -> np.ndarray:
    """Weight of an EMA over micro-steps with β̃ = 1 − (1 − β)/k: (1 − β̃)·β̃^s."""
    bt = 1.0 - (1.0 - beta) / k
    return (1.0 - bt) * bt ** np.arange(horizon)


def beta_tilde_distance(beta: float, k: int, tail: float = 1e-13) -> dict:
    """L1 distance between the two weight sequences, over a horizon long enough that both tails
    (the mass left beyond it) are below `tail`."""
    bt = 1.0 - (1.0 - beta) / k
    horizon = k * (1 + math.ceil(math.log(tail) / math.log(min(beta, bt))))
    exact, approx = accumulated_ema_weights(beta, k, horizon), beta_tilde_weights(beta, k, horizon)
    l1 = float(np.abs(exact - approx).sum())
    return {
        "beta": beta,
        "k": k,
        "beta_tilde": bt,
        "l1": l1,
        "bound": (1.0 - beta) / 2,
        "l1_over_one_minus_beta": l1 / (1.0 - beta),
        "horizon": horizon,
        "mass_exact": float(exact.sum()),
        "mass_approx": float(approx.sum()),
    }


# --------------------------------------------------------------------------- part B: Adam variants on MNIST

VARIANTS = ("plain", "accumulated", "in_momentum", "chi_only", "lr_over_k", "chi_beta_tilde")


class AdamVariant:
    """Adam with the article's k-step variants, written out so that each equation is visible.

    plain        m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², step every micro-step, bias correction with t
    lr_over_k    plain with α/k: the control for "update less" (trap: smaller effective step)
    accumulated  ḡ = mean of k gradients at the same θ, one Adam step on ḡ per cycle (update count u = t/k)
    in_momentum  m ← [(β₁−1)χ_{(t−1)/k}+1]m + ((1−β₁)/k)g, v likewise with g², bias corrections β^{t/k},
                 θ moves when k | t
    chi_only     plain moments every micro-step, θ moves only when k | t (lr × χ_{t/k})
    chi_beta_tilde  moments with β̃ = 1 − (1−β)/k every micro-step, θ moves when k | t (the recipe (1)+(2))
    """

    def __init__(self, params, variant: str, lr: float, betas: Sequence[float], eps: float, k: int):
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}")
        self.params, self.variant, self.k, self.eps = list(params), variant, k, eps
        self.lr = lr / k if variant == "lr_over_k" else lr
        b1, b2 = betas
        if variant == "chi_beta_tilde":
            b1, b2 = 1 - (1 - b1) / k, 1 - (1 - b2) / k
        self.b1, self.b2 = b1, b2
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]
        self.acc = [torch.zeros_like(p) for p in self.params]
        self.t = 0  # micro-steps taken
        self.updates = 0  # parameter updates made

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the last micro-step's gradients (the k-step sums live in m, v or acc, not in p.grad)."""
        for p in self.params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()

    @torch.no_grad()
    def step(self) -> None:
        """Consume the gradients of one micro-step."""
        self.t += 1
        t, k, b1, b2 = self.t, self.k, self.b1, self.b2
        grads = [p.grad for p in self.params]
        if self.variant in ("plain", "lr_over_k", "chi_only", "chi_beta_tilde"):
            for m, v, g in zip(self.m, self.v, grads, strict=True):
                m.mul_(b1).add_((1 - b1) * g)
                v.mul_(b2).add_((1 - b2) * g * g)
            if self.variant in ("plain", "lr_over_k") or t % k == 0:
                self._move(1 - b1**t, 1 - b2**t)
        elif self.variant == "accumulated":
            for a, g in zip(self.acc, grads, strict=True):
                a.add_(g)
            if t % k == 0:
                u = t // k
                for m, v, a in zip(self.m, self.v, self.acc, strict=True):
                    mean = a / k
                    m.mul_(b1).add_((1 - b1) * mean)
                    v.mul_(b2).add_((1 - b2) * mean * mean)
                    a.zero_()
                self._move(1 - b1**u, 1 - b2**u)
        else:  # in_momentum
            first = chi(t - 1, k)
            for m, v, g in zip(self.m, self.v, grads, strict=True):
                m.mul_((b1 - 1) * first + 1).add_((1 - b1) / k * g)
                v.mul_((b2 - 1) * first + 1).add_((1 - b2) / k * g * g)
            if t % k == 0:
                u = t // k  # bias correction counts completed updates, not micro-steps (trap)
                self._move(1 - b1**u, 1 - b2**u)

    def _move(self, c1: float, c2: float) -> None:
        """θ ← θ − α·m̂/(√v̂ + ε), m̂ = m/c1, v̂ = v/c2."""
        for p, m, v in zip(self.params, self.m, self.v, strict=True):
            p.sub_(self.lr * (m / c1) / ((v / c2).sqrt() + self.eps))
        self.updates += 1


def mnist_subset(path, train_images: int) -> dict:
    """The first `train_images` MNIST training images and the 10k test images (kexue.classify's reader)."""
    splits = classify.image_splits("mnist", path)
    x, y = splits["train"]
    return {"train": (x[:train_images], y[:train_images]), "test": splits["test"]}


def train_variant(
    data: dict,
    variant: str,
    *,
    lr: float,
    k: int,
    batch_size: int,
    betas,
    eps: float,
    hidden: Sequence[int],
    seed: int,
    log=None,
) -> dict:
    """One pass over the training images with one variant, in kexue.classify's loop (same seed: same
    initialisation and the same minibatch stream for every variant); the variant is the loop's optimizer."""
    built: list[AdamVariant] = []

    def adam_variant(params) -> AdamVariant:
        built.append(AdamVariant(params, variant, lr, betas, eps, k))
        return built[-1]

    _, history = classify.train(
        lambda: classify.mlp([784, *hidden, 10]),
        F.cross_entropy,
        data["train"],
        epochs=1,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        evaluate={"test": data["test"]},
        optimizer=adam_variant,
        log=log,
    )
    final = history.iloc[-1]
    return {
        "variant": variant,
        "lr": lr,
        "seed": seed,
        "micro_steps": built[-1].t,
        "updates": built[-1].updates,
        "test_loss": float(final["test_loss"]),
        "test_accuracy": float(final["test_accuracy"]),
    }


# --------------------------------------------------------------------------- the decision quantities


def welch_less(a: Sequence[float], b: Sequence[float]) -> float:
    """One-sided Welch p-value of mean(a) < mean(b)."""
    return float(stats.ttest_ind(a, b, equal_var=False, alternative="less").pvalue)


def standard_error_of_difference(a: Sequence[float], b: Sequence[float]) -> float:
    """SE of mean(a) − mean(b) for independent samples (ddof 1)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)))


def regime_summary(runs: list[dict]) -> dict:
    """Per-variant mean and per-seed test losses of one lr, and the claims' quantities."""
    loss = {v: [r["test_loss"] for r in sorted(runs, key=lambda r: r["seed"]) if r["variant"] == v] for v in VARIANTS}
    mean = {v: float(np.mean(x)) for v, x in loss.items()}
    se = standard_error_of_difference(loss["chi_only"], loss["lr_over_k"])
    return {
        "test_loss": loss,
        "mean_test_loss": mean,
        "noise_gap": mean["plain"] - mean["accumulated"],  # > 0: accumulation helps, the noise-dominated regime
        "noise_gap_per_seed": [p - a for p, a in zip(loss["plain"], loss["accumulated"], strict=True)],
        "adam_similarity_ratio": abs(mean["in_momentum"] - mean["accumulated"])
        / max(abs(mean["plain"] - mean["accumulated"]), 1e-300),
        "welch_p_chi_below_plain": welch_less(loss["chi_only"], loss["plain"]),
        "chi_minus_control": mean["chi_only"] - mean["lr_over_k"],
        "chi_minus_control_se": se,
        "chi_minus_control_in_se": (mean["chi_only"] - mean["lr_over_k"]) / se if se > 0 else math.inf,
        "chi_gain_per_seed": [p - c for p, c in zip(loss["plain"], loss["chi_only"], strict=True)],
        # paired by seed (same initialisation, same minibatch stream): the trap's guard reads whether χ-only
        # differs from the lr/k control by more than its seed spread
        "chi_minus_control_per_seed": [c - q for c, q in zip(loss["chi_only"], loss["lr_over_k"], strict=True)],
    }
