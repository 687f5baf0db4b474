"""DDPM as the author derives it (kexue.fm 9152: an autoregressive VAE; 9164: Bayes + denoising).

The author's notation, not the DDPM paper's: x_t = α_t x_{t−1} + β_t ε_t with α_t² + β_t² = 1,
ᾱ_t = α_1⋯α_t, β̄_t = √(1 − ᾱ_t²). The paper's β_t is β_t² here; his schedule is α_t = √(1 − 0.02 t/T).

- Closed forms: the forward marginal p(x_t|x_0) = N(ᾱ_t x_0, β̄_t²), the posterior p(x_{t−1}|x_t, x_0) =
  N(μ̃, σ̃²), the ε-parameterised sampling mean; checked by simulating scalar chains (numpy) and by sympy.
- One training loop for ε_θ (MLP on 2-D points and digits, a small U-Net on MNIST in the full tier) with the
  loss ‖ε − ε_θ(ᾱ_t x_0 + β̄_t ε, t)‖², and the ancestral sampler with either variance choice.
- Sample-quality metrics: sliced Wasserstein distance, RBF-MMD, Fréchet distance in classifier features.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
import torch
from scipy import linalg, stats
from torch import Tensor, nn

from kexue.classify import mlp

# --------------------------------------------------------------------------- the schedule and closed forms


@dataclass(frozen=True)
class Schedule:
    """Arrays indexed by t = 0 … T (index 0: x_0 itself, α_0 = ᾱ_0 = 1, β_0 = β̄_0 = 0), float64."""

    alpha: np.ndarray
    beta: np.ndarray
    alpha_bar: np.ndarray
    beta_bar: np.ndarray

    @property
    def T(self) -> int:
        return len(self.alpha) - 1


def schedule(T: int, beta_max_sq: float = 0.02) -> Schedule:
    """The article's α_t = √(1 − 0.02 t/T) (β_t² grows linearly from 0.02/T to 0.02), and its products."""
    t = np.arange(T + 1)
    alpha = np.sqrt(1 - beta_max_sq * t / T)
    beta = np.sqrt(1 - alpha**2)  # α_t² + β_t² = 1
    alpha_bar = np.cumprod(alpha)  # ᾱ_t = α_1⋯α_t (α_0 = 1)
    beta_bar = np.sqrt(1 - alpha_bar**2)  # β̄_t = √(1 − ᾱ_t²)
    return Schedule(alpha, beta, alpha_bar, beta_bar)


def alpha_bar_T_exact(T: int, beta_max_sq: float = 0.02) -> float:
    """ᾱ_T from the product in log space, ᾱ_T² = Π_t (1 − 0.02 t/T), summed with math.fsum (no cumprod drift)."""
    return math.exp(0.5 * math.fsum(math.log1p(-beta_max_sq * t / T) for t in range(1, T + 1)))


def posterior_coefficients(s: Schedule, t) -> tuple:
    """μ̃ = c_x x_t + c_0 x_0 and σ̃² of p(x_{t−1}|x_t, x_0), for t ≥ 1:
    c_x = α_t β̄_{t−1}²/β̄_t², c_0 = ᾱ_{t−1} β_t²/β̄_t², σ̃² = β̄_{t−1}² β_t²/β̄_t² (β̄_t > 0 for t ≥ 1)."""
    t = np.asarray(t)
    bb_t, bb_prev = s.beta_bar[t] ** 2, s.beta_bar[t - 1] ** 2
    c_x = s.alpha[t] * bb_prev / bb_t
    c_0 = s.alpha_bar[t - 1] * s.beta[t] ** 2 / bb_t
    var = bb_prev * s.beta[t] ** 2 / bb_t
    return c_x, c_0, var


def sampling_sigma(s: Schedule, choice: str) -> np.ndarray:
    """σ_t of the sampler, t = 0 … T: "beta" σ_t = β_t, or "posterior" σ_t = β̄_{t−1} β_t / β̄_t (= σ̃,
    exact for single-point data; 0 at t = 1 since β̄_0 = 0: the last step is deterministic)."""
    if choice == "beta":
        return s.beta.copy()
    if choice == "posterior":
        sigma = np.zeros_like(s.beta)
        sigma[1:] = s.beta_bar[:-1] * s.beta[1:] / s.beta_bar[1:]
        return sigma
    raise ValueError(f"unknown variance choice {choice!r}; expected beta or posterior")


