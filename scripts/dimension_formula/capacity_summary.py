"""E4b summary: n*(N) over seeds, the fitted law n* = c ln N + b, and the formula's sufficiency."""
from kexue import dimension as dim
from kexue.jobs import Job, read_json

runs = [read_json(path) for path in snakemake.input]
job = Job(snakemake, seeds=sorted({r["seed"] for r in runs}))
solved = [r for r in runs if r["n_star"] is not None]
fit = dim.fit_log_law([r["N"] for r in solved], [r["n_star"] for r in solved])
fit["c_interval"] = {"mean": fit["c"], "low": fit["c_low"], "high": fit["c_high"]}
every_fit = [f for r in runs for f in r["fits"] + [r["at_formula"]]]
Ns = sorted({r["N"] for r in runs})
grid = runs[0]["grid"]
job.log.info("fit: c = %.3f [%s, %s], b = %.3f", fit["c"], fit["c_low"], fit["c_high"], fit["b"])
job.metrics(snakemake.output[0], {
    "scale": f"CPU: N = {Ns[0]}…{Ns[-1]}, {len({r['seed'] for r in runs})} seeds, grid {grid[0]}…{grid[-1]}",
    "runs": [{k: r[k] for k in ("N", "seed", "n_star", "formula_n")} | {
        "prob_at_formula": r["at_formula"]["mean_target_prob"],
        "unconstrained_2d_prob": r["unconstrained_2d"]["mean_target_prob"],
        "fits": [{k: f[k] for k in ("n", "mean_target_prob", "entropy_gap", "success")} for f in r["fits"]],
    } for r in runs],
    "unsolved": [{"N": r["N"], "seed": r["seed"]} for r in runs if r["n_star"] is None],
    "fit": fit,
    "article_constant": snakemake.params.article_constant,
    "min_target_prob_at_formula_dim": min(r["at_formula"]["mean_target_prob"] for r in runs),
    "max_norm_deviation": max(f["norm_deviation"] for f in every_fit),
    "unconstrained_2d_success": all(r["unconstrained_2d"]["success"] for r in runs),
})
