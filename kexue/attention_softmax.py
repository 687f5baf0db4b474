"""Two findings about attention and softmax (kexue.fm/archives/9593): robustness to noise in the scores, and
the entropy floor of cosine-score attention.

Robustness: õ = Σ e^{s_i+ε_i} v_i / Σ e^{s_i+ε_i} ≈ o = Σ e^{s_i} v_i / Σ e^{s_i} for i.i.d. ε independent of
(s, v): after dividing by n both sums are sample means, and E[e^{s+ε} v] = E[e^{s} v] E[e^{ε}], so the factor
E[e^{ε}] cancels and the error is a sampling error of order 1/√n_eff, n_eff = 1/Σ p_i².

Entropy: p_i ∝ exp(c_i/τ) with c_i = cos θ_i ∈ [−1, 1]; H = −Σ p_i log p_i ≤ log n. Over the two-level family
(a fraction f of the scores at +1, the rest at −1, a = 1/τ)
    H − log n = log(f e^a + (1−f) e^{−a}) − a (f e^a − (1−f) e^{−a}) / (f e^a + (1−f) e^{−a}),
exactly, for any n with f = k/n; its minimum over f is the floor (−0.4744746 at τ = 1).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy import optimize
from scipy.special import logsumexp, softmax

# --------------------------------------------------------------------------- robustness to noise

NOISES = {
    "normal": lambda rng, n, scale: rng.normal(0.0, scale, n),
    "gumbel": lambda rng, n, scale: rng.gumbel(0.0, scale, n),
    "uniform": lambda rng, n, scale: rng.uniform(-scale, scale, n),
}


def attention_output(scores: np.ndarray, values: np.ndarray) -> np.ndarray:
    """o = Σ softmax(s)_i v_i."""
    return softmax(scores) @ values


def effective_count(scores: np.ndarray) -> float:
    """n_eff = 1 / Σ p_i² of the attention weights p = softmax(s)."""
    p = softmax(scores)
    return float(1.0 / (p @ p))


def signal_values(rng, scores: np.ndarray, m: np.ndarray, w: np.ndarray) -> np.ndarray:
    """v_i = m + s_i w + N(0, I_d): values that carry signal, so o stays far from 0 as n grows (the trap:
    zero-mean values give ‖o‖ → 0 and an O(1) relative error however small the absolute error)."""
    return m + scores[:, None] * w + rng.standard_normal((len(scores), len(m)), dtype=np.float32)


def noise_errors(
    n: int,
    d: int,
    draws: int,
    rng,
    score_std: float = 1.0,
    noise: str = "normal",
    noise_scale: float = 1.0,
    signal: bool = True,
) -> dict:
    """Mean relative and absolute error ‖õ − o‖ (/‖o‖) over `draws` fresh (s, v, ε), and mean n_eff (noisy weights).
    m and w are fixed per call (drawn first), s ~ N(0, score_std²)."""
    m, w = rng.normal(size=d), rng.normal(size=d)
    relative, absolute, n_eff = [], [], []
    for _ in range(draws):
        s = rng.normal(0.0, score_std, n)
        v = signal_values(rng, s, m, w) if signal else rng.normal(size=(n, d))
        noisy = s + NOISES[noise](rng, n, noise_scale)
        o, o_noisy = attention_output(s, v), attention_output(noisy, v)
        absolute.append(np.linalg.norm(o_noisy - o))
        relative.append(absolute[-1] / np.linalg.norm(o))
        n_eff.append(effective_count(noisy))
    return {
        "relative": float(np.mean(relative)),
        "absolute": float(np.mean(absolute)),
        "n_eff": float(np.mean(n_eff)),
    }


def loglog_slope(xs, ys) -> float:
    """Least-squares slope of log y against log x."""
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


# --------------------------------------------------------------------------- the entropy floor


def two_level_gap(f, tau: float = 1.0):
    """H − log n for a fraction f of the scores at +1/τ and 1 − f at −1/τ (exact for f = k/n at any n)."""
    a = 1.0 / tau
    f = np.asarray(f, dtype=float)
    z = f * math.exp(a) + (1 - f) * math.exp(-a)
    return np.log(z) - a * (f * math.exp(a) - (1 - f) * math.exp(-a)) / z


def floor_closed_form(tau: float = 1.0) -> dict:
    """min_f of the two-level gap (bounded scalar minimisation on a log-spaced bracket: f* is tiny at small τ)."""
    result = optimize.minimize_scalar(
        lambda u: float(two_level_gap(math.exp(u), tau)),
        bounds=(math.log(1e-12), 0.0),
        method="bounded",
        options={"xatol": 1e-12},
    )
    f = math.exp(result.x)
    return {"tau": tau, "gap": float(two_level_gap(f, tau)), "f_plus": f, "share_minus": 1 - f}


def author_minimiser() -> float:
    """The author's exact share of cos = −1 at τ = 1: t = (e⁴ − 3e²)/(1 − 2e² + e⁴)."""
    e2, e4 = math.exp(2), math.exp(4)
    return (e4 - 3 * e2) / (1 - 2 * e2 + e4)


