"""Claim easy_close_hard_drop (CPU proxy): Δ = full − LST accuracy per task and seed, the contrast Δ_hard − Δ_easy,
and full fine-tuning's hard-task loss curve (mean over seeds, in `curve_points` equal chunks of steps)."""

import numpy as np

from kexue import ladder_side_tuning as lst
from kexue.jobs import Job, read_json

job = Job(snakemake)
seeds = [read_json(path) for path in snakemake.input]
methods = list(seeds[0]["runs"])
accuracy = {m: {t: [s["runs"][m][t]["accuracy"] for s in seeds] for t in lst.TASKS} for m in methods}
g = lst.gaps(accuracy)
curves = [lst.curve_chunks(s["runs"]["full"]["hard"]["loss"], job.params["curve_points"]) for s in seeds]
metrics = {
    "scale": "CPU proxy: PTB easy/hard tasks on " + seeds[0]["backbone"].split("/")[-1],
    "stand_in": job.params["stand_in"],
    "seeds": [s["seed"] for s in seeds],
    "accuracy": accuracy,
    "trainable_parameters": {m: seeds[0]["runs"][m]["easy"]["trainable_parameters"] for m in methods},
    "seconds": {m: {t: [s["runs"][m][t]["seconds"] for s in seeds] for t in lst.TASKS} for m in methods},
    **g,
    "contrast_mean": float(np.mean(g["contrast"])),
    "delta_easy_mean": float(np.mean(g["delta_easy"])),
    "delta_hard_mean": float(np.mean(g["delta_hard"])),
    **{f"{m}_{t}_mean": float(np.mean(accuracy[m][t])) for m in methods for t in lst.TASKS},
    "full_hard_loss_curve": np.mean(curves, axis=0).tolist(),
}
job.log.info("Δ easy %s, Δ hard %s, contrast %.2f points", g["delta_easy"], g["delta_hard"], metrics["contrast_mean"])
job.metrics(snakemake.output[0], metrics)
