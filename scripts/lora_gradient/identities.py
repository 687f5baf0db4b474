"""The exact claims in float64: gradient formulas, LoRA inside the optimiser, the update expansion, the
random-projection expectation, the symmetric initialisation and the additive variant."""

import itertools

import numpy as np
import torch

from kexue import lora_gradient as lg
from kexue.jobs import Job

job = Job(snakemake)
p = snakemake.params
shapes = [(n, m) for n, m in itertools.product(p.sizes, p.sizes)]
seed = p.seed

formulas = [lg.gradient_formula_errors(n, m, r, p.batch, seed) for (n, m) in shapes for r in p.ranks]
job.log.info("gradient formulas: max relative error %.3g", max(c["max_relative_error"] for c in formulas))

pr = p.projection
problem = lg.regression(pr["n"], pr["m"], pr["r"], pr["batch"], seed)
standard = lg.standard_lora_sgd(problem, pr["lr"], pr["steps"])
projected = lg.projected_optimizer_sgd(problem, pr["lr"], pr["steps"])
projection = {
    "steps": pr["steps"],
    "max_gap": max(float((a - b).abs().max()) for a, b in zip(standard, projected, strict=True)),
    "w_moved": float((standard[-1] - problem["W0"]).abs().max()),
    "gap_per_step": [float((a - b).abs().max()) for a, b in zip(standard, projected, strict=True)],
}
job.log.info("optimiser projection: %s", {k: v for k, v in projection.items() if k != "gap_per_step"})

g = torch.Generator().manual_seed(seed)
n, m, r = pr["n"], pr["m"], pr["r"]
G, A, B = (torch.randn(*s, generator=g, dtype=torch.float64) for s in ((n, m), (n, r), (r, m)))
expansion = [lg.update_expansion(G, A, B, lr) for lr in p.expansion_lrs]
slope = lg.log_log_slope([e["lr"] for e in expansion], [e["remainder"] for e in expansion])
job.log.info("update expansion: %s, remainder slope %.6f", expansion, slope)

rp = p.random_projection
random_projection = []
for n, m in shapes:
    G = torch.randn(n, m, generator=g, dtype=torch.float64)
    mean = lg.random_projection_mean(G, rp["lr"], rp["draws"], seed)
    random_projection.append(
        {
            "n": n,
            "m": m,
            "draws": rp["draws"],
            "rel_error_vs_sgd_2eta": float((mean + 2 * rp["lr"] * G).norm() / (2 * rp["lr"] * G).norm()),
            "rel_error_vs_sgd_eta": float((mean + rp["lr"] * G).norm() / (rp["lr"] * G).norm()),
        }
    )
job.log.info("random projection: %s", random_projection)

symmetric = [lg.symmetric_init_gap(n, m, r, p.batch, seed) for (n, m) in shapes for r in p.ranks]
additive = [
    lg.additive_check(n, m, r, p.batch, seed)
    for (n, m) in shapes + [tuple(s) for s in p.additive_extra_shapes]
    for r in [1, *p.ranks, *p.additive_extra_ranks]
    if n % r == 0 and m % r == 0
]
additive = list({(c["n"], c["m"], c["r"]): c for c in additive}.values())
job.log.info("additive: %s", additive)

job.metrics(
    snakemake.output[0],
    {
        "scale": f"float64, n, m ∈ {p.sizes}, r ∈ {p.ranks}",
        "grad_formulas": {"cells": formulas, "max_relative_error": max(c["max_relative_error"] for c in formulas)},
        "optimizer_projection": projection,
        "first_order_update": {
            "cells": expansion,
            "max_expansion_error": max(e["expansion_error"] for e in expansion),
            "remainder_slope": slope,
        },
        "random_projection": {
            "cells": random_projection,
            "max_rel_error_vs_sgd_2eta": max(c["rel_error_vs_sgd_2eta"] for c in random_projection),
            "min_rel_error_vs_sgd_eta": min(c["rel_error_vs_sgd_eta"] for c in random_projection),
            "forgetting": "not run (exploratory B of the brief; see the article's page)",
        },
        "symmetric_init": {
            "cells": symmetric,
            "max_output_gap": max(c["output_gap"] for c in symmetric),
            "min_factor_grad_norm": min(min(c["grad_A_norm"], c["grad_B_norm"]) for c in symmetric),
        },
        "additive_variant": {
            "cells": additive,
            "max_grad_error": max(c["grad_error"] for c in additive),
            "rank_r1": sorted({c["rank"] for c in additive if c["r"] == 1}),
            "min_rank_r1": min(c["rank"] for c in additive if c["r"] == 1),
            "max_rank_r1": max(c["rank"] for c in additive if c["r"] == 1),
            "max_rank_over_bound": max(c["rank"] / c["rank_bound"] for c in additive),
            "mean_rank_over_bound": float(np.mean([c["rank"] / c["rank_bound"] for c in additive])),
        },
    },
)
