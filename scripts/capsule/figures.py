"""Tables and figures of the Capsule article, from its metrics file only."""

import numpy as np
import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
metrics = read_json(inp[0])
arms = metrics["arms"]
LABEL = {
    "cnn": "CNN + pooling",
    "capsule": "Capsule (author's routing, squash ½)",
    "capsule_original_routing": "Capsule (original routing, squash ½)",
    "capsule_squash1": "Capsule (author's routing, squash 1)",
}
SHORT = {"cnn": "CNN", "capsule": "Capsule", "capsule_original_routing": "orig. routing", "capsule_squash1": "squash 1"}

# --- one row per run ---
rows = [
    {
        "arm": arm,
        "seed": seed,
        "parameters": r["parameters"],
        **r["variant"],
        "test_accuracy": test,
        "pair_set_accuracy": pair,
        "pair_thresholded_accuracy": thr,
    }
    for arm, r in arms.items()
    for seed, test, pair, thr in zip(
        r["seeds"], r["test_accuracy"], r["pair_set_accuracy"], r["pair_thresholded_accuracy"], strict=True
    )
]
job.table(out.runs, pd.DataFrame(rows), [inp[0]])

# --- single digits and pairs, one point per seed, the article's numbers beside ---
names = list(arms)
fig, axes = panels(2, width=5.2)
for i, arm in enumerate(names):
    axes[0].plot(np.full(len(arms[arm]["seeds"]), i), arms[arm]["test_accuracy"], "o", color="C0")
    axes[1].plot(np.full(len(arms[arm]["seeds"]), i) - 0.12, arms[arm]["pair_set_accuracy"], "o", color="C0")
    axes[1].plot(np.full(len(arms[arm]["seeds"]), i) + 0.12, arms[arm]["pair_thresholded_accuracy"], "^", color="C1")
axes[0].axhline(0.993, color="k", ls="--", lw=1, label="article ≈ 99.3 % (both, full size)")
if "parity" in metrics:
    axes[0].axhline(metrics["parity"]["threshold"], color="C3", ls=":", lw=1, label="this tier's threshold")
axes[0].set(ylabel="single-digit test accuracy (one point per seed)", title="MNIST test set (CPU proxy)")
axes[0].legend(fontsize=7)
axes[1].plot([], [], "o", color="C0", label="ours: top-2 set accuracy")
axes[1].plot([], [], "^", color="C1", label="ours: both top-2 scores > 0.5")
if "cnn" in names:
    x = names.index("cnn")
    axes[1].plot([x - 0.12, x + 0.12], [0.40, 0.10], "x", color="k", ms=8, label="article: CNN ≈ 40 % / ≈ 10 %")
for arm in [a for a in names if a != "cnn"]:
    axes[1].plot([names.index(arm)], [0.90], "_", color="k", ms=14)
axes[1].plot([], [], "_", color="k", ms=14, label="article: Capsule > 90 % (both)")
axes[1].set(
    ylabel="two-digit pair accuracy (one point per seed)", title="Stacked pairs of different digits", ylim=(0, 1)
)
axes[1].legend(fontsize=7)
for ax in axes:
    ax.set_xticks(range(len(names)), [SHORT[a] for a in names], fontsize=8)
job.figure(out.accuracy, fig, [inp[0]])

# --- learning curves ---
fig, axes = panels(1, width=5.5)
for i, arm in enumerate(names):
    curve = arms[arm]["curve"]
    axes[0].plot(range(len(curve)), curve, "o-", color=f"C{i}", label=LABEL[arm])
axes[0].set(xlabel="epoch", ylabel="test accuracy on the curve slice (mean over seeds)", title="Learning curves")
axes[0].legend(fontsize=7)
job.figure(out.curves, fig, [inp[0]])

# --- the squash function's ½ point and the capsule variants per seed ---
fig, axes = panels(2, width=5.0)
r = np.linspace(0, 4, 400)
for k, color in ((1.0, "C1"), (0.5, "C0")):
    axes[0].plot(r, r**2 / (k + r**2), color=color, label=f"‖v‖ = ‖s‖²/({k:g} + ‖s‖²)")
    axes[0].plot([np.sqrt(k)], [0.5], "o", color=color, ms=5)
axes[0].axhline(0.5, color="k", ls=":", lw=1, label="½: reached at ‖s‖ = √k")
axes[0].set(
    xlabel="‖s‖ (norm of the routed sum)", ylabel="‖squash(s)‖ (capsule score)", title="squash with k = 1 and ½"
)
axes[0].legend(fontsize=7)
variants = [a for a in ("capsule", "capsule_original_routing", "capsule_squash1") if a in arms]
for i, arm in enumerate(variants):
    axes[1].plot(
        np.full(len(arms[arm]["seeds"]), i), arms[arm]["pair_set_accuracy"], "o", color=f"C{i}", label=LABEL[arm]
    )
    axes[1].plot([i - 0.2, i + 0.2], [arms[arm]["mean_pair_set_accuracy"]] * 2, color=f"C{i}", lw=2)
axes[1].set_xticks(range(len(variants)), [SHORT[a] for a in variants], fontsize=8)
axes[1].set(ylabel="pair top-2 set accuracy (points: seeds, bar: mean)", title="Capsule variants on the pair test")
axes[1].legend(fontsize=7)
job.figure(out.variants, fig, [inp[0]])
