"""infomap.no_k_needed: own greedy minimisation of the map equation and the `infomap` package on LFR
graphs; NMI against the planted communities and module counts, per mixing μ and seed."""

import numpy as np
from sklearn.metrics import normalized_mutual_info_score

from kexue import infomap as im
from kexue.jobs import Job

job = Job(snakemake)
s, tau = snakemake.params.settings, snakemake.params.tau
rows = []
for mu in s["mus"]:
    for seed in s["seeds"]:
        A, edges, truth, used = im.lfr_graph(s, mu, seed, job.log)
        true_count = len(np.unique(truth))
        methods = {
            "own": im.greedy_infomap(A, tau, seed),
            "package": im.package_infomap(edges, s["n"], seed + 1, threads=snakemake.threads)[0],
        }
        for method, found in methods.items():
            row = {
                "mu": mu,
                "seed": seed,
                "graph_seed": used,
                "method": method,
                "nmi": float(normalized_mutual_info_score(truth, found)),
                "true_modules": true_count,
                "found_modules": int(len(np.unique(found))),
                "L_found": im.map_equation(A, found, tau),
                "L_true": im.map_equation(A, truth, tau),
            }
            row["count_error"] = abs(row["found_modules"] - true_count) / true_count
            rows.append(row)
            job.log.info(
                "μ=%g seed %d %s: NMI %.4f, %d modules (true %d), L %.4f (true %.4f)",
                mu,
                seed,
                method,
                row["nmi"],
                row["found_modules"],
                true_count,
                row["L_found"],
                row["L_true"],
            )


def detectable(method, field, reduce):
    """min NMI / max count error over the detectable regime μ ≤ detectable_mu and all seeds."""
    return reduce([r[field] for r in rows if r["method"] == method and r["mu"] <= s["detectable_mu"]])


job.metrics(
    snakemake.output[0],
    {
        "scale": f"LFR n = {s['n']}, average degree {s['average_degree']}, μ ∈ {s['mus']}, {len(s['seeds'])} seeds",
        "rows": rows,
        **{
            f"{m}_{name}": detectable(m, field, reduce)
            for m in ("own", "package")
            for name, field, reduce in (("min_nmi", "nmi", min), ("max_count_error", "count_error", max))
        },
    },
)
