"""Lion (EvoLved Sign Momentum) and SIGNUM as torch optimizers, plus the checks behind claims C2.1–C2.3.

Su's article (kexue.fm/archives/9473) reviews Lion from Chen et al. 2023, "Symbolic Discovery of
Optimization Algorithms" (arXiv 2302.06675): a sign update of an interpolated momentum, with one
state tensor per parameter instead of AdamW's two. Lion follows the reference ordering of automl's
`lion_pytorch.py`; SIGNUM shares its momentum expression so that Lion(β1 = β2, λ = 0) equals it bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import torch
from torch import Tensor, nn

from kexue.lion.fused import lion_fused


def _check_hyperparameters(lr: float, betas: Iterable[float] = (), weight_decay: float = 0.0) -> None:
    if not (math.isfinite(lr) and lr >= 0.0):
        raise ValueError(f"lr must be a finite number >= 0, got {lr}")
    for i, beta in enumerate(betas):
        if not 0.0 <= beta <= 1.0:
            raise ValueError(f"beta{i + 1} must lie in [0, 1], got {beta}")
    if not (math.isfinite(weight_decay) and weight_decay >= 0.0):
        raise ValueError(f"weight_decay must be a finite number >= 0, got {weight_decay}")


def _momentum(m: Tensor, g: Tensor, beta: float, inplace: bool = False) -> Tensor:
    """β·m + (1−β)·g, the one expression Lion and SIGNUM share, so that C2.2 holds bit for bit."""
    return (m.mul_(beta) if inplace else m.mul(beta)).add_(g, alpha=1.0 - beta)


def _foreach_momentum(ms: list[Tensor], gs: list[Tensor], beta: float, inplace: bool = False) -> list[Tensor]:
    """Multi-tensor `_momentum`: the same two elementwise ops, so the same rounding."""
    if inplace:
        torch._foreach_mul_(ms, beta)
    else:
        ms = torch._foreach_mul(ms, beta)
    torch._foreach_add_(ms, gs, alpha=1.0 - beta)
    return ms


# Elements per foreach call on CPU. torch has no multi-tensor kernel there, and a temporary c for the
# whole model (one extra copy of P) cost page faults that made foreach about 2× slower than the loop
# on a 13.7 M-parameter model (bench/lion_step.py); chunks of 2^20 (4 MB in float32) run at loop speed.
_CPU_FOREACH_CHUNK = 1 << 20


def _chunks(tensors: list[Tensor], max_numel: float):
    """Consecutive slices of `tensors` holding at most `max_numel` elements (or a single tensor)."""
    start, total = 0, 0
    for i, t in enumerate(tensors):
        if i > start and total + t.numel() > max_numel:
            yield slice(start, i)
            start, total = i, 0
        total += t.numel()
    yield slice(start, len(tensors))


def _params_with_grad(group: dict) -> list[Tensor]:
    params = [p for p in group["params"] if p.grad is not None]
    if any(p.grad.is_sparse for p in params):
        raise RuntimeError("sparse gradients are not supported")
    return params


class Lion(torch.optim.Optimizer):
    """Lion with decoupled weight decay scaled by the *current* lr (trap T1), per parameter p:

        p ← p·(1 − lr·λ)
        c ← β1·m + (1−β1)·g
        p ← p − lr·sign(c)
        m ← β2·m + (1−β2)·g        # stored momentum updated after the step, with β2 (trap T2)

    `foreach=None` picks the multi-tensor path when every parameter is on CUDA, like torch's own
    optimizers; on CPU that path works in chunks of 2^20 elements. Loop and foreach give identical
    results on CPU. `fused=True` runs the whole step as one compiled pass over each element on CPU
    (kexue.lion.fused: reads p, g, m, writes p, m), equal to the loop up to rounding.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-4,
        betas: tuple[float, float] = (0.9, 0.99),
        weight_decay: float = 0.0,
        foreach: bool | None = None,
        fused: bool = False,
    ):
        if fused and foreach:
            raise ValueError("fused and foreach cannot both be True")
        super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay, foreach=foreach, fused=fused))

    def add_param_group(self, param_group: dict) -> None:
        # validate per group, before torch appends it, so overrides in param groups are checked too
        merged = {**self.defaults, **param_group}
        if len(tuple(merged["betas"])) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {merged['betas']}")
        _check_hyperparameters(merged["lr"], merged["betas"], merged["weight_decay"])
        super().add_param_group(param_group)

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None):
        loss = _closure_loss(closure)
        for group in self.param_groups:
            params = _params_with_grad(group)
            if not params:
                continue
            for p in params:
                if not self.state[p]:
                    self.state[p]["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
            grads = [p.grad for p in params]
            exp_avgs = [self.state[p]["exp_avg"] for p in params]
            foreach = group["foreach"]
            if foreach is None:
                foreach = all(p.device.type == "cuda" for p in params)
            update = lion_fused if group.get("fused") else _lion_foreach if foreach else _lion_loop
            update(params, grads, exp_avgs, group["lr"], *group["betas"], group["weight_decay"])
        return loss


def _closure_loss(closure: Callable[[], float] | None):
    """torch's optimizer convention: re-evaluate the loss (with gradients) when a closure is given."""
    if closure is None:
        return None
    with torch.enable_grad():
        return closure()


def _lion_loop(params, grads, exp_avgs, lr, beta1, beta2, weight_decay):
    for p, g, m in zip(params, grads, exp_avgs, strict=True):
        if weight_decay != 0.0:
            p.mul_(1.0 - lr * weight_decay)  # p ← p·(1 − lr·λ)
        c = _momentum(m, g, beta1)  # c ← β1·m + (1−β1)·g
        p.add_(c.sign_(), alpha=-lr)  # p ← p − lr·sign(c)
        _momentum(m, g, beta2, inplace=True)  # m ← β2·m + (1−β2)·g


def _lion_foreach(params, grads, exp_avgs, lr, beta1, beta2, weight_decay):
    on_cpu = any(p.device.type == "cpu" for p in params)
    for part in _chunks(params, _CPU_FOREACH_CHUNK if on_cpu else math.inf):
        ps, gs, ms = params[part], grads[part], exp_avgs[part]
        if weight_decay != 0.0:
            torch._foreach_mul_(ps, 1.0 - lr * weight_decay)
        c = _foreach_momentum(ms, gs, beta1)
        torch._foreach_sign_(c)
        torch._foreach_add_(ps, c, alpha=-lr)
        _foreach_momentum(ms, gs, beta2, inplace=True)


class Signum(torch.optim.Optimizer):
    """SIGNUM (Bernstein et al. 2018), the β1 = β2, λ = 0 special case of Lion:

    m ← β·m + (1−β)·g
    p ← p − lr·sign(m)
    """

    def __init__(self, params, lr: float = 1e-4, beta: float = 0.9):
        super().__init__(params, dict(lr=lr, beta=beta))

    def add_param_group(self, param_group: dict) -> None:
        merged = {**self.defaults, **param_group}
        _check_hyperparameters(merged["lr"], (merged["beta"],))
        super().add_param_group(param_group)

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None):
        loss = _closure_loss(closure)
        for group in self.param_groups:
            for p in _params_with_grad(group):
                state = self.state[p]
                if not state:
                    state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                m = _momentum(state["exp_avg"], p.grad, group["beta"], inplace=True)
                p.add_(m.sign(), alpha=-group["lr"])
        return loss


