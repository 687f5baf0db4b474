"""Tables and figures of the dimension formula, from its metrics files only."""

import numpy as np
import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import log_axis, panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
entropy, capacity, wordvec = read_json(inp.entropy), read_json(inp.capacity), read_json(inp.wordvec)

# --- h_n and thresholds (C4.1, C4.2) ---
hn = pd.DataFrame(
    [
        {
            "n": int(n),
            "h_n": r["ours"],
            "h_n_article": r["article"],
            "abs_error": r["abs_error"],
            "h_n_over_n": r["per_n"],
        }
        for n, r in entropy["hn"].items()
    ]
)
job.table(out.entropy_table, hn, [inp.entropy])
thresholds = pd.DataFrame(entropy["thresholds"])
job.table(out.thresholds_table, thresholds, [inp.entropy])

fig, (left, right) = panels(2)
slope = entropy["laplace"]["slope"]
left.plot(hn["n"], hn["h_n_over_n"], "o-", label="h_n/n (integral)")
left.axhline(-slope, color="k", ls="--", label=f"−½ ln φ = {-slope:.4f}")
left.axhline(-0.24, color="C3", ls=":", label="article's −0.24")
log_axis(left, hn["n"])
left.set(xlabel="n", ylabel="h_n / n", title="h_n/n → −½ ln φ")
left.legend()
right.plot(thresholds["N"], thresholds["formula"], "o-", label="8.33 ln N (article)")
right.plot(thresholds["N"], thresholds["exact_root"], "s--", label="root of 2 ln N + h_n = 0")
right.set(xlabel="N (words)", ylabel="dimension n", xscale="log", title="Dimension threshold")
right.legend()
job.figure(out.entropy, fig, [inp.entropy])

# --- capacity test (C4.4) ---
runs = pd.DataFrame(capacity["runs"]).drop(columns="fits")
job.table(out.capacity_table, runs, [inp.capacity])
fit = capacity["fit"]
fig, (left, right) = panels(2)
N = np.array(sorted(runs["N"].unique()))
jitter = {s: 1 + 0.03 * i for i, s in enumerate(sorted(runs["seed"].unique()))}
left.scatter(runs["N"] * runs["seed"].map(jitter), runs["n_star"], s=18, label="n* (per seed)")
left.plot(N, fit["c"] * np.log(N) + fit["b"], "C0-", label=f"fit {fit['c']:.2f}·ln N {fit['b']:+.1f}")
left.plot(N, 8.33 * np.log(N), "k--", label="8.33·ln N")
log_axis(left, N)
left.set(xlabel="N", ylabel="smallest n", title="Capacity under ‖u‖=‖v‖=√n")
left.legend()
for r in capacity["runs"]:
    if r["seed"] == runs["seed"].min():
        fits = sorted(r["fits"], key=lambda f: f["n"])
        right.plot([f["n"] for f in fits], [f["mean_target_prob"] for f in fits], "o-", label=f"N={r['N']}")
right.axhline(0.95, color="k", ls=":", lw=1)
right.set(xlabel="n (bisection points, first seed)", ylabel="mean target probability", title="Fits tried")
right.legend(fontsize=7)
job.figure(out.capacity, fig, [inp.capacity])

# --- word vectors (C4.3) ---
rows = [
    {
        "N": int(N),
        "dim": d,
        "test_nll": nll,
        "valid_nll": v,
        "best_step": b,
        "wordsim353": ws,
        "simlex999": sl,
        "n_sat": r["n_sat"],
        "formula_dim": r["formula_dim"],
    }
    for N, r in wordvec["per_N"].items()
    for d, nll, v, b, ws, sl in zip(
        r["dims"], r["test_nll"], r["valid_nll"], r["best_step"], r["wordsim353"], r["simlex999"], strict=True
    )
]
table = pd.DataFrame(rows)
job.table(out.wordvec_table, table, [inp.wordvec])
fig, (left, right) = panels(2)
for i, (N, group) in enumerate(table.groupby("N")):
    color = f"C{i}"
    left.plot(group["dim"], group["test_nll"] / group["test_nll"].min(), "o-", color=color, label=f"N={N}")
    left.axvline(group["formula_dim"].iloc[0], color=color, ls="--", lw=1)
    left.axvline(group["n_sat"].iloc[0], color=color, ls=":", lw=1.5)
    pairs = wordvec["per_N"][str(N)]["similarity_pairs"]
    right.plot(
        group["dim"], group["wordsim353"], "o-", color=color, label=f"WS353 ({pairs['wordsim353']} pairs), N={N}"
    )
    right.plot(group["dim"], group["simlex999"], "s:", color=color, label=f"SimLex ({pairs['simlex999']} pairs), N={N}")
left.axhline(1 + wordvec["saturation_tol"], color="k", lw=0.8)
log_axis(left, table["dim"])
log_axis(right, table["dim"])
left.set(xlabel="dimension n", ylabel="test NLL / best", title="Held-out NLL (-- 8.33 ln N, ·· n_sat)")
left.legend(fontsize=7)
right.set(xlabel="dimension n", ylabel="Spearman ρ", title="Word similarity (PTB vocabulary coverage)")
right.legend(fontsize=6)
job.figure(out.wordvec, fig, [inp.wordvec])
