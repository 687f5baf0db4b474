"""Per task: both lr × λ grids and C2.4's hyperparameter transfer, Lion at (lr*/r, λ*·r) against tuned AdamW.

Decided on paired seeds (the same seed gives both optimizers the same initialisation and batches):
per seed, the relative gap (Lion − AdamW)/AdamW of the final validation loss. The claims registry
tests its t-interval over seeds. A diverged run (NaN, or a final loss above the initial one) counts
with its initial loss when it is NaN, so it is always worse than a run that learned.

The raw values the claims' guards read: AdamW's lr and λ grids with its best values (grid_edge: is AdamW
tuned?) and the validation curves, mean over seeds, of tuned AdamW and of Lion at the best ratio
(still_improving: did training converge?).
"""

import math
from pathlib import Path

import numpy as np
import pandas as pd

from kexue.jobs import Job, read_json, write_runs_usage

job = Job(snakemake)
inputs, ratios = snakemake.input, snakemake.params.ratios


def runs(paths) -> pd.DataFrame:
    frame = pd.DataFrame([read_json(p) for p in paths]).drop(columns="provenance")
    frame["value"] = [
        v if math.isfinite(v) else first
        for v, first in zip(frame["final_val_loss"], frame["initial_val_loss"], strict=True)
    ]
    return frame.sort_values("seed").reset_index(drop=True)


def history(metrics_path) -> list:
    return pd.read_csv(Path(metrics_path).with_name("history.csv")).to_dict("records")


def mean_curve(metrics_paths) -> list:
    """Validation loss per evaluation, the mean over the runs' seeds (a diverged run's NaNs propagate)."""
    curves = [pd.read_csv(Path(p).with_name("history.csv"))["val_loss"].to_numpy() for p in metrics_paths]
    if len({len(c) for c in curves}) > 1:  # a run stopped early: its curve is shorter, the mean undefined
        return [math.nan] * max(len(c) for c in curves)
    return np.mean(curves, axis=0).tolist()


def robustness(grid: pd.DataFrame) -> dict | None:
    """How much the final loss moves across the grid (the paper: Lion is less sensitive); None without a grid."""
    if grid.empty:
        return None
    ok = grid[~grid["diverged"]]["final_val_loss"]
    return {
        "cells": len(grid),
        "diverged": int(grid["diverged"].sum()),
        "best": ok.min(),
        "median": ok.median(),
        "worst": ok.max(),
        "spread": ok.max() - ok.min(),
    }


tuned = read_json(inputs.tuned)["adamw"]
adamw = runs(inputs.adamw)
a = adamw["value"].to_numpy()
transfer = {}
for r in ratios:
    key = f"lion_r{r:g}"
    lion = runs(inputs[key])
    if list(lion["seed"]) != list(adamw["seed"]):
        raise ValueError(f"{key}: seeds {list(lion['seed'])} do not pair with AdamW's {list(adamw['seed'])}")
    gaps = (lion["value"].to_numpy() - a) / a
    transfer[f"r{r:g}"] = {
        "ratio": r,
        "lr": float(lion["lr"][0]),
        "weight_decay": float(lion["weight_decay"][0]),
        "values": lion["value"].tolist(),
        "mean": lion["value"].mean(),
        "std": lion["value"].std(ddof=1),
        "diverged": int(lion["diverged"].sum()),
        "relative_gaps": gaps.tolist(),
        "mean_relative_gap": gaps.mean(),
        "paths": list(inputs[key]),
    }
    job.log.info(
        "Lion r = %g (lr %.3g, λ %.3g): mean %.4f vs AdamW %.4f, gap %+.2f %%, %d diverged",
        r,
        transfer[f"r{r:g}"]["lr"],
        transfer[f"r{r:g}"]["weight_decay"],
        lion["value"].mean(),
        a.mean(),
        100 * gaps.mean(),
        lion["diverged"].sum(),
    )

# The brief's transfer rule: Lion's lr 3–10× smaller, so the candidates are r ∈ {3, 10}
candidates = [f"r{r:g}" for r in ratios if 3 <= r <= 10]
if not candidates or "r1" not in transfer:
    raise ValueError(f"config lion.transfer.ratios {ratios} must hold 1 and a ratio in [3, 10] (the brief's 3 and 10)")
best = min(candidates, key=lambda k: transfer[k]["mean"])
pooled_std = math.sqrt((adamw["value"].std(ddof=1) ** 2 + transfer[best]["std"] ** 2) / 2)
tol = max(pooled_std, 0.005 * a.mean())
first = transfer[best]["mean"] <= a.mean() + tol
second = transfer["r1"]["diverged"] > 0 or transfer["r1"]["mean"] > a.mean() + tol

grid = runs(list(inputs.grid_adamw) + list(inputs.grid_lion))
task, unit = adamw["task"][0], adamw["unit"][0]
steps, batch, params = int(adamw["steps"][0]), int(adamw["batch_size"][0]), int(adamw["parameters"][0])
job.metrics(
    snakemake.output.metrics,
    {
        "scale": f"CPU proxy: {params / 1e3:.0f}k-parameter model, {steps} steps of batch {batch}, "
        f"{len(a)} seeds; val loss in {unit}",
        "task": task,
        "unit": unit,
        "tuned_adamw": tuned | {"values": a.tolist(), "mean": a.mean(), "std": adamw["value"].std(ddof=1)},
        "adamw_lr_search": {"best": tuned["lr"], "grid": tuned["lr_grid"]},
        "adamw_weight_decay_search": {"best": tuned["weight_decay"], "grid": tuned["weight_decay_grid"]},
        "lion_grid_best": read_json(inputs.tuned)["lion"],
        "val_curves": {
            "adamw": mean_curve(inputs.adamw),
            "lion_best": mean_curve(inputs[f"lion_{best}"]),
            "lion_r1": mean_curve(inputs["lion_r1"]),
        },
        "transfer": transfer,
        "best_ratio": transfer[best]["ratio"],
        "best_relative_gaps": transfer[best]["relative_gaps"],
        "best_mean_relative_gap": transfer[best]["mean_relative_gap"],
        "r1_relative_gaps": transfer["r1"]["relative_gaps"],
        "r1_mean_relative_gap": transfer["r1"]["mean_relative_gap"],
        "brief_rule": {
            "tol": tol,
            "pooled_std": pooled_std,
            "lion_best_mean": transfer[best]["mean"],
            "adamw_mean": a.mean(),
            "lion_within_tol": bool(first),
            "lion_r1_worse": bool(second),
        },
        "grid": grid[
            ["optimizer", "lr", "weight_decay", "final_val_loss", "diverged"]
            + [c for c in grid.columns if c == "val_accuracy"]
        ].to_dict("records"),
        "robustness": {o: robustness(grid[grid["optimizer"] == o]) for o in ("adamw", "lion")},
        "curves": {
            "AdamW (lr*, λ*)": history(inputs.adamw[0]),
            f"Lion r = {transfer[best]['ratio']:g}": history(inputs[f"lion_{best}"][0]),
            "Lion r = 1": history(inputs["lion_r1"][0]),
        },
    },
)

# the training runs' cost, in Snakemake's benchmark columns, for the report's runtime table
paths = sorted(
    {p for key in ["adamw", *(f"lion_r{r:g}" for r in ratios), "grid_adamw", "grid_lion"] for p in inputs[key]}
)
write_runs_usage(snakemake.output.runs, paths)
job.log.info(
    "best transfer ratio r = %g: first part %s, second part %s (tol %.4g %s)",
    transfer[best]["ratio"],
    first,
    second,
    tol,
    unit,
)
