"""E4b summary: n*(N) over seeds, the fitted law n* = c ln N + b, and the formula's sufficiency."""

import numpy as np

from kexue.dimension_formula import formula as dim
from kexue.jobs import Job, read_json

runs = [read_json(path) for path in snakemake.input]
job = Job(snakemake, seeds=sorted({r["seed"] for r in runs}))
solved = [r for r in runs if r["n_star"] is not None]
Ns = sorted({r["N"] for r in solved})
# one point per N (median over seeds): permutation targets are all alike up to relabelling, so the
# seeds differ only in initialisation and give (nearly) the same n*; pooling them as independent
# points would narrow the interval of c without adding information
median_n_star = [float(np.median([r["n_star"] for r in solved if r["N"] == N])) for N in Ns]
fit = dim.fit_log_law(Ns, median_n_star)
fit["c_interval"] = {"mean": fit["c"], "low": fit["c_low"], "high": fit["c_high"]}
every_fit = [f for r in runs for f in r["fits"] + [r["at_formula"]]]
grid = runs[0]["grid"]
job.log.info("fit: c = %.3f [%s, %s], b = %.3f", fit["c"], fit["c_low"], fit["c_high"], fit["b"])
job.metrics(
    snakemake.output[0],
    {
        "scale": f"CPU: N = {min(r['N'] for r in runs)}…{max(r['N'] for r in runs)}, "
        f"{len({r['seed'] for r in runs})} seeds, grid {grid[0]}…{grid[-1]} (brief: N up to 4096)",
        "runs": [
            {k: r[k] for k in ("N", "seed", "n_star", "formula_n")}
            | {
                "prob_at_formula": r["at_formula"]["mean_target_prob"],
                "free_2d_radius": r["free_2d_radius"],
                "fits": [{k: f[k] for k in ("n", "mean_target_prob", "entropy_gap", "success")} for f in r["fits"]],
            }
            for r in runs
        ],
        "unsolved": [{"N": r["N"], "seed": r["seed"]} for r in runs if r["n_star"] is None],
        "median_n_star": dict(zip(map(str, Ns), median_n_star, strict=True)),
        "fit": fit,
        "article_constant": snakemake.params.article_constant,
        "min_target_prob_at_formula_dim": min(r["at_formula"]["mean_target_prob"] for r in runs),
        "max_norm_deviation": max(f["norm_deviation"] for f in every_fit),
    },
)
