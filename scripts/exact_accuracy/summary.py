"""Per image set: final accuracies per loss over seeds, one-sided Welch tests, CE's first-order gap."""

import numpy as np

from kexue import exact_accuracy as ea
from kexue.jobs import Job, read_json, write_runs_usage

job = Job(snakemake)
runs = [read_json(path) for path in snakemake.input]
COMPARISONS = {  # (first, second): is the first better?
    "ce_vs_exact": ("ce", "exact"),
    "exact_vs_exact_log": ("exact", "exact_log"),
    "ce_vs_exact_sigma1": ("ce", "exact_sigma1"),
}
results = {}
for dataset in sorted({r["dataset"] for r in runs}):
    mine = [r for r in runs if r["dataset"] == dataset]
    losses = {}
    for loss in sorted({r["loss"] for r in mine}):
        by_seed = sorted((r for r in mine if r["loss"] == loss), key=lambda r: r["seed"])
        losses[loss] = {
            "seeds": [r["seed"] for r in by_seed],
            "test_accuracy": [r["final"]["test_accuracy"] for r in by_seed],
            "train_accuracy": [r["final"]["train_accuracy"] for r in by_seed],
            "mean_test_accuracy": float(np.mean([r["final"]["test_accuracy"] for r in by_seed])),
            "mean_train_accuracy": float(np.mean([r["final"]["train_accuracy"] for r in by_seed])),
            # the seed-mean test-accuracy curve, one value per epoch: the still-improving guards read it
            "test_curve": np.mean([r["curves"]["test_accuracy"] for r in by_seed], axis=0).tolist(),
            "train_curve": np.mean([r["curves"]["train_accuracy"] for r in by_seed], axis=0).tolist(),
            "test_sigma_median": float(np.median([r["test_sigma_median"] for r in by_seed])),
        }
    tests = {
        name: ea.welch(losses[a]["test_accuracy"], losses[b]["test_accuracy"])
        for name, (a, b) in COMPARISONS.items()
        if a in losses and b in losses
    }
    first_order = {}
    if "ce" in losses:
        ce_runs = [r for r in mine if r["loss"] == "ce"]
        first_order = {
            "final_mean_gap": float(np.mean([r["final_first_order_gap"] for r in ce_runs])),
            "share_p_high": np.mean([r["share_p_high"] for r in ce_runs], axis=0).tolist(),
            "final_share_p_high": float(np.mean([r["share_p_high"][-1] for r in ce_runs])),
        }
    results[dataset] = {"losses": losses, "tests": tests, "ce_first_order": first_order}
    for loss, row in losses.items():
        job.log.info(
            "%s %s: test %.4f, train %.4f over %d seeds",
            dataset,
            loss,
            row["mean_test_accuracy"],
            row["mean_train_accuracy"],
            len(row["seeds"]),
        )
    job.log.info("%s tests: %s", dataset, tests)
write_runs_usage(snakemake.output.runs, snakemake.input)
decide_on = snakemake.params.decide_on
job.metrics(
    snakemake.output.metrics,
    {
        "scale": f"MLP on {decide_on} (seeded training subsample), the brief's claims decided on it",
        "decide_on": decide_on,
        "decided": results[decide_on],
        "datasets": results,
    },
)
