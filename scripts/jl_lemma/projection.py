"""C5.3–C5.5 for one (N, ε): success of random projections at fractions of n = ⌈24 ln N/ε²⌉, for
distances and inner products, and the empirical threshold n at which every draw succeeds."""

import numpy as np

from kexue import jl_lemma as jl
from kexue.jobs import Job

job = Job(snakemake)
p = snakemake.params
N, eps = int(snakemake.wildcards.N), float(snakemake.wildcards.eps)
rng = np.random.default_rng([p.seed, N, int(round(eps * 1000))])
points = jl.gaussian_points(N, p.dim, rng)
unit_points = jl.gaussian_points(N, p.dim, rng, unit=True)
bound = jl.jl_dimension(N, eps)
job.log.info("N=%d ε=%.2f: bound n = %d (m = %d%s)", N, eps, bound, p.dim, ", vacuous: n > m" if bound > p.dim else "")

rows = []
for fraction in p.fractions:
    n = max(1, round(fraction * bound))
    distance_ok, distance_median = jl.success_count(points, n, eps, p.draws, rng)
    inner_ok, inner_median = jl.success_count(unit_points, n, eps, p.draws, rng, inner=True)
    rows.append(
        {
            "fraction": fraction,
            "n": n,
            "distance_successes": distance_ok,
            "distance_median": distance_median,
            "inner_successes": inner_ok,
            "inner_median": inner_median,
        }
    )
    job.log.info(
        "n=%d (%.3f·bound): distances %d/%d, inner products %d/%d", n, fraction, distance_ok, p.draws, inner_ok, p.draws
    )
threshold = jl.empirical_threshold(points, eps, p.draws, rng, n_max=bound)
job.log.info("empirical threshold (all %d draws succeed): n = %d = %.3f·bound", p.draws, threshold, threshold / bound)
full = next((r for r in rows if r["n"] == bound), None)
at_bound = (
    (full["distance_successes"], full["inner_successes"])
    if full
    else (
        jl.success_count(points, bound, eps, p.draws, rng)[0],
        jl.success_count(unit_points, bound, eps, p.draws, rng, inner=True)[0],
    )
)
job.metrics(
    snakemake.output[0],
    {
        "N": N,
        "eps": eps,
        "m": p.dim,
        "bound": bound,
        "draws": p.draws,
        "vacuous": bound > p.dim,
        "fractions": rows,
        "distance_successes_at_bound": at_bound[0],
        "inner_successes_at_bound": at_bound[1],
        "threshold": threshold,
        "threshold_ratio": threshold / bound,
    },
)