# --------------------------------------------------------------------------- memory (C2.1)


def state_numel(optimizer: torch.optim.Optimizer, params: Iterable[Tensor] | None = None) -> int:
    """Elements in optimizer-state tensors of a parameter's size, summed over `params` (default: all
    parameters of the optimizer). The scalar `step` is skipped by name, so that a one-element
    parameter does not count it either (trap T9). Lion gives P, AdamW 2P, AdamW(amsgrad) 3P."""
    if params is None:
        params = [p for group in optimizer.param_groups for p in group["params"]]
    total = 0
    for p in params:
        for key, value in optimizer.state.get(p, {}).items():
            if key != "step" and torch.is_tensor(value) and value.numel() == p.numel():
                total += value.numel()
    return total


def state_bytes(optimizer: torch.optim.Optimizer) -> int:
    """Bytes held by all optimizer-state tensors, step counters included."""
    return sum(
        value.element_size() * value.numel()
        for state in optimizer.state.values()
        for value in state.values()
        if torch.is_tensor(value)
    )


# --------------------------------------------------------------------------- Adam's first step (C2.3)


def adam_first_step_error(
    params: nn.Module | Iterable[Tensor],
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    dtype: torch.dtype | None = torch.float64,
) -> float:
    """max |Δθ + lr·sign(g₁)| / lr after one AdamW step with ε = 0 and λ = 0, over the coordinates
    with g₁ ≠ 0 (g = 0 gives 0/0 there, trap T3).

    `params` (or a module's parameters) must already hold their first gradient g₁ in `.grad`; the
    step runs on detached copies cast to `dtype` (None: keep each parameter's dtype), so they are left
    untouched. With m̂₁ = g₁ and v̂₁ = g₁² the update is g₁/|g₁| = sign(g₁), so the result is rounding
    only. float64 is the default because reading Δθ back off θ costs ulp(θ)/lr: about 3e-5 for
    θ ≈ 0.5 and lr = 1e-3 in float32, well above C2.3's 1e-6 tolerance. In float32, |g₁| below about
    1e-19 also makes (1−β2)·g₁² underflow, and the result is then inf or nan.
    """
    if not (math.isfinite(lr) and lr > 0.0):
        raise ValueError(f"lr must be a finite number > 0, got {lr}")
    params = params.parameters() if isinstance(params, nn.Module) else params
    copies = []
    for p in params:
        if p.grad is not None:
            copies.append(p.detach().to(dtype or p.dtype, copy=True).requires_grad_(True))
            copies[-1].grad = p.grad.detach().to(dtype or p.dtype, copy=True)
    if not any(bool(c.grad.any()) for c in copies):
        raise ValueError("no parameter holds a non-zero gradient")
    before = [c.detach().clone() for c in copies]
    adam = torch.optim.AdamW(copies, lr=lr, betas=betas, eps=0.0, weight_decay=0.0, foreach=False)
    adam.step()
    worst = 0.0
    for c, theta0 in zip(copies, before, strict=True):
        g = c.grad
        nonzero = g != 0
        if nonzero.any():
            error = (c.detach() - theta0 + lr * g.sign())[nonzero].abs().max().item()
            worst = max(worst, error / lr)
    return worst


