"""Tables and figures of the attention/softmax article, from its metrics files only."""

import numpy as np
import pandas as pd

from kexue import attention_softmax as am
from kexue.jobs import Job, read_json
from kexue.plotting import log_axis, panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
noise, entropy, init = (read_json(inp[k]) for k in ("noise", "entropy", "init"))

# --- noise_robust ---
rows = [
    {"variant": name, "n": n, "relative_error": r, "absolute_error": a, "n_eff": e}
    for name, v in noise["variants"].items()
    for n, r, a, e in zip(v["ns"], v["relative"], v["absolute"], v["n_eff"], strict=True)
]
table = pd.DataFrame(rows)
job.table(out.noise_table, table, [inp.noise])
fig, (left, right) = panels(2, width=4.8)
for i, (name, g) in enumerate(table.groupby("variant", sort=False)):
    slope = noise["variants"][name]["slope"]
    style = "o-" if name == "base" else ".--"
    left.plot(g["n"], g["relative_error"], style, color=f"C{i}", label=f"{name} (slope {slope:.2f})")
    right.plot(g["n"], g["absolute_error"], style, color=f"C{i}", label=name)
for ax, what in ((left, "mean ‖õ − o‖ / ‖o‖"), (right, "mean ‖õ − o‖")):
    log_axis(ax, table["n"])
    ax.set_yscale("log")
    ax.set(xlabel="number of tokens n", ylabel=what)
    ax.legend(fontsize=6)
left.set_title("Relative error (rule: base, slope in [−0.7, −0.3])")
right.set_title("Absolute error")
job.figure(out.noise, fig, [inp.noise])

# --- entropy_floor, temperature ---
finite = pd.DataFrame(entropy["finite_n"])
job.table(out.entropy_table, finite, [inp.entropy])
fig, (left, mid, right) = panels(3, width=4.2)
f = np.logspace(-5, 0, 600)[:-1]
for i, tau in enumerate(entropy["taus"]):
    left.plot(f, am.two_level_gap(f, tau), color=f"C{i}", label=f"τ = {tau:g}: c(τ) = {entropy['gaps'][i]:.3f}")
left.axhline(entropy["half_half_gap"], color="gray", ls=":", lw=1, label="half/half (superseded) −0.3278")
left.set(xscale="log", xlabel="fraction f of scores at cos = +1", ylabel="H − log n (nats)", title="Two-level family")
left.legend(fontsize=6)
num = entropy["numerical"]
mid.plot(num["k_grid"], num["k_minima"], ".", ms=4, label="L-BFGS-B from k near +1")
k = np.arange(1, num["n"])
mid.plot(k, am.two_level_gap(k / num["n"], 1.0), "k-", lw=0.8, label="two-level, f = k/n (exact)")
mid.axhline(entropy["closed_form"]["gap"], color="C3", ls="--", lw=1, label="closed form −0.474475")
for r in num["random_restarts"]:
    mid.axhline(r, color="C2", lw=0.3, alpha=0.5)
mid.plot([], [], color="C2", lw=0.8, label="random restarts (each a line)")
mid.set(
    xlabel="k (scores near +1 at the start)",
    ylabel="H − log n (nats)",
    title=f"τ = 1, n = {num['n']}",
    ylim=(-0.5, -0.3),
)
mid.legend(fontsize=6)
right.plot(entropy["taus"], entropy["gaps"], "o-")
right.set(xlabel="temperature τ", ylabel="c(τ) = min_f (H − log n) (nats)", title="The floor deepens as τ falls")
right.invert_xaxis()
job.figure(out.entropy, fig, [inp.entropy])

# --- init_uniform ---
runs = [
    {"alpha": float(a), "seed": r["seed"], "step": st, "accuracy": acc, "entropy": h}
    for a, v in init["per_alpha"].items()
    for r in v["runs"]
    for st, acc, h in zip(r["steps"], r["accuracy"], r["entropy"], strict=True)
]
curves = pd.DataFrame(runs)
job.table(out.init_table, curves, [inp.init])
fig, (left, right) = panels(2, width=4.8)
for (alpha, seed), g in curves.groupby(["alpha", "seed"]):
    color = f"C{sorted(curves['alpha'].unique()).index(alpha)}"
    label = f"α = {alpha:g}" if seed == curves["seed"].min() else None
    left.plot(g["step"], g["accuracy"], color=color, lw=1, label=label)
    right.plot(g["step"], g["entropy"], color=color, lw=1, label=label)
left.axhline(init["target"], color="k", ls="--", lw=1, label="target")
left.set(xlabel="training step", ylabel="validation accuracy", title="Retrieval: W_Q, W_K initialised × α")
right.set(xlabel="training step", ylabel="attention entropy (nats)", title="Attention entropy during training")
left.legend(fontsize=7)
right.legend(fontsize=7)
job.figure(out.init, fig, [inp.init])
