"""toy_no_temperature, toy_with_temperature: the paper's three points, f(x) = k(x − b), predict sign f."""

import numpy as np

from kexue import exact_accuracy as ea
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
grid = np.round(np.arange(s["b_min"], s["b_max"] + s["step"] / 2, s["step"]), 10)
ce, hinge = ea.toy_ce(grid), ea.toy_hinge(grid)
hinge_low, hinge_high = ea.minimiser_set(grid, hinge)
job.log.info("k = 1: CE argmin b = %.4f; hinge minimiser set [%.4f, %.4f]", grid[ce.argmin()], hinge_low, hinge_high)
sets = []
for k in s["hinge_ks"]:
    low, high = ea.minimiser_set(grid, ea.toy_hinge(grid, k))
    sets.append({"k": k, "low": low, "high": high, "inside": bool(0 < low and high < 0.25)})
    job.log.info("hinge, k = %g: minimiser set [%.4f, %.4f]", k, low, high)
joint = ea.toy_ce_with_temperature(s["k_max"])
job.log.info("CE over (k, b), k ≤ %g: %s", s["k_max"], joint)
claimed = [row for row in sets if row["k"] >= 8]  # the claim: every k ≥ 8
job.metrics(
    snakemake.output[0],
    {
        "scale": f"grid over b ∈ [{s['b_min']}, {s['b_max']}], step {s['step']:g}",
        "no_temperature": {
            "ce_argmin": float(grid[ce.argmin()]),
            "hinge_low": hinge_low,
            "hinge_high": hinge_high,
            "accuracy_at_ce_argmin": float(ea.toy_accuracy(grid[ce.argmin()])),
        },
        "with_temperature": {
            "ce_k": joint["k"],
            "ce_b": joint["b"],
            "ce_loss": joint["loss"],
            "hinge_lowest_low": min(row["low"] for row in claimed),
            "hinge_highest_high": max(row["high"] for row in claimed),
            "hinge_sets": sets,
        },
        "curves": {
            "b": grid[:: max(1, len(grid) // 600)].tolist(),
            "ce": ce[:: max(1, len(grid) // 600)].tolist(),
            "hinge": hinge[:: max(1, len(grid) // 600)].tolist(),
        },
    },
)
