"""Tables and figures of the heat-equation derivation, from its metrics file only."""

import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import log_axis, panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
m = read_json(inp.derivation)

# --- first order ⇒ Laplace: the residual against the finite-difference step ---
laplace = pd.DataFrame(
    [
        {"seed": r["seed"], "h": float(h), "residual": v, "cond_B2": r["cond_B2"]}
        for r in m["laplace"]
        for h, v in r["residual_by_h"].items()
    ]
)
job.table(out.laplace_table, laplace, [inp.derivation])
fig, axes = panels(1, width=5.2)
ax = axes[0]
for i, (seed, g) in enumerate(laplace.groupby("seed")):
    ax.plot(g["h"], g["residual"], "o-", color=f"C{i}", ms=3, label=f"matrix seed {seed}")
ax.axhline(1e-6, color="k", ls="--", lw=1, label="rule: 1e-6")
ax.axvline(m["h"], color="0.5", ls=":", label=f"decided at h = {m['h']:g}")
log_axis(ax, m["hs"])
ax.set(
    yscale="log",
    xlabel="finite-difference step h",
    ylabel="‖z_xx + S z_yy‖ / ‖z_xx‖",
    title="z = expm(xA + yB)z₀ solves z_xx + S z_yy = 0",
)
ax.legend(fontsize=7)
job.figure(out.laplace, fig, [inp.derivation])

# --- compatibility: integration order matters unless AB = BA ---
compat = pd.DataFrame(m["compatibility"])
job.table(out.compatibility_table, compat, [inp.derivation])
fig, axes = panels(1, width=5.2)
ax = axes[0]
x = range(len(compat))
ax.bar([i - 0.2 for i in x], compat["path_gap"], width=0.4, label="random B (AB ≠ BA)")
ax.bar([i + 0.2 for i in x], compat["path_gap_commuting"].clip(lower=1e-17), width=0.4, label="B = 0.5A + 0.2A²")
ax.axhline(1e-6, color="k", ls="--", lw=1, label="rule: different above 1e-6")
ax.set_xticks(list(x), [f"seed {s}" for s in compat["seed"]])
ax.set(yscale="log", ylabel="‖z(1,1) via x then y − via y then x‖ / ‖z‖", title="Integration order: x→y vs y→x")
ax.set_ylim(top=1e4)  # room for the legend above the bars
ax.legend(fontsize=7, loc="upper right")
job.figure(out.compatibility, fig, [inp.derivation])

# --- discretisation: the one-step error is O(Δx²) ---
disc = pd.DataFrame(
    [
        {"seed": d["seed"], "dx": dx, "error_x": ex, "error_y": ey}
        for d in m["discretisation"]
        for dx, ex, ey in zip(m["dxs"], d["errors_x"], d["errors_y"], strict=True)
    ]
)
job.table(out.discretisation_table, disc, [inp.derivation])
fig, axes = panels(1, width=5.2)
ax = axes[0]
for i, (d, (seed, g)) in enumerate(zip(m["discretisation"], disc.groupby("seed"), strict=True)):
    ax.plot(g["dx"], g["error_x"], "o-", color=f"C{i}", ms=3, label=f"seed {seed}, x: slope {d['slope_x']:.3f}")
    ax.plot(g["dx"], g["error_y"], "s--", color=f"C{i}", ms=3, label=f"seed {seed}, y: slope {d['slope_y']:.3f}")
log_axis(ax, m["dxs"])
ax.set(yscale="log", xlabel="step Δx", ylabel="‖(I + ΔA)z − expm(ΔA)z‖ / ‖z‖", title="One explicit step: error O(Δx²)")
ax.legend(fontsize=6)
job.figure(out.discretisation, fig, [inp.derivation])
