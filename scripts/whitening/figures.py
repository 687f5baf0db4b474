"""Tables and figures of BERT-whitening with β, γ, from the metrics files only."""

import textwrap

import numpy as np
import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import plt

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
summary, grid = read_json(inp.summary), read_json(inp.grid)
cells = pd.DataFrame(grid["cells"])
rows = pd.DataFrame(grid["rows"])
# the figures show target statistics; other fitting corpora (whitening.fit) are in the tables
task_cells = cells[(cells["group"] == "task") & (cells["fit"] == "target")].merge(
    rows, on=["encoder", "pooling", "task"]
)
row_names = list(dict.fromkeys(f"{e}/{p}" for e, p in zip(rows["encoder"], rows["pooling"], strict=True)))
tasks = list(dict.fromkeys(rows["task"]))
task_cells["row"] = task_cells["encoder"] + "/" + task_cells["pooling"]

# --- tables ---------------------------------------------------------------------------------------
job.table(
    out.scores_table,
    cells[["encoder", "pooling", "task", "fit", "beta", "gamma", "k", "group", "n_pairs", "spearman"]],
    [inp.grid],
)
abc = pd.DataFrame(summary["abc"]).assign(fit="target")
job.table(out.abc_csv, pd.concat([abc, pd.DataFrame(summary["abc_other_fits"])], ignore_index=True), [inp.summary])
tuning = pd.DataFrame([{"row": name, **t} for name, t in summary["c1_7"]["rows"].items()])
job.table(out.tuning_table, tuning, [inp.summary])

# --- Spearman over the (β, γ) grid at the reduced k0: one row per (encoder, pooling), one column per task,
# one colour scale per row (rows differ by tens of points; tasks within a row are comparable) ----------
betas, gammas = sorted(task_cells["beta"].unique()), sorted(task_cells["gamma"].unique())
n_rows = len(row_names)
row_tasks = {
    name: [t for t in tasks if ((task_cells["row"] == name) & (task_cells["task"] == t)).any()] for name in row_names
}
n_cols = max(len(t) for t in row_tasks.values())
side = 0.55 + 0.42 * max(len(betas), len(gammas))
fig, axes = plt.subplots(
    n_rows,
    n_cols + 1,
    figsize=(side * n_cols + 0.7, side * n_rows + 0.7),
    squeeze=False,
    gridspec_kw={"width_ratios": [1] * n_cols + [0.06]},
)
annotate = 8 if max(len(betas), len(gammas)) <= 5 else 6
for i, name in enumerate(row_names):
    parts = {}
    for task in row_tasks[name]:
        part = task_cells[(task_cells["row"] == name) & (task_cells["task"] == task)]
        k = int(part["k0"].iloc[0])
        sel = part[part["k"] == k].pivot_table(index="gamma", columns="beta", values="spearman")
        parts[task] = (k, sel.reindex(index=gammas, columns=betas).to_numpy())
    values = np.concatenate([v.ravel() for _, v in parts.values()]) if parts else np.array([np.nan])
    vmin, vmax = (np.nanmin(values), np.nanmax(values)) if np.isfinite(values).any() else (0.0, 1.0)
    image = None
    for j in range(n_cols):
        ax = axes[i, j]
        ax.grid(False)
        if j >= len(row_tasks[name]):
            ax.axis("off")
            continue
        task = row_tasks[name][j]
        k, grid_values = parts[task]
        image = ax.imshow(grid_values, origin="lower", cmap="viridis", aspect="auto", vmin=vmin, vmax=vmax)
        middle = (vmin + vmax) / 2
        for (gi, bi), value in np.ndenumerate(grid_values):
            if np.isfinite(value):
                ax.text(
                    bi,
                    gi,
                    f"{value:.1f}",
                    ha="center",
                    va="center",
                    fontsize=annotate,
                    color="k" if value > middle else "w",
                )
        ax.set_xticks(range(len(betas)), [f"{b:g}" for b in betas], fontsize=7)
        ax.set_yticks(range(len(gammas)), [f"{g:g}" for g in gammas], fontsize=7)
        ax.set_title(f"{task}, k0={k}", fontsize=8)
        ax.set_xlabel("β", fontsize=8)
        if j == 0:
            ax.set_ylabel(f"{name}\nγ", fontsize=8)
    if image is not None:
        fig.colorbar(image, cax=axes[i, n_cols]).ax.tick_params(labelsize=7)
    else:
        axes[i, n_cols].axis("off")
fig.suptitle(
    f"Spearman × 100 over (β, γ) at the reduced k0, task score, target statistics\none colour scale "
    f"per row; k = d and the k sweep: k_curves.png, scores.csv\n{textwrap.fill(summary['scale'], 70)}",
    fontsize=8,
)
fig.tight_layout()
job.figure(out.heatmaps, fig, [inp.grid])
plt.close(fig)

# --- Spearman against k per (β, γ): mean over the row's tasks -------------------------------------
fig, axes = plt.subplots(1, len(row_names), figsize=(3.6 * len(row_names), 3.2), squeeze=False)
for ax, name in zip(axes[0], row_names, strict=True):
    part = task_cells[task_cells["row"] == name]
    mean = part.groupby(["beta", "gamma", "k"])["spearman"].mean().reset_index()
    for (beta, gamma), line in mean.groupby(["beta", "gamma"]):
        line = line.sort_values("k")
        ax.plot(line["k"], line["spearman"], "o-", ms=3, lw=1, label=f"β={beta:g}, γ={gamma:g}")
    ax.set_xscale("log")
    ks = sorted(part["k"].unique())
    ax.set_xticks(ks, [str(k) for k in ks])
    ax.minorticks_off()
    ax.set(xlabel="k", ylabel="mean Spearman × 100 over tasks", title=f"{name} ({part['task'].nunique()} tasks)")
axes[0][0].legend(fontsize=6)
fig.tight_layout()
job.figure(out.k_curves, fig, [inp.grid])
plt.close(fig)

# --- the a/b/c table in the article's layout -------------------------------------------------------
abc["name"] = abc["encoder"] + "-" + abc["pooling"]
lines = []
for (name, bg), part in abc.groupby(["name", "beta_gamma"], sort=False):
    by_task = {r["task"]: f"{r['a']:.2f}/{r['b']:.2f}/{r['c']:.2f}" for _, r in part.iterrows()}
    lines.append([name, f"{bg:g}", *(by_task.get(t, "") for t in tasks)])
fig, ax = plt.subplots(figsize=(2.0 + 1.45 * len(tasks), 0.5 + 0.28 * len(lines)))
ax.axis("off")
cell = ax.table(cellText=lines, colLabels=["model", "β=γ", *tasks], loc="center", cellLoc="center")
cell.auto_set_font_size(False)
cell.set_fontsize(6.5)
cell.scale(1.0, 1.3)
ax.set_title("a / b / c: no whitening / whitening at k = d / at k0 ≈ d/3 (Spearman × 100, task score)", fontsize=8)
job.figure(out.abc_table, fig, [inp.summary])
