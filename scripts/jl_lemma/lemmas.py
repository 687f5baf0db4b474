"""C5.1, C5.2: Monte-Carlo tails of the unit-norm and orthogonality lemmas against their bounds."""

import numpy as np

from kexue import jl_lemma as jl
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
rng = np.random.default_rng(s["seed"])
cells = []
for lemma, tail, bound in (
    ("unit_norm", jl.unit_norm_tail, jl.unit_norm_bound),
    ("orthogonality", jl.orthogonality_tail, jl.orthogonality_bound),
):
    for n in s["ns"]:
        for eps in s["epsilons"]:
            p_hat, se = tail(n, eps, s["draws"], rng)
            cap = min(1.0, bound(n, eps))
            # the brief's rule: p̂ ≤ min(1, bound) + 3·SE
            cells.append(
                {
                    "lemma": lemma,
                    "n": n,
                    "eps": eps,
                    "p_hat": p_hat,
                    "se": se,
                    "bound": cap,
                    "violated": bool(p_hat > cap + 3 * se),
                }
            )
            job.log.info("%s n=%d ε=%.2f: p̂ = %.4g ± %.2g, bound %.4g", lemma, n, eps, p_hat, se, cap)
job.metrics(
    snakemake.output[0],
    {
        "scale": f"Monte Carlo, {s['draws']} draws per cell",
        "cells": cells,
        "unit_norm_violations": sum(c["violated"] for c in cells if c["lemma"] == "unit_norm"),
        "orthogonality_violations": sum(c["violated"] for c in cells if c["lemma"] == "orthogonality"),
    },
)
