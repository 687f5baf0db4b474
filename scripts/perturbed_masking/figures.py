"""Tables and figures of Perturbed Masking, from its metrics file only."""

import numpy as np
import pandas as pd

from kexue import perturbed_masking as pm
from kexue.jobs import Job, read_json
from kexue.plotting import panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
m = read_json(inp.metrics)
label = f" ({m['model_short']})"  # the proxy or stand-in named in every title

scores = pd.DataFrame([{"method": k, **v} for k, v in m["test"].items()])
job.table(out.scores, scores, [inp.metrics])
demos = pd.DataFrame(m["demos"]["rows"])
job.table(out.demos_table, demos.drop(columns=["tree"]), [inp.metrics])
job.table(out.trees, demos[["text", "tree"]], [inp.metrics])

# --- segmentation: dev curves, test scores ---
fig, (a, b, c) = panels(3)
grid = pd.DataFrame(m["impact_grid"])
a.plot(grid["quantile"], grid["f1"], "o-", label="impact, dev F1")
a.axvline(m["impact_choice"]["best"], color="k", ls="--", lw=1, label="chosen on dev")
a.set(
    xlabel="fraction of gaps split (quantile of dev d)",
    ylabel="word F1 (span matching)",
    title="Impact threshold" + label,
)
a.legend(fontsize=7)
grid = pd.DataFrame(m["pmi_grid"])
b.plot(grid["threshold"], grid["f1"], "o-", color="C1", label="bigram PMI, dev F1")
b.axvline(m["pmi_choice"]["best"], color="k", ls="--", lw=1, label="chosen on dev")
b.set(xlabel="PMI threshold (nats)", ylabel="word F1 (span matching)", title="PMI baseline threshold")
b.legend(fontsize=7)
x = np.arange(len(scores))
for i, metric in enumerate(("precision", "recall", "f1")):
    c.bar(x + (i - 1) * 0.27, scores[metric], 0.27, label=metric, color=f"C{i}")
c.set_xticks(x, scores["method"], rotation=20, fontsize=7)
c.set(ylabel="test score", ylim=(0, 1), title="Held-out People's Daily" + label)
c.legend(fontsize=7)
job.figure(out.segmentation, fig, [inp.metrics])

# --- demos: d per gap of the first demo, the impact matrix. No CJK font ships offline, so the axes count
# characters and gaps; the sentence and its segmentations are in tables/demos.csv and the report page ---
first = m["demos"]["rows"][0]
impact = read_json(inp.impact)["demos"][0]
text, d = first["text"], np.array(impact["d"])
gaps = np.arange(1, len(text))  # gap k lies between characters k and k + 1 (1-based)
fig, (a, b) = panels(2, width=5.5)
a.plot(gaps, d, "o-", label="d = (f(i,i+1) + f(i+1,i))/2")
article_splits = [k for k, split in zip(gaps, pm.boundaries(first["article"].split("/")), strict=True) if split]
for k in article_splits:
    a.axvline(k, color="k", lw=0.6, alpha=0.4)
a.plot([], [], color="k", lw=0.6, alpha=0.4, label="article's splits (Google BERT, threshold 8)")
a.axhline(m["test"]["impact"]["threshold"], color="C1", ls="--", label="dev-tuned threshold")
if "at_article_threshold" in first:
    a.axhline(first["article_threshold"], color="C3", ls=":", label="article's threshold")
a.set(
    xlabel="character gap k (between characters k and k+1)",
    ylabel="impact d (last-layer L2 distance)",
    title=f"Demo 1: adjacent impact{label}",
)
a.legend(fontsize=7)
im = b.imshow(np.array(impact["f"]), cmap="viridis")
b.set(
    xlabel="masked token j (character index)", ylabel="token i (character index)", title=f"f(x_i, x_j), demo 1{label}"
)
fig.colorbar(im, ax=b, label="L2 distance")
job.figure(out.demos, fig, [inp.metrics, inp.impact])
