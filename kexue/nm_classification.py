"""n m-way classifications with one loss (kexue.fm/archives/9158, "a failed attempt").

One sample has n heads i = 1…n, each over m classes j = 1…m; scores s_ij, labels t_ij (one-hot or soft,
Σ_j t_ij = 1), s̄_i = (1/m) Σ_j s_ij. Scores have shape (…, n, m) and soft labels the same; every loss
returns the mean over the leading (batch) axes of the per-sample loss.

    per-head CE  Σ_i Σ_j t_ij (LSE_k s_ik − s_ij)
    loss-1       Σ_j log(1 + Σ_i Σ_{k≠j} t_ij e^{s_ik − s_ij})
    loss-3       Σ_j log(1 + Σ_i t_ij e^{−s_ij + s̄_i})
    multi-label CE (archives/7359, soft form of 9064)  log(1 + Σ_i t_i e^{−u_i}) + log(1 + Σ_i (1 − t_i) e^{u_i})

All are computed in log space (logsumexp), so no exponential overflows (brief, trap 5).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from scipy.optimize import minimize
from torch import Tensor

LOSSES = ("ce", "loss1", "loss3")


def _log1p_sum_exp(terms: Tensor, dim: int) -> Tensor:
    """log(1 + Σ e^{terms}) along dim, stably: logsumexp over the terms with a 0 appended."""
    zero = torch.zeros_like(terms.select(dim, 0)).unsqueeze(dim)
    return torch.logsumexp(torch.cat([zero, terms], dim=dim), dim=dim)


def _log(t: Tensor) -> Tensor:
    """log t with log 0 = −inf (a class no head holds adds nothing inside the sums)."""
    return torch.log(t)


def per_head_ce(s: Tensor, t: Tensor) -> Tensor:
    """Σ_i Σ_j t_ij (LSE_k s_ik − s_ij): n independent softmax cross-entropies."""
    return -(t * torch.log_softmax(s, dim=-1)).sum((-1, -2)).mean()


def loss1(s: Tensor, t: Tensor) -> Tensor:
    """Σ_j log(1 + Σ_i t_ij Σ_{k≠j} e^{s_ik − s_ij}); the inner sum as log t_ij + LSE_{k≠j}(s_ik − s_ij),
    the k = j term masked with −inf (exact and stable also when e^{LSE_i − s_ij} − 1 would round to 0)."""
    m = s.shape[-1]
    diff = s.unsqueeze(-2) - s.unsqueeze(-1)  # [..., i, j, k] = s_ik − s_ij
    off_diagonal = torch.full((m, m), 0.0, dtype=s.dtype, device=s.device).fill_diagonal_(-torch.inf)
    inner = _log(t) + torch.logsumexp(diff + off_diagonal, dim=-1)
    return _log1p_sum_exp(inner, dim=-2).sum(-1).mean()


def loss3(s: Tensor, t: Tensor) -> Tensor:
    """Σ_j log(1 + Σ_i t_ij e^{−s_ij + s̄_i})."""
    inner = _log(t) - s + s.mean(-1, keepdim=True)
    return _log1p_sum_exp(inner, dim=-2).sum(-1).mean()


def multilabel_ce(u: Tensor, t: Tensor) -> Tensor:
    """log(1 + Σ_i t_i e^{−u_i}) + log(1 + Σ_i (1 − t_i) e^{u_i}) over the last axis (positives have t = 1)."""
    return (_log1p_sum_exp(_log(t) - u, dim=-1) + _log1p_sum_exp(_log(1 - t) + u, dim=-1)).mean()


LOSS_FUNCTIONS = {"ce": per_head_ce, "loss1": loss1, "loss3": loss3}


def hard_loss(name: str, classes: int):
    """The named loss for integer labels (…, n): one-hot targets, for kexue.classify.train."""
    function = LOSS_FUNCTIONS[name]
    return lambda s, y: function(s, F.one_hot(y, classes).to(s.dtype))


# --------------------------------------------------------------------------- free-logit checks (no model)


def gradient_norm(loss, s: Tensor, t: Tensor) -> float:
    """‖∂l/∂s‖ (Euclidean, float64) of a loss of one sample's free logits."""
    s = s.detach().clone().double().requires_grad_(True)
    (grad,) = torch.autograd.grad(loss(s, t.double()), s)
    return grad.norm().item()


