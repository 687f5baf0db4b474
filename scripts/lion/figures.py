"""Tables and figures of Lion vs AdamW, from the metrics files only."""

import numpy as np
import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import log_axis, panels, plt

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
tasks = dict(zip(snakemake.params.tasks, (read_json(p) for p in inp.tasks), strict=True))
task_inputs = dict(zip(snakemake.params.tasks, inp.tasks, strict=True))
exact, sweep, steps = read_json(inp.exact), read_json(inp.batch_sweep), read_json(inp.step_time)
COLORS = {"adamw": "C0", "lion": "C3"}

# --- C2.2, C2.3: Lion against SIGNUM step by step; Adam's update sizes -----------------------------
fig, axes = panels(2)
for (name, gaps), style in zip(exact["signum_gaps"].items(), ("o-", "s-"), strict=True):
    axes[0].plot(range(1, len(gaps) + 1), gaps, style, ms=2, label=name.replace("_", " "))
axes[0].set_yscale("symlog", linthresh=1e-12)
axes[0].set(xlabel="step t", ylabel="max |θ_Lion − θ_SIGNUM|", title="Lion vs SIGNUM (same weights, same batches)")
axes[0].legend(fontsize=7)
sizes = exact["adam_update_sizes"]
axes[1].plot(range(1, len(sizes) + 1), sizes, "o-", color=COLORS["adamw"])
axes[1].axhline(1.0, color="grey", lw=0.8, label="|sign(g)| = 1")
axes[1].set(xlabel="step t", ylabel="mean |u_t|, AdamW (ε → 0, λ = 0)", title="Adam's first step is sign(g₁)")
axes[1].legend(fontsize=7)
job.figure(out.exact, fig, [inp.exact])

# --- per task: grid tables, transfer tables -------------------------------------------------------
for (task, m), grid_table, transfer_table in zip(tasks.items(), out.grid_tables, out.transfer_tables, strict=True):
    job.table(grid_table, pd.DataFrame(m["grid"]), [task_inputs[task]])
    tuned = m["tuned_adamw"]
    rows = [
        {
            "arm": "AdamW (lr*, λ*)",
            "ratio": np.nan,
            "lr": tuned["lr"],
            "weight_decay": tuned["weight_decay"],
            "mean": tuned["mean"],
            "std": tuned["std"],
            "mean_relative_gap": 0.0,
            "diverged": 0,
        }
    ]
    rows += [
        {
            "arm": f"Lion r = {t['ratio']:g}",
            **{k: t[k] for k in ("ratio", "lr", "weight_decay", "mean", "std", "mean_relative_gap", "diverged")},
        }
        for t in m["transfer"].values()
    ]
    job.table(transfer_table, pd.DataFrame(rows), [task_inputs[task]])

# --- validation curves of the best settings -------------------------------------------------------
fig, axes = panels(len(tasks))
for ax, (task, m) in zip(axes, tasks.items(), strict=True):
    for label, history in m["curves"].items():
        h = pd.DataFrame(history)
        style = (
            dict(color=COLORS["adamw"])
            if label.startswith("AdamW")
            else dict(color=COLORS["lion"], linestyle="-" if "r = 1" not in label else ":")
        )
        ax.plot(h["examples"], h["val_loss"], "o-", ms=3, label=label, **style)
    ax.set(xlabel="training examples", ylabel=f"validation loss ({m['unit']})", title=f"{task} (seed 0)")
    ax.legend(fontsize=7)
job.figure(out.curves, fig, inp.tasks)

