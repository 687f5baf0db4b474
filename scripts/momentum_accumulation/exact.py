"""Part A: the SGDM identity (in-momentum vs accumulated, float64) and the β̃ weight check."""

from kexue import momentum_accumulation as ma
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.identity
cells = []
for problem in s["problems"]:
    for k in s["ks"]:
        cells.append(ma.identity_gap(problem, k, s["steps"], s["alpha"], s["beta"], s["seed"], d=s["dim"]))
        job.log.info("%s", cells[-1])
job.metrics(
    snakemake.output.identity,
    {
        "scale": f"d = {s['dim']}, {s['steps']} micro-steps, k ∈ {s['ks']}, float64",
        "cells": cells,
        "max_abs_gap": max(c["max_abs_gap"] for c in cells),
        "min_abs_move": min(c["max_abs_move"] for c in cells),
    },
)

b = snakemake.params.beta_tilde
rows = [ma.beta_tilde_distance(beta, k) for beta in b["betas"] for k in b["ks"]]
for row in rows:
    job.log.info("%s", row)
job.metrics(
    snakemake.output.beta_tilde,
    {
        "scale": f"β ∈ {b['betas']}, k ∈ {b['ks']}, exact weights",
        "cells": rows,
        "max_l1_over_one_minus_beta": max(r["l1_over_one_minus_beta"] for r in rows),
    },
)
