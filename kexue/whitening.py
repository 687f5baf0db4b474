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


# --------------------------------------------------------------------------- 8321's Chinese tables (T6, T7)

# λ_min/λ_max of Σ_1 below which b (β = γ = 1 at k = d) is near-singular (trap T6): the brief's own
# floor for C1.1b, the level under which float64 can no longer check Cov(x̃) = I to 1e-6. LayerNorm-ed
# last-layer poolings sit far below it (≈ 1e-17), their smallest directions then being round-off
# multiplied by λ^(−1/2).
NEAR_SINGULAR = 1e-8

# The Chinese tables' names (8321) for our poolings and tasks.
POOLING_8321 = {"cls": "P1", "last-avg": "P3", "first-last-avg": "P4"}
TASK_8321 = {"zh-atec": "ATEC", "zh-bq": "BQ", "zh-lcqmc": "LCQMC", "zh-pawsx": "PAWSX", "zh-stsb": "STS-B"}

# Trap T7: 8321 does not say which split its Chinese numbers are on; its script prints all five.
SPLIT_CONVENTIONS = ("train", "dev", "test", "avg", "w-avg")
_SPLITS = ("split:train", "split:dev", "split:test")


def split_convention_rows(frame: pd.DataFrame, convention: str) -> pd.DataFrame | None:
    """The task-score rows (group "task") of one evaluation job under a split convention: one split's
    Spearman, or avg (the plain mean over train, dev, test) or w-avg (their pair-weighted mean), from
    the job's "split:<name>" rows (columns fit, beta, gamma, k, group, n_pairs, spearman). None when the
    job lacks a split the convention needs (the mirror's ATEC has no train split)."""
    if convention not in SPLIT_CONVENTIONS:
        raise ValueError(f"unknown split convention '{convention}'; known: {', '.join(SPLIT_CONVENTIONS)}")
    need = list(_SPLITS) if convention in ("avg", "w-avg") else [f"split:{convention}"]
    keys = ["fit", "beta", "gamma", "k"]
    parts = frame[frame["group"].isin(need)]
    if set(need) - set(parts["group"]):
        return None
    rho = parts.pivot_table(index=keys, columns="group", values="spearman")[need]
    pairs = parts.pivot_table(index=keys, columns="group", values="n_pairs")[need]
    if convention == "avg":
        spearman = rho.mean(axis=1)
    elif convention == "w-avg":
        spearman = (rho * pairs).sum(axis=1) / pairs.sum(axis=1)
    else:
        spearman = rho[need[0]]
    out = pd.DataFrame({"n_pairs": pairs.sum(axis=1).astype(int), "spearman": spearman}).reset_index()
    return out.assign(group="task")


def pick_split_convention(cells: pd.DataFrame, default: str = "test") -> dict:
    """Trap T7: ONE split convention for all the Chinese cells, the one with the smallest mean
    |ours − reported| over every comparable cell (columns convention, ours, reported; a cell is one
    a/b/c number of a row that 8321 reports). A convention that some comparable cell cannot be scored
    under is not a global one and is left out; never chosen per cell. Without comparable cells (no
    8321 model in the run), the default (test, as for every other task) stands."""
    errors = {}
    for convention, part in cells.groupby("convention", sort=False):
        gaps = (part["ours"] - part["reported"]).abs()
        if len(part) and not gaps.isna().any():
            errors[convention] = float(gaps.mean())
    n_cells = int(cells.groupby("convention").size().max()) if len(cells) else 0
    if not errors:
        why = "no comparable cells in this run" if n_cells == 0 else "no convention scores every comparable cell"
        return {"convention": default, "chosen_by": f"default ({why})", "mean_abs_error": {}, "n_cells": n_cells}
    best = min(errors, key=errors.get)
    return {
        "convention": best,
        "chosen_by": "smallest mean |ours − reported| over all comparable cells (T7)",
        "mean_abs_error": errors,
        "n_cells": n_cells,
    }


def comparable_cells(abc_by_convention: pd.DataFrame, reference: pd.DataFrame, encoders: Mapping) -> pd.DataFrame:
    """The cells of our a/b/c table (β = γ = 1, one table per convention: column convention) that 8321
    reports: rows of encoders with `article_row_8321` (the table's model name), poolings P1/P3/P4,
    b where our d is the table's full_dim and c where our k0 is its reduced_dim. Columns convention,
    encoder, pooling, task, cell, ours, reported."""
    rows = []
    ref = reference.set_index(["model", "pooling", "task"])
    for r in abc_by_convention.to_dict(orient="records"):
        model = encoders[r["encoder"]].get("article_row_8321")
        key = (model, POOLING_8321.get(r["pooling"]), TASK_8321.get(r["task"]))
        if model is None or key not in ref.index:
            continue
        reported = ref.loc[key]
        cells = {"a": reported["a_no_whitening"]}
        if r["d"] == reported["full_dim"]:
            cells["b"] = reported["b_whitening_full"]
        if r["k0"] == reported["reduced_dim"]:
            cells["c"] = reported["c_whitening_reduced"]
        for cell, value in cells.items():
            if pd.notna(value):
                rows.append(
                    dict(
                        convention=r["convention"],
                        encoder=r["encoder"],
                        pooling=r["pooling"],
                        task=r["task"],
                        cell=cell,
                        ours=r[cell],
                        reported=float(value),
                    )
                )
    return pd.DataFrame(rows, columns=["convention", "encoder", "pooling", "task", "cell", "ours", "reported"])


