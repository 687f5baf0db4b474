"""Tables and figures of the sector probability, from its metrics files only."""

import numpy as np
import pandas as pd

from kexue import sector_probability as sp
from kexue.jobs import Job, read_json
from kexue.plotting import panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
grid, semi, spac, ident = (read_json(inp[k]) for k in ("grid", "semicircle", "spacings", "identity"))

# --- formula: P(n, θ) against Monte Carlo on the grid ---
cells = pd.DataFrame(grid["cells"]).drop(columns=["seed"])
job.table(out.grid_table, cells, [inp.grid])
fig, (left, right) = panels(2, width=5.0)
fine = np.round(np.linspace(0.0, 2.0, 201), 2)
for i, (n, g) in enumerate(cells.groupby("n")):
    left.plot(
        fine, [float(sp.sector_probability(n, t)) for t in fine], "-", color=f"C{i}", lw=1, label=f"formula, n={n}"
    )
    left.plot(g["theta_over_pi"], g["monte_carlo"], "o", color=f"C{i}", ms=3)
    right.plot(g["theta_over_pi"], g["z"], "o-", color=f"C{i}", ms=3, lw=0.6, label=f"n={n}")
left.plot([], [], "ko", ms=3, label=f"Monte Carlo ({grid['trials']:.0e} trials)")
left.set(
    xlabel="θ / π", ylabel="P(all n points in one sector of angle θ)", title="Formula (lines) vs Monte Carlo (dots)"
)
left.legend(fontsize=6)
m = grid["se_multiple"]
right.axhspan(-m, m, color="0.9", label=f"±{m:g} SE (decision rule)")
right.set(xlabel="θ / π", ylabel="(MC − formula) / SE", title="Standardised differences per cell")
right.legend(fontsize=6, ncol=2)
job.figure(out.formula, fig, [inp.grid])

# --- semicircle: only k = 1 survives for θ ≤ π; the puzzle ---
gaps = pd.DataFrame(semi["gaps"])
job.table(out.semicircle_table, gaps, [inp.semicircle])
fig, (left, right) = panels(2)
for i, (n, g) in enumerate(gaps.groupby("n")):
    if i % 3 == 0 or n == 4:
        left.plot(g["theta_over_pi"], g["closed_form"], "-", color=f"C{i % 10}", lw=1, label=f"n(θ/2π)^(n−1), n={n}")
        left.plot(g["theta_over_pi"], g["formula"], "x", color=f"C{i % 10}", ms=4)
left.set(
    yscale="log", xlabel="θ / π (θ ≤ π)", ylabel="probability", title="Formula (×) = closed form (lines) for θ ≤ π"
)
left.legend(fontsize=6)
pz = semi["puzzle"]
right.errorbar([0], [pz["monte_carlo"]], yerr=[4 * pz["se"]], fmt="o", capsize=4, label="Monte Carlo ± 4 SE")
right.axhline(0.5, color="k", ls="--", label="article: 1/2")
right.set(
    xticks=[0],
    xticklabels=[f"n={pz['n']}, θ={pz['theta_over_pi']:g}π"],
    ylabel="probability",
    title=f"Four ducks in a semicircle ({semi['trials']:.0e} trials)",
)
right.set_xlim(-1, 1)
right.legend(fontsize=7)
job.figure(out.semicircle, fig, [inp.semicircle])

# --- spacings: tails and the flat density ---
tails = pd.DataFrame(spac["tails"])
job.table(out.spacings_table, tails, [inp.spacings])
fig, (left, right) = panels(2, width=5.0)
image = left.imshow(
    np.array(spac["histogram"]["density_ratio"], dtype=float).T,
    origin="lower",
    extent=[0, 1, 0, 1],
    vmin=0.9,
    vmax=1.1,
    cmap="coolwarm",
)
fig.colorbar(image, ax=left, fraction=0.046, pad=0.03, label="observed / expected")
left.set(xlabel="x₁", ylabel="x₂", title=f"n = 3: (x₁, x₂) histogram, χ² p = {spac['chi2_p']:.3f}")
for i, (n, g) in enumerate(tails.groupby("n")):
    right.errorbar(g["exact"], g["monte_carlo"], yerr=4 * g["se"], fmt="o", color=f"C{i}", ms=3, label=f"n={n}")
right.plot([0, 1], [0, 1], "k--", lw=0.8, label="MC = (1 − Σc)^(n−1)")
right.set(xlabel="(1 − Σc)^(n−1)", ylabel="Monte Carlo P(x_i > c_i)", title="Spacing tails (± 4 SE)")
right.legend(fontsize=7)
fig.tight_layout()
job.figure(out.spacings, fig, [inp.spacings])

# --- identity: exact 1, and the float cancellation trap ---
canc = pd.DataFrame(ident["cancellation"])
job.table(out.identity_table, canc, [inp.identity])
fig, axes = panels(1, width=5.2)
ax = axes[0]
ax.plot(canc["n"], canc["float_error"].clip(lower=1e-17), "o-", label="|float sum − 1| (all n terms)")
ax.plot(canc["n"], canc["largest_term"], "s--", label="largest term C(n,k)|1−kx|^(n−1)")
ax.axhline(1e-16, color="k", lw=0.8, ls=":", label="exact rationals: error 0")
ax.axvline(ident["max_n"], color="0.5", lw=0.8, label=f"sympy: identity = 1 for n ≤ {ident['max_n']}")
ax.set(yscale="log", xlabel="n", ylabel="absolute value", title="Σ(−1)^(k−1)C(n,k)(1−kx)^(n−1) = 1: floats cancel")
ax.legend(fontsize=7)
job.figure(out.identity, fig, [inp.identity])