def minimise(loss, t: Tensor, starts: int, seed: int) -> tuple[np.ndarray, float]:
    """BFGS (scipy, autograd gradients, float64) on the free logits from `starts` random N(0, 1) starts;
    the logits of the lowest final loss and that loss."""
    t = t.double()
    shape = t.shape

    def value_and_grad(flat):
        s = torch.tensor(flat.reshape(shape), dtype=torch.float64, requires_grad=True)
        value = loss(s, t)
        (grad,) = torch.autograd.grad(value, s)
        return value.item(), grad.numpy().ravel()

    rng = np.random.default_rng(seed)
    best = None
    for _ in range(starts):
        result = minimize(value_and_grad, rng.normal(size=t.numel()), jac=True, method="BFGS", options={"gtol": 1e-12})
        if best is None or result.fun < best.fun:
            best = result
    return best.x.reshape(shape), float(best.fun)


def softmax_gap(s: np.ndarray, t: Tensor) -> float:
    """max |softmax(s_i) − t_i| over heads and classes."""
    return (torch.softmax(torch.from_numpy(s), dim=-1) - t.double()).abs().max().item()


def free_logit_check(name: str, heads: int, classes: int, label_sets: int, starts: int, seed: int) -> list[dict]:
    """Per Dirichlet(1) soft-label set: the gradient norm at s = log t and the minimiser's softmax gap."""
    gen = torch.Generator().manual_seed(seed)
    dirichlet = torch.distributions.Dirichlet(torch.ones(classes, dtype=torch.float64))
    rows = []
    for k in range(label_sets):
        torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=gen)))
        t = dirichlet.sample((heads,))
        s_star, value = minimise(LOSS_FUNCTIONS[name], t, starts, seed + k)
        rows.append(
            {
                "loss": name,
                "set": k,
                "grad_norm_at_log_t": gradient_norm(LOSS_FUNCTIONS[name], torch.log(t), t),
                "minimum": value,
                "loss_at_log_t": LOSS_FUNCTIONS[name](torch.log(t), t).item(),
                "softmax_gap": softmax_gap(s_star, t),
            }
        )
    return rows


def m2_reduction(heads: int, seed: int) -> dict:
    """For m = 2: loss-1(s, t) − multilabel-CE(s_i1 − s_i2, t_i1) and loss-3 − multilabel-CE((s_i1 − s_i2)/2),
    on random s and soft t (float64); also loss-3 against the version without the ½, which must differ."""
    gen = torch.Generator().manual_seed(seed)
    s = 3 * torch.randn(heads, 2, generator=gen, dtype=torch.float64)
    p = torch.rand(heads, generator=gen, dtype=torch.float64)
    t = torch.stack([p, 1 - p], dim=-1)
    u = s[:, 0] - s[:, 1]
    return {
        "loss1_error": abs(loss1(s, t) - multilabel_ce(u, p)).item(),
        "loss3_error": abs(loss3(s, t) - multilabel_ce(u / 2, p)).item(),
        "loss3_without_half_error": abs(loss3(s, t) - multilabel_ce(u, p)).item(),
    }


# --------------------------------------------------------------------------- the synthetic linear task


def class_prior(classes: int, ratio: float) -> np.ndarray:
    """A geometric prior over m classes whose largest/smallest ratio is R: p_j ∝ R^{−j/(m−1)}."""
    weights = ratio ** (-np.arange(classes) / (classes - 1))
    return weights / weights.sum()


def linear_task(
    dim: int, heads: int, classes: int, ratio: float, n_train: int, n_test: int, seed: int
) -> dict[str, tuple[Tensor, Tensor]]:
    """x ~ N(0, I_dim), W ∈ R^{dim×n×m} with N(0, 1/dim) entries (scores of unit variance), labels
    y_i = argmax_j (xW)_ij + b_j with b = log(prior): one skewed class prior shared by every head (brief,
    trap 3). The ground truth W is fixed by `seed` (the task), the same for every training seed."""
    gen = torch.Generator().manual_seed(seed)
    w = torch.randn(dim, heads * classes, generator=gen) / dim**0.5
    b = torch.from_numpy(np.log(class_prior(classes, ratio))).float()

    def draw(n: int) -> tuple[Tensor, Tensor]:
        x = torch.randn(n, dim, generator=gen)
        return x, ((x @ w).view(n, heads, classes) + b).argmax(-1)

    return {"train": draw(n_train), "test": draw(n_test)}


class HeadsModel(torch.nn.Module):
    """A network whose output is reshaped to (batch, n heads, m classes)."""

    def __init__(self, body: torch.nn.Module, heads: int, classes: int):
        super().__init__()
        self.body, self.heads, self.classes = body, heads, classes

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x).view(len(x), self.heads, self.classes)


def above_mean_not_max(s: Tensor, y: Tensor) -> float:
    """Share of heads whose target score lies above the head's mean score but is not its largest
    (loss-3 only asks for s_ij ≫ s̄_i; brief, loss3_hard_poor)."""
    target = s.gather(-1, y.unsqueeze(-1)).squeeze(-1)
    return ((target > s.mean(-1)) & (s.argmax(-1) != y)).double().mean().item()