def supervised_drop(white: pd.DataFrame, condition: Mapping[tuple, float], spec: Mapping) -> dict:
    """C1.3 over the rows the tier's config names (`whitening.c1_3`: encoder, poolings, tasks, rule):
    fractions of rows with b < a and c < a (β = γ = 1, target statistics). rule "article" (the full
    tier: SimBERT-P1 on ATEC, BQ, LCQMC) writes them under "article", where the claim needs all of them;
    rule "proxy" (a supervised stand-in) writes b's under "proxy", where half suffices.

    Trap T6: `condition` maps (encoder, pooling, task) to λ_min/λ_max of Σ_1. Rows below NEAR_SINGULAR
    are counted, as the reference counts them (float64 SVD, no clipping; the article's own SimBERT-P1
    cells are LayerNorm-ed [CLS] vectors), and named in the metrics: "counted" is the claim's `ours`."""
    rows = white[white["encoder"] == spec["encoder"]]
    if spec.get("poolings"):
        rows = rows[rows["pooling"].isin(spec["poolings"])]
    if spec.get("tasks"):
        absent = sorted(set(spec["tasks"]) - set(rows["task"]))
        if absent:
            raise ValueError(f"whitening.c1_3 names tasks the run lacks for {spec['encoder']}: {', '.join(absent)}")
        rows = rows[rows["task"].isin(spec["tasks"])]
    if rows.empty:
        raise ValueError(f"whitening.c1_3: no rows of encoder {spec['encoder']} with poolings {spec.get('poolings')}")
    ratio = np.array([condition[r["encoder"], r["pooling"], r["task"]] for r in rows.to_dict(orient="records")])
    near = ratio < NEAR_SINGULAR
    b_below, c_below = rows["b"].to_numpy() < rows["a"].to_numpy(), rows["c"].to_numpy() < rows["a"].to_numpy()
    frac_b, frac_c = float(b_below.mean()), float(c_below.mean())
    names = [f"{r['encoder']}/{r['pooling']}/{r['task']}" for r in rows.to_dict(orient="records")]
    out = {
        "encoder": spec["encoder"],
        "rule": spec["rule"],
        "frac_b_below_a": frac_b,
        "frac_c_below_a": frac_c,
        "mean_b_minus_a": float((rows["b"] - rows["a"]).mean()),
        "n_cells": int(len(rows)),
        "near_singular_floor": NEAR_SINGULAR,
        "n_near_singular_b": int(near.sum()),
        "near_singular_rows": [f"{n} ({x:.2g})" for n, x, hit in zip(names, ratio, near, strict=True) if hit],
        # informational only, not decided on: the fraction over the well-conditioned rows
        "frac_b_below_a_well_conditioned": float(b_below[~near].mean()) if (~near).any() else None,
        "cells": {
            n: {"a": float(r["a"]), "b": float(r["b"]), "c": float(r["c"])}
            for n, r in zip(names, rows.to_dict(orient="records"), strict=True)
        },
        "counted": {
            "b < a": f"{int(b_below.sum())}/{len(rows)}",
            "c < a": f"{int(c_below.sum())}/{len(rows)}",
            f"near-singular b (λmin/λmax < {NEAR_SINGULAR:g}), counted": int(near.sum()),
        },
    }
    if spec["rule"] == "article":
        out["article"] = {"frac_b_below_a": frac_b, "frac_c_below_a": frac_c}
    else:
        out["proxy"] = {"frac_b_below_a": frac_b}
    return out


def bq_exception(white: pd.DataFrame) -> dict:
    """BQ's clauses (C1.4, C1.8) over the unsupervised rows (β = γ = 1) of the Chinese tasks: frac(b ≥ a)
    per task, BQ's minus the lowest of the other tasks (C1.4: BQ lowest), and frac(b < a) on BQ (C1.8).
    Empty when the run has no unsupervised BQ row (the default tier): the registry's optional parts."""
    chinese = white[~white["supervised"].astype(bool) & white["task"].isin(list(TASK_8321))]
    bq = chinese[chinese["task"] == "zh-bq"]
    if bq.empty:
        return {}
    per_task = {t: float((g["b"] >= g["a"]).mean()) for t, g in chinese.groupby("task")}
    others = {t: v for t, v in per_task.items() if t != "zh-bq"}
    out = {
        "frac_b_ge_a_by_task": per_task,
        "frac_b_below_a": float((bq["b"] < bq["a"]).mean()),
        "n_rows": int(len(bq)),
        "rows": [f"{r['encoder']}/{r['pooling']}" for r in bq.to_dict(orient="records")],
    }
    if others:
        out["bq_minus_lowest_other"] = per_task["zh-bq"] - min(others.values())
    return out
