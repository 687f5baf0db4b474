"""Tables and figures of new-word discovery, from its metrics only."""

import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
m = read_json(inp.segmentation)
rows = pd.DataFrame(m["lexicons"] + m["baselines"])
job.table(out.table, rows, [inp.segmentation])

# --- pku_f1, beats_snlm, beats_baselines: P/R/F1 per method ---
fig, axes = panels(1, width=9, height=4.2)
ax = axes[0]
labels = [
    r["method"].replace(", its own dictionary", "").replace(" (supervised reference)", " (supervised)")
    for _, r in rows.iterrows()
]
y = range(len(rows))
for k, (key, offset) in enumerate([("recall", -0.27), ("precision", 0.0), ("f1", 0.27)]):
    ax.barh([i + offset for i in y], rows[key], height=0.27, color=f"C{k}", label=key)
ax.axvline(0.742, color="k", ls="--", lw=1, label="article F1 0.742 (THUCNews → PKU)")
ax.axvline(0.731, color="0.5", ls=":", lw=1, label="SNLM F1 0.731 (as quoted)")
ax.set_yticks(list(y), labels, fontsize=7)
ax.invert_yaxis()
ax.set(
    xlabel="score on the held-out 10% (word spans)",
    xlim=(0, 1),
    title="Segmentation of People's Daily 1998-01 (proxy for PKU)",
)
ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
job.figure(out.segmentation, fig, [inp.segmentation])

# --- more_data, speed ---
lex = pd.DataFrame(m["lexicons"])
fig, (left, right) = panels(2)
more = m["more_data"]
left.plot([100 * f for f in more["fractions"]], more["f1"], "o-", label="F1, min_count pre-registered")
left.set(xlabel="discovery text used (% of the 90% split)", ylabel="F1 on the held-out 10%", title="More data (proxy)")
left.legend(fontsize=7)
for i, (mc, g) in enumerate(lex.groupby("min_count")):
    right.plot(g["characters"] / 1e6, g["seconds"], "o", color=f"C{i}", label=f"min_count {mc}")
right.set(
    xlabel="discovery text (million characters)",
    ylabel="discovery wall time (s)",
    title="Cost of discovery (other processes shared the machine)",
)
right.legend(fontsize=7)
job.figure(out.more_data, fig, [inp.segmentation])
