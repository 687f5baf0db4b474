"""Tables and figures of NSP-BERT, from its metrics files only."""

import numpy as np
import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import log_axis, panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
claims, order = job.params["claims"], job.params["decide_order"]
summary = read_json(inp.summary)
scores = {m["model"]: m for m in map(read_json, inp.scores)}
upstream = [inp.summary, *inp.scores]

# --- tables: every (model, task, method) and the NSP check ---
rows, checks = [], []
for m, s in scores.items():
    for t, r in s["tasks"].items():
        base = {
            "model": m,
            "stand_in": s["stand_in"],
            "parameters": s["parameters"],
            "task": t,
            "texts": r["texts"],
            "chance": r["chance"],
        }
        for o, variants in r["nsp"].items():
            for v, x in variants.items():
                rows.append(
                    {**base, "method": f"NSP {v}", "order": o, "accuracy": x["accuracy"], "p_value": x["p_value"]}
                )
        rows.append(
            {
                **base,
                "method": "PET-zero",
                "order": "",
                "accuracy": r["pet_zero"]["accuracy"],
                "p_value": r["pet_zero"]["p_value"],
            }
        )
        c = r["check"]
        checks.append(
            {
                "model": m,
                "task": t,
                **{k: c[k] for k in ("pairs", "accuracy", "mean_p_is_next_true", "mean_p_is_next_random")},
            }
        )
table = pd.DataFrame(rows)
job.table(out.zero_shot_table, table, upstream)
job.table(out.nsp_check_table, pd.DataFrame(checks), upstream)

# --- zero_shot.png: accuracy per (model, task) and method; the proxy's NSP check ---
fig, axes = panels(2, width=5.4, height=3.8)
ax = axes[0]
series = np.where(table["order"] == "", table["method"], table["method"] + " (" + table["order"] + ")")
bars = table.assign(series=series).pivot_table(index=["model", "task"], columns="series", values="accuracy", sort=False)
groups = list(table.groupby(["model", "task"], sort=False))
methods = [c for c in dict.fromkeys(series) if c != "PET-zero"] + ["PET-zero"]
width = 0.8 / len(methods)
for j, label in enumerate(methods):
    heights = [bars.loc[key, label] for key, _ in groups]
    hatch = "//" if f"({order})" not in label and label != "PET-zero" else None
    x = np.arange(len(groups)) + (j - (len(methods) - 1) / 2) * width
    ax.bar(x, heights, width, label=label, hatch=hatch, color=f"C{j}")
for i, (_, g) in enumerate(groups):
    ax.hlines(
        g["chance"].iloc[0],
        i - 0.45,
        i + 0.45,
        color="k",
        ls="--",
        lw=1,
        label="majority-label rate" if i == 0 else None,
    )
stand = {m for m, s in scores.items() if s["stand_in"]}
ax.set_xticks(
    range(len(groups)), [f"{m}{' (stand-in)' if m in stand else ''}\n{t}" for (m, t), _ in groups], fontsize=7
)
ax.set(ylabel="zero-shot accuracy", ylim=(0, 1), title=f"zero-shot accuracy (claims decided on order {order})")
ax.legend(fontsize=6, ncol=2, loc="upper right")

ax = axes[1]
model, task = claims["proxy"]["model"], claims["proxy"]["task"]
check = scores[model]["tasks"][task]["check"]
bins = np.linspace(0, 1, 21)
ax.hist(
    check["p_is_next_true"], bins=bins, alpha=0.6, label=f"own second half (mean {check['mean_p_is_next_true']:.2f})"
)
ax.hist(
    check["p_is_next_random"], bins=bins, alpha=0.6, label=f"another text's (mean {check['mean_p_is_next_random']:.2f})"
)
ax.set(
    xlabel="P(IsNext) from the NSP head (logit 0)",
    ylabel="pairs",
    title=f"NSP check, {model} on held-out {task}: accuracy {check['accuracy']:.3f}",
)
ax.legend(fontsize=7)
job.figure(out.zero_shot, fig, upstream)

# --- model_size.png: accuracy against parameters (the full tier's ladder; every scored model otherwise) ---
fig, axes = panels(1, width=6, height=3.8)
ax = axes[0]
ladder = summary.get("model_size")
if ladder:
    for i, (t, accs) in enumerate(ladder["accuracy"].items()):
        ax.plot(ladder["parameters"], accs, "o-", color=f"C{i}", label=t)
        for x, y, m in zip(ladder["parameters"], accs, ladder["models"], strict=True):
            ax.annotate(m, (x, y), fontsize=6, textcoords="offset points", xytext=(2, 3))
    log_axis(ax, ladder["parameters"])
    title = "accuracy along model size" + (" (stand-ins: random BERTs)" if ladder["stand_in"] else "")
else:
    first = table[(table["order"] == order)].groupby(["model", "task"], sort=False).head(1)
    for i, (t, g) in enumerate(first.groupby("task", sort=False)):
        ax.plot(g["parameters"], g["accuracy"], "o", color=f"C{i}", label=f"{t} ({', '.join(g['model'])})")
    ax.set_xscale("log")
    title = "not evaluated on this tier: one proxy size (the ladder of hub BERTs is the full tier's)"
ax.set(xlabel="parameters", ylabel="zero-shot accuracy (first prompt variant)", ylim=(0, 1), title=title)
ax.title.set_fontsize(8)
ax.legend(fontsize=7)
job.figure(out.model_size, fig, upstream)
