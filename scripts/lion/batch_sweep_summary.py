"""C2.5, C2.5b: Lion's edge over AdamW against batch size, at a fixed budget of training examples.

Per batch size B and optimizer, one sweep cell (sweep_cell.py): its best lr of a 3-point grid at the tuning
seed, then that lr at the evaluation seeds. Per evaluation seed s (the same seed gives both optimizers the
same initialisation and batch order): Δ_s(B) = loss_AdamW − loss_Lion (positive: Lion better).
C2.5: Spearman ρ_s(B, Δ_s) per seed and Δ_s(B_max) − Δ_s(B_min) per seed, decided by their intervals over
seeds; ρ of the mean Δ(B) as the brief states it. C2.5b (Su, unverified wording): max over B < 64 of Δ_s(B)
below 0, with the precondition that Lion is better somewhere at B ≥ 64 (else "worse below 64" says nothing
about batch size). The raw values the guards read: each cell's lr grid and best lr.
"""

import numpy as np
import pandas as pd
from scipy import stats

from kexue.jobs import Job, read_json

job = Job(snakemake)
sweep, below = snakemake.params.settings, snakemake.params.small_batch_below
cells = {(c["optimizer"], c["batch_size"]): c for c in (read_json(p) for p in snakemake.input.cells)}
batches = sorted(sweep["batch_sizes"])
seeds = cells[("adamw", batches[0])]["seeds"]
if any(c["seeds"] != seeds for c in cells.values()):
    raise ValueError("the sweep cells ran different evaluation seeds; they must pair")

# Δ[s, i] = AdamW − Lion at seed s and batch size batches[i]
loss = {o: np.array([cells[(o, b)]["values"] for b in batches]).T for o in ("adamw", "lion")}
delta = loss["adamw"] - loss["lion"]
rows = [
    {
        "batch_size": b,
        **{f"{o}_loss": loss[o][:, i].mean() for o in ("adamw", "lion")},
        **{f"{o}_loss_std": loss[o][:, i].std(ddof=1) if len(seeds) > 1 else np.nan for o in ("adamw", "lion")},
        **{f"{o}_lr": cells[(o, b)]["best_lr"] for o in ("adamw", "lion")},
        **{f"{o}_steps": cells[(o, b)]["steps"] for o in ("adamw", "lion")},
        "delta": delta[:, i].mean(),
        "delta_std": delta[:, i].std(ddof=1) if len(seeds) > 1 else np.nan,
        "delta_per_seed": delta[:, i].tolist(),
    }
    for i, b in enumerate(batches)
]
for row in rows:
    job.log.info(
        "B = %4d: AdamW %.4f (lr %.3g), Lion %.4f (lr %.3g), Δ = %+.4f ± %.4f over %d seeds",
        row["batch_size"],
        row["adamw_loss"],
        row["adamw_lr"],
        row["lion_loss"],
        row["lion_lr"],
        row["delta"],
        row["delta_std"],
        len(seeds),
    )
table = pd.DataFrame(rows)
spearman_per_seed = [stats.spearmanr(batches, d).statistic for d in delta]
small = [i for i, b in enumerate(batches) if b < below]
large = [i for i, b in enumerate(batches) if b >= below]
if not small or not large:
    raise ValueError(f"config lion.batch_sweep.batch_sizes {batches} needs sizes both below and from {below} on")
unit = "nats"
job.metrics(
    snakemake.output.metrics,
    {
        "scale": f"CPU proxy: MNIST MLP, {sweep['budget_examples']} training examples per run, lr tuned at seed "
        f"{sweep['tuning_seed']}, {len(seeds)} evaluation seeds",
        "task": "mnist",
        "unit": unit,
        "seeds": seeds,
        "rows": table.to_dict("records"),
        "spearman_batch_delta": stats.spearmanr(batches, table["delta"]).statistic,
        "spearman_per_seed": spearman_per_seed,
        "delta_max_minus_min": (delta[:, -1] - delta[:, 0]).tolist(),
        "small_batch_below": below,
        "small_batches": [batches[i] for i in small],
        "small_batch_max_delta": delta[:, small].max(axis=1).tolist(),
        "large_batch_max_mean_delta": float(delta[:, large].mean(axis=0).max()),
        "lr_search": {
            f"{o}_b{b}": {"best": cells[(o, b)]["best_lr"], "grid": cells[(o, b)]["lr_grid"]} for (o, b) in cells
        },
        "tuning": {f"{o}_b{b}": cells[(o, b)]["tuning"] for (o, b) in cells},
    },
)
job.log.info(
    "Spearman ρ(B, mean Δ) = %.3f; per seed %s; Δ(B_max) − Δ(B_min) per seed %s %s",
    stats.spearmanr(batches, table["delta"]).statistic,
    np.round(spearman_per_seed, 3).tolist(),
    np.round(delta[:, -1] - delta[:, 0], 4).tolist(),
    unit,
)
