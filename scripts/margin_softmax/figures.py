"""Tables and figures of the margin-softmax article, from its metrics files only."""

import numpy as np
import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
metric, training = read_json(inp.metric), read_json(inp.training)

# --- metric numerics ---
cosine, sufficient = metric["cosine"], metric["sufficient"]
euclid = sufficient["euclidean"]
rows = [
    {
        "check": "triangle inequality",
        "distance": name,
        "cases": cosine["triples"],
        "violations": cosine[f"{key}_violations"],
    }
    for name, key in [("1 − cos", "one_minus_cos"), ("sqrt(1 − cos)", "sqrt")]
]
for name, block in sufficient.items():
    rows += [
        {
            "check": f"sufficient condition: {what}",
            "distance": name,
            "cases": block["configurations"],
            "violations": block[key],
        }
        for what, key in [
            ("premise holds", "premise"),
            ("premise without retrieval", "premise_without_retrieval"),
            ("classification without retrieval", "classification_without_retrieval"),
        ]
    ]
job.table(out.metric_table, pd.DataFrame(rows), [inp.metric])

fig, axes = panels(2, width=5.0)
hist = cosine["excess_histogram"]
edges = np.array(hist["edges"])
for key, label, colour in [("one_minus_cos", "1 − cos", "C3"), ("sqrt", "sqrt(1 − cos)", "C0")]:
    axes[0].stairs(hist[key], edges, color=colour, label=f"{label}: {cosine[f'{key}_violation_rate']:.2%} violate")
axes[0].axvline(0, color="k", lw=0.8)
axes[0].set_yscale("log")
axes[0].set(
    xlabel="d(x, z) − d(x, y) − d(y, z)  (> 0: triangle inequality fails)",
    ylabel="triples",
    title=f"{cosine['triples']:,} Gaussian triples in R^{cosine['dim']}",
)
axes[0].legend(fontsize=7)
labels = ["premise", "premise,\nretrieval wrong", "classification right,\nretrieval wrong"]
keys = ["premise", "premise_without_retrieval", "classification_without_retrieval"]
width = 0.38
for i, (name, colour) in enumerate([("euclidean", "C0"), ("one_minus_cos", "C3")]):
    values = [sufficient[name][k] for k in keys]
    bars = axes[1].bar(
        np.arange(3) + (i - 0.5) * width,
        np.maximum(values, 0.8),
        width,
        color=colour,
        label="Euclidean (a metric)" if name == "euclidean" else "1 − cos (not a metric)",
    )
    axes[1].bar_label(bars, labels=[f"{v:,}" for v in values], fontsize=7)
axes[1].set_yscale("log")
axes[1].set_xticks(range(3), labels, fontsize=8)
axes[1].set(
    ylabel="configurations",
    title=f"Sufficient condition, {euclid['configurations']:,} configurations in R^{euclid['dim']}",
)
axes[1].legend(fontsize=7)
job.figure(out.metric, fig, [inp.metric])

# --- training and retrieval ---
cells = pd.DataFrame(training["cells"])
job.table(out.retrieval_table, cells, [inp.training])
iterations = pd.DataFrame(training["adaptive"]["iterations"]).drop(columns=["margin_per_seed"])
job.table(out.adaptive_table, iterations, [inp.training])

fig, axes = panels(4, width=4.2)
for split, marker in [("open", "o-"), ("closed", "s--")]:
    name = "open set (unseen classes)" if split == "open" else "closed set (training classes)"
    axes[0].errorbar(cells["margin"], cells[f"{split}_map"], yerr=cells[f"{split}_map_sd"], fmt=marker, label=name)
    axes[1].errorbar(
        cells["margin"], cells[f"{split}_recall_at_1"], yerr=cells[f"{split}_recall_at_1_sd"], fmt=marker, label=name
    )
axes[2].errorbar(
    cells["margin"],
    cells["closed_accuracy"],
    yerr=cells["closed_accuracy_sd"],
    fmt="o-",
    color="C2",
    label="closed-set test accuracy",
)
axes[3].plot(iterations["iteration"], iterations["open_map"], "o-", label="open-set mAP")
axes[3].plot(iterations["iteration"], iterations["closed_map"], "s--", label="closed-set mAP")
for _, row in iterations.iterrows():
    axes[3].annotate(
        f"m = {row['margin']:.2f}",
        (row["iteration"], row["open_map"]),
        fontsize=7,
        textcoords="offset points",
        xytext=(0, 6),
        ha="center",
    )
axes[3].set_xticks(iterations["iteration"])
axes[3].margins(y=0.2)  # room for the annotations
for ax, (title, ylabel) in zip(
    axes,
    [
        ("retrieval mAP (mean ± sd over seeds)", "mAP"),
        ("retrieval R@1 (mean ± sd over seeds)", "R@1"),
        ("closed-set classification (mean ± sd)", "test accuracy"),
        ("adaptive margin (iteration 0: m = 0)", "mAP (mean over seeds)"),
    ],
    strict=True,
):
    ax.set(title=title, ylabel=ylabel, xlabel="additive margin m (cosine)" if ax is not axes[3] else "iteration")
    ax.legend(fontsize=7)
job.figure(out.retrieval, fig, [inp.training])
