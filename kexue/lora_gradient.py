"""LoRA from a gradient perspective (kexue.fm/archives/9590).

W = W₀ + AB with A ∈ R^{n×r}, B ∈ R^{r×m}, W₀ frozen. With G = ∂L/∂W:
    ∂L/∂A = G Bᵀ,  ∂L/∂B = Aᵀ G;   for Y = XW₀ + (XA)B:  ∂L/∂A = Xᵀ((∂L/∂Y)Bᵀ),  ∂L/∂B = (XA)ᵀ(∂L/∂Y).
One SGD step on A and B changes W by
    A_{t+1}B_{t+1} − A_tB_t = −η(G BᵀB + A AᵀG) + η² G Bᵀ AᵀG.
Random projections (r = 1) redrawn every step, u ~ N(0, I_n) ∈ R^{n×1}, v ~ N(0, I_m) ∈ R^{1×m} (the shapes
that fit G ∈ R^{n×m}; the article writes them swapped): the update −η(G vᵀv + u uᵀG) has expectation −2ηG.
Symmetric initialisation: W = W₀ − A₀B₀ + AB starts at W₀ with both factors non-zero.
Additive variant: ΔW = A·1_{1×m} + 1_{n×1}·B, whose gradients are the row and column sums of G.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import torch
from torch import Tensor

# --------------------------------------------------------------------------- gradients by formula


def lora_grads(G: Tensor, A: Tensor, B: Tensor) -> tuple[Tensor, Tensor]:
    """(∂L/∂A, ∂L/∂B) = (G Bᵀ, Aᵀ G)."""
    return G @ B.T, A.T @ G


def lora_grads_from_output(X: Tensor, dY: Tensor, A: Tensor, B: Tensor) -> tuple[Tensor, Tensor]:
    """For Y = XW₀ + (XA)B: ∂L/∂A = Xᵀ((∂L/∂Y)Bᵀ), ∂L/∂B = (XA)ᵀ(∂L/∂Y); only b×r intermediates."""
    return X.T @ (dY @ B.T), (X @ A).T @ dY


def scalar_loss(Y: Tensor) -> Tensor:
    """A non-quadratic scalar loss, so that ∂L/∂Y depends on Y."""
    return (torch.sin(Y) * Y).sum()


def relative_error(a: Tensor, b: Tensor) -> float:
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-300))


def gradient_formula_errors(n: int, m: int, r: int, b: int, seed: int) -> dict:
    """Autograd (float64) against both sets of formulas on random shapes."""
    g = torch.Generator().manual_seed(seed)
    X, W0 = torch.randn(b, n, generator=g, dtype=torch.float64), torch.randn(n, m, generator=g, dtype=torch.float64)
    A = torch.randn(n, r, generator=g, dtype=torch.float64, requires_grad=True)
    B = torch.randn(r, m, generator=g, dtype=torch.float64, requires_grad=True)
    W = W0 + A @ B
    W.retain_grad()
    Y = X @ W
    Y.retain_grad()
    scalar_loss(Y).backward()
    dA_w, dB_w = lora_grads(W.grad, A.detach(), B.detach())
    dA_y, dB_y = lora_grads_from_output(X, Y.grad, A.detach(), B.detach())
    errors = [relative_error(dA_w, A.grad), relative_error(dB_w, B.grad)]
    errors += [relative_error(dA_y, A.grad), relative_error(dB_y, B.grad)]
    return {"n": n, "m": m, "r": r, "b": b, "max_relative_error": max(errors)}


# --------------------------------------------------------------------------- the two implementations' cost


def forward_backward(kind: str, X: Tensor, W0: Tensor, A: Tensor, B: Tensor, W: Tensor, R: Tensor) -> None:
    """One forward + backward (no optimiser step) of a linear layer with a scalar loss; X needs its gradient.
    full: Y = XW (W trainable);  impl1: Y = X(W₀ + AB);  impl2: Y = XW₀ + (XA)B."""
    if kind == "full":
        Y = X @ W
    elif kind == "impl1":
        Y = X @ (W0 + A @ B)
    elif kind == "impl2":
        Y = X @ W0 + (X @ A) @ B
    else:
        raise ValueError(f"unknown implementation {kind!r}; expected full, impl1 or impl2")
    # L = Σ R∘Y: ∂L/∂Y = R, a dense b×m matrix (the gradient of Y.sum() is a stride-0 view that
    # sends the matmuls of the backward pass off their fast path)
    (Y * R).sum().backward()
    for t in (X, A, B, W):
        t.grad = None


IMPLEMENTATIONS = ("full", "impl1", "impl2")


def layer(n: int, m: int, r: int, b: int, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    return {
        "X": torch.randn(b, n, generator=g).requires_grad_(),
        "W0": torch.randn(n, m, generator=g) / n**0.5,
        "A": (torch.randn(n, r, generator=g) / n**0.5).requires_grad_(),
        "B": (torch.randn(r, m, generator=g) / r**0.5).requires_grad_(),
        "W": (torch.randn(n, m, generator=g) / n**0.5).requires_grad_(),
        "R": torch.randn(b, m, generator=g),
    }


def time_implementations(n: int, m: int, r: int, b: int, repeats: int, warmup: int) -> dict:
    """Median seconds of forward + backward per implementation; the three are interleaved in every repeat,
    so that a slow phase of a shared machine hits all of them alike."""
    t = layer(n, m, r, b)
    times: dict[str, list[float]] = {k: [] for k in IMPLEMENTATIONS}
    for i in range(warmup + repeats):
        for kind in IMPLEMENTATIONS:
            start = time.perf_counter()
            forward_backward(kind, **t)
            if i >= warmup:
                times[kind].append(time.perf_counter() - start)
    return {k: statistics.median(v) for k, v in times.items()} | {"samples": times}


def peak_memory(kind: str, n: int, m: int, r: int, b: int) -> int:
    """Peak bytes allocated above the resting tensors during one forward + backward (torch profiler
    with profile_memory=True: the running sum of every allocation and free, in order). The trainable
    tensors' gradients (∂L/∂W for full fine-tuning) count: they are allocated by the backward pass."""
    t = layer(n, m, r, b)
    forward_backward(kind, **t)  # warm-up: first-call allocations are not the method's
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], profile_memory=True) as prof:
        forward_backward(kind, **t)
    # each event's own allocations (negative: frees), in the order they happened
    events = sorted(prof.events(), key=lambda e: e.time_range.start)
    level, peak = 0, 0
    for e in events:
        level += e.self_cpu_memory_usage
        peak = max(peak, level)
    return int(peak)