def floor_finite_n(n: int, tau: float = 1.0) -> dict:
    """The finite-n two-level minimum: min over k = 1 … n−1 of the gap at f = k/n."""
    k = np.arange(1, n)
    gaps = two_level_gap(k / n, tau)
    best = int(np.argmin(gaps))
    return {"n": n, "tau": tau, "gap": float(gaps[best]), "k": int(k[best])}


def entropy_gap(c: np.ndarray, tau: float = 1.0) -> tuple[float, np.ndarray]:
    """H(softmax(c/τ)) − log n and its gradient in c (for L-BFGS-B).

    With x = c/τ, log p = x − LSE(x), H = −Σ p log p; ∂H/∂x_j = −p_j (log p_j + H), ∂/∂c = ∂/∂x / τ."""
    x = c / tau
    log_p = x - logsumexp(x)
    p = np.exp(log_p)
    H = float(-(p @ log_p))
    return H - math.log(len(c)), -p * (log_p + H) / tau


def minimise_entropy(start: np.ndarray, tau: float = 1.0) -> float:
    """Local minimum of H − log n over the box c ∈ [−1, 1]^n from `start` (L-BFGS-B, analytic gradient)."""
    result = optimize.minimize(
        entropy_gap,
        start,
        args=(tau,),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-1.0, 1.0)] * len(start),
        options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-12},
    )
    return float(result.fun)


def numerical_floor(n: int, restarts: int, k_step: int, rng, tau: float = 1.0) -> dict:
    """The floor by box-constrained minimisation, two ways (the trap: every k-at-+1 configuration is a local
    minimum, so plain restarts stop wherever their start's mean sends them):
      random: `restarts` uniform starts in [−1, 1]^n;
      k-search: one start per k = 1, 1 + k_step, … (k scores near +1, the rest near −1, jittered)."""
    random_minima = [minimise_entropy(rng.uniform(-1, 1, n), tau) for _ in range(restarts)]
    ks = list(range(1, n, k_step))
    k_minima = []
    for k in ks:
        start = np.where(np.arange(n) < k, 0.9, -0.9) + rng.uniform(-0.1, 0.1, n)
        k_minima.append(minimise_entropy(start, tau))
    best = int(np.argmin(k_minima))
    return {
        "n": n,
        "tau": tau,
        "random_restarts": random_minima,
        "best_random": float(min(random_minima)),
        "k_grid": ks,
        "k_minima": k_minima,
        "best_k_search": float(k_minima[best]),
        "best_k": ks[best],
        "best": float(min(min(random_minima), k_minima[best])),
    }


# --------------------------------------------------------------------------- initialisation: a retrieval task


def retrieval_batch(batch: int, pairs: int, keys: int, values: int, generator: torch.Generator):
    """Sequences of `pairs` (key, value) items with distinct keys, and a query key drawn among them;
    the target is the value paired with the query key."""
    key_ids = torch.argsort(torch.rand(batch, keys, generator=generator), dim=1)[:, :pairs]
    value_ids = torch.randint(0, values, (batch, pairs), generator=generator)
    which = torch.randint(0, pairs, (batch,), generator=generator)
    rows = torch.arange(batch)
    return key_ids, value_ids, key_ids[rows, which], value_ids[rows, which]


