"""C5.7: M ≈ MQQᵀ for a random Gaussian Q (literal claim) against what holds (left subspace, Halko)."""

import numpy as np

from kexue import jl_lemma as jl
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
checks = []
for seed in s["seeds"]:
    rng = np.random.default_rng(seed)
    M = jl.low_rank_matrix(s["rows"], s["cols"], s["rank"], rng)
    checks.append({"seed": seed, **jl.randomized_svd_check(M, s["k"], s["rank"], rng)})
    job.log.info("seed %d: %s", seed, {k: v for k, v in checks[-1].items() if k != "sigma_ratios"})
job.metrics(
    snakemake.output[0],
    {
        "scale": f"M {s['rows']}×{s['cols']}, rank {s['rank']}, k = {s['k']}, {len(s['seeds'])} seeds",
        "per_seed": checks,
        "literal_error": float(np.mean([c["literal_error"] for c in checks])),
        "literal_error_qr": float(np.mean([c["literal_error_qr"] for c in checks])),
        "sqrt_n_over_k": checks[0]["sqrt_n_over_k"],
        "subspace_overlap": min(c["subspace_overlap"] for c in checks),
        "halko_error": max(c["halko_error"] for c in checks),
        "sigma_ratio_range": [min(min(c["sigma_ratios"]) for c in checks), max(max(c["sigma_ratios"]) for c in checks)],
    },
)
