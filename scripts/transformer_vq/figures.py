"""Tables and figures of Transformer-VQ, from its metrics files only."""

import numpy as np
import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import log_axis, panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
identities, timing = read_json(inp.identities), read_json(inp.timing)

# --- the exact identities (and the too-wide window that breaks them) ---
per_seed = pd.DataFrame(identities["per_seed"])
job.table(out.identities_table, per_seed, [inp.identities])
labels = {
    "encoder": "encoder\nexp(QCᵀ)(ΔᵀV)",
    "recurrence": "causal\nrecurrence",
    "blockwise": "causal\nblockwise",
    "window": "window bias\n(reach l)",
    "too_wide": "window bias\n(reach l + 1)",
}
fig, axes = panels(1, width=6.4)
ax = axes[0]
for i, row in per_seed.iterrows():
    ax.scatter(range(len(labels)), [row[k] for k in labels], color=f"C{i}", label=f"seed {row['seed']}", zorder=3)
ax.axhline(1e-10, color="k", ls="--", lw=1, label="rule: exact below 1e-10")
ax.set_xticks(range(len(labels)), list(labels.values()), fontsize=7)
ax.set(yscale="log", ylabel="max |linear form − quadratic attention|", title="VQ-key attention: linear forms vs O(n²)")
ax.legend(fontsize=7)
job.figure(out.identities, fig, [inp.identities])

# --- the stop-gradient approximation ---
grads = pd.DataFrame(identities["stopgrad"]["per_seed"])
fig, (left, right) = panels(2)
x = np.arange(len(grads))
left.bar(x - 0.2, grads["stopgrad_vs_restricted"], 0.4, label="vs exact, own + next block only")
left.bar(x + 0.2, grads["stopgrad_vs_full"], 0.4, label="vs exact, all queries")
left.axhline(1e-10, color="k", ls="--", lw=1, label="rule 1e-10")
left.set_xticks(x, [f"seed {s}" for s in grads["seed"]])
left.set(yscale="log", ylabel="max |∂L/∂K difference|", title="Stop-gradient key gradient")
left.legend(fontsize=7)
right.bar(x, grads["neglected_relative_norm"], color="C3")
right.set_xticks(x, [f"seed {s}" for s in grads["seed"]])
right.set(ylabel="‖neglected‖ / ‖exact gradient‖", title="Part from queries ≥ 2 blocks later")
job.figure(out.stopgrad, fig, [inp.identities])

# --- timing ---
rows = pd.DataFrame(timing["rows"])
job.table(out.timing_table, rows, [inp.timing])
fig, axes = panels(1, width=5.5)
ax = axes[0]
if len(rows):
    for i, (form, name) in enumerate(
        [
            ("quadratic", "quadratic, causal"),
            ("vq", "VQ blockwise"),
            ("vq_without_assignment", "VQ, assignment excluded"),
        ]
    ):
        ax.plot(rows["n"], rows[f"{form}_s"], "o-", color=f"C{i}", label=f"{name}: slope {timing['slope'][form]:.2f}")
    reference = rows["vq_s"].iloc[0] * rows["n"] / rows["n"].iloc[0]
    ax.plot(rows["n"], reference, "k:", lw=1, label="slope 1 (linear)")
    log_axis(ax, rows["n"])
    ax.set_yscale("log")
    ax.legend(fontsize=7)
else:
    ax.text(0.5, 0.5, "timing off on this tier", ha="center", transform=ax.transAxes)
ax.set(xlabel="sequence length n (tokens)", ylabel="wall time (s, median)", title="Attention time against length")
job.figure(out.timing, fig, [inp.timing])
