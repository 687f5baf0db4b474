"""Tables and figures of the EXACT critique, from its metrics files only."""

import numpy as np
import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import log_axis, panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
toy, training = read_json(inp.toy), read_json(inp.training)
LABEL = {"ce": "CE", "exact": "EXACT −E[p]", "exact_log": "EXACT −log E[p]", "exact_sigma1": "EXACT, σ ≡ 1 (ours)"}

# --- the toy example ---
sets = pd.DataFrame(toy["with_temperature"]["hinge_sets"])
job.table(out.toy_table, sets, [inp.toy])
fig, axes = panels(2, width=4.6)
c = toy["curves"]
axes[0].plot(c["b"], c["ce"], label="sigmoid CE, k = 1")
axes[0].plot(c["b"], c["hinge"], label="hinge, k = 1")
axes[0].axvspan(0, 0.25, color="C2", alpha=0.15, label="accuracy 1: b ∈ (0, 0.25)")
nt = toy["no_temperature"]
axes[0].axvline(nt["ce_argmin"], color="C0", ls="--", lw=1, label=f"CE argmin {nt['ce_argmin']:.3f}")
axes[0].set(xlabel="threshold b", ylabel="loss (sum over 3 points)", title="No temperature (f = x − b)")
axes[0].legend(fontsize=6)
axes[1].fill_between(sets["k"], sets["low"], sets["high"], alpha=0.4, label="hinge minimiser set")
axes[1].plot(sets["k"], sets["low"], "o", color="C0", ms=3)
axes[1].plot(sets["k"], sets["high"], "o", color="C0", ms=3)
wt = toy["with_temperature"]
axes[1].plot(
    [wt["ce_k"]], [wt["ce_b"]], "s", color="C3", label=f"CE over (k, b): k = {wt['ce_k']:.0f}, b = {wt['ce_b']:.3f}"
)
axes[1].axhspan(0, 0.25, color="C2", alpha=0.15, label="b ∈ (0, 0.25)")
axes[1].axvline(8, color="k", ls=":", lw=1, label="k = 8 (claim: k ≥ 8)")
log_axis(axes[1], sets["k"])
axes[1].set(xlabel="temperature k", ylabel="threshold b", title="With temperature (f = k(x − b))")
axes[1].legend(fontsize=6)
job.figure(out.toy, fig, [inp.toy])

# --- accuracies per loss and image set ---
rows = []
for dataset, result in training["datasets"].items():
    for loss, r in result["losses"].items():
        for seed, test, train in zip(r["seeds"], r["test_accuracy"], r["train_accuracy"], strict=True):
            rows.append(
                {"dataset": dataset, "loss": loss, "seed": seed, "test_accuracy": test, "train_accuracy": train}
            )
table = pd.DataFrame(rows)
job.table(out.training_table, table, [inp.training])
datasets = list(training["datasets"])
fig, axes = panels(len(datasets), width=4.8)
for ax, dataset in zip(axes, datasets, strict=True):
    losses = list(training["datasets"][dataset]["losses"])
    for i, loss in enumerate(losses):
        g = table[(table["dataset"] == dataset) & (table["loss"] == loss)]
        ax.plot(np.full(len(g), i) - 0.1, g["test_accuracy"], "o", color="C0", label="test" if i == 0 else None)
        ax.plot(
            np.full(len(g), i) + 0.1, g["train_accuracy"], "^", color="C1", label="train (final)" if i == 0 else None
        )
    ax.set_xticks(range(len(losses)), [LABEL[x] for x in losses], rotation=20, fontsize=7)
    ax.set(ylabel="accuracy after the last epoch (one point per seed)", title=dataset.replace("_", "-"), ylim=(0, 1))
    ax.legend(fontsize=7)
job.figure(out.accuracy, fig, [inp.training])

# --- learning curves ---
fig, axes = panels(len(datasets), width=4.8)
for ax, dataset in zip(axes, datasets, strict=True):
    for i, (loss, r) in enumerate(training["datasets"][dataset]["losses"].items()):
        epochs = range(len(r["test_curve"]))
        ax.plot(epochs, r["test_curve"], "o-", color=f"C{i}", label=f"{LABEL[loss]}, test")
        ax.plot(epochs, r["train_curve"], "--", color=f"C{i}", label=f"{LABEL[loss]}, train")
    ax.set(xlabel="epoch", ylabel="accuracy (mean over seeds)", title=dataset.replace("_", "-"), ylim=(0, 1))
    ax.legend(fontsize=6)
job.figure(out.curves, fig, [inp.training])

# --- CE's first-order argument ---
fig, axes = panels(2, width=4.6)
p = np.linspace(0.01, 1, 400)
axes[0].plot(p, -np.log(p), label="−log p (CE)")
axes[0].plot(p, 1 - p, label="1 − p (smooth accuracy)")
axes[0].axvspan(0.9, 1, color="C2", alpha=0.15, label="p ≥ 0.9: relative gap ≤ 0.054")
axes[0].set(xlabel="p (probability of the label)", ylabel="per-sample loss", title="CE against 1 − p")
axes[0].legend(fontsize=7)
for dataset in datasets:
    fo = training["datasets"][dataset]["ce_first_order"]
    if fo:
        axes[1].plot(range(len(fo["share_p_high"])), fo["share_p_high"], "o-", label=dataset.replace("_", "-"))
axes[1].set(
    xlabel="epoch",
    ylabel="share of training samples with p ≥ 0.9",
    title="CE runs: samples in the first-order regime",
    ylim=(0, 1),
)
axes[1].legend(fontsize=7)
job.figure(out.first_order, fig, [inp.training])
