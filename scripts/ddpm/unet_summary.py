"""sum_not_mean and no_batchnorm from the U-Net runs (full tier). With the runs off (other tiers) or the fp16
runs skipped (no CUDA), the keys the claims read are left out, so the claims come out "not evaluated"."""

import numpy as np

from kexue.jobs import Job, read_json

job = Job(snakemake)
if not snakemake.params.enabled:
    job.metrics(snakemake.output[0], {"scale": "full tier only: the U-Net runs are off on this tier", "runs": []})
    raise SystemExit(0)
runs = [read_json(p) for p in snakemake.input]
metrics = {"scale": "U-Net on MNIST (full tier)", "runs": runs}
by = {(r["norm"], r["reduction"], r["precision"], r["seed"]): r for r in runs}
fp32 = [r for r in runs if r["precision"] == "fp32"]
seeds = sorted({r["seed"] for r in fp32})
if fp32:
    fd = {n: [by[(n, "sum", "fp32", s)]["fd"] for s in seeds] for n in ("group", "batch")}
    gaps = [b - g for g, b in zip(fd["group"], fd["batch"], strict=True)]
    metrics["no_batchnorm"] = {
        "fd": fd,
        "gap_per_seed": gaps,
        "gap": float(np.mean(gaps)),
        "quality_ratio": float(np.mean(fd["group"]) / np.mean([r["fd_gaussian"] for r in fp32])),
        "seeds": seeds,
    }
fp16 = {r["reduction"]: r for r in runs if r["precision"] == "fp16" and "skipped" not in r}
if {"sum", "mean"} <= set(fp16):
    # the raw ratio final/best of each held-out loss curve (inf: non-finite); the rule's threshold decides
    metrics["sum_not_mean"] = {f"{k}_final_over_best": fp16[k]["final_over_best"] for k in ("sum", "mean")} | {
        f"{k}_curve": [h["eval_loss"] for h in fp16[k]["history"]] for k in ("sum", "mean")
    }
else:
    job.log.warning("fp16 runs skipped (no CUDA device): sum_not_mean is left out")
job.metrics(snakemake.output[0], metrics)