class Retrieval(torch.nn.Module):
    """One softmax attention head: query q = W_Q E_k[query key], item j: key W_K (E_k[k_j] + E_v[v_j]),
    value W_V (E_k[k_j] + E_v[v_j]); the output W_O (Σ_j a_j value_j) scores the values. Attention logits
    are q·k_j/√d; W_Q and W_K are initialised α times PyTorch's default, so the logits scale with α²."""

    def __init__(self, keys: int, values: int, width: int, alpha: float):
        super().__init__()
        self.key_embedding = torch.nn.Embedding(keys, width)
        self.value_embedding = torch.nn.Embedding(values, width)
        self.W_Q = torch.nn.Linear(width, width, bias=False)
        self.W_K = torch.nn.Linear(width, width, bias=False)
        self.W_V = torch.nn.Linear(width, width, bias=False)
        self.W_O = torch.nn.Linear(width, values)
        with torch.no_grad():  # only Q and K: the effect isolates the sharpness of the attention (trap)
            self.W_Q.weight.mul_(alpha)
            self.W_K.weight.mul_(alpha)

    def attention(self, key_ids, value_ids, query_ids):
        items = self.key_embedding(key_ids) + self.value_embedding(value_ids)  # (B, P, D)
        q = self.W_Q(self.key_embedding(query_ids))  # (B, D)
        logits = (self.W_K(items) @ q[:, :, None]).squeeze(-1) / math.sqrt(q.shape[-1])  # (B, P)
        return torch.softmax(logits, dim=-1), items

    def forward(self, key_ids, value_ids, query_ids):
        a, items = self.attention(key_ids, value_ids, query_ids)
        return self.W_O((a[:, :, None] * self.W_V(items)).sum(1))


def attention_entropy(weights: torch.Tensor) -> float:
    """Mean over the batch of −Σ a log a."""
    return float(-(weights * torch.log(weights.clamp_min(1e-30))).sum(-1).mean().detach())


def train_retrieval(settings: dict, alpha: float, seed: int, log=None) -> dict:
    """Adam on cross-entropy; validation accuracy on a fixed set every `eval_every` steps, until `target` or
    `max_steps`. Returns the curve and the first evaluated step at or above the target (None: never)."""
    s = settings
    torch.manual_seed(seed)
    model = Retrieval(s["keys"], s["values"], s["width"], alpha)
    optimiser = torch.optim.Adam(model.parameters(), lr=s["lr"])
    data = torch.Generator().manual_seed(seed)
    val = retrieval_batch(
        s["val_size"], s["pairs"], s["keys"], s["values"], torch.Generator().manual_seed(10**6 + seed)
    )
    curve, steps, entropies, reached = [], [], [], None
    for step in range(1, s["max_steps"] + 1):
        key_ids, value_ids, query_ids, target = retrieval_batch(s["batch"], s["pairs"], s["keys"], s["values"], data)
        loss = torch.nn.functional.cross_entropy(model(key_ids, value_ids, query_ids), target)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if step % s["eval_every"] == 0 or step == 1:
            with torch.no_grad():
                accuracy = float((model(*val[:3]).argmax(-1) == val[3]).float().mean())
                entropies.append(attention_entropy(model.attention(*val[:3])[0]))
            curve.append(accuracy)
            steps.append(step)
            if reached is None and accuracy >= s["target"]:
                reached = step
                if log:
                    log.info("α = %g, seed %d: %.3f ≥ %.2f at step %d", alpha, seed, accuracy, s["target"], step)
                break
    if log and reached is None:
        log.info("α = %g, seed %d: never reached %.2f (last %.3f)", alpha, seed, s["target"], curve[-1])
    return {"alpha": alpha, "seed": seed, "steps": steps, "accuracy": curve, "entropy": entropies, "reached": reached}


def summarise_init(runs_by_alpha: dict) -> dict:
    """Steps to the target per α (median over seeds, a run that never reached it counting as ∞) and the
    brief's ordering. runs_by_alpha: {α: [train_retrieval results]}. The raw per-seed steps stay in the
    result (None: never reached) for the guards and the figure; JSON has no ∞, so an infinite median is None."""
    per_alpha, median = {}, {}
    for alpha, runs in runs_by_alpha.items():
        key = f"{alpha:g}"
        steps = [r["reached"] for r in runs]
        median[key] = float(np.median([math.inf if x is None else x for x in steps]))
        per_alpha[key] = {
            "steps": steps,
            "median": None if math.isinf(median[key]) else median[key],
            "reached_fraction": sum(x is not None for x in steps) / len(steps),
            "runs": runs,
        }
    return {
        "per_alpha": per_alpha,
        "median_steps": {a: per_alpha[a]["median"] for a in per_alpha},
        "alpha1_not_slower_than_alpha10": bool(median["1"] <= median["10"]),
        "alpha10_faster_than_alpha30": bool(median["10"] < median["30"]),
        "alpha30_twice_as_slow_or_never": bool(math.isinf(median["30"]) or median["30"] >= 2 * median["10"]),
        "alpha1_reached_fraction": per_alpha["1"]["reached_fraction"],
    }
