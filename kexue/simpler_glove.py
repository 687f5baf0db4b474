"""A more distinctive word-vector model: simpler glove (kexue.fm 4667, 4675, 4677).

One vector per word, no biases, the inner product fitted to the pointwise mutual information:
    L = Σ_{i≠j, x_ij>0} λ_ij (⟨v_i, v_j⟩ − log[P̃(i,j) / (P̃(i)P̃(j))])²,
    λ_ij = (x_ij/x_max)^α (untruncated) or min(x_ij/x_max, 1)^α (truncated), x_max = 100, α = 3/4,
with P̃(i) the marginal of the same window counts. GloVe for comparison (two vector sets and biases):
    L = Σ λ_ij (⟨w_i, w̃_j⟩ + b_i + b̃_j − log x_ij)²,  truncated weights, vectors W + W̃.
Properties of part 5: ‖v_w‖² ~ −log P(w) (norm = importance), analogies, keywords of a sentence
argmax_w ⟨Σ v_i, v_w⟩, and the similarity identity: the Pearson correlation of two words' inner-product
profiles against N reference words equals cos(v_i U, v_j U) with UUᵀ = R_cᵀR_c over the centred references.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy import sparse, stats
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from kexue.corpus import analogy_accuracy, read_analogies  # noqa: F401 (shared; re-exported)

# PTB has no punctuation and writes numbers as N: the article's "meaningless words" (。，的和 1 3 …) become
# English stopwords, N, $ and the clitics
PTB_STOPWORDS = frozenset(ENGLISH_STOP_WORDS) | {"N", "$", "'s", "'re", "'ve", "'d", "'ll", "n't", "<unk>", "&"}


# --- co-occurrence statistics ----------------------------------------------------------------------------------


def pmi_pairs(counts: sparse.spmatrix):
    """(rows, cols, x_ij, PMI_ij) of the non-zero off-diagonal counts, PMI = log[x_ij·X / (x_i·x_j)] with
    the marginals x_i = Σ_j x_ij of the same counts (so P̃ and P̃(i) are consistent); the diagonal (a word
    with itself) is left out: the model learns it."""
    coo = sparse.coo_matrix(counts)
    off = coo.row != coo.col
    rows, cols, x = coo.row[off], coo.col[off], coo.data[off].astype(np.float64)
    marginal = np.asarray(sparse.csr_matrix((x, (rows, cols)), shape=counts.shape).sum(axis=1)).ravel()
    total = x.sum()
    return rows, cols, x, np.log(x * total / (marginal[rows] * marginal[cols]))


def log_marginals(counts) -> np.ndarray:
    """log P̃(i) = log(x_i / X) from the off-diagonal counts (the marginals `pmi_pairs` uses)."""
    counts = sparse.csr_matrix(counts, dtype=np.float64)
    marginal = np.asarray(counts.sum(axis=1)).ravel() - counts.diagonal()
    with np.errstate(divide="ignore"):
        return np.log(marginal / marginal.sum())


def weights(x, x_max: float, alpha: float, truncated: bool):
    """λ = (x/x_max)^α, or min(x/x_max, 1)^α when truncated."""
    ratio = np.asarray(x, dtype=np.float64) / x_max
    return np.minimum(ratio, 1.0) ** alpha if truncated else ratio**alpha


# --- training ---------------------------------------------------------------------------------------------------


def train(
    counts, model: str, dim: int, epochs: int, batch: int, lr: float, x_max: float, alpha: float, seed: int, log=None
) -> dict:
    """Minibatch Adagrad (torch, sparse row updates) over shuffled non-zero off-diagonal pairs; the batch loss
    is the sum over its pairs, as per-pair updates would add up. model: "simpler" (untruncated weights),
    "simpler_truncated", or "glove" (truncated weights, two vector sets and biases, output W + W̃; its target
    is log x_ij). Returns {"vectors": (n, dim) float64, "curve": mean weighted loss per epoch}."""
    rows, cols, x, pmi = pmi_pairs(counts)
    lam = torch.from_numpy(weights(x, x_max, alpha, truncated=model != "simpler")).float()
    target = torch.from_numpy(np.log(x) if model == "glove" else pmi).float()
    rows, cols = torch.from_numpy(rows), torch.from_numpy(cols)
    n = counts.shape[0]
    generator = torch.Generator().manual_seed(seed)

    def table(width):  # uniform in ±0.5/dim, as glove.c initialises
        embedding = torch.nn.Embedding(n, width)
        with torch.no_grad():
            embedding.weight.copy_((torch.rand(n, width, generator=generator) - 0.5) / dim)
        return embedding

    W = table(dim)
    modules = [W]
    if model == "glove":
        Wc, b, bc = table(dim), table(1), table(1)
        for bias in (b, bc):
            torch.nn.init.zeros_(bias.weight)
        modules += [Wc, b, bc]
    optimiser = torch.optim.Adagrad([p for m in modules for p in m.parameters()], lr=lr)
    curve = []
    for epoch in range(epochs):
        order = torch.randperm(len(rows), generator=generator)
        total = 0.0
        for start in range(0, len(order), batch):
            idx = order[start : start + batch]
            i, j = rows[idx], cols[idx]
            if model == "glove":
                fit = (W(i) * Wc(j)).sum(1) + b(i)[:, 0] + bc(j)[:, 0]
            else:
                fit = (W(i) * W(j)).sum(1)
            loss = (lam[idx] * (fit - target[idx]) ** 2).sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item()
        curve.append(total / len(rows))
        if log:
            log(f"{model} seed {seed} epoch {epoch + 1}/{epochs}: mean weighted loss {curve[-1]:.5g}")
    vectors = W.weight + Wc.weight if model == "glove" else W.weight
    return {"vectors": vectors.detach().numpy().astype(np.float64), "curve": curve}


# --- the Adagrad NaN claim: per-pair updates as in the GloVe C source vs standard Adagrad ------------------------


def per_pair_adagrad(
    rows, cols, lam, target, dim: int, lr: float, updates: int, seed: int, glove_style: bool, check_every: int
):
    """Per-pair SGD on the simpler-glove loss with one of two Adagrad variants; returns the full weighted
    loss at the start and every `check_every` updates (stops at the first non-finite value).
    - standard: G += g²; v −= lr·g/√G   (G starts at 0)
    - GloVe C (glove.c): g' = lr·g (the lr-scaled gradient); v −= g'/√G; then G += g'²   (G starts at 1)"""
    rng = np.random.default_rng(seed)
    n = int(max(rows.max(), cols.max())) + 1
    V = (rng.random((n, dim)) - 0.5) / dim
    G = np.ones((n, dim)) if glove_style else np.zeros((n, dim))

    def full_loss():
        with np.errstate(all="ignore"):
            return float(np.sum(lam * ((V[rows] * V[cols]).sum(1) - target) ** 2) / len(rows))

    curve = [full_loss()]
    order = rng.integers(0, len(rows), updates)
    with np.errstate(all="ignore"):
        for step, k in enumerate(order, 1):
            i, j = rows[k], cols[k]
            diff = lam[k] * (V[i] @ V[j] - target[k])
            gi, gj = diff * V[j], diff * V[i]
            for word, g in ((i, gi), (j, gj)):
                if glove_style:
                    g = lr * g
                    V[word] -= g / np.sqrt(G[word])
                    G[word] += g * g
                else:
                    G[word] += g * g
                    V[word] -= lr * g / np.sqrt(G[word] + 1e-12)
            if step % check_every == 0:
                curve.append(full_loss())
                if not math.isfinite(curve[-1]):
                    break
    return curve


