"""C2.5: Lion's edge over AdamW against batch size, at a fixed budget of training examples.

Per batch size B and optimizer, the best final validation loss over the lrs run at B (centred on the
optimizer's tuned lr, see lion_batch_sweep_runs); then
Δ(B) = loss_AdamW − loss_Lion (positive: Lion better). Main claim: Spearman ρ(B, Δ) > 0 and
Δ(B_max) > Δ(B_min). Su's sub-claim (unverified source wording): Δ(B) < 0 for every B < 64.
"""

import math

import pandas as pd
from scipy import stats

from kexue.jobs import Job, read_json, write_runs_usage

job = Job(snakemake)
sweep = snakemake.params.settings

runs = pd.DataFrame([read_json(p) for p in [*snakemake.input.adamw, *snakemake.input.lion]]).drop(columns="provenance")
runs["value"] = [
    v if math.isfinite(v) else first for v, first in zip(runs["final_val_loss"], runs["initial_val_loss"], strict=True)
]
best = runs.loc[runs.groupby(["optimizer", "batch_size"])["value"].idxmin()].set_index(["optimizer", "batch_size"])

rows = []
for b in sorted(sweep["batch_sizes"]):
    row = {"batch_size": b}
    for o in ("adamw", "lion"):
        grid = runs[(runs["optimizer"] == o) & (runs["batch_size"] == b)]["lr"]
        row |= {
            f"{o}_loss": best.loc[(o, b), "value"],
            f"{o}_lr": best.loc[(o, b), "lr"],
            f"{o}_lr_at_edge": bool(len(grid) > 1 and best.loc[(o, b), "lr"] in (grid.min(), grid.max())),
            f"{o}_steps": int(best.loc[(o, b), "steps"]),
        }
    row["delta"] = row["adamw_loss"] - row["lion_loss"]
    rows.append(row)
    job.log.info(
        "B = %4d: AdamW %.4f (lr %.3g), Lion %.4f (lr %.3g), Δ = %+.4f",
        b,
        row["adamw_loss"],
        row["adamw_lr"],
        row["lion_loss"],
        row["lion_lr"],
        row["delta"],
    )
table = pd.DataFrame(rows)
rho = stats.spearmanr(table["batch_size"], table["delta"]).statistic
small = table[table["batch_size"] < 64]
unit = runs["unit"].iloc[0]
job.metrics(
    snakemake.output.metrics,
    {
        "scale": f"CPU proxy: {sweep['task']}, {sweep['budget_examples']} training examples per run, "
        f"seed {sweep['seed']}",
        "task": sweep["task"],
        "unit": unit,
        "rows": table.to_dict("records"),
        "spearman_batch_delta": rho,
        "delta_max_minus_min": table["delta"].iloc[-1] - table["delta"].iloc[0],
        "small_batches": small["batch_size"].tolist(),
        "lion_worse_below_64": bool(len(small) > 0 and (small["delta"] < 0).all()),
        "best_lr_at_grid_edge": int(table[["adamw_lr_at_edge", "lion_lr_at_edge"]].to_numpy().sum()),
    },
)
write_runs_usage(snakemake.output.runs, [*snakemake.input.adamw, *snakemake.input.lion])
job.log.info(
    "Spearman ρ(B, Δ) = %.3f; Δ(B_max) − Δ(B_min) = %+.4f %s",
    rho,
    table["delta"].iloc[-1] - table["delta"].iloc[0],
    unit,
)
