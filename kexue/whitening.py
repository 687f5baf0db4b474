"""BERT-whitening with the β, γ hyperparameters (claims C1.1–C1.8 of the whitening brief).

Su's articles kexue.fm/archives/8069 (whitening) and 9079 (its hyperparameters), and Su, Cao, Liu,
Ou (arXiv 2103.15316). Sentence vectors are the rows x_i of X (N × d):

    μ   = (1/N) Σ_i x_i
    Σ_β = (1/N) Σ_i (x_i − βμ)ᵀ(x_i − βμ) = U Λ Uᵀ        (SVD, Λ descending)
    x̃_i = (x_i − βμ) · U[:, :k] · Λ[:k]^(−γ/2)
    sim(i, j) = cos(x̃_i, x̃_j)

β = γ = 1 is the original whitening (W = UΛ^(−1/2)); β = γ = 0 is the rotation x̃ = xU, which leaves
every cosine unchanged at k = d. Σ_β is the second moment about βμ, *not* the covariance (trap T4:
np.cov always centres at μ), and it is normalised by N, not N − 1 (trap T3: only the scale of Λ
changes, so cosines are identical, but Cov(x̃) = I needs the same N in fit and check). All
statistics are float64 (T13).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import spearmanr


@dataclass(frozen=True)
class Whitening:
    """A fitted transform. `lam` and the columns of `U` are sorted by descending eigenvalue of Σ_β."""

    mu: np.ndarray  # (d,) mean of the fitting set
    U: np.ndarray  # (d, d) orthogonal
    lam: np.ndarray  # (d,) eigenvalues of Σ_β, descending, ≥ 0
    beta: float
    gamma: float
    eig_floor: float = 0.0  # relative floor on Λ used by Λ^(−γ/2): λ ← max(λ, eig_floor·λ_max)

    @property
    def dim(self) -> int:
        return self.lam.size

    def condition(self) -> float:
        """λ_min / λ_max of Σ_β; C1.1b (Cov(x̃) = I) is only checked above 1e-8 (trap T6)."""
        return float(self.lam[-1] / self.lam[0]) if self.lam[0] > 0 else 0.0


# --------------------------------------------------------------------------- statistics


def _as_float64(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(f"expected a non-empty (N, d) matrix of sentence vectors, got shape {x.shape}")
    return x


def moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """μ = mean(x) and the (1/N) covariance C = (X − μ)ᵀ(X − μ)/N: the only pass over the data that a
    whole (β, γ, k) grid needs, since Σ_β follows from them for any β (`second_moment_about`)."""
    x = _as_float64(x)
    mu = x.mean(axis=0)
    centred = x - mu
    return mu, centred.T @ centred / x.shape[0]


def second_moment_about(mu: np.ndarray, C: np.ndarray, beta: float) -> np.ndarray:
    """Σ_β = E[(x − βμ)ᵀ(x − βμ)] = C + (1 − β)²·μᵀμ, since x − βμ = (x − μ) + (1 − β)μ and x − μ has
    mean zero. β = 1 gives the (1/N) covariance, β = 0 the uncentred second moment E[xᵀx] (trap T4).

    Built from C rather than from E[xᵀx] − (2β − β²)μᵀμ: both terms are PSD, so nothing cancels, and
    the small eigenvalues that Λ^(−γ/2) amplifies keep their digits when |μ|² ≫ λ_min (T13).
    """
    return C + (1.0 - beta) ** 2 * np.outer(mu, mu)


def decompose(sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """U, Λ of a symmetric PSD Σ by float64 SVD, as the reference code does: singular values come
    sorted descending (trap T5: eigh would be ascending) and are never negative, so a numerically
    singular Σ (trap T6) gives huge but finite weights rather than the NaN of eigh's −1e-17."""
    U, lam, _ = np.linalg.svd(np.asarray(sigma, dtype=np.float64))
    return U, lam


def fit_whitening(x: np.ndarray, beta: float = 1.0, gamma: float = 1.0, eig_floor: float = 0.0) -> Whitening:
    """Fit x̃ = (x − βμ)·U·Λ^(−γ/2) on the rows of `x` (the "target" sentences: all splits, both sides,
    duplicates kept; traps T8, T11).

    `eig_floor` = 0 follows the reference (no clipping). A positive value clips Λ at eig_floor·λ_max
    before the power −γ/2, a guard for rank-deficient poolings (T6) at full k; it changes nothing
    for the directions above the floor.
    """
    if eig_floor < 0:
        raise ValueError(f"eig_floor must be >= 0, got {eig_floor}")
    mu, C = moments(x)
    U, lam = decompose(second_moment_about(mu, C, beta))
    return Whitening(mu=mu, U=U, lam=lam, beta=float(beta), gamma=float(gamma), eig_floor=float(eig_floor))


