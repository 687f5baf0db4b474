"""sector_probability.formula: the inclusion–exclusion formula against Monte Carlo on the n × θ grid."""

import numpy as np

from kexue import sector_probability as sp
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
cells = []
for n in s["ns"]:
    for i, t in enumerate(s["thetas_over_pi"]):
        # one fixed seed per cell, recorded: (seed, n, index of θ)
        cell_seed = [s["seed"], n, i]
        p_exact = sp.sector_probability(n, t)
        p = float(p_exact)
        mc = sp.monte_carlo(n, t, s["trials"], np.random.default_rng(cell_seed), s["batch"])
        se = sp.standard_error(p, s["trials"])
        ok = sp.cell_agrees(p, mc, s["trials"], s["se_multiple"])
        cells.append(
            {
                "n": n,
                "theta_over_pi": t,
                "formula": p,
                "formula_exact": str(p_exact),
                "monte_carlo": mc,
                "se": se,
                "z": (mc - p) / se,
                "certain": p == 1.0,
                "agrees": ok,
                "seed": cell_seed,
            }
        )
        job.log.info(
            "n=%d θ=%.1fπ: formula %.6f, MC %.6f (z = %+.2f)%s", n, t, p, mc, (mc - p) / se, "" if ok else " ✗"
        )
job.metrics(
    snakemake.output[0],
    {
        "scale": f"Monte Carlo, {s['trials']} trials per cell, {len(cells)} cells",
        "trials": s["trials"],
        "se_multiple": s["se_multiple"],
        "cells": cells,
        "formula_failures": sum(not c["agrees"] for c in cells),
        "max_abs_z": max(abs(c["z"]) for c in cells),
        "certain_cells": sum(c["certain"] for c in cells),
        "certain_cells_exact": all(c["monte_carlo"] == 1.0 for c in cells if c["certain"]),
    },
)
