"""Tables and figures of the SimSiam article, from its metrics only."""

import numpy as np
import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
ode, factor, collapse, rf = (read_json(inp[k]) for k in ("ode", "factor_two", "collapse", "random_features"))

# --- toy_ode ---
rows = [
    {"variant": v, "t": t, "phi": a, "theta": b}
    for v, r in ode["runs"].items()
    for t, a, b in zip(r["t"], r["phi"], r["theta"], strict=True)
]
job.table(out.ode_table, pd.DataFrame(rows), [inp.ode])
fig, (left, right) = panels(2)
names = {
    "stop_gradient": "stop-gradient (SimSiam)",
    "full_gradient": "full gradient",
    "target_only": "target-branch only",
}
for i, (v, r) in enumerate(ode["runs"].items()):
    t = np.maximum(r["t"], 1e-2)
    left.plot(t, r["phi"], "-", color=f"C{i}", label=f"φ, {names[v]}")
    left.plot(t, np.abs(r["theta"]), "--", color=f"C{i}", label=f"|θ|, {names[v]}")
    right.plot(r["phi"], r["theta"], "-", color=f"C{i}", label=names[v])
left.axhline(ode["theta_limit"], color="k", lw=0.6, ls=":", label="√(θ₀² − φ₀² + 1)")
left.set(
    xscale="log",
    yscale="symlog",
    xlabel="time t (gradient-flow units)",
    ylabel="value",
    title="Toy gradient flow, l = ½(φθ − θ)²",
)
left.set_yscale("symlog", linthresh=1e-3)
left.legend(fontsize=6)
right.set(xlabel="predictor φ", ylabel="encoder θ", title="Trajectories from (0.6, 0.1)")
right.legend(fontsize=7)
job.figure(out.ode, fig, [inp.ode])

# --- collapse_ablation, mean_target, random_features ---
variants = collapse["variants"]
table = pd.DataFrame(
    [
        {"variant": v, "seed": s, "output_std_sqrt_d": a, "effective_rank": e, "knn_accuracy": k}
        for v, d in variants.items()
        for s, a, e, k in zip(d["seeds"], d["output_std_sqrt_d"], d["effective_rank"], d["knn_accuracy"], strict=True)
    ]
)
job.table(out.collapse_table, table, [inp.collapse])
fig, axes = panels(3, width=4.3)
for i, (v, d) in enumerate(variants.items()):
    epochs = np.arange(1, len(d["std_curve"]) + 1)
    axes[0].plot(epochs, d["std_curve"], "o-", color=f"C{i}", label=v)
    axes[1].plot(epochs, d["effective_rank_curve"], "o-", color=f"C{i}", label=v)
axes[0].axhline(0.5, color="k", ls="--", lw=1, label="SimSiam must stay ≥ 0.5")
axes[0].axhline(0.1, color="k", ls=":", lw=1, label="ablations must fall < 0.1")
axes[0].set(
    yscale="log",
    xlabel="epoch",
    ylabel="per-dimension std of normalised output × √d",
    title="Collapse (1 = spread, 0 = collapsed)",
)
axes[0].legend(fontsize=6)
axes[1].set(xlabel="epoch", ylabel="effective rank of the outputs", title="Dimensional collapse")
axes[1].legend(fontsize=6)
x = np.arange(len(variants))
ax = axes[2]
for i, d in enumerate(variants.values()):
    ax.bar(i, d["mean_knn_accuracy"], color=f"C{i}", alpha=0.6)
    ax.plot([i] * len(d["knn_accuracy"]), d["knn_accuracy"], "k.", ms=4)
ax.axhline(rf["random_cnn"], color="C7", ls="--", lw=1, label=f"random-init CNN {rf['random_cnn']:.3f}")
ax.axhline(rf["raw_pixels"], color="k", ls="-.", lw=1, label=f"raw pixels {rf['raw_pixels']:.3f}")
ax.axhline(rf["chance"], color="k", ls=":", lw=1, label="chance")
ax.set_xticks(x, [v.replace("_", "\n") for v in variants], fontsize=6)
ax.set(ylim=(0, 1), ylabel="kNN accuracy (k = 20, cosine), MNIST test", title="Encoder features")
ax.plot([], [], "k.", label="one seed")
ax.legend(fontsize=6)
job.figure(out.collapse, fig, [inp.collapse, inp.random_features])

# --- factor_two ---
job.table(
    out.factor_two_table,
    pd.DataFrame([{k: v for k, v in factor.items() if k not in ("provenance",)}]),
    [inp.factor_two],
)
fig, (left, right) = panels(2)
left.bar(
    [0, 1, 2],
    [factor["two_view_mc"], 2 * factor["alternating_exact"], factor["alternating_exact"]],
    color=["C0", "C1", "C2"],
)
left.set_xticks(
    [0, 1, 2],
    ["E‖F(T₁x) − F(T₂x)‖²\n(Monte Carlo)", "2·E‖F(Tx) − E_T F(Tx)‖²\n(exact)", "E‖F(Tx) − E_T F(Tx)‖²"],
    fontsize=6,
)
left.set(
    ylabel="loss (squared output distance)", title=f"Two views vs the alternating optimum: ratio {factor['ratio']:.4f}"
)
right.bar([0, 1], [factor["batch_variance_two_view"], factor["batch_variance_alternating"]], color=["C0", "C2"])
right.set_xticks([0, 1], ["two-view", "alternating"])
right.set(
    ylabel=f"variance of the loss over batches of {factor['batch']}",
    title=f"Per-batch estimate: variance ratio {factor['variance_ratio']:.2f}",
)
job.figure(out.factor_two, fig, [inp.factor_two])
