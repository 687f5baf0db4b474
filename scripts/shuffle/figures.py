"""Tables and figures of the shuffle article, from its metrics files only."""

import numpy as np
import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
exact, simulate, memory, throughput = (read_json(inp[k]) for k in ("exact", "simulate", "memory", "throughput"))

# --- exact enumeration and order frequencies ---
job.table(out.exact_table, pd.DataFrame(exact["cells"]), [inp.exact])
cells = simulate["proportional"]["cells"] + simulate["two_pass_orders"]["cells"]
job.table(
    out.simulate_table,
    pd.DataFrame([{k: v for k, v in c.items() if k != "counts"} for c in cells]),
    [inp.simulate],
)
fig, axes = panels(2, width=5.0)
for ax, (m, n) in zip(axes, sorted({(c["m"], c["n"]) for c in cells})[:2], strict=False):
    for i, c in enumerate(c for c in cells if (c["m"], c["n"]) == (m, n)):
        frequency = np.array(c["counts"]) / sum(c["counts"])
        ax.plot(
            np.arange(len(frequency)), frequency, ".", ms=3, color=f"C{i}", label=f"{c['scheme']} (p = {c['p']:.2g})"
        )
    ax.axhline(1 / c["orders"], color="k", ls="--", lw=1, label=f"uniform 1/{c['orders']}")
    ax.set(
        xlabel="order (rank among the (mn)! permutations)", ylabel="frequency", title=f"Output orders, m = {m}, n = {n}"
    )
    ax.legend(fontsize=7)
job.figure(out.orders, fig, [inp.simulate])

# --- near uniform: item-block × position-block table (two-pass and uniform permutations), Kendall τ ---
nu = simulate["near_uniform"]
tables = {
    "two-pass": (np.array(nu["table"], dtype=float), nu["chi2"]),
    "uniform permutations": (np.array(nu["control_table"], dtype=float), nu["control_chi2"]),
}
scale = max(np.abs(t / t.mean() - 1).max() for t, _ in tables.values()) or 1e-3
fig, axes = panels(3, width=5.0)
for ax, (name, (table, chi2)) in zip(axes, tables.items(), strict=False):
    mesh = ax.imshow(table / table.mean() - 1, cmap="RdBu_r", vmin=-scale, vmax=scale, origin="lower")
    fig.colorbar(mesh, ax=ax, label="count / expected − 1")
    ax.set(
        xlabel="output position block", ylabel="input item block", title=f"{name}\nχ² = {chi2:.1f} ({nu['dof']} dof)"
    )
axes[2].errorbar([0], [nu["tau_mean"]], yerr=[4 * nu["tau_se"]], fmt="o", label="two-pass: mean τ ± 4 SE")
axes[2].axhspan(-0.01, 0.01, color="C2", alpha=0.2, label="rule: |mean τ| < 0.01")
axes[2].set(xticks=[], ylabel="Kendall τ(input index, output position)", title="No trace of the input order")
axes[2].legend(fontsize=7)
fig.subplots_adjust(wspace=0.55)
job.figure(out.uniformity, fig, [inp.simulate])

# --- short last file ---
fig, axes = panels(1, width=5.5)
short = simulate["short_last"]
edges = np.linspace(0, 1, len(short["plain"]["histogram"]) + 1)
for i, (name, label) in enumerate((("plain", "two-pass"), ("fixed", "with the rejection fix"))):
    h = np.array(short[name]["histogram"], dtype=float)
    axes[0].step(
        edges[:-1], h / h.sum(), where="post", color=f"C{i}", label=f"{label}: z = {short[name]['z_below']:.1f}"
    )
axes[0].axhline(1 / len(edges[:-1]), color="k", ls="--", lw=1, label="uniform")
axes[0].set(xlabel="output position / total lines", ylabel="share of the last file's lines", title="Short last file")
axes[0].legend(fontsize=7)
job.figure(out.short_last, fig, [inp.simulate])

# --- memory and throughput ---
runs = pd.DataFrame(memory["runs"])
job.table(out.memory_table, runs, [inp.memory])
fig, (left, right) = panels(2)
for i, (lines, g) in enumerate(runs.groupby("lines")):
    left.plot(g["chunk"], g["peak_mb"], "o-", color=f"C{i}", label=f"{lines:,} lines")
left.set(
    xscale="log",
    xlabel="chunk n (lines in memory)",
    ylabel="peak RSS (MB)",
    title="Memory follows the chunk, not the total",
)
left.legend(fontsize=7)
speed = throughput["throughput_mb_s"]
right.bar(["two-pass (Python)", "GNU shuf"], [speed["two_pass"], speed["shuf"]], color=["C0", "C1"])
right.set(
    ylabel="throughput (MB/s)", title=f"{throughput['megabytes']:.0f} MB file, ratio {throughput['time_ratio']:.2f}"
)
job.figure(out.memory, fig, [inp.memory, inp.throughput])
