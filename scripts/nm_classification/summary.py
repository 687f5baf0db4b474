"""Seed means of the linear task; the hard-label comparisons at R = 1 and the imbalance sweep (log_balances)."""

import numpy as np

from kexue.jobs import Job, read_json, write_runs_usage

job = Job(snakemake)
decide_on = snakemake.params.decide_on
runs = [read_json(path) for path in snakemake.input]
ratios = sorted({r["ratio"] for r in runs})
cells = {}  # "R/model/loss" → seed lists
for run in runs:
    for name, result in run["runs"].items():
        cell = cells.setdefault(f"{run['ratio']:g}/{name}", {"seeds": [], "curves": []})
        cell["seeds"].append(run["seed"])
        for key in ("test_accuracy", "macro_recall", "above_mean_not_max"):
            cell.setdefault(key, []).append(result[key])
        cell["curves"].append(result["curves"]["test_accuracy"])
        cell.setdefault("final_train_accuracy", []).append(result["final"]["train_accuracy"])
        cell["parameters"] = result["parameters"]


def mean(cell, key):
    return float(np.mean(cells[cell][key]))


def per_seed_difference(a, b, key):
    """Per-seed a − b, pairing the runs by seed (same initialisation seed and batch order)."""
    pairs = dict(zip(cells[b]["seeds"], cells[b][key], strict=True))
    return [va - pairs[s] for s, va in zip(cells[a]["seeds"], cells[a][key], strict=True)]


table = [
    {
        "cell": name,
        "ratio": float(name.split("/")[0]),
        "model": name.split("/")[1],
        "loss": name.split("/")[2],
        "seeds": len(c["seeds"]),
        **{k: float(np.mean(c[k])) for k in ("test_accuracy", "macro_recall", "above_mean_not_max")},
        **{f"{k}_std": float(np.std(c[k], ddof=1)) if len(c[k]) > 1 else float("nan") for k in ("test_accuracy",)},
        "final_train_accuracy": float(np.mean(c["final_train_accuracy"])),
        "parameters": c["parameters"],
    }
    for name, c in sorted(cells.items())
]

balanced = f"{min(ratios):g}/{decide_on}"  # the hard-label claims: the smallest ratio (R = 1 by default)
hard = {
    "ratio": min(ratios),
    "model": decide_on,
    **{f"{loss}_accuracy": mean(f"{balanced}/{loss}", "test_accuracy") for loss in ("ce", "loss1", "loss3")},
    "loss1_minus_ce": mean(f"{balanced}/loss1", "test_accuracy") - mean(f"{balanced}/ce", "test_accuracy"),
    "ce_minus_loss3": mean(f"{balanced}/ce", "test_accuracy") - mean(f"{balanced}/loss3", "test_accuracy"),
    "ce_minus_loss3_per_seed": per_seed_difference(f"{balanced}/ce", f"{balanced}/loss3", "test_accuracy"),
    "loss1_minus_ce_per_seed": per_seed_difference(f"{balanced}/loss1", f"{balanced}/ce", "test_accuracy"),
    **{
        f"{loss}_above_mean_not_max": mean(f"{balanced}/{loss}", "above_mean_not_max")
        for loss in ("ce", "loss1", "loss3")
    },
    # the seed-mean test-accuracy curves, one value per epoch: the still-improving guards read them
    **{
        f"{loss}_curve": np.mean(cells[f"{balanced}/{loss}"]["curves"], axis=0).tolist()
        for loss in ("ce", "loss1", "loss3")
    },
}
gaps = {
    f"{r:g}": mean(f"{r:g}/{decide_on}/loss1", "macro_recall") - mean(f"{r:g}/{decide_on}/ce", "macro_recall")
    for r in ratios
}
imbalance = {
    "ratios": ratios,
    "model": decide_on,
    "macro_recall_gap": gaps,  # macro recall of loss-1 − CE, seed means
    "gap_nondecreasing": bool(all(np.diff([gaps[f"{r:g}"] for r in ratios]) >= 0)),
    "per_seed_gap": {
        f"{r:g}": per_seed_difference(f"{r:g}/{decide_on}/loss1", f"{r:g}/{decide_on}/ce", "macro_recall")
        for r in ratios
    },
    "loss1_curve_at_largest": np.mean(cells[f"{max(ratios):g}/{decide_on}/loss1"]["curves"], axis=0).tolist(),
}
for r in ratios:
    job.log.info("R = %g: macro recall loss-1 − CE = %+.4f", r, gaps[f"{r:g}"])
job.log.info("hard labels at R = %g: %s", min(ratios), {k: v for k, v in hard.items() if not isinstance(v, list)})
write_runs_usage(snakemake.output.runs, snakemake.input)
job.metrics(
    snakemake.output.metrics,
    {
        "scale": f"synthetic linear task, {len(runs)} jobs, decided on the {decide_on} model",
        "hard": hard,
        "imbalance": imbalance,
        "cells": table,
    },
)