# --------------------------------------------------------------------------- scalar chains (numpy)


def simulate_chains(x0: np.ndarray, s: Schedule, record, rng: np.random.Generator) -> dict[int, np.ndarray]:
    """Run x_t = α_t x_{t−1} + β_t ε_t for every chain (float32 steps: the rounding, ~1e-7, is far below
    the 4-SE tolerances) and return {t: x_t as float64} for t in `record` (0 = x_0)."""
    x = np.asarray(x0, dtype=np.float32).copy()
    noise = np.empty_like(x)
    record = set(record)
    states = {0: x.astype(np.float64)} if 0 in record else {}
    for t in range(1, max(record) + 1):
        rng.standard_normal(out=noise, dtype=np.float32)
        x *= np.float32(s.alpha[t])
        x += np.float32(s.beta[t]) * noise
        if t in record:
            states[t] = x.astype(np.float64)
    return states


def moment_test(x: np.ndarray, mean: float, var: float) -> dict:
    """Sample mean and variance against predictions, with z = (observed − predicted)/SE;
    SE(mean) = s/√n, SE(var) = √((m₄ − s⁴)/n) (no normality assumed)."""
    n = len(x)
    m, v = float(x.mean()), float(x.var(ddof=1))
    m4 = float(np.mean((x - m) ** 4))
    se_m, se_v = math.sqrt(v / n), math.sqrt(max(m4 - v**2, 0.0) / n)
    return {
        "mean": m,
        "mean_predicted": mean,
        "mean_z": (m - mean) / se_m,
        "var": v,
        "var_predicted": var,
        "var_z": (v - var) / se_v,
    }


def regression_test(y: np.ndarray, columns: dict[str, np.ndarray], slopes: dict, intercept: float, var: float) -> dict:
    """OLS of y on an intercept and `columns`; each coefficient and the residual variance against its
    prediction, as z = (observed − predicted)/SE (coefficient SEs from σ̂²(XᵀX)⁻¹, the variance's from the
    residuals' fourth moment)."""
    names = list(columns)
    X = np.column_stack([np.ones_like(y)] + [columns[k] for k in names])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ coef
    n, p = X.shape
    s2 = float(resid @ resid / (n - p))
    se = np.sqrt(s2 * np.diag(np.linalg.inv(X.T @ X)))
    m4 = float(np.mean(resid**4))
    se_var = math.sqrt(max(m4 - s2**2, 0.0) / n)
    out = {"intercept": float(coef[0]), "intercept_predicted": intercept, "intercept_z": (coef[0] - intercept) / se[0]}
    for i, name in enumerate(names, start=1):
        out |= {
            f"slope_{name}": float(coef[i]),
            f"slope_{name}_predicted": slopes[name],
            f"slope_{name}_z": (coef[i] - slopes[name]) / se[i],
        }
    return out | {"var": s2, "var_predicted": var, "var_z": (s2 - var) / se_var}


def max_abs_z(rows: list[dict]) -> float:
    return max(abs(v) for row in rows for k, v in row.items() if k.endswith("_z"))


# --------------------------------------------------------------------------- symbolic identities (sympy)


