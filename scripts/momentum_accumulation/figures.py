"""Tables and figures of the momentum-accumulation article, from its metrics only."""

import numpy as np
import pandas as pd

from kexue import momentum_accumulation as ma
from kexue.jobs import Job, read_json
from kexue.plotting import panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
identity, beta_tilde, training = (read_json(inp[k]) for k in ("identity", "beta_tilde", "training"))

# --- sgdm_exact and beta_tilde ---
cells = pd.DataFrame(identity["cells"])
job.table(out.identity_table, cells, [inp.identity])
weights = pd.DataFrame(beta_tilde["cells"])
job.table(out.beta_tilde_table, weights, [inp.beta_tilde])
fig, (left, right) = panels(2)
for i, (problem, g) in enumerate(cells.groupby("problem")):
    left.plot(g["k"], np.maximum(g["max_abs_gap"], 1e-18), "o-", color=f"C{i}", label=f"{problem}: max|Δθ|")
    left.plot(g["k"], g["max_abs_move"], "s:", color=f"C{i}", label=f"{problem}: max|θ − θ₀| (scale)")
left.axhline(1e-12, color="k", ls="--", lw=1, label="decision rule 1e-12")
left.set(
    yscale="log",
    xscale="log",
    xlabel="k (micro-steps per update)",
    ylabel="|θ| difference (parameter units)",
    title="SGDM: accumulation inside momentum vs a buffer",
)
left.set_xticks(sorted(cells["k"].unique()), [str(k) for k in sorted(cells["k"].unique())])
left.legend(fontsize=6)
for i, (k, g) in enumerate(weights.groupby("k")):
    right.plot(1 - g["beta"], g["l1"], "o-", color=f"C{i}", label=f"L1 distance, k = {k}")
one_minus = np.array(sorted(1 - weights["beta"].unique()))
right.plot(one_minus, one_minus / 2, "k--", lw=1, label="bound (1 − β)/2")
right.set(
    xscale="log",
    yscale="log",
    xlabel="1 − β",
    ylabel="L1 distance of the weights",
    title="EMA with β̃ = 1 − (1 − β)/k vs EMA of k-step means",
)
right.legend(fontsize=7)
job.figure(out.exact, fig, [inp.identity, inp.beta_tilde])

# --- adam_similar and fewer_updates ---
runs = pd.DataFrame(training["runs"])
job.table(out.training_table, runs, [inp.training])
names = {
    "plain": "plain",
    "accumulated": "accumulated\n(batch ×k)",
    "in_momentum": "in-momentum\nAdam",
    "chi_only": "χ-only\n(update /k)",
    "lr_over_k": "control\nlr/k",
    "chi_beta_tilde": "χ + β̃",
}
fig, axes = panels(len(training["regimes"]), width=5.2)
for ax, (lr, regime) in zip(axes, sorted(training["regimes"].items(), key=lambda kv: -float(kv[0])), strict=True):
    for i, v in enumerate(ma.VARIANTS):
        losses = regime["test_loss"][v]
        ax.bar(i, np.mean(losses), color=f"C{i}", alpha=0.6)
        ax.plot([i] * len(losses), losses, "k.", ms=4)
    ax.set_xticks(range(len(ma.VARIANTS)), [names[v] for v in ma.VARIANTS], fontsize=6)
    kind = "noise-dominated" if regime["noise_gap"] > 0 else "accumulation does not help"
    ax.set(ylabel="test cross-entropy after one pass (nats)", title=f"Adam lr {lr}: {kind}")
    ax.plot([], [], "k.", label="one seed")
    ax.legend(fontsize=7)
    low = min(min(x) for x in regime["test_loss"].values())
    high = max(max(x) for x in regime["test_loss"].values())
    ax.set_ylim(0.8 * low, 1.05 * high)
job.figure(out.training, fig, [inp.training])
