"""Tables and figures of PET, from its metrics files only; the article's test accuracies (claims.yaml parameters)
are drawn beside ours where the row is one of the article's models (never beside the proxy's)."""

import numpy as np
import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import panels

job = Job(snakemake)
inp, out, p = snakemake.input, snakemake.output, snakemake.params
zero_shot = [read_json(path) for path in inp.zero_shot]
regimes = {k: read_json(inp[k]) for k in ("continued_mlm", "few_shot", "semi_supervised") if k in inp.keys()}
upstream = list(inp.zero_shot) + [inp[k] for k in regimes]


def label(metrics: dict, regime: str = "zero-shot") -> str:
    """A row's name: the regime and the model, the proxy and stand-ins called so."""
    kind = " (random stand-in)" if metrics["stand_in"] else ""
    if metrics["proxy"] and metrics["model"] != "proxy":
        kind = " (proxy)"
    return f"{regime} {metrics['model']}{kind}"


def article_value(table: dict, metrics: dict, key: str):
    """The article's number for this row and key, or NaN for the proxy and for rows the article lacks."""
    return np.nan if metrics["proxy"] else table.get(key, np.nan)


# --- zero-shot (and zero-shot after continued MLM): pet.zero_shot, prefix_beats_suffix, large_beats_base,
#     continued_mlm, proxy_mechanism, proxy_prefix_beats_suffix
rows = [
    {
        "row": label(m),
        "model": m["model"],
        "pattern": k,
        "accuracy": a,
        "p_value": m["p_value"][k],
        "article": article_value(p.zero_shot, m, f"{m['model']}_{k}"),
    }
    for m in zero_shot
    for k, a in m["accuracy"].items()
]
if "continued_mlm" in regimes:
    c = regimes["continued_mlm"]
    rows += [
        {
            "row": label(c, "continued MLM"),
            "model": c["model"],
            "pattern": k,
            "accuracy": a,
            "p_value": np.nan,
            "article": article_value(p.continued_mlm, c, k),
        }
        for k, a in c["accuracy"].items()
    ]
table = pd.DataFrame(rows)
job.table(out.zero_shot_table, table, upstream)

patterns = list(dict.fromkeys(table["pattern"]))
groups = list(dict.fromkeys(table["row"]))
width = 0.8 / len(groups)
fig, axes = panels(1, width=max(6.0, 1.3 * len(patterns) + 0.4 * len(groups)), height=4.0)
ax = axes[0]
x = np.arange(len(patterns))
for i, (name, g) in enumerate(table.groupby("row", sort=False)):
    g = g.set_index("pattern").reindex(patterns)
    at = x - 0.4 + width * (i + 0.5)
    ax.bar(at, g["accuracy"], width, color=f"C{i}", label=f"{name}, ours")
    if g["article"].notna().any():
        ax.plot(at, g["article"], "k_", ms=12, mew=2)
ax.plot([], [], "k_", ms=12, mew=2, label="the article's test accuracy (its model)")
ax.axhline(50, color="grey", ls=":", lw=1, label="chance (balanced)")
ax.set(
    xticks=x,
    xticklabels=patterns,
    ylim=(0, 100),
    xlabel="pattern (P2 is the only suffix pattern)",
    ylabel="test accuracy (%)",
    title="PET zero-shot: sentiment as a cloze (verbaliser hen/bu)",
)
ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0))
job.figure(out.zero_shot, fig, upstream)

# --- few-shot and semi-supervised: pet.few_shot, semi_supervised, proxy_few_shot
few = regimes["few_shot"]
rows = [
    {
        "regime": "few-shot PET",
        "pattern": k,
        "seed": r["seed"],
        "accuracy": a,
        "article": article_value(p.few_shot, few, k),
    }
    for r in few["runs"]
    for k, a in r["accuracy"].items()
]
rows += [
    {
        "regime": "[CLS] fine-tuning",
        "pattern": "",
        "seed": r["seed"],
        "accuracy": r["accuracy"],
        "article": article_value(p.few_shot, few, "classifier"),
    }
    for r in few["classifier_runs"]
]
if "semi_supervised" in regimes:
    semi = regimes["semi_supervised"]
    rows += [
        {
            "regime": "semi-supervised PET",
            "pattern": k,
            "seed": r["seed"],
            "accuracy": a,
            "article": article_value(p.semi_supervised, semi, k),
        }
        for r in semi["runs"]
        for k, a in r["accuracy"].items()
    ]
table = pd.DataFrame(rows)
job.table(out.few_shot_table, table, upstream)

zero = next((m for m in zero_shot if m["model"] == few["model"]), None)
patterns = few["patterns"]
bars = [("zero-shot", zero["accuracy"] if zero else {}, None)] if zero else []
bars += [("few-shot PET", few["accuracy"], few["runs"])]
if "semi_supervised" in regimes:
    bars += [("semi-supervised PET", regimes["semi_supervised"]["accuracy"], regimes["semi_supervised"]["runs"])]
width = 0.8 / len(bars)
fig, axes = panels(1, width=max(5.5, 1.2 * len(patterns) + 2), height=4.0)
ax = axes[0]
x = np.arange(len(patterns))
for i, (name, accuracy, runs) in enumerate(bars):
    at = x - 0.4 + width * (i + 0.5)
    ax.bar(at, [accuracy.get(k, np.nan) for k in patterns], width, color=f"C{i}", label=f"{name}, ours (mean)")
    for r in runs or []:
        ax.plot(at, [r["accuracy"][k] for k in patterns], "k.", ms=4)
    article = {"few-shot PET": p.few_shot, "semi-supervised PET": p.semi_supervised}.get(name)
    if article and not few["proxy"]:
        ax.plot(at, [article.get(k, np.nan) for k in patterns], "k_", ms=12, mew=2)
ax.axhline(few["classifier_accuracy"], color="C3", ls="--", lw=1.2, label="[CLS] fine-tuning, ours (mean)")
if not few["proxy"]:
    ax.axhline(p.few_shot["classifier"], color="k", ls="--", lw=0.8, label="[CLS] fine-tuning, the article's")
    ax.plot([], [], "k_", ms=12, mew=2, label="the article's test accuracy")
ax.plot([], [], "k.", ms=4, label="one seed")
ax.axhline(50, color="grey", ls=":", lw=1, label="chance (balanced)")
ax.set(
    xticks=x,
    xticklabels=patterns,
    ylim=(0, 100),
    xlabel="pattern",
    ylabel="test accuracy (%)",
    title=f"PET with {few['labels']} labels, {label(few, 'model').removeprefix('model ')}",
)
ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0))
job.figure(out.few_shot, fig, upstream)
