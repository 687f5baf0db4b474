"""Skip-gram word vectors on PTB for the dimension formula n ≈ 8.33·ln N (claim C4.3).

Su's argument (kexue.fm/archives/7695 and 8711) puts the embedding size needed for a
vocabulary of N words near 8.33·ln N; Lai et al. (2015, "How to generate a good word
embedding?") find little gain above ~50 dims. Here a full-softmax skip-gram is trained on
its co-occurrence counts directly (exact expected loss, no sampling) and scored by held-out NLL.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from kexue.corpus import (  # noqa: F401 (re-exported)
    UNK,
    build_vocab,
    cooccurrence,
    encode,
    load_similarity_pairs,
    similarity_spearman,
    tokenize,
)

# the corpus side (tokenize, build_vocab, encode, cooccurrence) is shared: kexue/corpus.py
# --------------------------------------------------------------------------- objective


def weighted_nll(U: torch.Tensor, V: torch.Tensor, counts: torch.Tensor, chunk: int = 512) -> float:
    """Count-weighted cross-entropy in nats per (centre, context) pair:

        L = −Σ_ij C_ij · log softmax_j(u_i·v_j) / Σ_ij C_ij
          = Σ_i [ r_i · logsumexp_j(u_i·v_j) − Σ_j C_ij u_i·v_j ] / Σ_ij C_ij,   r_i = Σ_j C_ij.

    This is the expected loss of full-softmax skip-gram SGD over the pairs counted in C.
    Rows are processed `chunk` at a time so memory stays at chunk×N floats.
    """
    with torch.no_grad():
        total = sum(_chunk_loss(U[rows] @ V.T, counts[rows])[0] for rows in _row_chunks(len(U), chunk))
        return total / float(counts.sum())


def nll_and_gradients(
    U: torch.Tensor, V: torch.Tensor, counts: torch.Tensor, chunk: int = 512
) -> tuple[float, torch.Tensor, torch.Tensor]:
    """L of `weighted_nll` and its exact gradients, written out to skip autograd's N×N buffers:

    G = (r_i · softmax_j(u_i·v_j) − C_ij) / Σ C,   ∂L/∂U = G V,   ∂L/∂V = Gᵀ U.
    """
    total_count = float(counts.sum())
    grad_U, grad_V = torch.empty_like(U), torch.zeros_like(V)
    loss = 0.0
    for rows in _row_chunks(len(U), chunk):
        block = counts[rows]
        chunk_loss, exp_logits, row_sums, normaliser = _chunk_loss(U[rows] @ V.T, block)
        loss += chunk_loss
        G = exp_logits.mul_((row_sums / (normaliser * total_count))[:, None])
        G.sub_(block, alpha=1 / total_count)  # in place: one chunk×N buffer in all
        torch.mm(G, V, out=grad_U[rows])
        grad_V.addmm_(G.T, U[rows])
    return loss / total_count, grad_U, grad_V


def _chunk_loss(logits: torch.Tensor, block: torch.Tensor):
    """Σ_i r_i·logsumexp_i − Σ_ij C_ij·logit_ij for one row block; also returns exp(logit − max)
    (computed in place in `logits`), r and the softmax normaliser Σ_j exp(logit − max)."""
    fitted = float(torch.dot(block.reshape(-1), logits.reshape(-1)))
    row_max = logits.max(1).values
    exp_logits = logits.sub_(row_max[:, None]).exp_()
    normaliser = exp_logits.sum(1)
    row_sums = block.sum(1)
    loss = float(row_sums @ (row_max + normaliser.log())) - fitted
    return loss, exp_logits, row_sums, normaliser


def _row_chunks(n_rows: int, chunk: int):
    return (slice(start, min(start + chunk, n_rows)) for start in range(0, n_rows, chunk))


# --------------------------------------------------------------------------- training


def initial_embeddings(vocab_size: int, dim: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """U, V with i.i.d. N(0, 1/dim) entries: ‖u‖ ≈ 1, logits ≈ N(0, 1/dim), a near-uniform start."""
    generator = torch.Generator().manual_seed(seed)
    U = torch.randn(vocab_size, dim, generator=generator) / math.sqrt(dim)
    V = torch.randn(vocab_size, dim, generator=generator) / math.sqrt(dim)
    return U, V


def train_skipgram(
    train_counts: torch.Tensor,
    valid_counts: torch.Tensor,
    test_counts: torch.Tensor,
    dim: int,
    steps: int,
    lr: float,
    seed: int,
    eval_every: int,
    log: Callable[[str], None] | None = None,
    patience: int | None = None,
    chunk: int = 512,
) -> dict:
    """Full-batch Adam on the weighted NLL of `train_counts`, early-stopped on `valid_counts`.

    Every `eval_every` steps (and at step 0 and the last step) the valid NLL is computed on
    the current parameters; the best state is kept, because small corpora over-fit (trap T6),
    and the test NLL is reported at that state. `patience` (in evaluations, optional) stops
    once the valid NLL has not improved that many times in a row. Logits are plain u_i·v_j.

    Returns best_step, valid_nll, test_nll, history [{step, train_nll, valid_nll}], steps_run
    and U (numpy, best state).
    """
    U, V = initial_embeddings(len(train_counts), dim, seed)
    optimizer = torch.optim.Adam([U, V], lr=lr)
    best = {"valid_nll": math.inf}
    history, stale = [], 0
    for step in range(steps + 1):
        train_nll, grad_U, grad_V = nll_and_gradients(U, V, train_counts, chunk)
        if step % eval_every == 0 or step == steps:
            valid_nll = weighted_nll(U, V, valid_counts, chunk)
            history.append({"step": step, "train_nll": train_nll, "valid_nll": valid_nll})
            if log:
                log(f"dim={dim} step={step} train_nll={train_nll:.4f} valid_nll={valid_nll:.4f}")
            if valid_nll < best["valid_nll"]:
                best, stale = {"valid_nll": valid_nll, "step": step, "U": U.clone(), "V": V.clone()}, 0
            else:
                stale += 1
            if patience is not None and stale >= patience:
                break
        if step == steps:
            break
        U.grad, V.grad = grad_U, grad_V
        optimizer.step()
    return {
        "best_step": best["step"],
        "valid_nll": best["valid_nll"],
        "test_nll": weighted_nll(best["U"], best["V"], test_counts, chunk),
        "history": history,
        "steps_run": step,
        "U": best["U"].numpy(),
    }


def saturation_dimension(dims: list[int], nlls: list[float], rel_tol: float = 0.01) -> int:
    """n_sat: the smallest dim whose NLL is within `rel_tol` (1 %) relative of the best (lowest),
    i.e. NLL ≤ min(NLL)·(1 + rel_tol)."""
    if len(dims) != len(nlls) or not dims:
        raise ValueError("need one NLL per dimension")
    threshold = min(nlls) * (1 + rel_tol)
    return int(min(d for d, nll in zip(dims, nlls, strict=True) if nll <= threshold))


# similarity evaluation (load_similarity_pairs, similarity_spearman) is shared: kexue/corpus.py
