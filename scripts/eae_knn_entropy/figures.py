"""Figures of the EAE article, from its metrics and the saved prior samples only."""

import numpy as np
import pandas as pd
import torch

from kexue.jobs import Job, read_json
from kexue.plotting import log_axis, panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
estimator, identities, eae = (read_json(inp[k]) for k in ("estimator", "identities", "eae"))
pictures = torch.load(inp.figure_data, weights_only=False)

# --- estimator: error of Ĥ against the closed form, per dimension ---
cells = pd.DataFrame(estimator["cells"])
job.table(out.estimator_table, cells, [inp.estimator])
fig, (left, right) = panels(2)
for i, ((family, k), g) in enumerate(cells.groupby(["family", "k"])):
    left.errorbar(
        g["d"], g["error"] / g["d"], yerr=g["sd_estimate"] / g["d"], fmt="o-", color=f"C{i}", label=f"{family}, k = {k}"
    )
left.axhspan(-0.05, 0.05, color="k", alpha=0.08, label="claim: |error| < 0.05·d")
left.set(
    xlabel="dimension d",
    ylabel="(mean Ĥ − H) / d (nats per dimension)",
    title=f"k-NN entropy estimator, n = {estimator['n']}, {estimator['seeds']} seeds",
)
log_axis(left, cells["d"].tolist())
left.legend(fontsize=7)
digamma = pd.DataFrame(identities["digamma"])
right.loglog(digamma["n"], digamma["log_n_minus_1_error"].abs(), "o-", label="|log(n − 1) − ψ(n)|")
right.loglog(digamma["n"], digamma["one_over_2n"], "k--", label="1/(2n)")
right.loglog(
    digamma["n"], np.maximum(digamma["harmonic_error"], 1e-17), "s-", label="|H_{n−1} − γ − ψ(n)| (floored 1e-17)"
)
beta = pd.DataFrame([b for b in identities["beta"] if b["defined"]])
for k, g in beta.groupby("k"):
    right.loglog(
        g["n"], np.maximum(g["difference"].abs(), 1e-17), "^:", label=f"|beta integral − (ψ(k) − ψ(n))|, k = {k}"
    )
right.set(xlabel="n", ylabel="absolute error", title="Digamma identities and the beta integral")
right.legend(fontsize=6)
fig.tight_layout()
job.figure(out.estimator, fig, [inp.estimator, inp.identities])

# --- max entropy: KL and entropy gap against λ; generative and reconstruction ---
runs = pd.DataFrame(eae["means"]).T
fig, axes = panels(3)
me = eae["max_entropy"]
x = np.arange(len(me["weights"]))
axes[0].plot(x, me["code_kl"], "o-", label="KL(N(m, S) ‖ N(0, I)) of the codes")
axes[0].plot(x, me["entropy_gap"], "s-", label="½d·log(2πe) − Ĥ(Z)")
axes[0].set_xticks(x, [f"{w:g}" for w in me["weights"]])
axes[0].set(xlabel="entropy weight λ", ylabel="nats", title=f"EAE codes vs N(0, I), d = {eae['latent']}")
axes[0].legend(fontsize=7)
names = list(eae["generative"]["frechet"])
for i, name in enumerate(names):
    v = eae["generative"]["frechet"][name]
    axes[1].bar(i, np.mean(v), color=f"C{i}", alpha=0.6)
    axes[1].plot([i] * len(v), v, "k.")
    axes[2].bar(i, eae["reconstruction"]["test_mse"][name], color=f"C{i}", alpha=0.6)
for ax in axes[1:]:
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=7)
axes[1].set(ylabel="Fréchet distance (classifier features)", title="Prior samples z ~ N(0, I) vs test images")
axes[2].set(ylabel="test ‖x − D(z)‖² per image", title="Reconstruction error")
fig.tight_layout()
job.figure(out.eae, fig, [inp.eae])

# --- prior samples ---
fig, axes = panels(len(pictures), width=2.6, height=2.9)
for ax, (name, images) in zip(axes, pictures.items(), strict=True):
    rows = len(images) // 8
    ax.imshow(
        images[: rows * 8].reshape(rows, 8, 28, 28).transpose(0, 2, 1, 3).reshape(rows * 28, 8 * 28), cmap="gray_r"
    )
    ax.set(title=f"{name}: z ~ N(0, I)", xticks=[], yticks=[])
    ax.grid(False)
fig.tight_layout()
job.figure(out.samples, fig, [inp.eae])