def scale_factors(lam: np.ndarray, gamma: float, eig_floor: float = 0.0) -> np.ndarray:
    """Λ^(−γ/2), with Λ clipped at eig_floor·λ_max. Raises on an exactly zero eigenvalue with γ > 0
    (a division by zero) instead of returning inf/NaN scores silently."""
    lam = np.asarray(lam, dtype=np.float64)
    if gamma == 0:
        return np.ones_like(lam)  # 0^0 := 1: no rescaling at all
    if eig_floor > 0:
        lam = np.maximum(lam, eig_floor * lam.max())
    if np.any(lam <= 0):
        raise ValueError(
            f"Σ_β has {int(np.sum(lam <= 0))} zero eigenvalue(s) among the kept dimensions, so Λ^(−γ/2) "
            f"with γ = {gamma} divides by zero (trap T6): reduce k below the rank or pass eig_floor > 0"
        )
    return lam ** (-gamma / 2.0)


def _check_k(k: int | None, d: int) -> int:
    k = d if k is None else int(k)
    if not 1 <= k <= d:
        raise ValueError(f"k must lie in [1, {d}], got {k}")
    return k


def apply_whitening(w: Whitening, x: np.ndarray, k: int | None = None) -> np.ndarray:
    """x̃ = (x − βμ)·U[:, :k]·Λ[:k]^(−γ/2), float64 (N, k). k = None keeps all d dimensions."""
    k = _check_k(k, w.dim)
    x = _as_float64(x)
    return ((x - w.beta * w.mu) @ w.U[:, :k]) * scale_factors(w.lam[:k], w.gamma, w.eig_floor)


# --------------------------------------------------------------------------- scores


