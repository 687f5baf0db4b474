"""Tables and figures of the hubness article, from its metrics files only."""

import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import log_axis, panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
volume, synthetic, real = (read_json(inp[k]) for k in ("volume", "synthetic", "real"))

# --- hubness.ball_volume ---
rows = pd.DataFrame(volume["rows"])
job.table(out.volume_table, rows, [inp.volume])
fig, (left, right) = panels(2)
left.plot(rows["n"], rows["ratio"], "k-", label="π^(n/2) / (Γ(n/2+1)·2ⁿ)")
mc = rows.dropna(subset=["p_hat"])
left.plot(mc["n"], mc["p_hat"], "o", color="C1", label="Monte Carlo acceptance")
left.axhline(1e-7, color="C3", ls=":", label="1e-7 (rule at n = 20)")
left.set(yscale="log", xlabel="dimension n", ylabel="ball volume / cube volume", title="The ball vanishes in its cube")
left.legend(fontsize=7)
right.bar(mc["n"], mc["z"], color="C1")
right.axhline(4, color="k", ls="--", lw=1, label="±4 SE (rule)")
right.axhline(-4, color="k", ls="--", lw=1)
right.set(xlabel="dimension n", ylabel="(Monte Carlo − formula) / SE", title="Formula vs 10⁶ cube draws")
right.legend(fontsize=7)
job.figure(out.volume, fig, [inp.volume])

# --- hubness.skew_grows, hubness.near_centre ---
cells = pd.DataFrame(synthetic["cells"])
job.table(out.synthetic_table, cells, [inp.synthetic])
fig, axes = panels(3)
for i, (distribution, g) in enumerate(cells.groupby("distribution", sort=False)):
    stats = g[["d", "skewness", "max", "rho_centre"]].groupby("d").agg(["mean", "min", "max"])
    for ax, column in zip(axes, ("skewness", "max", "rho_centre"), strict=True):
        mean, low, high = (stats[(column, a)] for a in ("mean", "min", "max"))
        ax.plot(stats.index, mean, "o-", color=f"C{i}", label=f"{distribution} (mean, range over seeds)")
        ax.fill_between(stats.index, low, high, color=f"C{i}", alpha=0.2)
for ax, ylabel, title in zip(
    axes,
    ("skewness of N_k", "max N_k (count)", "Spearman ρ(N_k, ‖x − mean‖)"),
    ("Skewness grows with d", "Hubs appear", "Hubs sit near the centre"),
    strict=True,
):
    log_axis(ax, cells["d"])
    ax.set(xlabel="dimension d", ylabel=ylabel, title=title)
    ax.legend(fontsize=7)
axes[2].axhline(0, color="k", lw=0.8)
job.figure(out.synthetic, fig, [inp.synthetic])

# --- real data (report only) ---
real_cells = pd.DataFrame(real["cells"])
job.table(out.real_table, real_cells, [inp.real])
fig, axes = panels(2)
for ax, column, ylabel in zip(axes, ("skewness", "max"), ("skewness of N_k", "max N_k (count)"), strict=True):
    for i, (view, g) in enumerate(real_cells.groupby("view", sort=False)):
        label = "ambient dimension" if view == "ambient" else f"after PCA to {g['d'].iloc[0]} dimensions"
        ax.bar([j + 0.4 * i for j in range(len(g))], g[column], width=0.4, color=f"C{i}", label=label)
    ambient = real_cells[real_cells["view"] == "ambient"]
    names = [f"{row.data} (n = {row.n}, d = {row.d})" for row in ambient.itertuples()]
    ax.set_xticks([j + 0.2 for j in range(len(names))], names)
    ax.set(xlabel="data set", ylabel=ylabel, title=f"{ylabel.split(' of')[0]}: ambient vs PCA")
    ax.legend(fontsize=7)
job.figure(out.real, fig, [inp.real])
