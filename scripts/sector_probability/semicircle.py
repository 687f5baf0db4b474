"""sector_probability.semicircle: for θ ≤ π only k = 1 survives, P = n(θ/2π)^{n−1}; four points in a semicircle: 1/2."""

import numpy as np

from kexue import sector_probability as sp
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
# the float value of the formula (as an implementation computes it) against the closed form, in float
gaps = [
    {
        "n": n,
        "theta_over_pi": t,
        "formula": sp.sector_probability_float(n, t),
        "closed_form": n * (t / 2) ** (n - 1),
        "exact_equal": sp.sector_probability(n, t) == sp.semicircle_probability(n, t),
    }
    for n in s["ns"]
    for t in s["thetas_over_pi"]
]
for g in gaps:
    g["gap"] = abs(g["formula"] - g["closed_form"])
n, t = s["puzzle"]["n"], s["puzzle"]["theta_over_pi"]
formula = float(sp.sector_probability(n, t))
mc = sp.monte_carlo(n, t, s["trials"], np.random.default_rng(s["seed"]))
se = sp.standard_error(formula, s["trials"])
job.log.info("n=%d θ=%gπ: formula %.6f, MC %.6f ± %.6f", n, t, formula, mc, se)
job.metrics(
    snakemake.output[0],
    {
        "scale": f"{len(gaps)} (n, θ ≤ π) pairs; Monte Carlo of the puzzle with {s['trials']} trials",
        "trials": s["trials"],
        "gaps": gaps,
        "max_gap": max(g["gap"] for g in gaps),
        "exact_equal_everywhere": all(g["exact_equal"] for g in gaps),
        "puzzle": {"n": n, "theta_over_pi": t, "formula": formula, "monte_carlo": mc, "se": se},
        "puzzle_abs_z": abs(mc - formula) / se,
    },
)
