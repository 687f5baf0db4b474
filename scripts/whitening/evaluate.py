"""Spearman × 100 of every (β, γ, k) cell of one (encoder, pooling, task), from the cached vectors.

Target statistics (trap T8): the whitening is fitted on every target sentence of the task; each
other corpus of whitening.fit (<task>-<split>, e.g. stsb-train: both sides of that split's pairs in
the task's cache, duplicates kept) gives a second set of cells, told apart by the column "fit". Groups:
"all" (pooled pairs), "split:<name>", "subset:<name>" (SemEval years) and "task", the task's score
as the brief defines it: the test split for STS-B, SICK-R and the Chinese sets, the pair-weighted mean
over subsets (SentEval's wmean) for STS12–16. a, the no-whitening baseline, is the cell β = γ = 0 at
k = d (C1.1 checks that it equals the raw cosine's Spearman). Also written: the C1.1 and C1.1b
algebra checks and, on the tuning task, the C1.7 grid picked on dev and scored on test.
"""

import numpy as np
import pandas as pd

from kexue import whitening as wh
from kexue.jobs import Job, write_json

job = Job(snakemake)
p = job.params
pooling, task = snakemake.wildcards.pooling, snakemake.wildcards.task
cache = np.load(snakemake.input.cache)
if f"x_{pooling}" not in cache.files:
    job.fail(
        f"encoder {snakemake.wildcards.encoder} has no pooling '{pooling}' (its cache holds "
        f"{', '.join(f[2:] for f in cache.files if f.startswith('x_'))}): fix whitening.encoders"
    )
x = cache[f"x_{pooling}"].astype(np.float64)
gold, split, subset = cache["score"], cache["split"], cache["subset"]
n = gold.size
a, b = x[:n], x[n:]
d = x.shape[1]
ks = [k for k in p["ks"] if k <= d]
if len(ks) < len(p["ks"]):
    job.log.warning("ks %s exceed d = %d and are dropped", sorted(set(p["ks"]) - set(ks)), d)
k0 = ks[1] if len(ks) > 1 else d  # the reduced dimension ≈ d/3: the second entry of the config's ks

groups = {"all": np.ones(n, dtype=bool)}
groups.update({f"split:{s}": split == s for s in sorted(set(split))})
subsets = sorted(set(subset))
if len(subsets) > 1:
    groups.update({f"subset:{s}": subset == s for s in subsets})


TASK_SCORE = (
    f"pair-weighted mean over {len(subsets)} subsets"
    if len(subsets) > 1
    else "test split"
    if "split:test" in groups
    else "all pairs, pooled"
)


