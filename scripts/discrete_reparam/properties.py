"""discrete_reparam.properties: p ≥ 0, Σp = 1 (up to the quadrature error, shrinking with K), order of p = order
of μ, and T(μ + c) = T(μ), for random μ through the Gaussian quadrature layer; Σp of the exact T by scipy quad."""

import itertools

import numpy as np
import torch

from kexue import discrete_reparam as dr
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
torch.set_num_threads(job.threads)
nodes = {K: dr.gaussian_nodes(K) for K in s["Ks"]}
K_top = max(s["Ks"])
rows = []
for n, draws in zip(s["ns"], s["draws"], strict=True):
    for scale in s["scales"]:
        rng = np.random.default_rng([s["seed"], n, int(scale * 1000)])
        for d in range(draws):
            mu = rng.normal(0.0, scale, n)
            log_p = {K: dr.quadrature_log_probs(torch.from_numpy(mu), nodes[K]).numpy() for K in s["Ks"]}
            p = np.exp(log_p[K_top])
            # shift invariance on T itself: μ + c goes into the formula as it is
            shift = max(
                float(np.abs(dr.quadrature_probs(torch.from_numpy(mu + c), nodes[K_top]).numpy() - p).max())
                for c in s["shifts"]
            )
            sum_errors = [float(abs(np.exp(log_p[K]).sum() - 1)) for K in s["Ks"]]
            row = {
                "n": n,
                "scale": scale,
                "draw": d,
                "min_p": float(p.min()),
                # order compared in log space: p itself underflows to 0 for far-behind entries (ties)
                "order_ok": bool(np.array_equal(np.argsort(log_p[K_top]), np.argsort(mu))),
                "shift_error": shift,
                **{f"sum_error_K{K}": e for K, e in zip(s["Ks"], sum_errors, strict=True)},
                # per draw the error need not fall at every step (well-separated μ sit at ~1e-9 at every K);
                # the rule reads the worst case over the draws, below
                "sum_error_shrinks": bool(all(a > b for a, b in itertools.pairwise(sum_errors))),
            }
            if d < s["exact_draws"]:
                # the exact T (adaptive quadrature over ε): its normalisation is the property, not the rule's
                row["exact_sum_error"] = float(abs(dr.gaussian_integrated_probs(mu).sum() - 1))
            rows.append(row)
        cell = [r for r in rows if r["n"] == n and r["scale"] == scale]
        job.log.info(
            "n=%d s=%g: %d draws, max |Σp−1| at K=%d: %.4g, order ok %d/%d, max shift error %.2g",
            n,
            scale,
            len(cell),
            K_top,
            max(r[f"sum_error_K{K_top}"] for r in cell),
            sum(r["order_ok"] for r in cell),
            len(cell),
            max(r["shift_error"] for r in cell),
        )
by_cell = [
    {
        "n": n,
        "scale": scale,
        "draws": sum(1 for r in rows if r["n"] == n and r["scale"] == scale),
        **{
            f"max_sum_error_K{K}": max(r[f"sum_error_K{K}"] for r in rows if r["n"] == n and r["scale"] == scale)
            for K in s["Ks"]
        },
    }
    for n in s["ns"]
    for scale in s["scales"]
]
worst = {K: max(r[f"sum_error_K{K}"] for r in rows) for K in s["Ks"]}
job.metrics(
    snakemake.output[0],
    {
        "scale": f"{len(rows)} random μ (n ∈ {s['ns']}, s ∈ {s['scales']}); Gaussian noise, K ∈ {s['Ks']}",
        "mu_draws": len(rows),
        "K": K_top,
        "Ks": s["Ks"],
        "draws": rows,
        "cells": by_cell,
        "min_p": min(r["min_p"] for r in rows),
        "max_sum_error": max(r[f"sum_error_K{K_top}"] for r in rows),
        "max_sum_error_by_K": {str(K): worst[K] for K in s["Ks"]},
        # steps K → K' at which the worst |Σp − 1| over the draws grows instead of shrinking
        "worst_sum_error_increases": sum(worst[a] <= worst[b] for a, b in itertools.pairwise(s["Ks"])),
        "draws_not_shrinking_at_every_step": sum(not r["sum_error_shrinks"] for r in rows),
        "order_violations": sum(not r["order_ok"] for r in rows),
        "max_shift_error": max(r["shift_error"] for r in rows),
        "max_exact_sum_error": max(r["exact_sum_error"] for r in rows if "exact_sum_error" in r),
    },
)