def diverged(curve, factor: float = 10.0) -> bool:
    """NaN/inf, or the loss grew `factor`× above its start."""
    return any(not math.isfinite(c) for c in curve) or max(curve) > factor * curve[0]


# --- properties ---------------------------------------------------------------------------------------------------


def norm_importance(vectors, log_prob, words, top: int, bottom: int) -> dict:
    """Spearman(‖v‖², −log P) over the `top` most frequent words (rows 0..top−1 in frequency order) and the
    share of stopwords among the `bottom` smallest norms."""
    sq = (vectors[:top] ** 2).sum(1)
    rho = stats.spearmanr(sq, -np.asarray(log_prob[:top])).statistic
    smallest = [words[i] for i in np.argsort(sq, kind="stable")[:bottom]]
    return {
        "spearman": float(rho),
        "bottom": smallest,
        "bottom_stopword_share": sum(w in PTB_STOPWORDS for w in smallest) / bottom,
    }


def frequent_in_bottom(vectors, top_frequent: int, bottom: int, among: int) -> int:
    """How many of the `top_frequent` most frequent words are among the `bottom` smallest norms (of the
    `among` most frequent words)."""
    sq = (vectors[:among] ** 2).sum(1)
    smallest = set(np.argsort(sq, kind="stable")[:bottom])
    return sum(i in smallest for i in range(top_frequent))


def keywords(vectors, sentence_ids, k: int) -> list[int]:
    """The k words of the sentence (distinct) maximising ⟨Σ_i v_i, v_w⟩."""
    distinct = list(dict.fromkeys(sentence_ids))
    total = vectors[sentence_ids].sum(0)
    scores = vectors[distinct] @ total
    return [distinct[i] for i in np.argsort(-scores, kind="stable")[:k]]


def profile_pearson(v_i, v_j, references) -> float:
    """Pearson correlation of (⟨v_i, v_k⟩)_k and (⟨v_j, v_k⟩)_k over the reference vectors v_k (rows)."""
    return float(np.corrcoef(references @ v_i, references @ v_j)[0, 1])


def identity_cosine(v_i, v_j, references) -> float:
    """cos(v_i U, v_j U) with UUᵀ = R_cᵀR_c, R_c the centred references (U by Cholesky)."""
    centred = references - references.mean(0)
    U = np.linalg.cholesky(centred.T @ centred)
    a, b = v_i @ U, v_j @ U
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def similarity_identity_check(rng, words: int, dim: int, references: int, pairs: int) -> dict:
    """Random float64 vectors: |Pearson of the inner-product profiles − cos(v_i U, v_j U)| over random pairs."""
    V = rng.normal(size=(words, dim))
    R = rng.normal(size=(references, dim))
    errors = []
    for _ in range(pairs):
        i, j = rng.choice(words, 2, replace=False)
        errors.append(abs(profile_pearson(V[i], V[j], R) - identity_cosine(V[i], V[j], R)))
    return {"pairs": pairs, "references": references, "dim": dim, "max_abs_error": float(max(errors))}