# --- lr × λ heatmaps, AdamW and Lion side by side per task -----------------------------------------
fig, axes = plt.subplots(len(tasks), 2, figsize=(9, 3.6 * len(tasks)), squeeze=False, layout="constrained")
for row, (task, m) in zip(axes, tasks.items(), strict=True):
    grid = pd.DataFrame(m["grid"])
    finite = grid.loc[~grid["diverged"], "final_val_loss"]
    vmin, vmax = finite.min(), finite.quantile(0.9) if len(finite) else (0, 1)
    for ax, optimizer in zip(row, ("adamw", "lion"), strict=True):
        if not (grid["optimizer"] == optimizer).any():  # Lion's own grid runs on the full tier only
            ax.text(0.5, 0.5, f"no {optimizer} grid on this tier", ha="center", va="center", transform=ax.transAxes)
            ax.set(title=f"{task}: {optimizer}", xticks=[], yticks=[])
            continue
        cells = grid[grid["optimizer"] == optimizer].pivot(index="weight_decay", columns="lr", values="final_val_loss")
        image = ax.imshow(cells.to_numpy(), cmap="viridis_r", vmin=vmin, vmax=vmax, aspect="auto", origin="lower")
        for (i, j), value in np.ndenumerate(cells.to_numpy()):
            ax.text(
                j,
                i,
                "×" if not np.isfinite(value) else f"{value:.3f}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if np.isfinite(value) and value < (vmin + vmax) / 2 else "black",
            )
        ax.set_xticks(range(cells.shape[1]), [f"{v:g}" for v in cells.columns])
        ax.set_yticks(range(cells.shape[0]), [f"{v:g}" for v in cells.index])
        ax.grid(False)
        ax.set(xlabel="peak learning rate", ylabel="weight decay λ", title=f"{task}: {optimizer}")
    fig.colorbar(image, ax=list(row), label=f"final validation loss ({m['unit']})")
job.figure(out.heatmaps, fig, inp.tasks)

# --- C2.4: Lion at (lr*/r, λ*·r) against tuned AdamW ----------------------------------------------
fig, axes = panels(len(tasks))
for ax, (task, m) in zip(axes, tasks.items(), strict=True):
    tuned, brief = m["tuned_adamw"], m["brief_rule"]
    ratios = [t["ratio"] for t in m["transfer"].values()]
    ax.axhline(tuned["mean"], color=COLORS["adamw"], label="AdamW (lr*, λ*), mean")
    ax.axhspan(
        tuned["mean"] - brief["tol"],
        tuned["mean"] + brief["tol"],
        color=COLORS["adamw"],
        alpha=0.15,
        label="± tol (brief)",
    )
    for t in m["transfer"].values():
        ax.plot([t["ratio"]] * len(t["values"]), t["values"], "o", color=COLORS["lion"], alpha=0.4, ms=4)
    ax.plot(
        ratios,
        [t["mean"] for t in m["transfer"].values()],
        "s-",
        color=COLORS["lion"],
        label="Lion at (lr*/r, λ*·r), mean and seeds",
    )
    log_axis(ax, ratios)
    ax.set(xlabel="r", ylabel=f"final validation loss ({m['unit']})", title=task)
    ax.legend(fontsize=7)
job.figure(out.transfer, fig, inp.tasks)

# --- C2.5: gap against batch size, mean and seeds -----------------------------------------------
table = pd.DataFrame(sweep["rows"])
per_seed = pd.DataFrame(table.pop("delta_per_seed").tolist(), columns=[f"delta_seed{s}" for s in sweep["seeds"]])
job.table(out.batch_sweep_table, pd.concat([table, per_seed], axis=1), [inp.batch_sweep])
fig, axes = panels(2)
for optimizer in ("adamw", "lion"):
    axes[0].errorbar(
        table["batch_size"],
        table[f"{optimizer}_loss"],
        yerr=table[f"{optimizer}_loss_std"],
        fmt="o-",
        capsize=3,
        color=COLORS[optimizer],
        label=f"{optimizer} (mean ± sd over {len(sweep['seeds'])} seeds)",
    )
axes[0].set(
    xlabel="batch size",
    ylabel=f"final validation loss at the best lr ({sweep['unit']})",
    title=f"{sweep['task']}, fixed budget of examples",
)
for column in per_seed:
    axes[1].plot(table["batch_size"], per_seed[column], ".", color="grey", alpha=0.6)
