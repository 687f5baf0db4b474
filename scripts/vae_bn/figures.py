"""Tables and figures of VAE + BN: the KL and its floor over training, and the held-out metrics per arm."""

from pathlib import Path

import numpy as np
import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import plt

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
tasks = dict(zip(snakemake.params.tasks, inp.tasks, strict=True))
TITLES = {"ptb": "PTB text VAE", "mnist": "MNIST image VAE"}

# --- the step benchmark as a table ------------------------------------------------------------------
bench = read_json(inp.step_benchmark)
job.table(
    out.step_table,
    pd.DataFrame(
        [
            {
                "loop": name,
                "step_s": bench[f"{name}_step_s"],
                "epoch_s": bench[f"{name}_epoch_s"],
                "padded_tokens_ratio": bench[f"{name}_padded_tokens_ratio"],
            }
            for name in ("plain", "ours")
        ]
    ).assign(epoch_ratio=[np.nan, bench["epoch_ratio"]]),
    [inp.step_benchmark],
)


def seed0_steps(task: str) -> dict:
    """arm → (steps.csv of its seed-0 run, nominal floor), in config order."""
    found = {}
    for path in inp.runs:
        m = read_json(path)
        if m["task"] == task and m["seed"] == 0:
            found[m["arm"]] = (pd.read_csv(Path(path).parent / "steps.csv"), m["nominal_floor"])
    return found


# --- C3.1: the batch KL, its exact floor and its nominal floor at every step, seed 0 ----------------------
fig, axes = plt.subplots(1, len(tasks), figsize=(6 * len(tasks), 4), squeeze=False)
for ax, task in zip(axes[0], tasks, strict=True):
    for i, (arm, (steps, nominal)) in enumerate(seed0_steps(task).items()):
        color = f"C{i}"
        smooth = steps["kl"].rolling(20, min_periods=1).mean()
        ax.plot(steps["step"], smooth, color=color, lw=1.2, label=f"{arm}: KL")
        if nominal > 0:
            ax.plot(steps["step"], steps["floor"], color=color, lw=0.8, ls=":")
            ax.axhline(nominal, color=color, lw=0.6, ls="--")
    ax.set_yscale("symlog", linthresh=0.1)
    ax.set_ylim(bottom=0)
    ax.set(
        xlabel="training step",
        ylabel="batch KL, nats per example",
        title=f"{TITLES.get(task, task)}: KL (20-step mean), exact floor (dotted), nominal (dashed)",
    )
    ax.title.set_fontsize(8)
    ax.legend(fontsize=6, ncol=2)
job.figure(out.kl_bound, fig, list(inp.tasks))

# --- C3.1, C3.3, C3.4: held-out KL against the floor, MI, AU, IW-NLL and the ELBO − IW gap per arm ---
columns = [
    ("kl", "test KL (nats)"),
    ("mi", "MI (nats)"),
    ("active_units", "active units"),
    ("nll", "IW-NLL (nats)"),
    ("elbo_iw_gap", "−ELBO − IW-NLL (nats)"),  # how loose the IW estimate is, beside the NLL (C3.3)
]
fig, axes = plt.subplots(len(tasks), len(columns), figsize=(3.4 * len(columns), 3.2 * len(tasks)), squeeze=False)
for row, (task, path) in zip(axes, tasks.items(), strict=True):
    arms = pd.DataFrame(read_json(path)["arms"])
    x = np.arange(len(arms))
    for ax, (col, label) in zip(row, columns, strict=True):
        ax.bar(x, arms[f"{col}_mean"], yerr=arms[f"{col}_std"].fillna(0), color="C0", alpha=0.8, capsize=2)
        if col == "kl":
            ax.scatter(x, arms["nominal_floor_mean"], marker="_", s=300, color="C3", label="nominal floor", zorder=3)
            ax.legend(fontsize=6)
        if col == "nll":
            low, high = arms["nll_mean"].min(), arms["nll_mean"].max()
            ax.set_ylim(low - 0.1 * (high - low + 1), high + 0.1 * (high - low + 1))
        ax.set_xticks(x, arms["arm"], rotation=45, fontsize=7)
        ax.set_title(f"{TITLES.get(task, task)}: {label}", fontsize=8)
fig.tight_layout()
job.figure(out.arms, fig, list(inp.tasks))
