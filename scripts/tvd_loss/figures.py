"""Tables and figures of the γ-loss article, from its metrics files only."""

import numpy as np
import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
ident, noise = read_json(inp.identities), read_json(inp.noise)

# --- identities ---
near = pd.DataFrame(ident["limits"]["near_one"])
rows = [{"check": "limit γ → 1", **r} for r in ident["limits"]["near_one"]]
rows += [{"check": "gradient", **r} for r in ident["gradient"]["rows"]]
rows += [{"check": "stop-gradient", **r} for r in ident["stopgrad"]["rows"]]
job.table(out.identities_table, pd.DataFrame(rows), [inp.identities])
worst = max(ident["gradient"]["max_relative_error"], ident["stopgrad"]["max_relative_error"])
fig, axes = panels(2, width=4.6)
p = np.linspace(0.01, 1, 300)
for i, g in enumerate([0.0, 0.5, 0.9, 0.999]):
    axes[0].plot(p, -np.log1p((1 - g) * (p - 1)) / (1 - g), color=f"C{i}", label=f"L_γ, γ = {g:g}")
axes[0].plot(p, 1 - p, "k--", lw=1, label="1 − p (γ → 1)")
axes[0].set(ylim=(0, 3), xlabel="p (probability of the label)", ylabel="loss", title="L_γ(p) = −log[γ + (1−γ)p]/(1−γ)")
axes[0].legend(fontsize=7)
axes[1].loglog(near["one_minus_gamma"], near["max_error"], "o-", label="max |L_γ − (1 − p)|, p ∈ [0.01, 1]")
axes[1].loglog(near["one_minus_gamma"], near["bound"], "k--", lw=1, label="rule: 2(1 − γ)")
axes[1].set(
    xlabel="1 − γ",
    ylabel="error",
    title=f"Limits; gradient identities ≤ {worst:.1e}",
)
axes[1].legend(fontsize=7)
job.figure(out.identities, fig, [inp.identities])

# --- label noise ---
cells = pd.DataFrame(noise["cells"])
job.table(out.noise_table, cells, [inp.noise])
fig, axes = panels(5, width=3.4)
for i, (gamma, g) in enumerate(cells.groupby("gamma")):
    g = g.sort_values("rate")
    label = "CE (γ = 0)" if gamma == 0 else f"γ = {gamma:g}"
    axes[0].errorbar(
        g["rate"] * 100, g["test_accuracy"], yerr=g["test_accuracy_std"], fmt="o-", color=f"C{i}", label=label
    )
    axes[1].plot(g["rate"] * 100, g["ece"], "o-", color=f"C{i}", label=label)
    axes[2].plot(g["rate"] * 100, g["mean_max_probability"], "o-", color=f"C{i}", label=label)
    axes[3].plot(g["rate"] * 100, g["confidence_gap"], "o-", color=f"C{i}", label=label)
    axes[4].plot(g["rate"] * 100, g["memorised_flipped"], "o-", color=f"C{i}", label=label)
titles = [
    "clean test accuracy",
    "ECE (15 equal-width bins)",
    "mean max-probability (test)",
    "confidence − accuracy (test)",
    "flipped training labels memorised",
]
axes[3].axhline(0, color="k", lw=0.5)
for ax, title in zip(axes, titles, strict=True):
    ax.set(xlabel="symmetric label noise (%)", ylabel="mean over seeds (share)", title=title)
    ax.legend(fontsize=6)
job.figure(out.noise, fig, [inp.noise])
