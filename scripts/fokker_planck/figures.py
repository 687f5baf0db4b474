"""Tables and figures of the Fokker–Planck article, from its metrics files only."""

import numpy as np
import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
one_d, two_d, parts = (read_json(inp[k]) for k in ("one_d", "two_d", "parts"))

# --- 1-D: particles against the closed form and the PDE solutions ---
job.table(out.one_d_table, pd.DataFrame(one_d["rows"]), [inp.one_d])
bins = np.array(one_d["bins"])
centres, width = 0.5 * (bins[1:] + bins[:-1]), np.diff(bins)
fig, axes = panels(2, width=5.0)
titles = {
    "fokker_planck": "SDE particles vs Fokker–Planck (Crank–Nicolson)",
    "continuity": "Probability-flow ODE vs continuity equation",
}
for ax, equation in zip(axes, titles, strict=True):
    for i, c in enumerate(x for x in one_d["curves"] if x["equation"] == equation):
        ax.step(
            centres, np.array(c["particles"]) / width, where="mid", color=f"C{i}", lw=1, label=f"particles, t={c['t']}"
        )
        ax.plot(centres, np.array(c["pde"]) / width, "--", color="k", lw=0.8)
    ax.plot([], [], "k--", lw=0.8, label="PDE solution")
    ax.set(xlabel="x", ylabel="density p_t(x)", title=titles[equation], xlim=(-4, 4))
    ax.legend(fontsize=6)
job.figure(out.one_d, fig, [inp.one_d])

# --- 2-D double well ---
job.table(out.two_d_table, pd.DataFrame(two_d["rows"]), [inp.two_d])
final = two_d["final"]
edges = np.array(final["bins"])
fig, axes = panels(3, width=4.6)
pde, particles = np.array(final["pde"]), np.array(final["particles"])
top, gap = max(pde.max(), particles.max()), np.abs(particles - pde).max()
for ax, values, title, cmap, limits in (
    (axes[0], particles, "particles (histogram)", "viridis", (0, top)),
    (axes[1], pde, "explicit finite volumes", "viridis", (0, top)),
    (axes[2], particles - pde, "particles − finite volumes", "RdBu_r", (-gap, gap)),
):
    mesh = ax.pcolormesh(edges, edges, values.T, cmap=cmap, vmin=limits[0], vmax=limits[1])
    fig.colorbar(mesh, ax=ax, label="probability per bin")
    ax.set(xlabel="x", ylabel="y", title=f"{title}, t={final['t']}")
fig.subplots_adjust(wspace=0.5)
job.figure(out.two_d, fig, [inp.two_d])

# --- weak form and integration by parts ---
weak = pd.DataFrame(one_d["weak"]["cells"])
job.table(out.weak_table, weak, [inp.one_d])
fig, (left, right) = panels(2)
for i, (name, g) in enumerate(weak.groupby("function", sort=False)):
    left.plot(g["t"], g["z"], "o-", color=f"C{i}", label=f"φ = {name}")
for bound in (4, -4):
    left.axhline(bound, color="k", ls="--", lw=1)
left.set(xlabel="t", ylabel="(d/dt E φ − E[fφ′ + ½g²φ″]) / SE", title="Weak form: gap in standard errors")
left.legend(fontsize=7)
cells = pd.DataFrame(parts["cells"])
right.bar(cells["identity"], np.maximum(cells["rel_error"], 1e-17), color="C2")
right.axhline(1e-8, color="k", ls="--", lw=1, label="rule: 1e-8")
right.set(yscale="log", ylabel="relative error", title="Integration by parts (quadrature)")
right.legend(fontsize=7)
job.figure(out.weak, fig, [inp.one_d, inp.parts])
