"""Transformer-VQ (kexue.fm/archives/9844): with vector-quantised keys, softmax attention is linear in n.

Notation of the article: Q (n, d_k), K (n, d_k), V (n, d_v), codebook C (c, d_k); K̂ = ΔC with Δ (n, c)
one-hot, Δ_j picking the codeword nearest to K_j. Softmax attention is exp(QKᵀ)V / exp(QKᵀ)1 (the 1/√d
scale is folded into Q by the caller). Every function returns the normalised output; numerator and
denominator are computed the same way by appending a column of ones to V (the brief's trap: the
denominator is the numerator with V = 1). No per-query maximum is subtracted: the float64 identity
tests use moderate scores, and the timing uses float32 with scores of order 1.

Blocks: the sequence is cut into n/l blocks of length l; X_[i] is block i, U_i = Σ_{blocks ≤ i} Δ_[·]ᵀV_[·]
(c, d_v) is the state of the recurrence, with U_{−1} = U_{−2} = 0.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch
from torch import Tensor

# --------------------------------------------------------------------------- quantisation


def assign(K: Tensor, C: Tensor) -> Tensor:
    """Index of the nearest codeword per key: argmin_j ‖K_i − C_j‖² (ties have probability 0 for continuous C)."""
    distances = (K * K).sum(-1, keepdim=True) - 2 * K @ C.T + (C * C).sum(-1)  # (n, c)
    return distances.argmin(-1)


def one_hot(index: Tensor, c: int, dtype) -> Tensor:
    """Δ (n, c): row i is the one-hot vector of codeword index[i]."""
    return torch.nn.functional.one_hot(index, c).to(dtype)


def with_ones(V: Tensor) -> Tensor:
    """[V, 1]: the last output column is the softmax denominator."""
    return torch.cat([V, torch.ones_like(V[..., :1])], dim=-1)


def normalise(numerator_and_denominator: Tensor) -> Tensor:
    return numerator_and_denominator[..., :-1] / numerator_and_denominator[..., -1:]


# --------------------------------------------------------------------------- the quadratic reference


def window_bias(n: int, values: Tensor) -> Tensor:
    """Toeplitz bias B_ij = b(i − j) for 0 ≤ i − j ≤ l (values = [b(0), …, b(l)]), 0 elsewhere."""
    distance = torch.arange(n)[:, None] - torch.arange(n)[None, :]
    inside = (distance >= 0) & (distance < len(values))
    return torch.where(inside, values[distance.clamp(0, len(values) - 1)], torch.zeros((), dtype=values.dtype))


def quadratic_attention(Q: Tensor, K: Tensor, V: Tensor, causal: bool = True, bias: Tensor | None = None) -> Tensor:
    """softmax(QKᵀ + B + M)V, the O(n²) reference: M = −∞ above the diagonal when causal."""
    scores = Q @ K.T
    if bias is not None:
        scores = scores + bias
    weights = torch.exp(scores)
    if causal:
        weights = torch.tril(weights)
    return normalise(weights @ with_ones(V))


# --------------------------------------------------------------------------- the linear forms


def encoder_linear(Q: Tensor, C: Tensor, index: Tensor, V: Tensor) -> Tensor:
    """Bidirectional: exp(QK̂ᵀ)V = exp(QCᵀ)(ΔᵀV), O(ncd) instead of O(n²d)."""
    delta = one_hot(index, C.shape[0], V.dtype)
    return normalise(torch.exp(Q @ C.T) @ (delta.T @ with_ones(V)))


def causal_recurrence(Q: Tensor, C: Tensor, index: Tensor, V: Tensor) -> Tensor:
    """Causal, token by token: U_i = U_{i−1} + Δ_iᵀV_i, O_i = exp(Q_iCᵀ)U_i (an RNN with a c × d_v state)."""
    Vo = with_ones(V)
    state = torch.zeros(C.shape[0], Vo.shape[1], dtype=V.dtype)
    out = torch.empty(len(Q), Vo.shape[1], dtype=V.dtype)
    weights = torch.exp(Q @ C.T)  # (n, c)
    for i in range(len(Q)):
        state[index[i]] += Vo[i]  # Δ_iᵀV_i adds row V_i to the state row of K_i's codeword
        out[i] = weights[i] @ state
    return normalise(out)


def _blocks(X: Tensor, block: int) -> Tensor:
    """(n, d) → (n/l, l, d)."""
    if len(X) % block:
        raise ValueError(f"sequence length {len(X)} is not a multiple of the block length {block}")
    return X.reshape(len(X) // block, block, X.shape[-1])


def _states(C: Tensor, index: Tensor, Vo: Tensor, block: int) -> Tensor:
    """U_i for every block i: the running sum of Δ_[j]ᵀV_[j] over blocks j ≤ i, shape (n/l, c, d_v + 1).

    Δ_[j]ᵀV_[j] adds each row of V_[j] to the row of its key's codeword; index_add does exactly that
    without materialising the (n, c) one-hot matrix."""
    c, blocks = C.shape[0], len(Vo) // block
    slot = torch.arange(len(Vo)) // block * c + index  # (block, codeword) as one flat row index
    per_block = torch.zeros(blocks * c, Vo.shape[1], dtype=Vo.dtype).index_add_(0, slot, Vo)
    return per_block.view(blocks, c, -1).cumsum(0)


def _shift(states: Tensor, blocks: int) -> Tensor:
    """U_{i − blocks} aligned with block i, zero where i − blocks < 0."""
    return torch.cat([torch.zeros_like(states[:blocks]), states[: len(states) - blocks]])


def causal_blockwise(Q: Tensor, C: Tensor, index: Tensor, V: Tensor, block: int) -> Tensor:
    """O_[i] = exp(Q_[i]K̂_[i]ᵀ + M)V_[i] + exp(Q_[i]Cᵀ)U_{i−1}: O(n(l + c)d), linear in n for fixed l, c."""
    Vo, K_hat = with_ones(V), C[index]
    Qb, Kb, Vb = _blocks(Q, block), _blocks(K_hat, block), _blocks(Vo, block)
    local = torch.tril(torch.exp(Qb @ Kb.transpose(1, 2))) @ Vb  # within the block, causal mask M
    older = torch.exp(Qb @ C.T) @ _shift(_states(C, index, Vo, block), 1)  # every earlier block via the codebook
    return normalise((local + older).reshape(len(Q), -1))


def causal_window(
    Q: Tensor, C: Tensor, index: Tensor, V: Tensor, block: int, bias_values: Tensor, stop_gradient: bool = False
) -> Tensor:
    """With the sliding-window bias B_ij = b(i − j), 0 ≤ i − j ≤ l (len(bias_values) ≤ l + 1):
    O_[i] = exp(Q_[i]K̂_[i]ᵀ + B_[i,i])V_[i] + exp(Q_[i]K̂_[i−1]ᵀ + B_[i,i−1])V_[i−1] + exp(Q_[i]Cᵀ)U_{i−2}.

    The bias reaches back at most l positions, so it touches the current and previous block only; blocks
    i − 2 and older see no bias and go through the codebook. stop_gradient detaches U (the paper's
    training approximation: a key then gets gradients only from queries of its own and the next block).
    K̂ is taken as given through `index`; a caller wanting straight-through gradients passes K_hat instead.
    """
    return causal_window_keys(Q, C[index], C, index, V, block, bias_values, stop_gradient)


def causal_window_keys(
    Q: Tensor,
    K_hat: Tensor,
    C: Tensor,
    index: Tensor,
    V: Tensor,
    block: int,
    bias_values: Tensor,
    stop_gradient: bool = False,
) -> Tensor:
    """causal_window with the quantised keys passed explicitly (so that they can carry an STE gradient)."""
    if len(bias_values) > block + 1:
        raise ValueError(f"the window bias reaches {len(bias_values) - 1} back, beyond the block length {block}")
    Vo = with_ones(V)
    Qb, Kb, Vb = _blocks(Q, block), _blocks(K_hat, block), _blocks(Vo, block)
    B = window_bias(2 * block, bias_values)  # the bias between two consecutive blocks and the later one
    B_same, B_prev = B[block:, block:], B[block:, :block]  # B_[i,i] (l, l) and B_[i,i−1] (l, l), the same for every i
    local = torch.tril(torch.exp(Qb @ Kb.transpose(1, 2) + B_same)) @ Vb
    Kp, Vp = _shift(Kb, 1), _shift(Vb, 1)  # K̂_[i−1], V_[i−1]; zero values before the first block
    previous = torch.exp(Qb @ Kp.transpose(1, 2) + B_prev) @ Vp
    states = _states(C, index, Vo, block)  # built from K̂'s codeword indices: no gradient reaches K here
    if stop_gradient:
        states = states.detach()
    older = torch.exp(Qb @ C.T) @ _shift(states, 2)
    return normalise((local + previous + older).reshape(len(Q), -1))


# --------------------------------------------------------------------------- problems and checks


def random_problem(n: int, d: int, c: int, seed: int, dtype=torch.float64) -> dict:
    """Random Q, K, V and a continuous random codebook C; Q carries the 1/√d scale, so scores are O(1)."""
    g = torch.Generator().manual_seed(seed)
    Q = torch.randn(n, d, generator=g, dtype=dtype) / math.sqrt(d)
    K = torch.randn(n, d, generator=g, dtype=dtype)
    V = torch.randn(n, d, generator=g, dtype=dtype)
    C = torch.randn(c, d, generator=g, dtype=dtype)
    return {"Q": Q, "K": K, "V": V, "C": C, "index": assign(K, C)}


def max_abs(a: Tensor, b: Tensor) -> float:
    return float((a - b).abs().max())


def identities(n: int, d: int, c: int, block: int, seed: int) -> dict:
    """Max |difference| of each linear form from masked quadratic attention over the same K̂, float64."""
    p = random_problem(n, d, c, seed)
    Q, V, C, index = p["Q"], p["V"], p["C"], p["index"]
    K_hat = C[index]
    g = torch.Generator().manual_seed(seed + 1)
    bias_values = torch.randn(block + 1, generator=g, dtype=torch.float64)  # b(0) … b(l): the widest allowed window
    causal = quadratic_attention(Q, K_hat, V, causal=True)
    biased = quadratic_attention(Q, K_hat, V, causal=True, bias=window_bias(n, bias_values))
    return {
        "encoder": max_abs(encoder_linear(Q, C, index, V), quadratic_attention(Q, K_hat, V, causal=False)),
        "recurrence": max_abs(causal_recurrence(Q, C, index, V), causal),
        "blockwise": max_abs(causal_blockwise(Q, C, index, V, block), causal),
        "window": max_abs(causal_window(Q, C, index, V, block, bias_values), biased),
        "codes_used": int(len(torch.unique(index))),
    }


def wrong_window(n: int, d: int, c: int, block: int, seed: int) -> float:
    """The same comparison with a bias reaching l + 1 back (beyond the block): the three-term formula
    misses the bias on the first key of block i − 2, so it is no longer exact."""
    p = random_problem(n, d, c, seed)
    Q, V, C, index = p["Q"], p["V"], p["C"], p["index"]
    g = torch.Generator().manual_seed(seed + 1)
    bias_values = torch.randn(block + 2, generator=g, dtype=torch.float64)
    Vo, K_hat = with_ones(V), C[index]
    Qb, Kb, Vb = _blocks(Q, block), _blocks(K_hat, block), _blocks(Vo, block)
    B = window_bias(2 * block, bias_values[: block + 1])  # what the three-term formula can represent
    local = torch.tril(torch.exp(Qb @ Kb.transpose(1, 2) + B[block:, block:])) @ Vb
    previous = torch.exp(Qb @ _shift(Kb, 1).transpose(1, 2) + B[block:, :block]) @ _shift(Vb, 1)
    older = torch.exp(Qb @ C.T) @ _shift(_states(C, index, Vo, block), 2)
    linear = normalise((local + previous + older).reshape(n, -1))
    return max_abs(linear, quadratic_attention(Q, K_hat, V, causal=True, bias=window_bias(n, bias_values)))


def stopgrad_gradients(n: int, d: int, c: int, block: int, seed: int) -> dict:
    """Key gradients of L = Σ O ⊙ G (G random) with the straight-through estimator K̂ = K + sg(C_Δ − K):
    exact (through quadratic attention) and with the gradient stopped through U (the blockwise window form).

    The stop-gradient gradient should equal the exact one restricted to queries i whose block is the key j's
    own or the next: ∂L/∂K_j = Σ_i [blk(i) − blk(j) ∈ {0, 1}] (∂L/∂S_ij) Q_i, with S = QK̂ᵀ + B.
    """
    p = random_problem(n, d, c, seed)
    Q, V, C, index = p["Q"], p["V"], p["C"], p["index"]
    g = torch.Generator().manual_seed(seed + 2)
    G = torch.randn(n, V.shape[1], generator=g, dtype=torch.float64)
    bias_values = torch.randn(block + 1, generator=g, dtype=torch.float64)

    # exact: autograd through S, so the per-(query, key) contributions can be split afterwards
    K = p["K"].clone().requires_grad_(True)
    K_hat = K + (C[index] - K).detach()
    S = Q @ K_hat.T + window_bias(n, bias_values)
    S.retain_grad()
    out = normalise(torch.tril(torch.exp(S)) @ with_ones(V))
    (out * G).sum().backward()
    full = K.grad.clone()
    lag = (torch.arange(n) // block)[:, None] - (torch.arange(n) // block)[None, :]  # blk(i) − blk(j)
    near = (lag >= 0) & (lag <= 1)  # (query, key)
    restricted = (S.grad * near).T @ Q
    neglected = (S.grad * ~near).T @ Q

    # stop-gradient: the linear form with U detached
    K2 = p["K"].clone().requires_grad_(True)
    K2_hat = K2 + (C[index] - K2).detach()
    out2 = causal_window_keys(Q, K2_hat, C, index, V, block, bias_values, stop_gradient=True)
    (out2 * G).sum().backward()
    return {
        "forward_difference": max_abs(out2.detach(), out.detach()),
        "stopgrad_vs_restricted": max_abs(K2.grad, restricted),
        "stopgrad_vs_full": max_abs(K2.grad, full),
        "neglected_relative_norm": float(neglected.norm() / full.norm()),
        "restricted_plus_neglected_vs_full": max_abs(restricted + neglected, full),
    }


# --------------------------------------------------------------------------- timing


def loglog_slope(ns, times) -> float:
    """Least-squares slope of log t against log n."""
    return float(np.polyfit(np.log(ns), np.log(times), 1)[0])


def slopes_per_repeat(rows: list[dict], form: str) -> list[float]:
    """One log-log slope per timing repeat r (the r-th time at every n): their spread is the slope's
    repeat-to-repeat noise on this machine, which a slope near its threshold must beat to decide."""
    ns = [row["n"] for row in rows]
    repeats = len(rows[0][f"{form}_repeats_s"])
    return [loglog_slope(ns, [row[f"{form}_repeats_s"][r] for row in rows]) for r in range(repeats)]


def quadratic_causal_chunked(Q: Tensor, K: Tensor, V: Tensor, chunk: int) -> Tensor:
    """Causal softmax attention in query chunks (each chunk against its causal prefix of keys): O(n²d)
    time, O(n·chunk) memory, so that n = 16k fits; the same result as quadratic_attention(causal=True)."""
    Vo = with_ones(V)
    out = torch.empty(len(Q), Vo.shape[1], dtype=Q.dtype)
    for start in range(0, len(Q), chunk):
        stop = min(start + chunk, len(Q))
        weights = torch.exp(Q[start:stop] @ K[:stop].T)
        # the mask matters only on the chunk's own diagonal block: key j > query i
        weights[:, start:] = torch.tril(weights[:, start:])
        out[start:stop] = weights @ Vo[:stop]
    return normalise(out)


def _seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def timings(ns, d: int, c: int, block: int, chunk: int, repeats: int, seed: int, log=None) -> list[dict]:
    """Wall seconds (float32, torch, the threads the caller set) of causal quadratic attention and of the VQ
    blockwise form with and without the nearest-codeword assignment (O(ncd), part of its cost), median
    and minimum over `repeats`, and every repeat's time (for the slope's repeat-to-repeat spread). The
    repeats are interleaved over n (repeat r times every n before repeat r + 1), so that a slow
    spell of a shared machine spreads over all n instead of bending the slope."""
    problems = {n: random_problem(n, d, c, seed, dtype=torch.float32) for n in ns}
    forms = {
        "quadratic": lambda p: quadratic_causal_chunked(p["Q"], p["K"], p["V"], chunk),
        "vq": lambda p: causal_blockwise(p["Q"], p["C"], assign(p["K"], p["C"]), p["V"], block),
        "vq_without_assignment": lambda p: causal_blockwise(p["Q"], p["C"], p["index"], p["V"], block),
    }
    seconds = {(n, form): [] for n in ns for form in forms}
    with torch.no_grad():
        for form in forms.values():  # warm-up: allocator, thread pool
            form(problems[ns[0]])
        for r in range(repeats):
            for n in ns:
                for name, form in forms.items():
                    seconds[n, name].append(_seconds(lambda form=form, n=n: form(problems[n])))
            if log:
                log.info("repeat %d/%d done", r + 1, repeats)
    rows = []
    for n in ns:
        row = {"n": n}
        for name in forms:
            row[f"{name}_s"] = float(np.median(seconds[n, name]))
            row[f"{name}_min_s"] = float(np.min(seconds[n, name]))
            row[f"{name}_repeats_s"] = [float(t) for t in seconds[n, name]]  # in repeat order
        if log:
            log.info(
                "n = %d: %s", n, {k: f"{v:.4f}" for k, v in row.items() if k != "n" and not k.endswith("_repeats_s")}
            )
        rows.append(row)
    return rows
