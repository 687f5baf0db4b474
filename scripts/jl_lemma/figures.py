"""Tables and figures of the JL lemma, from its metrics files only."""

import numpy as np
import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
lemmas, projection, lsh, rsvd = (read_json(inp[k]) for k in ("lemmas", "projection", "lsh", "rsvd"))

# --- C5.1, C5.2: tails against bounds ---
cells = pd.DataFrame(lemmas["cells"])
job.table(out.lemmas_table, cells, [inp.lemmas])
fig, axes = panels(2, width=4.8)
for ax, (lemma, group) in zip(axes, cells.groupby("lemma", sort=False), strict=True):
    for i, (eps, g) in enumerate(group.groupby("eps")):
        ax.errorbar(g["n"], g["p_hat"], yerr=3 * g["se"], fmt="o-", color=f"C{i}", label=f"p̂ ± 3 SE, ε={eps}")
        ax.plot(g["n"], g["bound"], "--", color=f"C{i}", label=f"bound, ε={eps}")
    ax.set(xscale="log", yscale="symlog", xlabel="n", ylabel="tail probability", title=lemma.replace("_", " "))
    ax.set_yscale("symlog", linthresh=1e-4)  # log above 1e-4, linear down to p̂ = 0
    ax.set_ylim(0, 1.5)
    ax.legend(fontsize=6)
job.figure(out.lemmas, fig, [inp.lemmas])

# --- C5.3, C5.4: success against n / bound; C5.5: empirical threshold ---
rows = [
    {"N": c["N"], "eps": c["eps"], "bound": c["bound"], "m": c["m"], "vacuous (bound > m)": c["vacuous"], **f}
    for c in projection["cells"]
    for f in c["fractions"]
]
table = pd.DataFrame(rows)
job.table(out.projection_table, table, [inp.projection])
fig, axes = panels(2)
for ax, kind in zip(axes, ("distance", "inner"), strict=True):
    for i, ((N, eps), g) in enumerate(table.groupby(["N", "eps"])):
        vacuous = bool(g["vacuous (bound > m)"].iloc[0])  # the lemma says nothing where n > m: dashed
        ax.plot(
            g["fraction"],
            g[f"{kind}_successes"] / projection["cells"][0]["draws"],
            "o--" if vacuous else "o-",
            color=f"C{i}",
            label=f"N={N}, ε={eps}" + (" (vacuous: n > m)" if vacuous else ""),
        )
    ax.set(
        xlabel="n / (24 ln N / ε²)",
        ylabel="fraction of draws with all pairs within ε",
        title="distances" if kind == "distance" else "inner products (unit vectors)",
    )
    ax.legend(fontsize=6)
job.figure(out.projection, fig, [inp.projection])

summary = pd.DataFrame(projection["cells"])[["N", "eps", "bound", "threshold", "threshold_ratio"]]
fig, axes = panels(1, width=5)
for i, (eps, g) in enumerate(summary.groupby("eps")):
    axes[0].plot(g["N"], g["threshold_ratio"], "o-", color=f"C{i}", label=f"ε={eps}")
axes[0].axhline(0.75, color="k", ls="--", lw=1, label="decision rule 0.75")
axes[0].axhline(1.0, color="k", lw=0.8)
axes[0].set(
    xscale="log", ylim=(0, 1.1), xlabel="N", ylabel="empirical threshold / bound", title="How loose is n > 24 ln N / ε²"
)
axes[0].legend(fontsize=7)
job.figure(out.threshold, fig, [inp.projection])

# --- C5.6: LSH ---
lsh_rows = [
    {"n": int(n), "theta": t, "sign_cosine": s, "one_minus_2theta_over_pi": lin, "cos_theta": c}
    for n, curve in lsh["curves"].items()
    for t, s, lin, c in zip(
        curve["theta"], curve["sign_cosine"], curve["one_minus_2theta_over_pi"], curve["cos_theta"], strict=True
    )
]
lsh_table = pd.DataFrame(lsh_rows)
job.table(out.lsh_table, lsh_table, [inp.lsh])
fig, axes = panels(1, width=5)
theta = np.linspace(0, np.pi, 200)
axes[0].plot(theta, np.cos(theta), "k-", label="cos θ (article)")
axes[0].plot(theta, 1 - 2 * theta / np.pi, "k--", label="1 − 2θ/π")
for i, (n, g) in enumerate(lsh_table.groupby("n")):
    axes[0].plot(g["theta"], g["sign_cosine"], "o", color=f"C{i}", label=f"E cos(sign), n={n}")
axes[0].set(xlabel="θ (rad)", ylabel="cosine", title="Signed random projections")
axes[0].legend(fontsize=7)
job.figure(out.lsh, fig, [inp.lsh])

# --- C5.7: randomised SVD ---
rsvd_table = pd.DataFrame([{k: v for k, v in c.items() if k != "sigma_ratios"} for c in rsvd["per_seed"]])
job.table(out.rsvd_table, rsvd_table, [inp.rsvd])
fig, (left, right) = panels(2)
methods = ["literal_error", "literal_error_qr", "halko_error"]
left.bar(["M ≈ MQQᵀ\n(raw Q)", "after QR", "Halko\northᵀ(MᵀΩ)"], [rsvd[m] for m in methods])
left.axhline(0.1, color="k", ls="--", lw=1, label="claim holds below 0.1")
left.axhline(rsvd["sqrt_n_over_k"], color="C3", ls=":", label="√(n/k)")
left.set(yscale="log", ylabel="‖M − MQQᵀ‖_F / ‖M‖_F", title="Reconstruction error")
left.legend(fontsize=7)
for c in rsvd["per_seed"]:
    right.plot(range(1, len(c["sigma_ratios"]) + 1), c["sigma_ratios"], "o-", label=f"seed {c['seed']}")
right.axhline(1, color="k", lw=0.8)
right.set(xlabel="singular value index", ylabel="σ_B / σ_M", title="B = MQ keeps the singular values")
right.legend(fontsize=7)
job.figure(out.rsvd, fig, [inp.rsvd])