def symbolic_residues() -> dict[str, str]:
    """Each identity as (left − right), simplified by sympy; "0" when it holds. Symbols: a = α_t,
    A = ᾱ_{t−1} (so ᾱ_t = aA, β_t² = 1 − a², β̄_t² = 1 − a²A², β̄_{t−1}² = 1 − A²)."""
    import sympy as sp

    a, A = sp.symbols("alpha_t alphabar_prev", positive=True)
    x, x0, y, eps, eps_theta = sp.symbols("x_t x_0 x_prev epsilon epsilon_theta", real=True)
    beta2, abar = 1 - a**2, a * A
    bbar2, bbar2_prev = 1 - abar**2, 1 - A**2

    def mu_tilde(xt, x_0):
        return a * bbar2_prev / bbar2 * xt + A * beta2 / bbar2 * x_0

    var_tilde = bbar2_prev * beta2 / bbar2

    # posterior (9164): log p(x_t|x_{t−1}) + log p(x_{t−1}|x_0), a quadratic in y = x_{t−1}; its precision
    # and mean must be 1/σ̃² and μ̃
    log_joint = -((x - a * y) ** 2) / (2 * beta2) - (y - A * x0) ** 2 / (2 * bbar2_prev)
    quad = sp.Poly(sp.expand(log_joint), y)
    precision = -2 * quad.coeff_monomial(y**2)
    mean = quad.coeff_monomial(y) / precision
    # ε-mean: x̂_0 = (x_t − β̄_t ε_θ)/ᾱ_t put into μ̃ gives (1/α_t)(x_t − (β_t²/β̄_t) ε_θ)
    x0_hat = (x - sp.sqrt(bbar2) * eps_theta) / abar
    eps_mean_3 = (x - beta2 / sp.sqrt(bbar2) * eps_theta) / a
    # part 2's convention: μ = (1/α_t)(x_t − β_t ε⁽²⁾) with ε⁽²⁾ = (β_t/β̄_t) ε_θ is the same mean (the trap)
    eps_mean_2 = (x - sp.sqrt(beta2) * (sp.sqrt(beta2) / sp.sqrt(bbar2) * eps_theta)) / a
    # the loss: with x_t = ᾱ_t x_0 + β̄_t ε, ‖x_0 − x̂_0‖² = (β̄_t²/ᾱ_t²)‖ε − ε_θ‖² (per coordinate)
    xt = abar * x0 + sp.sqrt(bbar2) * eps
    x0_hat_of_xt = (xt - sp.sqrt(bbar2) * eps_theta) / abar
    identities = {
        "posterior_variance": 1 / precision - var_tilde,
        "posterior_mean": mean - mu_tilde(x, x0),
        "eps_mean": mu_tilde(x, x0_hat) - eps_mean_3,
        "eps_mean_part2_convention": eps_mean_2 - eps_mean_3,
        "x0_error": (x0 - x0_hat_of_xt) ** 2 - bbar2 / abar**2 * (eps - eps_theta) ** 2,
    }
    return {name: str(sp.simplify(expr)) for name, expr in identities.items()}


# --------------------------------------------------------------------------- data


def moons(n: int, noise: float, seed: int) -> np.ndarray:
    """scikit-learn's two moons (float32, n × 2), unstandardised."""
    from sklearn.datasets import make_moons

    return make_moons(n_samples=n, noise=noise, random_state=seed)[0].astype(np.float32)


def standardise(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """Each set minus the training mean, over the training standard deviation (per coordinate)."""
    mean, std = train.mean(0), train.std(0)
    return [((x - mean) / std).astype(np.float32) for x in (train, *others)]


def digits(heldout: int, seed: int) -> dict:
    """scikit-learn's 8×8 digits (1797 images, pixels 0 … 16) rescaled to [−1, 1] (x/8 − 1), split by a
    seeded permutation into train and held-out: {"train": (x, y), "heldout": (x, y)}."""
    from sklearn.datasets import load_digits

    data = load_digits()
    x, y = (data.data / 8.0 - 1.0).astype(np.float32), data.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(x))
    test, train = order[:heldout], order[heldout:]
    return {"train": (x[train], y[train]), "heldout": (x[test], y[test])}


# --------------------------------------------------------------------------- models


