"""Tables and figures of the discrete reparameterisation, from its metrics files only."""

import numpy as np
import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import log_axis, panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
props, gumbel, quad = (read_json(inp[k]) for k in ("properties", "gumbel", "quadrature"))

# --- properties: Σp − 1 against K per (n, s); the exact T ---
draws = pd.DataFrame(props["draws"])
job.table(out.properties_table, draws, [inp.properties])
cells = pd.DataFrame(props["cells"])
Ks = props["Ks"]
fig, (left, right) = panels(2, width=4.8)
for i, (n, g) in enumerate(cells.groupby("n")):
    for style, (_, row) in zip(["o-", "s--", "^:"], g.iterrows(), strict=False):
        errors = [max(row[f"max_sum_error_K{K}"], 1e-17) for K in Ks]
        left.plot(Ks, errors, style, color=f"C{i}", ms=3, label=f"n={n}, s={row['scale']:g}")
left.axhline(0.01, color="k", ls="--", lw=1, label="rule: 0.01 at K = 1000")
log_axis(left, Ks)
left.set(yscale="log", xlabel="quadrature nodes K", ylabel="max |Σp − 1| over draws", title="Σp of the K-node rule")
left.legend(fontsize=5, ncol=2)
exact = draws.dropna(subset=["exact_sum_error"])
top = f"sum_error_K{max(Ks)}"
right.scatter(
    exact["n"] * (1 + 0.05 * np.log(exact["scale"] / 0.5 + 1)),
    exact[top].clip(lower=1e-17),
    marker="o",
    label=f"K = {max(Ks)} rule",
)
right.scatter(
    exact["n"], exact["exact_sum_error"].clip(lower=1e-17), marker="x", color="C3", label="exact T (scipy quad)"
)
right.axhline(0.01, color="k", ls="--", lw=1)
log_axis(right, sorted(exact["n"].unique()))
right.set(yscale="log", xlabel="n (categories)", ylabel="|Σp − 1|", title="The shortfall is quadrature error")
right.legend(fontsize=7)
job.figure(out.properties, fig, [inp.properties])

# --- Gumbel: the integral is softmax ---
rows = []
for c in gumbel["cases"]:
    for i, (sm, integral) in enumerate(zip(c["softmax"], c["integral"], strict=True)):
        rows.append(
            {
                "n": c["n"],
                "scale": c["scale"],
                "i": i,
                "mu": c["mu"][i],
                "softmax": sm,
                "integral": integral,
                "monte_carlo": c["monte_carlo"][i] if "monte_carlo" in c else np.nan,
                "z": c["z"][i] if "z" in c else np.nan,
            }
        )
table = pd.DataFrame(rows)
job.table(out.gumbel_table, table, [inp.gumbel])
fig, (left, right) = panels(2)
left.scatter(table["softmax"], (table["integral"] - table["softmax"]).abs().clip(lower=1e-18), s=8)
left.axhline(1e-8, color="k", ls="--", lw=1, label="rule: 1e-8")
left.set(
    xscale="log", yscale="log", xlabel="softmax(μ)_i", ylabel="|quad − softmax|", title="Gumbel integral = softmax"
)
left.legend(fontsize=7)
mc = table.dropna(subset=["z"])
for i, (scale, g) in enumerate(mc.groupby("scale")):
    right.plot(g["i"], g["z"], "o", color=f"C{i}", label=f"n={g['n'].iloc[0]}, s={scale:g}")
right.axhspan(-4, 4, color="0.9", label="±4 SE (rule)")
right.set(
    xlabel="category i", ylabel="(MC − softmax) / SE", title=f"argmax frequencies, {gumbel['mc_draws']:.0e} draws"
)
right.legend(fontsize=7)
job.figure(out.gumbel, fig, [inp.gumbel])

# --- quadrature: error against K, distance to Monte Carlo ---
cases = pd.DataFrame(
    [
        {k: v for k, v in c.items() if k != "errors"} | {f"error_K{K}": e for K, e in c["errors"].items()}
        for c in quad["cases"]
    ]
)
job.table(out.quadrature_table, cases, [inp.quadrature])
fig, (left, right) = panels(2)
for i, c in enumerate(quad["cases"]):
    left.plot(
        quad["Ks"],
        [c["errors"][str(K)] for K in quad["Ks"]],
        "o-",
        color=f"C{i}",
        ms=3,
        label=f"n={c['n']}, s={c['scale']:g}",
    )
log_axis(left, quad["Ks"])
left.set(yscale="log", xlabel="quadrature nodes K", ylabel="max_i |p_K − p_quad|", title="K-node rule vs scipy quad")
left.legend(fontsize=6, ncol=2)
labels = [f"n={c['n']}\ns={c['scale']:g}" for c in quad["cases"]]
pos = np.arange(len(labels))
right.bar(pos - 0.2, [c["mc_max_abs_z"] for c in quad["cases"]], width=0.4, label=f"K = {quad['K']} rule")
right.bar(pos + 0.2, [c["reference_mc_max_abs_z"] for c in quad["cases"]], width=0.4, label="exact T (scipy quad)")
right.axhline(4, color="k", ls="--", lw=1, label="rule: 4 SE")
right.set_xticks(range(len(labels)), labels, fontsize=6)
right.set(ylabel="max_i |p − p_MC| / SE", title=f"vs Monte Carlo, {quad['mc_draws']:.0e} draws")
right.legend(fontsize=7)
job.figure(out.quadrature, fig, [inp.quadrature])