# --------------------------------------------------------------------------- trajectories (C2.2, C2.3)


def trajectory_gaps(
    pairs: Sequence[tuple[nn.Module, torch.optim.Optimizer]],
    batches: Iterable,
    loss_fn: Callable[[nn.Module, object], Tensor],
) -> list[float]:
    """Train two (model, optimizer) pairs on the same batches; after each step, the largest
    |θ_a − θ_b| over all coordinates. Equal initial weights and equal updates give exactly 0."""
    (model_a, _), (model_b, _) = pairs
    gaps = []
    for batch in batches:
        for model, opt in pairs:
            opt.zero_grad(set_to_none=True)
            loss_fn(model, batch).backward()
            opt.step()
        gaps.append(
            max((pa - pb).abs().max().item() for pa, pb in zip(model_a.parameters(), model_b.parameters(), strict=True))
        )
    return gaps


def adam_update_sizes(
    model: nn.Module,
    batches: Iterable,
    loss_fn: Callable[[nn.Module, object], Tensor],
    lr: float,
    betas: tuple[float, float] = (0.9, 0.999),
) -> list[float]:
    """mean |u_t| per step of AdamW with λ = 0, where θ_t = θ_{t−1} − lr·u_t; |u_1| = 1 exactly
    (sign(g₁)), and sign-like updates stay near 1. ε = 1e-30 rather than 0, so that a coordinate
    whose gradient is exactly 0 (a dead ReLU) gives u = 0 instead of 0/0 (trap T3); its size is
    counted as 0."""
    adam = torch.optim.AdamW(model.parameters(), lr=lr, betas=betas, eps=1e-30, weight_decay=0.0, foreach=False)
    sizes = []
    for batch in batches:
        before = [p.detach().clone() for p in model.parameters()]
        adam.zero_grad(set_to_none=True)
        loss_fn(model, batch).backward()
        adam.step()
        steps = torch.cat(
            [((theta0 - p.detach()) / lr).flatten() for theta0, p in zip(before, model.parameters(), strict=True)]
        )
        sizes.append(steps.abs().mean().item())
    return sizes
