"""infomap.speed: wall time of the `infomap` package on an LFR graph of ≈ 10k nodes and ≈ 100k edges."""

import numpy as np

from kexue import infomap as im
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
A, edges, truth, used = im.lfr_graph(s, s["mu"], s["seed"], job.log)
seconds, counts = [], []
for repeat in range(s["repeats"]):
    modules, codelength, took = im.package_infomap(edges, s["n"], repeat + 1, threads=snakemake.threads)
    seconds.append(took)
    counts.append(int(len(np.unique(modules))))
    job.log.info("repeat %d: %.3f s, %d modules, codelength %.4f", repeat, took, counts[-1], codelength)
job.metrics(
    snakemake.output[0],
    {
        "scale": f"LFR n = {s['n']}, {len(edges)} edges, μ = {s['mu']}, {snakemake.threads} threads, "
        f"{s['repeats']} runs (other processes shared the machine)",
        "nodes": s["n"],
        "edges": len(edges),
        "threads": snakemake.threads,
        "seconds": seconds,
        "median_seconds": float(np.median(seconds)),
        "found_modules": counts,
        "true_modules": int(len(np.unique(truth))),
    },
)