def cosine_scores(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cos(a_i, b_i) in float64. A zero vector (e.g. a GloVe sentence with no known word)
    has no direction: its cosine is defined as 0 rather than NaN, so Spearman stays defined."""
    a, b = _as_float64(a), _as_float64(b)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    dots = np.einsum("ij,ij->i", a, b)
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)


def spearman_x100(pred: np.ndarray, gold: np.ndarray) -> float:
    """100 × Spearman's ρ, with average ranks for ties (trap T9: 0/1 labels of ATEC, BQ, LCQMC, PAWSX)."""
    pred, gold = np.asarray(pred, dtype=np.float64), np.asarray(gold, dtype=np.float64)
    if pred.shape != gold.shape or pred.ndim != 1:
        raise ValueError(f"pred and gold must be 1-d of equal length, got {pred.shape} and {gold.shape}")
    # Scores equal up to float64 rounding are ties: a rotation (β = γ = 0) moves cosines by ~1e-15, and
    # without this it would split the exact ties of repeated pairs at random and move ρ by ~0.006 (C1.1).
    return 100.0 * float(spearmanr(np.round(pred, 12), gold).statistic)


# --------------------------------------------------------------------------- (β, γ, k) grid

_PAIR_BLOCK = 4096  # pairs per block in grid_cosines: 5 float64 (block × d) arrays, ≈ 125 MB at d = 768


def grid_cosines(
    fit_x: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    betas: Iterable[float],
    gammas: Iterable[float],
    ks: Iterable[int | None],
    eig_floor: float = 0.0,
) -> Iterator[tuple[float, float, int, np.ndarray]]:
    """Yield (β, γ, k, cos(ã_i, b̃_i)) for every cell of the grid, without transforming per cell.

    The fitting set is read once (μ and C, `moments`). Each β then costs one d × d SVD of
    Σ_β = C + (1 − β)²μᵀμ and one projection y = (x − βμ)U of the pairs; γ and k only reweight
    the columns of y. With s_j = λ_j^(−γ), every cosine is

        cos = Σ_{j<k} s_j y_aj y_bj / √(Σ_{j<k} s_j y_aj² · Σ_{j<k} s_j y_bj²),

    so all (γ, k) cells of one β are three matrix products (pairs × d)·(d × cells) of the
    elementwise products y_a·y_b, y_a², y_b² with a weight matrix whose column (γ, k) holds s
    on its first k rows. Pairs go through in blocks of _PAIR_BLOCK rows to bound memory.
    """
    a, b = _as_float64(a), _as_float64(b)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    mu, C = moments(fit_x)
    d = mu.size
    gammas = [float(g) for g in gammas]
    ks = [_check_k(k, d) for k in ks]
    cells = [(gamma, k) for gamma in gammas for k in ks]
    for beta in betas:
        U, lam = decompose(second_moment_about(mu, C, beta))
        weights = np.zeros((d, len(cells)))
        for column, (gamma, k) in enumerate(cells):  # checked per cell, like apply_whitening
            weights[:k, column] = scale_factors(lam[:k], gamma, eig_floor) ** 2
        ab, aa, bb = (np.empty((len(a), len(cells))) for _ in range(3))
        for start in range(0, len(a), _PAIR_BLOCK):
            rows = slice(start, start + _PAIR_BLOCK)
            ya, yb = (a[rows] - beta * mu) @ U, (b[rows] - beta * mu) @ U
            ab[rows], aa[rows], bb[rows] = (ya * yb) @ weights, (ya * ya) @ weights, (yb * yb) @ weights
        norms = np.sqrt(aa * bb)
        cos = np.divide(ab, norms, out=np.zeros_like(ab), where=norms > 0)
        for column, (gamma, k) in enumerate(cells):
            yield float(beta), gamma, k, cos[:, column]


def whitening_grid(
    fit_x: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    gold: np.ndarray,
    betas: Iterable[float],
    gammas: Iterable[float],
    ks: Iterable[int | None],
    groups: Mapping[str, np.ndarray] | None = None,
    eig_floor: float = 0.0,
) -> pd.DataFrame:
    """Spearman × 100 of every (β, γ, k) cell on every group of pairs.

    `fit_x` are the vectors the statistics are fitted on; `a`, `b` the vectors of the pairs' two
    sentences and `gold` their scores; `groups` maps a name (e.g. a split or subset) to a boolean
    mask or index array over the pairs (default: {"all": every pair}). Returns one row per
    (beta, gamma, k, group) with columns beta, gamma, k, group, n_pairs, spearman.
    """
    gold = np.asarray(gold, dtype=np.float64)
    if groups is None:
        groups = {"all": np.ones(gold.size, dtype=bool)}
    rows = []
    for beta, gamma, k, cos in grid_cosines(fit_x, a, b, betas, gammas, ks, eig_floor):
        for name, index in groups.items():
            rows.append(
                dict(
                    beta=beta,
                    gamma=gamma,
                    k=k,
                    group=name,
                    n_pairs=int(gold[index].size),
                    spearman=spearman_x100(cos[index], gold[index]),
                )
            )
    return pd.DataFrame(rows, columns=["beta", "gamma", "k", "group", "n_pairs", "spearman"])


# --------------------------------------------------------------------------- fitting corpora


def split_vectors(x: np.ndarray, split: np.ndarray, which: str) -> np.ndarray:
    """Both sides of one split's pairs, from a cache laid out as [sentence1 of every pair; sentence2 of
    every pair] (kexue.sts.target_sentences), duplicates kept (T11): a separate fitting corpus, such as
    STS-B train for the statistics of the other tasks, instead of the "target" sentences."""
    split = np.asarray(split)
    n = split.size
    if x.shape[0] != 2 * n:
        raise ValueError(f"expected 2 × {n} vectors (both sides of {n} pairs), got {x.shape[0]}")
    rows = split == which
    if not rows.any():
        raise ValueError(f"no '{which}' pairs to fit on (splits present: {', '.join(sorted(set(split.tolist())))})")
    return np.concatenate([x[:n][rows], x[n:][rows]])


# --------------------------------------------------------------------------- 8069's BERT rows (C1.5, C1.6)

# The article's models, the names the metrics give them, and the reduced k it reports (T12: 768 → 256,
# 1024 → 384). A config entry stands for one of them with `article_model`; if its own weights are not
# that model (a random BERT, another checkpoint) it is a stand-in and its rows only exercise the code.
ARTICLE_MODELS = {"bert-base-uncased": ("base", 256), "bert-large-uncased": ("large", 384)}


def is_stand_in(spec: Mapping) -> bool:
    """True unless the entry loads the model it stands for (hub name, with or without 'google-bert/')."""
    model = str(spec.get("model") or "")
    return "random_bert" in spec or model.removeprefix("google-bert/") != spec["article_model"]


def article_rows(white: pd.DataFrame, encoders: Mapping[str, Mapping]) -> dict[str, dict]:
    """The first-last-avg rows (8069's pooling, P4) of the entries that stand for an article model, from
    the a/b/c table at β = γ = 1 (columns encoder, pooling, task, d, k0, a, b, c, coverage, task_score):
    {"base": {"encoder", "model", "stand_in", "k", "tasks": {task: {a, b, c, coverage, task_score}}}}.
    c is at the entry's k0, which must be the article's k (256, 384) unless the entry is a stand-in."""
    rows = {}
    for encoder, spec in encoders.items():
        if "article_model" not in spec:
            continue
        role, article_k = ARTICLE_MODELS[spec["article_model"]]
        if role in rows:
            raise ValueError(
                f"two encoder entries stand for {spec['article_model']}: {rows[role]['encoder']}, {encoder}"
            )
        part = white[(white["encoder"] == encoder) & (white["pooling"] == "first-last-avg")]
        if part.empty:
            continue
        stand_in, k = is_stand_in(spec), int(part["k0"].iloc[0])
        if not stand_in and k != article_k:
            raise ValueError(
                f"encoder {encoder} stands for {spec['article_model']}, reported at k = {article_k}: "
                f"its ks must list {article_k} second (the reduced k0), not {k}"
            )
        tasks = {
            r["task"]: {key: r[key] for key in ("a", "b", "c", "coverage", "task_score")}
            for r in part.to_dict(orient="records")
        }
        rows[role] = {"encoder": encoder, "model": spec["article_model"], "stand_in": stand_in, "k": k, "tasks": tasks}
    return rows


def stsb_abc(rows: Mapping[str, dict]) -> dict:
    """C1.5: per article model, a (no whitening), b (k = d), c (k0) on the STS-B test split and c − b;
    models without an STS-B row are listed under "missing" (their keys stay absent)."""
    out = {
        "task": "stsb (test split), first-last-avg, target statistics, β = γ = 1",
        "stand_in": any(r["stand_in"] for r in rows.values()),
        "missing": [m for m, (role, _) in ARTICLE_MODELS.items() if "stsb" not in rows.get(role, {}).get("tasks", {})],
    }
    for role, row in rows.items():
        if "stsb" in row["tasks"]:
            t = row["tasks"]["stsb"]
            out[role] = {
                "a": t["a"],
                "b": t["b"],
                "c": t["c"],
                "c_minus_b": t["c"] - t["b"],
                "k": row["k"],
                "encoder": row["encoder"],
                "stand_in": row["stand_in"],
            }
    return out


def flow_comparison(rows: Mapping[str, dict]) -> dict:
    """C1.6: BERT-base whitening at k0 (c) per task, for comparison with BERT-flow (target) in the
    registry. Tasks whose source lacks some subsets (the mirror's STS12, STS13) are left out, under
    "excluded", since their averages are not the paper's; absent entirely without a bert-base row."""
    base = rows.get("base")
    if base is None:
        return {"missing": ["bert-base-uncased (first-last-avg)"]}
    full = {t: v for t, v in base["tasks"].items() if v["coverage"] == "full"}
    return {
        "c": {t: v["c"] for t, v in full.items()},
        "a": {t: v["a"] for t, v in full.items()},
        "k": base["k"],
        "encoder": base["encoder"],
        "stand_in": base["stand_in"],
        "task_score": {t: v["task_score"] for t, v in full.items()},
        "excluded": {t: v["coverage"] for t, v in base["tasks"].items() if v["coverage"] != "full"},
    }


def sickr_drop(white: pd.DataFrame, rows: Mapping[str, dict]) -> dict:
    """C1.8: c − a on SICK-R (β = γ = 1, k0) per row of the a/b/c table, and the one the claim is decided
    on, "c_minus_a_sickr": bert-base-uncased first-last-avg when the run has it (not a stand-in), else a
    proxy, the largest c − a over the unsupervised rows (absent when there are none)."""
    sick = white[white["task"] == "sickr"]
    out = {
        f"c_minus_a_{r['encoder']}_{r['pooling'].replace('-', '_')}": float(r["c"] - r["a"])
        for r in sick.to_dict(orient="records")
    }
    base = rows.get("base")
    if base is not None and not base["stand_in"] and "sickr" in base["tasks"]:
        task = base["tasks"]["sickr"]
        out.update(
            label=f"{base['model']} first-last-avg, k0 = {base['k']}", c_minus_a_sickr=float(task["c"] - task["a"])
        )
        return out
    out["label"] = "proxy: the unsupervised rows (GloVe-50d average in the default tier) for BERT-base first-last-avg"
    unsupervised = sick[~sick["supervised"].astype(bool)]
    if len(unsupervised):
        out["c_minus_a_sickr"] = float((unsupervised["c"] - unsupervised["a"]).max())
    return out
