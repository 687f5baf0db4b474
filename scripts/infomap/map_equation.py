"""infomap.map_equation: L(one module) = H(p); L(true partition) < H(p) < … and L(random 4-way) > L(true),
on planted-partition graphs; cross-checked against the `infomap` package under the same convention."""

import numpy as np

from kexue import infomap as im
from kexue.jobs import Job

job = Job(snakemake)
s, tau = snakemake.params.settings, snakemake.params.tau
rows = []
for seed in s["seeds"]:
    A, edges, truth = im.planted_partition(s["groups"], s["group_size"], s["p_in"], s["p_out"], seed)
    n = len(truth)
    p = im.stationary_flow(A, tau)
    random = np.random.default_rng(seed).integers(0, s["groups"], n)
    row = {
        "seed": seed,
        "entropy_p": im.entropy_bits(p),
        "L_one_module": im.map_equation(A, np.zeros(n, dtype=int), tau, p),
        "L_true": im.map_equation(A, truth, tau, p),
        "L_random": im.map_equation(A, random, tau, p),
        "package_L_true": im.package_codelength(edges, n, truth, tau),
        "package_L_random": im.package_codelength(edges, n, random, tau),
    }
    rows.append(row)
    job.log.info("seed %d: %s", seed, {k: round(v, 6) for k, v in row.items()})
job.metrics(
    snakemake.output[0],
    {
        "scale": f"planted partition {s['groups']} × {s['group_size']} nodes, p_in {s['p_in']}, p_out {s['p_out']}, "
        f"τ = {tau}, {len(rows)} seeds",
        "rows": rows,
        "one_module_max_abs_error": max(abs(r["L_one_module"] - r["entropy_p"]) for r in rows),
        "true_shorter_fraction": float(np.mean([r["L_true"] < r["entropy_p"] for r in rows])),
        "random_longer_fraction": float(np.mean([r["L_random"] > r["L_true"] for r in rows])),
        "package_max_abs_difference": max(
            abs(r[f"package_L_{k}"] - r[f"L_{k}"]) for r in rows for k in ("true", "random")
        ),
    },
)
