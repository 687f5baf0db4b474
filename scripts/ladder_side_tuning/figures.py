"""Tables and figures of Ladder Side-Tuning, from its metrics files only."""

import numpy as np
import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
acc, speed = read_json(inp.accuracy), read_json(inp.speed)
label = " (stand-in backbone)" if acc["stand_in"] else " (CPU proxy)"

# --- easy_close_hard_drop: accuracy per method, task and seed ---
rows = [
    {"method": m, "task": t, "seed": seed, "accuracy": a}
    for m, tasks in acc["accuracy"].items()
    for t, values in tasks.items()
    for seed, a in zip(acc["seeds"], values, strict=True)
]
rows += [
    {"method": "gap full − lst (points)", "task": t, "seed": seed, "accuracy": d}
    for t in ("easy", "hard")
    for seed, d in zip(acc["seeds"], acc[f"delta_{t}"], strict=True)
]
job.table(out.accuracy_table, pd.DataFrame(rows), [inp.accuracy])
fig, (left, right) = panels(2)
methods = list(acc["accuracy"])
width = 0.8 / len(methods)
for i, m in enumerate(methods):
    for j, t in enumerate(("easy", "hard")):
        values = np.asarray(acc["accuracy"][m][t]) * 100
        x = j + (i - (len(methods) - 1) / 2) * width
        left.bar(x, values.mean(), width, color=f"C{i}", label=m if j == 0 else None)
        left.plot([x] * len(values), values, "k.", ms=4)
left.set_xticks([0, 1], ["easy: shuffled?", "hard: pointer"])
left.set(ylabel="test accuracy (%)", title="Accuracy per task" + label, ylim=(0, 100))
left.legend(fontsize=7)
for j, t in enumerate(("easy", "hard")):
    d = np.asarray(acc[f"delta_{t}"])
    right.bar(j, d.mean(), 0.6, color=f"C{j + 2}", label=f"Δ {t}, mean of {len(d)} seeds")
    right.plot([j] * len(d), d, "k.", ms=5)
right.axhspan(1, 2, color="C0", alpha=0.15, label="article: easy CLUE gaps ≈ 1–2")
right.axhspan(10, 17, color="C1", alpha=0.15, label="article: hard CLUE gaps ≈ 10–17")
right.axhline(0, color="k", lw=0.8)
right.set_xticks([0, 1], ["easy", "hard"])
right.set(ylabel="Δ = full − LST (accuracy points)", title=f"Gap; Δ_hard − Δ_easy = {acc['contrast_mean']:.1f}")
right.legend(fontsize=6)
job.figure(out.accuracy, fig, [inp.accuracy])

# --- speed, backprop_depth: step time and peak memory per method ---
methods = list(speed["median_s"])
table = pd.DataFrame(
    {
        "method": methods,
        "median_step_s": [speed["median_s"][m] for m in methods],
        "ratio_to_full": [speed["ratio"][m] for m in methods],
        "peak_rss_mb": [speed["peak_rss_mb"][m] for m in methods],
        "rss_before_steps_mb": [speed["rss_before_steps_mb"][m] for m in methods],
        "trainable_parameters": [speed["trainable_parameters"][m] for m in methods],
        "backbone_gradients": [speed["backbone_gradients"][m] for m in methods],
    }
)
job.table(out.speed_table, table, [inp.speed])
fig, (left, right) = panels(2)
colors = [f"C{i}" for i in range(len(methods))]
left.bar(methods, table["ratio_to_full"], color=colors)
for i, m in enumerate(methods):
    times = np.asarray(speed["times_s"][m]) / speed["median_s"]["full"]
    left.plot([i] * len(times), times, "k.", ms=2, alpha=0.5)
left.axhline(0.6, color="k", ls="--", lw=1, label="speed: LST ≤ 0.6")
left.axhline(0.55, color="C3", ls=":", lw=1, label="backprop_depth: Adapter, Prompt ≥ 0.55")
left.set(ylabel="time per step / full fine-tuning's (median)", title="Time per training step" + label)
left.legend(fontsize=7)
right.bar(methods, table["peak_rss_mb"], color=colors, label="peak RSS")
right.bar(methods, table["rss_before_steps_mb"], color="none", edgecolor="k", hatch="//", label="RSS before the steps")
right.set(ylabel="resident memory (MB)", title="Peak memory, one process per method")
right.legend(fontsize=7)
job.figure(out.speed, fig, [inp.speed])
