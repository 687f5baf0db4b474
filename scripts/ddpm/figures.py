"""Tables and figures of DDPM, from its metrics files only."""

import numpy as np
import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
closed, diffusion, unet = (read_json(inp[k]) for k in ("closed_forms", "diffusion", "unet"))

# --- part A: z-scores of every closed-form test; the schedule ---
tests = pd.DataFrame(closed["tests"])
job.table(out.chains_table, tests, [inp.closed_forms])
fig, (left, right) = panels(2, width=5.2)
z_columns = [c for c in tests.columns if c.endswith("_z")]
markers = {"forward_marginal": "o", "posterior": "s", "exact_variance": "^"}
for i, ((claim, law), group) in enumerate(tests.groupby(["claim", "law"], sort=False)):
    values = group.melt(id_vars="t", value_vars=[c for c in z_columns if group[c].notna().any()]).dropna()
    jitter = 1 + 0.06 * (i - 1)
    left.scatter(values["t"] * jitter, values["value"], marker=markers[claim], s=18, label=f"{claim} ({law} x₀)")
left.axhspan(-4, 4, color="C2", alpha=0.08, label="pass band ±4 SE")
left.set(
    xscale="log", xlabel="step t", ylabel="z = (observed − predicted) / SE", title="closed forms vs simulated chains"
)
left.legend(fontsize=6)
sched = closed["schedule"]
t = np.arange(len(sched["alpha_bar"]))
right.plot(t, sched["alpha_bar"], label="ᾱ_t")
right.plot(t, sched["beta_bar"], label="β̄_t")
right.axhline(0.01, color="k", ls="--", lw=1, label="rule: ᾱ_T < 0.01")
right.plot([t[-1]], [sched["alpha_bar_T"]], "ko", label=f"ᾱ_T = {sched['alpha_bar_T']:.4f}")
zero = sum(v == "0" for v in closed["symbolic_residues"].values())
right.set(
    xlabel="step t",
    ylabel="coefficient (dimensionless)",
    title=f"schedule α_t = √(1 − 0.02t/T)\nsympy: {zero}/{len(closed['symbolic_residues'])} identities simplify to 0",
)
right.legend(fontsize=7)
job.figure(out.closed_forms, fig, [inp.closed_forms])

# --- part B: sample quality per seed, and the loss curves ---
runs = pd.DataFrame(diffusion["runs"])
job.table(out.runs_table, runs, [inp.diffusion])
fig, axes = panels(4, width=4.0)
for ax, dataset, m, unit in (
    (axes[0], "moons", "sw", "sliced W₁ (standardised units)"),
    (axes[1], "digits", "fd", "Fréchet distance (feature units²)"),
):
    block = runs[runs.dataset == dataset]
    labels = []
    for i, (encoding, g) in enumerate(block.groupby("encoding", sort=False)):
        for j, choice in enumerate(("beta", "posterior")):
            x = len(labels)
            labels.append(f"{encoding[:3]}.\nσ={'β_t' if choice == 'beta' else 'σ̃_t'}")
            ax.scatter(
                [x] * len(g), g[f"{m}_{choice}"], color=f"C{j}", s=20, label=f"σ_t = {choice}" if i == 0 else None
            )
            ax.hlines(g[f"{m}_{choice}"].mean(), x - 0.3, x + 0.3, color="k", lw=1.5)
    ax.axhline(block[f"{m}_floor"].mean(), color="C2", ls="--", lw=1, label="floor (real vs real)")
    ax.axhline(block[f"{m}_gaussian"].mean(), color="C3", ls=":", lw=1, label="N(0, I) samples")
    ax.set_xticks(range(len(labels)), labels, fontsize=7)
    ax.set(yscale="log", ylabel=unit, title=f"{dataset}: per seed (bar: mean)")
    ax.legend(fontsize=6)
for ax, dataset in ((axes[2], "moons"), (axes[3], "digits")):
    for key, curve in diffusion["curves"].items():
        if key.startswith(dataset):
            steps = np.linspace(0, 1, len(curve))
            ax.plot(steps, curve, label=key.split("_", 1)[1])
    ax.set(
        xlabel="fraction of training steps",
        ylabel="held-out loss ‖ε − ε_θ‖² (per sample)",
        title=f"{dataset}: loss (seed mean)",
    )
    ax.legend(fontsize=7)
job.figure(out.quality, fig, [inp.diffusion])

# --- samples of the first seed of each model (kept in the metrics by the summary) ---
files = {k: {name: np.asarray(v) for name, v in arrays.items()} for k, arrays in diffusion["samples"].items()}
moons = sorted(k for k in files if k.startswith("moons"))  # each t-encoding's first seed
digit_runs = sorted(k for k in files if k.startswith("digits"))
fig, axes = panels(len(moons) + 2 * len(digit_runs), width=3.6, height=3.6)
for ax, key in zip(axes, moons, strict=False):
    f = files[key]
    ax.scatter(*f["heldout"].T, s=2, color="0.7", label="held-out data")
    for j, choice in enumerate(("beta", "posterior")):
        ax.scatter(*f[choice].T, s=2, color=f"C{j}", alpha=0.5, label=f"σ_t = {choice}")
    ax.set(
        xlabel="x₁ (standardised)", ylabel="x₂ (standardised)", title=key.replace("_", " "), xlim=(-3, 3), ylim=(-3, 3)
    )
    ax.legend(fontsize=6, markerscale=3)
for k, key in enumerate(digit_runs):
    for j, choice in enumerate(("beta", "posterior")):
        ax = axes[len(moons) + 2 * k + j]
        images = np.clip(files[key][choice][:16], -1, 1).reshape(4, 4, 8, 8).transpose(0, 2, 1, 3).reshape(32, 32)
        ax.imshow(images, cmap="gray_r", vmin=-1, vmax=1)
        ax.set(
            title=f"{key.replace('_', ' ')}: σ_t = {choice}",
            xlabel="16 samples (8×8 pixels each)",
            xticks=[],
            yticks=[],
        )
        ax.grid(False)
job.figure(out.samples, fig, [inp.diffusion])

# --- full tier: U-Net ---
rows = [{k: v for k, v in r.items() if k != "history"} for r in unet["runs"]]
job.table(out.unet_table, pd.DataFrame(rows, columns=sorted({k for r in rows for k in r}) or ["note"]), [inp.unet])
fig, (left, right) = panels(2, width=5)
if unet["runs"]:
    for r in unet["runs"]:
        if "history" in r:
            h = pd.DataFrame(r["history"])
            left.plot(h["step"], h["eval_loss"], label=f"{r['norm']} {r['reduction']} {r['precision']} s{r['seed']}")
    left.set(
        yscale="log", xlabel="training step", ylabel="held-out loss ‖ε − ε_θ‖² (per image)", title="U-Net loss curves"
    )
    left.legend(fontsize=6)
    if "no_batchnorm" in unet:
        fd = unet["no_batchnorm"]["fd"]
        for j, norm in enumerate(("group", "batch")):
            right.scatter([j] * len(fd[norm]), fd[norm], color=f"C{j}", label=f"{norm} norm")
        right.set_xticks([0, 1], ["GroupNorm", "BatchNorm"])
    right.set(ylabel="Fréchet distance (feature units²)", title="MNIST samples per seed")
    right.legend(fontsize=7)
else:
    for ax in (left, right):
        ax.text(0.5, 0.5, unet["scale"], ha="center", va="center", wrap=True, transform=ax.transAxes)
        ax.set(xlabel="training step", ylabel="held-out loss", title="U-Net on MNIST (full tier)", xticks=[], yticks=[])
job.figure(out.unet, fig, [inp.unet])