class SinusoidalEmbedding(nn.Module):
    """t ↦ [sin(t ω_k), cos(t ω_k)], ω_k = 10000^(−k/(d/2)) (the Transformer's position encoding)."""

    def __init__(self, dim: int):
        super().__init__()
        self.register_buffer("freqs", torch.exp(-math.log(10000.0) * torch.arange(dim // 2) / (dim // 2)))
        self.dim = dim

    def forward(self, t: Tensor) -> Tensor:
        angles = t.float()[:, None] * self.freqs[None, :]
        return torch.cat([angles.sin(), angles.cos()], dim=-1)


def time_embedding(kind: str, dim: int, T: int) -> nn.Module:
    """ "sinusoidal" (fixed) or "learned" (a trainable (T + 1) × dim table, row t for step t; row 0 unused)."""
    if kind == "sinusoidal":
        return SinusoidalEmbedding(dim)
    if kind == "learned":
        return nn.Embedding(T + 1, dim)
    raise ValueError(f"unknown t-encoding {kind!r}; expected sinusoidal or learned")


class EpsMLP(nn.Module):
    """ε_θ(x_t, t): an MLP (SiLU) on [x_t, embed(t)], `layers` hidden layers of `hidden` units."""

    def __init__(self, dim: int, hidden: int, layers: int, embedding: nn.Module, embedding_dim: int):
        super().__init__()
        self.embed = embedding
        self.net = mlp([dim + embedding_dim] + [hidden] * layers + [dim], activation=nn.SiLU)

    def forward(self, x: Tensor, t: Tensor) -> Tensor:
        return self.net(torch.cat([x, self.embed(t)], dim=-1))


def norm_layer(kind: str, channels: int, groups: int = 8) -> nn.Module:
    """ "group" (GroupNorm: per sample, the same in training and sampling) or "batch" (BatchNorm: batch
    statistics in training, running averages in sampling: the mismatch 9152 warns about)."""
    if kind == "group":
        return nn.GroupNorm(min(groups, channels), channels)
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    raise ValueError(f"unknown norm {kind!r}; expected group or batch")


class ResBlock(nn.Module):
    """norm → SiLU → conv, plus the t-embedding, twice; a residual connection (1×1 conv when widths differ)."""

    def __init__(self, c_in: int, c_out: int, t_dim: int, norm: str):
        super().__init__()
        self.norm1, self.conv1 = norm_layer(norm, c_in), nn.Conv2d(c_in, c_out, 3, padding=1)
        self.t_proj = nn.Linear(t_dim, c_out)
        self.norm2, self.conv2 = norm_layer(norm, c_out), nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = nn.Identity() if c_in == c_out else nn.Conv2d(c_in, c_out, 1)

    def forward(self, x: Tensor, temb: Tensor) -> Tensor:
        h = self.conv1(nn.functional.silu(self.norm1(x))) + self.t_proj(temb)[:, :, None, None]
        h = self.conv2(nn.functional.silu(self.norm2(h)))
        return h + self.skip(x)


class UNet(nn.Module):
    """A small U-Net for side × side one-channel images given flattened (side must be divisible by 4): two
    down-samplings, additive skips (the author's simplification), no attention; t by sinusoidal encoding."""

    def __init__(self, side: int = 28, channels: int = 32, t_dim: int = 64, norm: str = "group"):
        super().__init__()
        c = channels
        self.side = side
        self.embed = nn.Sequential(SinusoidalEmbedding(t_dim), nn.Linear(t_dim, t_dim), nn.SiLU())
        self.inp = nn.Conv2d(1, c, 3, padding=1)
        self.down1, self.pool1 = ResBlock(c, c, t_dim, norm), nn.Conv2d(c, c, 3, stride=2, padding=1)
        self.down2, self.pool2 = ResBlock(c, 2 * c, t_dim, norm), nn.Conv2d(2 * c, 2 * c, 3, stride=2, padding=1)
        self.mid = ResBlock(2 * c, 2 * c, t_dim, norm)
        self.up2 = ResBlock(2 * c, c, t_dim, norm)
        self.up1 = ResBlock(c, c, t_dim, norm)
        self.out = nn.Sequential(norm_layer(norm, c), nn.SiLU(), nn.Conv2d(c, 1, 3, padding=1))

    def forward(self, x: Tensor, t: Tensor) -> Tensor:
        temb = self.embed(t)
        h0 = self.inp(x.view(-1, 1, self.side, self.side))
        h1 = self.down1(h0, temb)  # side
        h2 = self.down2(self.pool1(h1), temb)  # side/2
        h = self.mid(self.pool2(h2), temb)  # side/4
        h = self.up2(nn.functional.interpolate(h, scale_factor=2) + h2, temb)
        h = self.up1(nn.functional.interpolate(h, scale_factor=2) + h1, temb)
        return self.out(h).flatten(1)


# --------------------------------------------------------------------------- training and sampling


def diffuse(x0: Tensor, t: Tensor, eps: Tensor, coef: dict) -> Tensor:
    """x_t = ᾱ_t x_0 + β̄_t ε (the forward marginal, one jump)."""
    return coef["alpha_bar"][t, None] * x0 + coef["beta_bar"][t, None] * eps


def denoising_loss(model: nn.Module, x0: Tensor, t: Tensor, eps: Tensor, coef: dict, reduction: str) -> Tensor:
    """‖ε − ε_θ(ᾱ_t x_0 + β̄_t ε, t)‖²: "sum" over coordinates then the batch mean (the author's advice),
    or "mean" over coordinates too (1/dim of it: the tiny loss whose gradients underflow in fp16)."""
    err = (eps - model(diffuse(x0, t, eps, coef), t)).float() ** 2
    if reduction == "sum":
        return err.flatten(1).sum(1).mean()
    if reduction == "mean":
        return err.mean()
    raise ValueError(f"unknown reduction {reduction!r}; expected sum or mean")


def torch_coefficients(s: Schedule, device="cpu") -> dict[str, Tensor]:
    """The schedule's arrays as float32 tensors (index t)."""
    return {
        k: torch.tensor(getattr(s, k), dtype=torch.float32, device=device)
        for k in ("alpha", "beta", "alpha_bar", "beta_bar")
    }


def train(
    model: nn.Module,
    data: Tensor,
    s: Schedule,
    *,
    steps: int,
    batch_size: int,
    lr: float,
    seed: int,
    eval_every: int,
    eval_size: int,
    reduction: str = "sum",
    autocast_fp16: bool = False,
    device: str = "cpu",
    log: logging.Logger | None = None,
) -> list[dict]:
    """Adam on the denoising loss with t ~ U{1 … T}; the model is trained in place. Returns the history,
    one row per evaluation (step 0 included): the mean training loss since the last row (in the
    reduction's own units) and the loss on a fixed evaluation batch (x_0, t, ε drawn once), always as
    the per-sample sum so that both reductions compare. `autocast_fp16` runs forward and backward under
    CUDA fp16 autocast without loss scaling (the setting of the sum-vs-mean claim)."""
    log = log or logging.getLogger(__name__)
    coef = torch_coefficients(s, device)
    gen = torch.Generator().manual_seed(seed)
    data = data.to(device)

    def draw(n):
        idx = torch.randint(len(data), (n,), generator=gen)
        t = torch.randint(1, s.T + 1, (n,), generator=gen)
        eps = torch.randn((n, data.shape[1]), generator=gen)
        return data[idx.to(device)], t.to(device), eps.to(device)

    x_eval, t_eval, eps_eval = draw(eval_size)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    autocast = torch.autocast("cuda", dtype=torch.float16, enabled=autocast_fp16)

    def evaluate() -> float:
        was = model.training
        model.eval()
        with torch.no_grad(), autocast:
            value = denoising_loss(model, x_eval, t_eval, eps_eval, coef, "sum").item()
        model.train(was)
        return value

    history = [{"step": 0, "train_loss": math.nan, "eval_loss": evaluate()}]
    losses, started = [], time.perf_counter()
    model.train()
    for step in range(1, steps + 1):
        x0, t, eps = draw(batch_size)
        with autocast:
            loss = denoising_loss(model, x0, t, eps, coef, reduction)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if step % eval_every == 0 or step == steps:
            history.append({"step": step, "train_loss": float(np.mean(losses)), "eval_loss": evaluate()})
            losses = []
            log.info(
                "step %d/%d  train loss %.4g  eval loss %.4g  (%.1f s)",
                step,
                steps,
                history[-1]["train_loss"],
                history[-1]["eval_loss"],
                time.perf_counter() - started,
            )
    return history


@torch.no_grad()
def sample(
    model: nn.Module, n: int, dim: int, s: Schedule, choices, seed: int, device: str = "cpu", batch: int = 4096
) -> dict[str, Tensor]:
    """Ancestral sampling from x_T ~ N(0, I): x_{t−1} = (1/α_t)(x_t − (β_t²/β̄_t) ε_θ(x_t, t)) + σ_t z, t = T … 1,
    for each variance choice from the SAME x_T and the SAME z at every step (the trap: compare choices with
    the same weights and the same noise), the choices stacked in one batch. Returns {choice: (n, dim)}."""
    model.eval()
    coef = torch_coefficients(s, device)
    sigmas = {c: torch.tensor(sampling_sigma(s, c), dtype=torch.float32, device=device) for c in choices}
    gen = torch.Generator().manual_seed(seed)
    out = {c: [] for c in choices}
    for start in range(0, n, batch):
        m = min(batch, n - start)
        x_T = torch.randn((m, dim), generator=gen).to(device)
        x = torch.cat([x_T] * len(choices))
        for t in range(s.T, 0, -1):
            z = torch.randn((m, dim), generator=gen).to(device)
            tt = torch.full((len(x),), t, dtype=torch.long, device=device)
            eps = model(x, tt).float()
            mean = (x - coef["beta"][t] ** 2 / coef["beta_bar"][t] * eps) / coef["alpha"][t]
            sigma = torch.cat([sigmas[c][t].expand(m, 1) for c in choices])
            x = mean + sigma * torch.cat([z] * len(choices))
        for c, part in zip(choices, x.split(m), strict=True):
            out[c].append(part.cpu())
    return {c: torch.cat(parts) for c, parts in out.items()}


# --------------------------------------------------------------------------- sample-quality metrics


def directions(count: int, dim: int, seed: int) -> np.ndarray:
    """`count` random unit vectors in R^dim (rows), seeded: the same projections for every comparison."""
    v = np.random.default_rng(seed).standard_normal((count, dim))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def sliced_wasserstein(x: np.ndarray, y: np.ndarray, dirs: np.ndarray) -> float:
    """Mean over the directions θ of W₁(θ·x, θ·y) (scipy's one-dimensional Wasserstein distance)."""
    px, py = x @ dirs.T, y @ dirs.T
    return float(np.mean([stats.wasserstein_distance(px[:, k], py[:, k]) for k in range(len(dirs))]))


def median_bandwidth(x: np.ndarray) -> float:
    """The median pairwise distance of x (the median heuristic for an RBF bandwidth)."""
    from scipy.spatial.distance import pdist

    return float(np.median(pdist(x)))


def mmd2(x: np.ndarray, y: np.ndarray, bandwidth: float) -> float:
    """Unbiased MMD² with the RBF kernel exp(−‖u − v‖²/(2h²)) (scikit-learn's rbf_kernel)."""
    from sklearn.metrics.pairwise import rbf_kernel

    gamma = 1.0 / (2 * bandwidth**2)
    kxx, kyy, kxy = rbf_kernel(x, x, gamma=gamma), rbf_kernel(y, y, gamma=gamma), rbf_kernel(x, y, gamma=gamma)
    n, m = len(x), len(y)
    return float(
        (kxx.sum() - np.trace(kxx)) / (n * (n - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * kxy.mean()
    )


def frechet_distance(f: np.ndarray, g: np.ndarray) -> float:
    """‖μ_f − μ_g‖² + tr(Σ_f + Σ_g − 2(Σ_f Σ_g)^{1/2}) between Gaussians fitted to two feature sets (FID's
    formula; scipy's sqrtm, its tiny imaginary part dropped)."""
    mu_f, mu_g = f.mean(0), g.mean(0)
    cov_f, cov_g = np.cov(f, rowvar=False), np.cov(g, rowvar=False)
    root = linalg.sqrtm(cov_f @ cov_g)
    root = root.real if np.iscomplexobj(root) else root
    return float(np.sum((mu_f - mu_g) ** 2) + np.trace(cov_f + cov_g - 2 * root))


def relative_gap(m1: float, m2: float) -> float:
    """|m₁ − m₂| / min(m₁, m₂): the brief's measure of "similar"."""
    return abs(m1 - m2) / min(m1, m2)


def final_over_best(curve) -> float:
    """A loss curve's last value over its best (finite) value; inf when it ends non-finite. The
    sum_not_mean rule calls a run diverged above a threshold of it (claims.yaml)."""
    values = np.asarray(curve, dtype=float)
    finite = values[np.isfinite(values)]
    if not np.isfinite(values[-1]) or finite.size == 0:
        return math.inf
    return float(values[-1] / finite.min())
