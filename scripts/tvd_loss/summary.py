"""Seed means per (noise rate, γ); over-confidence of γ = compare against CE; γ selected on noisy validation."""

import numpy as np

from kexue.jobs import Job, read_json

job = Job(snakemake)
compare = f"{snakemake.params.compare:g}"
# one entry per (rate, seed), each with its γ runs (a training job holds every seed of one rate)
runs = [
    {"rate": rate_job["rate"], "seed": int(seed), "runs": by_gamma}
    for rate_job in map(read_json, snakemake.input)
    for seed, by_gamma in rate_job["seeds"].items()
]
rates = sorted({r["rate"] for r in runs})
KEYS = ("test_accuracy", "valid_accuracy", "ece", "mean_max_probability", "confidence_gap", "memorised_flipped")


def per_seed(rate, gamma, key):
    """Values ordered by seed."""
    mine = sorted((r for r in runs if r["rate"] == rate), key=lambda r: r["seed"])
    return [r["runs"][gamma][key] for r in mine]


gammas = list(runs[0]["runs"])
cells = [
    {
        "rate": rate,
        "gamma": float(g),
        "seeds": len(per_seed(rate, g, "test_accuracy")),
        **{key: float(np.mean(per_seed(rate, g, key))) for key in KEYS},
        "test_accuracy_std": float(np.std(per_seed(rate, g, "test_accuracy"), ddof=1))
        if len(per_seed(rate, g, "test_accuracy")) > 1
        else float("nan"),
        "final_train_accuracy": float(np.mean([x["runs"][g]["train_accuracy"] for x in runs if x["rate"] == rate])),
    }
    for rate in rates
    for g in gammas
]


def mean(rate, gamma, key):
    return next(c[key] for c in cells if c["rate"] == rate and c["gamma"] == float(gamma))


by_rate = {}
for rate in rates:
    drops = {
        key: [a - b for a, b in zip(per_seed(rate, "0", key), per_seed(rate, compare, key), strict=True)]
        for key in ("mean_max_probability", "ece")
    }
    selected = max(gammas, key=lambda g: mean(rate, g, "valid_accuracy"))
    by_rate[f"{rate:g}"] = {
        "max_probability_drop": float(np.mean(drops["mean_max_probability"])),
        "ece_drop": float(np.mean(drops["ece"])),
        "max_probability_drop_per_seed": drops["mean_max_probability"],
        "ece_drop_per_seed": drops["ece"],
        "selected_gamma": float(selected),
        "selected_test_gain": mean(rate, selected, "test_accuracy") - mean(rate, "0", "test_accuracy"),
        "best_positive_gamma_gain": max(
            mean(rate, g, "test_accuracy") - mean(rate, "0", "test_accuracy") for g in gammas if float(g) > 0
        ),
    }
    job.log.info("rate %g: %s", rate, {k: v for k, v in by_rate[f"{rate:g}"].items() if not isinstance(v, list)})

weakest_ece = min(by_rate, key=lambda r: by_rate[r]["ece_drop"])
largest = f"{max(rates):g}"
wins = sum(1 for r in by_rate.values() if r["selected_gamma"] > 0 and r["selected_test_gain"] >= 0)
job.metrics(
    snakemake.output.metrics,
    {
        "scale": f"Fashion-MNIST MLP, {len(rates)} noise rates × {len(gammas)} γ, {len(runs) // len(rates)} seeds",
        "compare_gamma": float(compare),
        "by_rate": by_rate,
        "overconfidence": {
            "max_probability_drop_min": min(r["max_probability_drop"] for r in by_rate.values()),
            "ece_drop_min": min(r["ece_drop"] for r in by_rate.values()),
            "weakest_ece_rate": float(weakest_ece),
            "ece_drop_per_seed_weakest": by_rate[weakest_ece]["ece_drop_per_seed"],
            "largest_rate": float(largest),
            "best_gain_at_largest_rate": by_rate[largest]["best_positive_gamma_gain"],
        },
        "tuning": {
            "levels_won": wins,
            "levels": len(rates),
            "selection_at_largest_rate": {
                "best": by_rate[largest]["selected_gamma"],
                "grid": [float(g) for g in gammas],
            },
        },
        "cells": cells,
    },
)
