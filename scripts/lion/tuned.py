"""Each optimizer's best grid cell on a task: the lowest final validation loss, diverged runs excluded.
AdamW's is the tuned (lr*, λ*) that C2.4's transfer starts from and that centres C2.5's AdamW lrs. An
optimizer without a grid on this tier (Lion's is for the heatmap only) has none. Whether a best value lies
on its grid's edge is decided by the claims' grid_edge guards, from the grids written here."""

import pandas as pd

from kexue.jobs import Job, read_json

job = Job(snakemake)
task = snakemake.wildcards.task


def best_cell(paths) -> dict | None:
    if not paths:
        return None
    runs = pd.DataFrame([read_json(path) for path in paths])
    usable = runs[~runs["diverged"]]
    optimizer = runs["optimizer"][0]
    if usable.empty:
        raise SystemExit(
            f"every {optimizer} grid run on {task} diverged: widen config lion.tasks.{task}.grid.{optimizer}"
        )
    best = usable.loc[usable["final_val_loss"].idxmin()]
    job.log.info(
        "%s on %s: best lr %g, λ %g, val_loss %.4f",
        optimizer,
        task,
        best["lr"],
        best["weight_decay"],
        best["final_val_loss"],
    )
    return {
        "lr": float(best["lr"]),
        "weight_decay": float(best["weight_decay"]),
        "val_loss": float(best["final_val_loss"]),
        "lr_grid": sorted(float(v) for v in runs["lr"].unique()),
        "weight_decay_grid": sorted(float(v) for v in runs["weight_decay"].unique()),
    }


job.metrics(snakemake.output[0], {o: best_cell(list(snakemake.input[o])) for o in ("adamw", "lion")})
