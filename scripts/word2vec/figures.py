"""Tables and figures of word2vec, from its metrics files only."""

import numpy as np
import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import log_axis, panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
equal, short, grad = (read_json(inp[k]) for k in ("equal_time", "short_training", "gradient"))

# --- equal time: one row per arm and seed ---
runs = pd.DataFrame(
    [
        {
            "arm": r["arm"],
            "seed": r["seed"],
            "loss": r["loss"],
            "negatives": r["negatives"],
            "tied": r["tied"],
            "train_seconds": r["train_seconds"],
            "steps": r["steps"],
            "steps_per_second": r["steps_per_second"],
            "epochs": r["epochs"],
            "wordsim353_rho": r["wordsim353"]["spearman"],
            "simlex999_rho": r["simlex999"]["spearman"],
            "analogy_accuracy": r["analogy"]["accuracy"],
            "valid_perplexity": r["perplexity"],
        }
        for r in equal["runs"]
    ]
)
job.table(out.equal_time_table, runs, [inp.equal_time])
neighbours = pd.DataFrame(
    [
        {"arm": r["arm"], "seed": r["seed"], "probe": probe, "neighbours": " ".join(f"{w} {s:.2f}" for w, s in near)}
        for r in equal["runs"]
        for probe, near in r["neighbours"].items()
    ]
)
job.table(out.neighbours_table, neighbours, [inp.equal_time])

arms = list(dict.fromkeys(runs["arm"]))
cov = equal["coverage"]
titles = {
    "wordsim353_rho": f"WordSim-353\n({cov['wordsim353']}/{cov['totals']['wordsim353']} pairs covered)",
    "simlex999_rho": f"SimLex-999\n({cov['simlex999']}/{cov['totals']['simlex999']} pairs covered)",
    "analogy_accuracy": f"Google analogies\n({cov['analogy']}/{cov['totals']['analogy']} questions covered)",
    "steps": f"optimisation steps\nin {equal['seconds']:g} s of training",
}
fig, axes = panels(4, width=3.6, height=3.6)
for ax, (column, title) in zip(axes, titles.items(), strict=True):
    for i, arm in enumerate(arms):
        values = runs.loc[runs["arm"] == arm, column]
        ax.plot(np.full(len(values), i), values, "o", color=f"C{i}", alpha=0.8, label="one seed" if i == 0 else None)
        ax.plot(
            [i - 0.3, i + 0.3], [values.mean()] * 2, "-", color=f"C{i}", label="mean over seeds" if i == 0 else None
        )
    ax.set_xticks(range(len(arms)), arms, rotation=60, ha="right", fontsize=7)
    ylabel = {"steps": "steps", "analogy_accuracy": "3CosAdd accuracy"}.get(column, "Spearman ρ")
    ax.set(title=title, ylabel=ylabel, xlabel="arm (loss, negatives)")
    if column == "steps":
        ax.set_yscale("log")
axes[0].legend(fontsize=7)
fig.suptitle(f"Equal training time per arm ({equal['seconds']:g} s each), CBOW on PTB", y=1.04)
job.figure(out.equal_time, fig, [inp.equal_time])

# --- short training ---
rows = [
    {
        "seed": int(seed),
        "epoch": int(epoch),
        **{f"{b}_rho": s[b]["spearman"] for b in ("wordsim353", "simlex999")},
        "analogy_accuracy": s["analogy"]["accuracy"],
    }
    for seed, run in short["runs"].items()
    for epoch, s in run["scores"].items()
]
table = pd.DataFrame(rows).sort_values(["seed", "epoch"])
job.table(out.short_training_table, table, [inp.short_training])
fig, axes = panels(2)
for ax, column, title in zip(axes, ("wordsim353_rho", "simlex999_rho"), ("WordSim-353", "SimLex-999"), strict=True):
    for i, (seed, g) in enumerate(table.groupby("seed")):
        ax.plot(g["epoch"], g[column], "o-", color=f"C{i}", label=f"seed {seed}")
    ax.axvline(2, color="k", ls="--", lw=1, label="epoch 2 (the article's advice)")
    ax.set(xlabel="epochs", ylabel="Spearman ρ", title=f"{title}: random softmax, 16 negatives", xticks=short["epochs"])
    ax.legend(fontsize=7)
job.figure(out.short_training, fig, [inp.short_training])

# --- gradient ---
gtable = pd.DataFrame(grad["by_negatives"])
job.table(out.gradient_table, gtable, [inp.gradient])
fig, axes = panels(2)
axes[0].plot(gtable["negatives"], gtable["cosine_mean_gradient"], "o-", label=f"mean of {grad['draws']} draws")
axes[0].plot(gtable["negatives"], gtable["cosine_single_draw"], "s--", label="single draw (mean cosine)")
axes[0].axhline(0.9, color="k", ls=":", lw=1, label="rule: ≥ 0.9 at the largest k")
axes[0].set(
    xlabel="negatives k (uniform draws per example)",
    ylabel="cosine with the exact gradient",
    title="whole gradient −∇z_t + Σ p_i ∇z_i",
)
axes[0].legend(fontsize=7)
axes[1].plot(gtable["negatives"], gtable["cosine_expectation_term"], "o-", color="C2", label="cosine, expectation term")
axes[1].plot(gtable["negatives"], gtable["norm_ratio"], "s--", color="C3", label="‖mean gradient‖ / ‖exact‖")
axes[1].set(
    xlabel="negatives k",
    ylabel="cosine / norm ratio (dimensionless)",
    title="self-normalised estimate of Σ p_i ∇z_i",
)
for ax in axes:
    log_axis(ax, grad["negatives"])
axes[1].legend(fontsize=7)
fig.suptitle("Random softmax against the full-softmax gradient (one held-out batch, fixed state)", y=1.04)
job.figure(out.gradient, fig, [inp.gradient])