axes[1].plot(table["batch_size"], table["delta"], "o-", color="k", label="mean Δ; dots: seeds")
axes[1].axhline(0, color="grey", lw=0.8)
axes[1].axvline(sweep["small_batch_below"], color="C2", ls=":", label=f"B = {sweep['small_batch_below']} (C2.5b)")
axes[1].set(
    xlabel="batch size",
    ylabel=f"Δ = AdamW − Lion ({sweep['unit']}; > 0: Lion better)",
    title=f"Spearman ρ(B, mean Δ) = {sweep['spearman_batch_delta']:.2f}",
)
for ax in axes:
    log_axis(ax, table["batch_size"])
    ax.legend(fontsize=7)
job.figure(out.batch_gap, fig, [inp.batch_sweep])

# --- C2.6, C2.6b, C2.6c: step time against the bandwidth floor, state memory, whole steps ---------------------
rows = [dict(zip(["optimizer", "mode", "allocator"], k.split(), strict=True)) | v for k, v in steps["rows"].items()]
table = pd.DataFrame(rows)
job.table(out.step_time_table, table, [inp.step_time])
ok = table[table["step_ms"].notna()] if "step_ms" in table else table.iloc[0:0]
settings = list(dict.fromkeys(zip(ok["mode"], ok["allocator"], strict=True)))
fig, axes = panels(4, width=4.4)
x = np.arange(len(settings))
for offset, name in ((-0.2, "Lion"), (0.2, "AdamW")):
    mine = ok[ok["optimizer"] == name].set_index(["mode", "allocator"]).reindex(settings)
    color = COLORS[name.lower()]
    axes[0].bar(x + offset, mine["step_ms"], 0.4, color=color, label=f"{name} step()")
    axes[0].scatter(x + offset, mine["floor_ms"], marker="_", s=300, color="k", zorder=3)
    axes[1].bar(x + offset, mine["floor_ratio"], 0.4, color=color, label=name)
axes[0].scatter(
    [],
    [],
    marker="_",
    s=300,
    color="k",
    label=f"floor ({steps['passes']['Lion']} or {steps['passes']['AdamW']} passes)",
)
axes[1].axhline(1.0, color="k", lw=0.8)
axes[1].axhline(1.3, color="k", ls="--", lw=0.8, label="1.3× floor (C2.6b's bound)")
for ax in axes[:2]:
    ax.set_xticks(x, [f"{mode}\n{allocator}" for mode, allocator in settings])
axes[0].set(
    ylabel="median optimizer.step() time (ms)",
    title=f"{steps['parameters'] / 1e6:.1f} M parameters, {steps['threads']} threads",
)
axes[1].set(
    ylabel="step time / bandwidth floor",
    title=f"against the floor (copy: {steps['copy_gbs_median']:.0f} GB/s)",
)
lion_state = ok[ok["optimizer"] == "Lion"]["state_mib"].iloc[0]
adamw_state = ok[ok["optimizer"] == "AdamW"]["state_mib"].iloc[0]
axes[2].bar(["Lion", "AdamW"], [lion_state, adamw_state], color=[COLORS["lion"], COLORS["adamw"]])
axes[2].set(ylabel="optimizer state (MiB)", title=f"state bytes Lion / AdamW = {steps['state_bytes_ratio']:.2f}")
if "whole_step_ratio_fused" in steps:  # C2.6c: one point per alternating pair of whole steps
    gaps = 100 * np.asarray(steps["whole_step_gaps_fused"])
    axes[3].plot(range(1, len(gaps) + 1), gaps, "o", color=COLORS["lion"], label="(t_Lion − t_AdamW) / t_AdamW")
    axes[3].axhline(gaps.mean(), color=COLORS["lion"], ls="--", lw=0.8, label=f"mean {gaps.mean():+.1f} %")
    axes[3].legend(fontsize=8)
axes[3].axhline(0.0, color="k", lw=0.8)
axes[3].set(
    xlabel="whole-step pair (forward + backward + step)",
    ylabel="Lion vs AdamW, fused (%)",
    title="whole training step (informational)",
)
axes[0].legend(fontsize=8)
axes[1].legend(fontsize=8)
job.figure(out.step_time, fig, [inp.step_time])
