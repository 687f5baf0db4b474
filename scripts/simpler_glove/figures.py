"""Tables and figures of simpler glove, from its metrics only."""

import math

import numpy as np
import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
m, nan = read_json(inp.properties), read_json(inp.nan)
seeds = m["seeds"]  # per model
labels = {"simpler": "simpler glove", "simpler_truncated": "simpler glove, truncated λ", "glove": "GloVe, same counts"}

# --- table: per model and seed ---
rows = []
for model, label in labels.items():
    for k, seed in enumerate(seeds[model]):
        rows.append(
            {
                "model": label,
                "seed": seed,
                "spearman_norm2_neglogp": m["norms"][model]["spearman"][k],
                "bottom50_stopword_share": m["norms"][model]["bottom_stopword_share"][k],
                "analogy_accuracy": m["analogy"]["accuracy"][model][k],
                "keyword_stopword_share": m["keywords"]["stopword_share"].get(model, [math.nan] * len(seeds[model]))[k],
                "top20_in_bottom50": m["truncation"]["frequent_in_bottom"].get(model, [math.nan] * len(seeds[model]))[
                    k
                ],
            }
        )
rows.append(
    {
        "model": "GloVe-6B-50d (pretrained; rank order)",
        "seed": None,
        "spearman_norm2_neglogp": m["pretrained"]["spearman"],
        "bottom50_stopword_share": m["pretrained"]["bottom_stopword_share"],
    }
)
job.table(out.table, pd.DataFrame(rows), [inp.properties])

# --- norm_importance, glove_opposite, truncation ---
fig, (left, mid, right) = panels(3)
x = np.arange(len(labels) + 1)
rho = [np.mean(m["norms"][k]["spearman"]) for k in labels] + [m["pretrained"]["spearman"]]
left.bar(x, rho, color=["C0", "C1", "C2", "C3"])
left.axhline(0.2, color="k", ls="--", lw=1, label="rule for simpler glove: > 0.2")
left.set_xticks(x, ["simpler", "simpler\ntruncated", "GloVe\nsame counts", "GloVe-6B\n(rank)"], fontsize=7)
left.set(ylabel="Spearman(‖v‖², −log P(w)), 5,000 words", title="Norm = importance?")
left.legend(fontsize=7)
share = [np.mean(m["norms"][k]["bottom_stopword_share"]) for k in labels] + [m["pretrained"]["bottom_stopword_share"]]
mid.bar(x, share, color=["C0", "C1", "C2", "C3"])
mid.axhline(0.6, color="k", ls="--", lw=1, label="rule: ≥ 0.6")
mid.set_xticks(x, ["simpler", "simpler\ntruncated", "GloVe\nsame counts", "GloVe-6B\n(rank)"], fontsize=7)
mid.set(ylabel="stopword share of the 50 smallest norms", title="Bottom-50 norms", ylim=(0, 1))
mid.legend(fontsize=7)
trunc = m["truncation"]["frequent_in_bottom"]
for i, (model, values) in enumerate(trunc.items()):
    right.plot(seeds[model], values, "o", color=f"C{i}", label=labels[model])
right.set(xlabel="seed", ylabel="of the 20 most frequent words", title="Frequent words among the bottom 50")
right.legend(fontsize=7)
job.figure(out.norms, fig, [inp.properties])

# --- analogy, keywords ---
fig, (left, right) = panels(2)
for i, (model, label) in enumerate(labels.items()):
    left.plot(seeds[model], [100 * a for a in m["analogy"]["accuracy"][model]], "o-", color=f"C{i}", label=label)
left.set(
    xlabel="seed",
    ylabel="3CosAdd accuracy (%)",
    title=f"Google analogies ({m['analogy']['covered']} of {m['analogy']['questions']} covered)",
)
left.legend(fontsize=7)
for i, model in enumerate(("simpler", "glove")):
    right.plot(seeds[model], m["keywords"]["stopword_share"][model], "o-", color=f"C{2 * i}", label=labels[model])
right.axhline(0.2, color="k", ls="--", lw=1, label="rule for simpler glove: < 0.2")
right.set(
    xlabel="seed",
    ylabel="stopword share of top-3 keywords",
    ylim=(0, 1),
    title=f"Keywords of {m['keywords']['sentences']} PTB test sentences",
)
right.legend(fontsize=7)
job.figure(out.analogy, fig, [inp.properties])

# --- adagrad_nan, similarity_identity ---
fig, axes = panels(2, width=5)
for run in nan["runs"]:
    curve = [c if c is not None and math.isfinite(c) else np.nan for c in run["curve"]]
    style = "-" if run["variant"] == "glove_c" else "--"
    color = "C3" if run["variant"] == "glove_c" else "C0"
    axes[0].plot(
        np.arange(len(curve)),
        curve,
        style,
        color=color,
        alpha=0.7,
        label=("Adagrad of glove.c" if run["variant"] == "glove_c" else "standard Adagrad")
        if run["seed"] == nan["runs"][0]["seed"]
        else None,
    )
axes[0].set(
    yscale="log",
    xlabel="checkpoint (every few thousand per-pair updates)",
    ylabel="mean weighted loss (log scale; gaps = NaN/inf)",
    title="Adagrad variants, per-pair updates",
)
axes[0].legend(fontsize=7)
identity = m["identity"]
axes[1].bar(["max |Pearson − cos(v_iU, v_jU)|"], [max(identity["max_abs_error"], 1e-18)], color="C0")
axes[1].axhline(1e-10, color="C3", ls="--", label="rule: < 1e-10")
axes[1].set(
    yscale="log",
    ylabel="absolute difference",
    ylim=(1e-18, 1e-6),
    title=f"Similarity identity ({identity['pairs']} pairs, N = {identity['references']})",
)
axes[1].legend(fontsize=7)
job.figure(out.checks, fig, [inp.nan, inp.properties])