def task_score(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with group "task": the test split, or the pair-weighted mean over subsets."""
    keys = ["fit", "beta", "gamma", "k"]
    if len(subsets) > 1:
        parts = frame[frame["group"].str.startswith("subset:")]
        rows = (
            parts.groupby(keys)
            .apply(
                lambda g: pd.Series(
                    {"n_pairs": g["n_pairs"].sum(), "spearman": np.average(g["spearman"], weights=g["n_pairs"])}
                ),
                include_groups=False,
            )
            .reset_index()
        )
    else:
        rows = frame[frame["group"] == ("split:test" if "split:test" in groups else "all")][
            keys + ["n_pairs", "spearman"]
        ]
    return rows.assign(group="task")


def fit_vectors(name: str, path: str | None) -> np.ndarray:
    """The vectors the statistics are fitted on: the target sentences, or one split of another cache."""
    if name == "target":
        return x
    corpus = np.load(path)
    try:
        return wh.split_vectors(corpus[f"x_{pooling}"].astype(np.float64), corpus["split"], name.rsplit("-", 1)[1])
    except ValueError as error:
        job.fail(f"whitening.fit corpus {name} ({path}): {error}")


corpus_paths = dict(zip([f for f in p["fit"] if f != "target"], snakemake.input.corpora, strict=True))
grid = pd.concat(
    [
        wh.whitening_grid(
            fit_vectors(f, corpus_paths.get(f)),
            a,
            b,
            gold,
            p["betas"],
            p["gammas"],
            ks,
            groups=groups,
            eig_floor=p["eig_floor"],
        ).assign(fit=f)
        for f in p["fit"]
    ],
    ignore_index=True,
)
grid = pd.concat([grid, task_score(grid)], ignore_index=True)
grid["n_pairs"] = grid["n_pairs"].astype(int)

# C1.1: β = γ = 0 at k = d is a rotation: cosines and Spearman unchanged (float64)
raw = wh.cosine_scores(a, b)
rot = wh.fit_whitening(x, 0.0, 0.0)
turned = wh.cosine_scores(wh.apply_whitening(rot, a), wh.apply_whitening(rot, b))
c1_1 = {
    "max_abs_dcos": float(np.max(np.abs(turned - raw))),
    "abs_dspearman": abs(wh.spearman_x100(turned, gold) - wh.spearman_x100(raw, gold)),
}

# C1.1b: β = γ = 1 at k = d whitens the fitting set: Cov(x̃) = I with the same 1/N as the fit (T3)
white = wh.fit_whitening(x, 1.0, 1.0, eig_floor=p["eig_floor"])
condition = white.condition()
try:
    y = wh.apply_whitening(white, x)
    cov_error = float(np.max(np.abs(y.T @ y / y.shape[0] - np.eye(d))))
except ValueError as err:  # an exactly zero eigenvalue (T6)
    job.log.warning("C1.1b: %s", err)
    cov_error = None
c1_1b = {"condition": condition, "max_cov_error": cov_error, "well_conditioned": condition > 1e-8}
job.log.info("C1.1 %s; C1.1b %s", c1_1, c1_1b)

# C1.7: pick (β, γ, k) on dev, score on test; presets (1, 1, k0) and (0, 0, k0); a = (0, 0, d)
tuning = None
if p["tune"] is not None and {"split:dev", "split:test"} <= set(groups):
    t = p["tune"]
    tune_ks = sorted({max(1, round(f * d)) for f in t["k_fractions"]} | {k0, d})
    cells = wh.whitening_grid(
        x,
        a,
        b,
        gold,
        t["betas"],
        t["gammas"],
        tune_ks,
        eig_floor=p["eig_floor"],
        groups={"dev": groups["split:dev"], "test": groups["split:test"]},
    )
    wide = cells.pivot_table(index=["beta", "gamma", "k"], columns="group", values="spearman").reset_index()
    best = wide.loc[wide["dev"].idxmax()]

    def test_of(beta, gamma, k):
        return float(wide[(wide.beta == beta) & (wide.gamma == gamma) & (wide.k == k)]["test"].iloc[0])

    presets = {"white_k0": test_of(1.0, 1.0, k0), "rotate_k0": test_of(0.0, 0.0, k0)}
    tuning = {
        "beta": float(best["beta"]),
        "gamma": float(best["gamma"]),
        "k": int(best["k"]),
        "k0": k0,
        "dev": float(best["dev"]),
        "test": float(best["test"]),
        "a_test": test_of(0.0, 0.0, d),
        **presets,
        "tuned_minus_best_preset": float(best["test"]) - max(presets.values()),
        "cells": wide.to_dict(orient="records"),
    }
    job.log.info(
        "C1.7: tuned (β %g, γ %g, k %d) test %.2f; presets %s",
        tuning["beta"],
        tuning["gamma"],
        tuning["k"],
        tuning["test"],
        presets,
    )

job.table(snakemake.output.scores, grid)
write_json(
    snakemake.output.checks,
    {
        "encoder": snakemake.wildcards.encoder,
        "pooling": pooling,
        "task": task,
        "d": d,
        "k0": k0,
        "n_pairs": int(n),
        "n_sentences": int(x.shape[0]),
        "source": str(cache["source"]),
        "coverage": str(cache["coverage"]),
        "task_score": TASK_SCORE,
        "model": str(cache["model"]),
        "c1_1": c1_1,
        "c1_1b": c1_1b,
        "tuning": tuning,
        "provenance": job.record(),
    },
)
