"""Tables and figures of the n m-way classification article, from its metrics files only."""

import numpy as np
import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import log_axis, panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
exact, task = read_json(inp.exact), read_json(inp.linear_task)
LABEL = {"ce": "per-head CE", "loss1": "loss-1", "loss3": "loss-3"}

# --- free logits: gradient at s = log t and the minimiser's distance from softmax = t ---
sets = pd.DataFrame(exact["sets"])
job.table(out.free_logit_table, sets, [inp.exact])
fig, axes = panels(2, width=4.6)
floor = 1e-17  # exact zeros drawn on the floor of the log axis
for i, loss in enumerate(["ce", "loss1", "loss3"]):
    g = sets[sets["loss"] == loss]
    for ax, key in zip(axes, ["grad_norm_at_log_t", "softmax_gap"], strict=True):
        ax.plot(g["set"], np.maximum(g[key], floor), "o", color=f"C{i}", label=LABEL[loss])
axes[0].axhline(1e-3, color="C1", ls="--", lw=1, label="loss-1 rule: > 1e-3")
axes[0].axhline(1e-10, color="C2", ls="--", lw=1, label="loss-3 rule: < 1e-10")
axes[1].axhline(0.05, color="C1", ls="--", lw=1, label="loss-1 rule: > 0.05")
axes[1].axhline(1e-6, color="C2", ls="--", lw=1, label="loss-3 rule: < 1e-6")
axes[0].set(
    yscale="log", xlabel="Dirichlet(1) label set", ylabel="‖∂l/∂s‖ at s = log t", title="Is softmax(s) = t stationary?"
)
axes[1].set(
    yscale="log",
    xlabel="Dirichlet(1) label set",
    ylabel="max |softmax(s*) − t|",
    title="BFGS minimiser s* vs the labels",
)
for ax in axes:
    ax.legend(fontsize=6)
fig.suptitle(
    f"Free logits, float64 (values below {floor:g} drawn at {floor:g}); m = 2 reduction errors: "
    f"loss-1 {exact['m2']['loss1_error']:.1e}, loss-3 {exact['m2']['loss3_error']:.1e}",
    fontsize=8,
)
job.figure(out.free_logit, fig, [inp.exact])

# --- hard labels: accuracy per loss and model, and loss-3's above-mean-not-max share ---
cells = pd.DataFrame(task["cells"])
job.table(out.linear_task_table, cells, [inp.linear_task])
hard = task["hard"]
balanced = cells[cells["ratio"] == hard["ratio"]]
fig, axes = panels(2, width=4.6)
models = list(dict.fromkeys(balanced["model"]))
for k, model in enumerate(models):
    g = balanced[balanced["model"] == model].set_index("loss").loc[["ce", "loss1", "loss3"]]
    xs = np.arange(3) + 0.35 * k
    axes[0].bar(xs, g["test_accuracy"], 0.35, yerr=g["test_accuracy_std"], label=f"{model} model", color=f"C{k}")
    axes[1].bar(xs, g["above_mean_not_max"], 0.35, label=f"{model} model", color=f"C{k}")
for ax in axes:
    ax.set_xticks(np.arange(3) + 0.175, [LABEL[x] for x in ("ce", "loss1", "loss3")])
    ax.legend(fontsize=7)
lo = balanced["test_accuracy"].min()
axes[0].set(
    ylim=(max(0, lo - 0.1), 1),
    ylabel="test accuracy (per head), mean ± sd over seeds",
    title=f"Hard labels, R = {hard['ratio']:g}",
)
axes[1].set(ylabel="share of test heads", title="target above the head's mean score, not its max")
job.figure(out.accuracy, fig, [inp.linear_task])

# --- imbalance: macro recall against the prior ratio ---
fig, axes = panels(2, width=4.6)
model = task["imbalance"]["model"]
for i, loss in enumerate(["ce", "loss1", "loss3"]):
    g = cells[(cells["model"] == model) & (cells["loss"] == loss)].sort_values("ratio")
    axes[0].plot(g["ratio"], g["macro_recall"], "o-", color=f"C{i}", label=LABEL[loss])
ratios = task["imbalance"]["ratios"]
gaps = [task["imbalance"]["macro_recall_gap"][f"{r:g}"] for r in ratios]
spread = [
    np.std(task["imbalance"]["per_seed_gap"][f"{r:g}"], ddof=1)
    if len(task["imbalance"]["per_seed_gap"][f"{r:g}"]) > 1
    else 0
    for r in ratios
]
axes[1].errorbar(ratios, gaps, yerr=spread, fmt="o-", color="C1", label="loss-1 − CE (mean ± sd over seeds)")
axes[1].axhline(0, color="k", lw=0.8)
for ax in axes:
    log_axis(ax, ratios)
    ax.legend(fontsize=7)
axes[0].set(
    xlabel="prior ratio R (largest / smallest class)",
    ylabel="macro recall (test)",
    title=f"Class imbalance, {model} model",
)
axes[1].set(
    xlabel="prior ratio R (largest / smallest class)",
    ylabel="macro recall difference",
    title="Does the log damp imbalance?",
)
job.figure(out.imbalance, fig, [inp.linear_task])