# --------------------------------------------------------------------------- LoRA inside the optimiser


def regression(n: int, m: int, r: int, b: int, seed: int) -> dict:
    g = torch.Generator().manual_seed(seed)
    f64 = {"generator": g, "dtype": torch.float64}
    return {
        "X": torch.randn(b, n, **f64),
        "T": torch.randn(b, m, **f64),
        "W0": torch.randn(n, m, **f64) / n**0.5,
        "A": torch.randn(n, r, **f64) / n**0.5,
        "B": torch.zeros(r, m, dtype=torch.float64),  # the usual zero-initialised B
    }


def mse(X: Tensor, W: Tensor, T: Tensor) -> Tensor:
    return 0.5 * ((X @ W - T) ** 2).sum() / len(X)


def standard_lora_sgd(p: dict, lr: float, steps: int) -> list[Tensor]:
    """LoRA as usual: autograd through W₀ + AB, SGD on A and B; returns W_t after every step."""
    A, B = p["A"].clone().requires_grad_(), p["B"].clone().requires_grad_()
    path = []
    for _ in range(steps):
        mse(p["X"], p["W0"] + A @ B, p["T"]).backward()
        with torch.no_grad():
            A -= lr * A.grad
            B -= lr * B.grad
            A.grad = B.grad = None
            path.append(p["W0"] + A @ B)
    return path


def projected_optimizer_sgd(p: dict, lr: float, steps: int) -> list[Tensor]:
    """LoRA inside the optimiser: the full gradient G = ∂L/∂W, projected to G Bᵀ and Aᵀ G."""
    A, B = p["A"].clone(), p["B"].clone()
    path = []
    for _ in range(steps):
        W = (p["W0"] + A @ B).requires_grad_()
        mse(p["X"], W, p["T"]).backward()
        dA, dB = lora_grads(W.grad, A, B)
        A, B = A - lr * dA, B - lr * dB
        path.append(p["W0"] + A @ B)
    return path


