"""Each optimizer's best grid cell on a task: the lowest final validation loss, diverged runs excluded.
AdamW's is the tuned (lr*, λ*) that C2.4's transfer starts from; both centre C2.5's lr grids."""

import pandas as pd

from kexue.jobs import Job, read_json

job = Job(snakemake)
task = snakemake.wildcards.task


def best_cell(paths) -> dict:
    runs = pd.DataFrame([read_json(path) for path in paths])
    usable = runs[~runs["diverged"]]
    optimizer = runs["optimizer"][0]
    if usable.empty:
        raise SystemExit(
            f"every {optimizer} grid run on {task} diverged: widen config lion.tasks.{task}.grid.{optimizer}"
        )
    best = usable.loc[usable["final_val_loss"].idxmin()]
    # an optimum at the end of an axis of three or more values may lie outside the grid
    edge = [
        column
        for column in ("lr", "weight_decay")
        if runs[column].nunique() > 2 and best[column] in (runs[column].min(), runs[column].max())
    ]
    if edge:
        job.log.warning(
            "%s: the best cell lies at the edge of the grid in %s; the optimum may lie outside it",
            optimizer,
            " and ".join(edge),
        )
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
        "at_grid_edge": edge,
    }


job.metrics(snakemake.output[0], {o: best_cell(snakemake.input[o]) for o in ("adamw", "lion")})
