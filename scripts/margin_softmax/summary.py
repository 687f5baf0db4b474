"""Seed means per margin; open-set mAP at `compare` against m = 0 (one-sided Welch), closed-set accuracy gap, the
closed-set accuracy curves (for the still-improving guards); the adaptive margin's iterations against m = 0."""

import numpy as np
from scipy.stats import ttest_ind

from kexue.jobs import Job, read_json, write_runs_usage

job = Job(snakemake)
runs = [read_json(path) for path in snakemake.input.runs]
adaptive = sorted((read_json(path) for path in snakemake.input.adaptive), key=lambda a: a["seed"])
compare = float(snakemake.params.compare)
RETRIEVAL = ("map", "recall_at_1", "separation")
QUANTITIES = {"closed_accuracy": lambda r: r["closed_accuracy"]}
for split in ("closed", "open"):
    for key in RETRIEVAL:
        QUANTITIES[f"{split}_{key}"] = lambda r, split=split, key=key: r["retrieval"][split][key]


def per_seed(margin: float, name: str) -> list[float]:
    """Values ordered by seed."""
    mine = sorted((r for r in runs if r["margin"] == margin), key=lambda r: r["seed"])
    return [QUANTITIES[name](r) for r in mine]


def mean_curve(margin: float) -> list[float]:
    curves = [r["curves"]["test_accuracy"] for r in runs if r["margin"] == margin]
    return np.mean(curves, axis=0).tolist()


margins = sorted({r["margin"] for r in runs})
cells = []
for m in margins:
    row = {"margin": m, "seeds": len(per_seed(m, "closed_accuracy"))}
    for name in QUANTITIES:
        values = per_seed(m, name)
        row[name] = float(np.mean(values))
        row[f"{name}_sd"] = float(np.std(values, ddof=1)) if len(values) > 1 else float("nan")
    cells.append(row)
    job.log.info("m = %g: %s", m, row)

plain_map, margin_map = per_seed(0.0, "open_map"), per_seed(compare, "open_map")
compare_block = {
    "margin": compare,
    "open_map": {
        "plain_per_seed": plain_map,
        "margin_per_seed": margin_map,
        "difference": float(np.mean(margin_map) - np.mean(plain_map)),
        "welch_p_greater": float(ttest_ind(margin_map, plain_map, equal_var=False, alternative="greater").pvalue)
        if len(plain_map) > 1
        else float("nan"),
    },
    "closed_accuracy": {
        "plain": float(np.mean(per_seed(0.0, "closed_accuracy"))),
        "margin": float(np.mean(per_seed(compare, "closed_accuracy"))),
        "abs_difference": float(
            abs(np.mean(per_seed(compare, "closed_accuracy")) - np.mean(per_seed(0.0, "closed_accuracy")))
        ),
    },
    "curves": {"plain": mean_curve(0.0), "margin": mean_curve(compare)},
}

# adaptive: iteration 0 is each seed's m = 0 run; the gain is the last iteration's open-set mAP minus m = 0's, per seed
iterations = []
for i in range(len(adaptive[0]["steps"])):
    steps = [a["steps"][i] for a in adaptive]
    iterations.append(
        {
            "iteration": i,
            "margin": float(np.mean([s["margin"] for s in steps])),
            "margin_per_seed": [s["margin"] for s in steps],
            "diameter_margin": float(np.mean([s["diameter_margin"] for s in steps])),
            "cosine_margin_next": float(np.mean([s["cosine_margin"] for s in steps])),
            "open_map": float(np.mean([s["retrieval"]["open"]["map"] for s in steps])),
            "closed_map": float(np.mean([s["retrieval"]["closed"]["map"] for s in steps])),
            "closed_accuracy": float(np.mean([s["closed_accuracy"] for s in steps])),
        }
    )
gains = [a["steps"][-1]["retrieval"]["open"]["map"] - a["steps"][0]["retrieval"]["open"]["map"] for a in adaptive]
job.log.info("adaptive: %s; gains %s", iterations, gains)

write_runs_usage(snakemake.output.runs, list(snakemake.input.runs) + list(snakemake.input.adaptive))
job.metrics(
    snakemake.output.metrics,
    {
        "scale": f"Fashion-MNIST MLP embedding, {len(margins)} margins × {len(plain_map)} seeds, "
        f"{runs[0]['epochs']} epochs; retrieval among {runs[0]['retrieval']['open']['gallery']} open-set images",
        "cells": cells,
        "compare": compare_block,
        "adaptive": {
            "iterations": iterations,
            "map_gain_per_seed": gains,
            "map_gain": float(np.mean(gains)),
        },
    },
)