def update_expansion(G: Tensor, A: Tensor, B: Tensor, lr: float) -> dict:
    """A_{t+1}B_{t+1} − A_tB_t against −η(G BᵀB + A AᵀG) + η² G Bᵀ AᵀG, and the remainder of the first order."""
    dA, dB = lora_grads(G, A, B)
    actual = (A - lr * dA) @ (B - lr * dB) - A @ B
    first = -lr * (G @ B.T @ B + A @ A.T @ G)
    second = lr**2 * G @ B.T @ A.T @ G
    return {
        "lr": lr,
        "expansion_error": float((actual - first - second).abs().max()),
        "remainder": float((actual - first).norm()),
    }


def log_log_slope(x, y) -> float:
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


# --------------------------------------------------------------------------- random projections


def random_projection_update(G: Tensor, lr: float, u: Tensor, v: Tensor) -> Tensor:
    """−η(G vᵀv + u uᵀG), u ∈ R^{n×1}, v ∈ R^{1×m}."""
    return -lr * (G @ v.T @ v + u @ u.T @ G)


def random_projection_mean(G: Tensor, lr: float, draws: int, seed: int) -> Tensor:
    """Monte-Carlo mean of the random-projection update over `draws` fresh (u, v)."""
    n, m = G.shape
    g = torch.Generator().manual_seed(seed)
    u = torch.randn(draws, n, 1, generator=g, dtype=G.dtype)
    v = torch.randn(draws, 1, m, generator=g, dtype=G.dtype)
    updates = -lr * (G @ v.transpose(1, 2) @ v + u @ u.transpose(1, 2) @ G)
    return updates.mean(0)


# --------------------------------------------------------------------------- symmetric init, additive variant


def symmetric_init_gap(n: int, m: int, r: int, b: int, seed: int) -> dict:
    """Output of W₀ − A₀B₀ + AB at A = A₀, B = B₀ against the base model, and the factors' first gradients."""
    g = torch.Generator().manual_seed(seed)
    f64 = {"generator": g, "dtype": torch.float64}
    X, W0 = torch.randn(b, n, **f64), torch.randn(n, m, **f64)
    A0, B0 = torch.randn(n, r, **f64), torch.randn(r, m, **f64)
    A, B = A0.clone().requires_grad_(), B0.clone().requires_grad_()
    Y = X @ (W0 - A0 @ B0 + A @ B)
    scalar_loss(Y).backward()
    return {
        "output_gap": float((Y.detach() - X @ W0).abs().max()),
        "grad_A_norm": float(A.grad.norm()),
        "grad_B_norm": float(B.grad.norm()),
    }


def repeat_matrix(r: int, size: int) -> Tensor:
    """I_{r(1×size/r)}: r × size, row i holds ones on its block of size/r columns (kron(I_r, 1_{1×size/r}))."""
    if size % r:
        raise ValueError(f"size {size} is not a multiple of r = {r}")
    return torch.kron(torch.eye(r, dtype=torch.float64), torch.ones(1, size // r, dtype=torch.float64))


def additive_delta(A: Tensor, B: Tensor) -> Tensor:
    """ΔW = A·I_{r(1×m/r)} + I_{r(n/r×1)}·B; for r = 1: A·1_{1×m} + 1_{n×1}·B."""
    n, r = A.shape
    m = B.shape[1]
    return A @ repeat_matrix(r, m) + repeat_matrix(r, n).T @ B


def additive_check(n: int, m: int, r: int, b: int, seed: int) -> dict:
    """Autograd of the additive variant against block row/column sums of G, and the rank of ΔW."""
    g = torch.Generator().manual_seed(seed)
    f64 = {"generator": g, "dtype": torch.float64}
    X, W0 = torch.randn(b, n, **f64), torch.randn(n, m, **f64)
    A = torch.randn(n, r, **f64).requires_grad_()
    B = torch.randn(r, m, **f64).requires_grad_()
    W = W0 + additive_delta(A, B)
    W.retain_grad()
    scalar_loss(X @ W).backward()
    G = W.grad
    # ∂L/∂A = G·I_{r(1×m/r)}ᵀ: sums of each row over its column block; ∂L/∂B likewise over row blocks
    row_sums = G.reshape(n, r, m // r).sum(2)
    col_sums = G.reshape(r, n // r, m).sum(1)
    delta = additive_delta(A.detach(), B.detach())
    product = A.detach() @ B.detach()
    return {
        "n": n,
        "m": m,
        "r": r,
        "grad_error": max(relative_error(row_sums, A.grad), relative_error(col_sums, B.grad)),
        "rank": int(torch.linalg.matrix_rank(delta)),
        "rank_bound": 2 * r,
        "lora_rank": int(torch.linalg.matrix_rank(product)),
    }
