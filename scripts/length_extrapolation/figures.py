"""Tables and figures of the length-extrapolation article, from its metrics files only."""

import numpy as np
import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import log_axis, panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
summary, ident = read_json(inp.summary), read_json(inp.identities)

rows = [
    {"mask": mask, "length_factor": float(f), **values}
    for mask, by_factor in summary["table"].items()
    for f, values in by_factor.items()
]
table = pd.DataFrame(rows)
job.table(out.table, table, [inp.summary])

# --- accuracy and loss beyond N, full against window; the training curve ---
fig, (left, mid, right) = panels(3, width=4.3)
for i, (mask, g) in enumerate(table.groupby("mask")):
    label = "full causal attention" if mask == "full" else "window of N (itself + N − 1)"
    left.plot(g["length_factor"], 100 * g["accuracy_beyond"], "o-", color=f"C{i}", label=label)
    mid.plot(g["length_factor"], g["loss_beyond"], "o-", color=f"C{i}", label=label)
for ax in (left, mid):
    log_axis(ax, table["length_factor"])
    ax.set_xlabel("test length L / training length N")
    ax.legend(fontsize=7)
left.set(ylabel="accuracy on positions > N (%; all at L = N)", title="Next-character accuracy")
mid.set(ylabel="loss on positions > N (nats/char)", title="Next-character loss")
steps = np.arange(1, len(summary["curve"]) + 1)
for seed, curve in zip(summary["seeds"], summary["curves"], strict=True):
    right.plot(steps, curve, lw=1, label=f"seed {seed}")
right.set(xlabel="evaluation (every eval_every steps)", ylabel="validation loss (nats/char)", title="Training at N")
right.legend(fontsize=7)
job.figure(out.extrapolation, fig, [inp.summary])

# --- attention entropy against length ---
fig, axes = panels(1, width=5)
ax = axes[0]
lengths = summary["entropy_lengths"]
ax.plot(lengths, summary["entropy_full"], "o-", label="full causal attention")
ax.plot(lengths, summary["entropy_window"], "o-", label="window of N")
log_axis(ax, lengths)
ax.set(
    xlabel="test length L / training length N",
    ylabel="mean attention entropy (nats)",
    title="Entropy over heads, layers, positions > N",
)
ax.legend(fontsize=7)
job.figure(out.entropy, fig, [inp.summary])

# --- identities: the sinusoidal kernel and its moving average ---
fig, (left, right) = panels(2, width=4.8)
f = np.array(ident["kernel"])
smooth = np.array(ident["kernel_moving_average"])
left.plot(np.arange(len(f)), f, lw=0.6, label="f(m − n) = p_m·p_n")
left.plot(np.arange(len(smooth)) + (len(f) - len(smooth)) / 2, smooth, lw=1.5, label="64-wide moving average")
left.set(xlabel="distance m − n (positions)", ylabel="p_m·p_n", title="Sinusoidal kernel, d = 128")
left.legend(fontsize=7)
names = {"sandwich_max_error": "(a) Sandwich", "kernel_max_error": "(b) p_m·p_n = f(m−n)", "xpos_max_error": "(c) XPOS"}
right.bar(list(names.values()), [max(ident[k], 1e-18) for k in names])
right.axhline(1e-10, color="k", ls="--", lw=1, label="rule 1e-10")
right.set(yscale="log", ylabel="max error (float64)", title="Identities of the related methods")
right.legend(fontsize=7)
job.figure(out.identities, fig, [inp.identities])
