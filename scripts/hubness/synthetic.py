"""hubness.skew_grows, hubness.near_centre: N_k on i.i.d. Gaussian and uniform-cube points, fixed N and k,
for every dimension and seed; the per-seed values the rules and guards read."""

import numpy as np
from scipy.stats import spearmanr

from kexue import hubness as hb
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
cells = []
for distribution in s["distributions"]:
    for seed in s["seeds"]:
        for d in s["dims"]:
            rng = np.random.default_rng([seed, d, s["distributions"].index(distribution)])
            x = hb.sample(distribution, s["n_points"], d, rng)
            stats = hb.hub_statistics(hb.k_occurrence(x, s["k"], s["metric"]), x)
            cells.append({"distribution": distribution, "seed": seed, "d": d, **stats})
            job.log.info("%s seed %d d=%d: %s", distribution, seed, d, stats)


def per_seed(distribution):
    """Spearman ρ(d, skewness) and max N_k at the largest d over that at the smallest, one value per seed."""
    rhos, ratios = [], []
    for seed in s["seeds"]:
        rows = sorted(
            (c for c in cells if c["distribution"] == distribution and c["seed"] == seed), key=lambda c: c["d"]
        )
        rhos.append(float(spearmanr([c["d"] for c in rows], [c["skewness"] for c in rows]).statistic))
        ratios.append(rows[-1]["max"] / rows[0]["max"])
    return rhos, ratios


summary = {}
for distribution in s["distributions"]:
    rhos, ratios = per_seed(distribution)
    centre = [c for c in cells if c["distribution"] == distribution and c["d"] >= s["centre_min_d"]]
    summary[distribution] = {
        "skew_spearman_per_seed": rhos,
        "skew_spearman_mean": float(np.mean(rhos)),
        "max_ratio_per_seed": ratios,
        "max_ratio_min": min(ratios),
        # the rule asks for a negative, significant correlation at every d ≥ centre_min_d and seed
        "centre_rho_max": max(c["rho_centre"] for c in centre),
        "centre_p_max": max(c["p_centre"] for c in centre),
    }
    job.log.info("%s: %s", distribution, summary[distribution])
job.metrics(
    snakemake.output[0],
    {
        "scale": f"N = {s['n_points']}, k = {s['k']}, {s['metric']}, {len(s['seeds'])} seeds",
        "cells": cells,
        **summary,
    },
)
