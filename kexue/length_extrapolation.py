"""Length extrapolation and local attention (kexue.fm/archives/9431).

A causal character LM with RoPE (kexue.lm.TinyLM, position="rope") is trained at length N and evaluated
at L = N … 8N on the same weights twice: with full causal attention, and with a sliding window in which
query i sees keys i − N + 1 … i (itself and N − 1 earlier tokens: what every position saw in training).
Accuracy and loss are split into positions ≤ N and > N; attention entropy −Σ_j a_ij log a_ij is averaged
over heads, layers and the query positions. Plus the algebraic identities of the related methods.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from kexue import lm

# --------------------------------------------------------------------------- data and training (kexue.lm's)


def char_corpus(ptb_dir: str | Path) -> dict:
    """PTB as characters with the test split (kexue.lm.char_ptb, the reader the Lion article uses)."""
    return lm.char_ptb(ptb_dir, splits=("train", "valid", "test"))


def task(data: dict, s: dict) -> lm.CharLM:
    """The RoPE character LM at training length N, its validation loss in nats per character on a fixed slice."""
    return lm.CharLM(
        data,
        d_model=s["d_model"],
        n_layer=s["n_layer"],
        n_head=s["n_head"],
        context=s["train_length"],
        eval_tokens=s["valid_tokens"],
        position="rope",
        rope_base=s["rope_base"],
        unit="nats",
    )


def train(data: dict, s: dict, seed: int, log=None) -> tuple[lm.TinyLM, dict]:
    """kexue.lm's loop: AdamW (torch's default β = (0.9, 0.999), ε = 1e-8) with cosine decay to 0, no
    warm-up, on random windows of length N (seed: initialisation and batch order). The validation loss at
    ⌈steps / eval_every⌉ evenly spaced steps is the curve the still-improving guard reads."""
    model, history, _ = lm.fit(
        task(data, s),
        "adamw",
        s["lr"],
        s["weight_decay"],
        s["batch"],
        s["steps"],
        seed,
        betas=(0.9, 0.999),
        eps=1e-8,
        evaluations=math.ceil(s["steps"] / s["eval_every"]),
        log=log,
    )
    trained = history[history["step"] > 0]  # the curve starts after training has begun, as before
    return model, {"step": trained["step"].tolist(), "val_loss": trained["val_loss"].tolist()}


# --------------------------------------------------------------------------- evaluation


def entropy_per_query(weights: torch.Tensor) -> torch.Tensor:
    """−Σ_j a_ij log a_ij for attention weights (…, T, T) → (…, T); masked keys (a = 0) add nothing."""
    return -(weights * torch.log(weights.clamp_min(1e-30))).sum(-1)


@torch.no_grad()
def evaluate_length(model: lm.TinyLM, ids: torch.Tensor, length: int, N: int, window: int | None, s: dict) -> dict:
    """Accuracy, loss and attention entropy at test length L on consecutive test sequences, split at N:
    positions ≤ N (0-based query index < N) and > N. With L = N every position is ≤ N."""
    n_seq = max(1, s["eval_tokens"] // length)
    x = ids[: n_seq * length].view(n_seq, length)
    y = ids[1 : n_seq * length + 1].view(n_seq, length)
    model.eval()
    correct, nll, entropy = [], [], []
    for start in range(0, n_seq, s["eval_batch"]):
        maps: list = []
        logits, _ = model(x[start : start + s["eval_batch"]], window=window, maps=maps)
        target = y[start : start + s["eval_batch"]]
        correct.append((logits.argmax(-1) == target).float())
        nll.append(torch.nn.functional.cross_entropy(logits.transpose(1, 2), target, reduction="none"))
        # (layers, B, H, T) → mean over layers and heads: (B, T)
        entropy.append(torch.stack([entropy_per_query(w) for w in maps]).mean(dim=(0, 2)))
    correct, nll, entropy = (torch.cat(t).mean(0) for t in (correct, nll, entropy))  # per position (T,)
    beyond = slice(N, None) if length > N else slice(0, length)  # the positions the rules read
    return {
        "length": length,
        "window": window,
        "sequences": n_seq,
        "accuracy_beyond": float(correct[beyond].mean()),
        "accuracy_within": float(correct[:N].mean()),
        "loss_beyond": float(nll[beyond].mean()),
        "loss_within": float(nll[:N].mean()),
        "entropy_beyond": float(entropy[beyond].mean()),
        "entropy_within": float(entropy[:N].mean()),
        "accuracy_by_position": correct.tolist(),
    }


def evaluate_lengths(model: lm.TinyLM, ids: torch.Tensor, s: dict, log=None) -> list[dict]:
    """Every test length × {full attention, window N}, on the same weights."""
    N = s["train_length"]
    rows = []
    for factor in s["length_factors"]:
        length = int(round(factor * N))
        for name, window in (("full", None), ("window", N)):
            row = {"mask": name, "factor": factor, **evaluate_length(model, ids, length, N, window, s)}
            if log:
                log.info(
                    "L = %d, %s: accuracy > N %.4f, loss > N %.4f, entropy > N %.4f",
                    length,
                    name,
                    row["accuracy_beyond"],
                    row["loss_beyond"],
                    row["entropy_beyond"],
                )
            rows.append(row)
    return rows


# --------------------------------------------------------------------------- identities of the related methods


def sinusoidal(positions: np.ndarray, d: int, base: float = 10000.0) -> np.ndarray:
    """p_m = [sin(mθ_0), cos(mθ_0), …], θ_i = base^(−2i/d): (len(positions), d)."""
    theta = base ** (-np.arange(0, d, 2) / d)
    angles = np.asarray(positions, dtype=float)[:, None] * theta
    return np.stack([np.sin(angles), np.cos(angles)], axis=-1).reshape(len(positions), d)


def sinusoidal_kernel(distance: np.ndarray, d: int, base: float = 10000.0) -> np.ndarray:
    """f(m − n) = Σ_i cos((m − n)θ_i), which p_m·p_n equals (cos a cos b + sin a sin b = cos(a − b))."""
    theta = base ** (-np.arange(0, d, 2) / d)
    return np.cos(np.asarray(distance, dtype=float)[:, None] * theta).sum(-1)


def rotation(m: float, d: int, base: float = 10000.0) -> np.ndarray:
    """R_m: block-diagonal 2 × 2 rotations by mθ_i (RoPE as a matrix), (d, d)."""
    R = np.zeros((d, d))
    for i, t in enumerate(base ** (-np.arange(0, d, 2) / d)):
        c, s = math.cos(m * t), math.sin(m * t)
        R[2 * i : 2 * i + 2, 2 * i : 2 * i + 2] = [[c, -s], [s, c]]
    return R


def identities(d: int, trials: int, max_position: int, xi: float, moving_window: int, kernel_range: int, seed: int):
    """(a) Sandwich, (b) the sinusoidal kernel, (c) XPOS, in float64 over random q, k, m, n."""
    rng = np.random.default_rng(seed)
    sandwich, kernel, xpos = [], [], []
    for _ in range(trials):
        q, k = rng.normal(size=d), rng.normal(size=d)
        m, n = rng.integers(0, max_position, size=2)
        lam = rng.uniform(0.1, 2.0)
        p = sinusoidal(np.array([m, n]), d)
        # (a) q·k + λ p_m·p_n = [q, √λ p_m]·[k, √λ p_n]
        lhs = q @ k + lam * p[0] @ p[1]
        rhs = np.concatenate([q, math.sqrt(lam) * p[0]]) @ np.concatenate([k, math.sqrt(lam) * p[1]])
        sandwich.append(abs(lhs - rhs))
        # (b) p_m·p_n = f(m − n)
        kernel.append(abs(p[0] @ p[1] - sinusoidal_kernel(np.array([m - n]), d)[0]))
        # (c) XPOS, causal (n ≤ m): (R_m q ξ^m)·(R_n k ξ^{−n}) = q·R_{n−m} k ξ^{m−n}; positions kept small
        # enough here that ξ^{−n} is finite, and the right side uses ξ^{m−n} directly (the trap)
        n_, m_ = sorted((int(m) % 200, int(n) % 200))
        lhs = (rotation(m_, d) @ q * xi**m_) @ (rotation(n_, d) @ k * xi ** (-n_))
        rhs = q @ rotation(n_ - m_, d) @ k * xi ** (m_ - n_)
        xpos.append(abs(lhs - rhs) / max(1.0, abs(rhs)))
    distances = np.arange(kernel_range + 1)
    f = sinusoidal_kernel(distances, d)
    smooth = np.convolve(f, np.ones(moving_window) / moving_window, mode="valid")
    increases = np.diff(smooth)
    return {
        "sandwich_max_error": float(max(sandwich)),
        "kernel_max_error": float(max(kernel)),
        "xpos_max_error": float(max(xpos)),
        "kernel": f.tolist(),
        "kernel_moving_average": smooth.tolist(),
        "moving_average_max_increase": float(increases.max()),
        "moving_average_non_increasing": bool(np.all(increases <= 1e-12)),
    }


# --------------------------------------------------------------------------- the seeds gathered


def _per_seed(runs: list, mask: str, factor: float, key: str) -> list:
    return [next(r[key] for r in run["rows"] if r["mask"] == mask and r["factor"] == factor) for run in runs]


def _differences(a: list, b: list) -> list:
    return [x - y for x, y in zip(a, b, strict=True)]


def summarise(runs: list, factors: list) -> dict:
    """The rules' values (means over seeds) and what the guards read (per-seed values, training curves).

    At L = N there are no positions beyond N: the reference accuracy is every position of the training length."""
    acc = {(m, f): _per_seed(runs, m, f, "accuracy_beyond") for m in ("full", "window") for f in factors}
    at_n = acc["full", 1]
    drop_4n = _differences(at_n, acc["full", 4])
    gap = {f: _differences(acc["window", f], at_n) for f in (4, 8)}
    like_for_like = {f: _differences(acc["window", f], acc["window", 2]) for f in (4, 8)}
    window_over_full = _differences(acc["window", 4], acc["full", 4])
    entropy = {
        m: [float(np.mean(_per_seed(runs, m, f, "entropy_beyond"))) for f in (1, 2, 4, 8)] for m in ("full", "window")
    }
    curves = [run["curve"]["val_loss"] for run in runs]
    table = {
        m: {
            f"{f:g}": {
                k: float(np.mean(_per_seed(runs, m, f, k)))
                for k in ("accuracy_beyond", "loss_beyond", "entropy_beyond")
            }
            for f in factors
        }
        for m in ("full", "window")
    }
    return {
        "seeds": [run["seed"] for run in runs],
        "curves": curves,
        "curve": [float(np.mean(v)) for v in zip(*curves, strict=True)],
        "final_val_loss": float(np.mean([c[-1] for c in curves])),
        "table": table,
        "accuracy_at_N": float(np.mean(at_n)),
        "accuracy_full_4N": float(np.mean(acc["full", 4])),
        "drop_4N": float(np.mean(drop_4n)),
        "drop_4N_per_seed": drop_4n,
        "window_gap_4N": float(np.mean(gap[4])),
        "window_gap_8N": float(np.mean(gap[8])),
        "window_gap_4N_per_seed": gap[4],
        "window_gap_8N_per_seed": gap[8],
        "window_vs_2N_4N": float(np.mean(like_for_like[4])),
        "window_vs_2N_8N": float(np.mean(like_for_like[8])),
        "window_over_full_4N": float(np.mean(window_over_full)),
        "window_over_full_4N_per_seed": window_over_full,
        "entropy_lengths": [1, 2, 4, 8],
        "entropy_full": entropy["full"],
        "entropy_window": entropy["window"],
        "entropy_full_strictly_increasing": bool(np.all(np.diff(entropy["full"]) > 0)),
        "entropy_window_max_relative_change": float(max(abs(h / entropy["window"][0] - 1) for h in entropy["window"])),
        # like for like: against 2N, where every position beyond N already sees N keys
        "entropy_window_vs_2N_max_relative_change": float(
            max(abs(h / entropy["window"][1] - 1) for h in entropy["window"][2:])
        ),
    }
