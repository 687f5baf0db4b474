"""Figures of the geometric VAE article, from its metrics and the saved pictures only."""

import numpy as np
import torch
from matplotlib.patches import Circle

from kexue.jobs import Job, read_json
from kexue.plotting import panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
metrics = read_json(inp.metrics)
pictures = torch.load(inp.figure_data, weights_only=False)
d = metrics["latent"]
geo = metrics["geo"]["model"]
LABELS = {"ae": "AE", "ae_standardised": "AE, standardised z", "vae": "VAE", geo: f"geo-VAE (λ={geo[4:]})"}


def mosaic(images: np.ndarray, columns: int) -> np.ndarray:
    """(n, 784) → one image of the digits in rows of `columns`."""
    rows = len(images) // columns
    tiles = images[: rows * columns].reshape(rows, columns, 28, 28)
    return tiles.transpose(0, 2, 1, 3).reshape(rows * 28, columns * 28)


def seed_bars(ax, values: dict, names: list, ylabel: str, title: str):
    """Seed mean as a bar, each seed as a dot."""
    for i, name in enumerate(names):
        v = values[name]
        ax.bar(i, np.mean(v), color=f"C{i}", alpha=0.6, label=LABELS.get(name, name))
        ax.plot([i] * len(v), v, "k.", ms=4)
    ax.set_xticks(range(len(names)), [LABELS.get(n, n) for n in names], rotation=25, ha="right", fontsize=7)
    ax.set(ylabel=ylabel, title=title)


# --- regular_code_space: the 2-D codes and the KL of the aggregate codes at d ---
fig, axes = panels(4, width=3.6)
labels = pictures["labels"]
geo2 = pictures["d2/chosen_geo"]
for ax, name, title in zip(
    axes[:3], ["ae", "vae", geo2], ["AE codes E(x)", "VAE means μ(x)", f"geo-VAE means μ(x), λ={geo2[4:]}"], strict=True
):
    codes = pictures[f"d2/{name}"]["codes"]
    sc = ax.scatter(codes[:, 0], codes[:, 1], c=labels, cmap="tab10", s=3, vmin=-0.5, vmax=9.5)
    ax.set(xlabel="z₁", ylabel="z₂", title=f"{title} (d = 2)")
    if name != "ae":
        ax.add_patch(Circle((0, 0), 2, fill=False, ls="--", color="k", label="radius 2"))
        ax.legend(fontsize=7, loc="upper right")
fig.colorbar(sc, ax=axes[2], label="digit")
kl = metrics["code_space"]["kl"]
seed_bars(
    axes[3],
    {**kl, "ae_standardised": kl["ae"]},
    ["ae_standardised", "vae", geo],
    "KL(N(m, S) ‖ N(0, I)) (nats)",
    f"Aggregate codes vs N(0, I), d = {d}",
)
axes[3].set_yscale("log")
fig.tight_layout()
job.figure(out.code_space, fig, [inp.metrics])

# --- prior_sampling, simple_regulariser: decoded z ~ N(0, I) ---
fig, axes = panels(5, width=3.2, height=3.6)
shown = [("ae", "prior"), ("ae", "standardised_prior"), ("vae", "prior"), (geo, "prior")]
for ax, (name, kind) in zip(axes, shown, strict=False):
    ax.imshow(mosaic(pictures[f"d{d}/{name}"][kind][:64], 8), cmap="gray_r")
    ax.set(title=f"{LABELS['ae_standardised' if kind != 'prior' else name]}, d = {d}", xticks=[], yticks=[])
    ax.grid(False)
fd = metrics["sampling"]["frechet"]
seed_bars(
    axes[4],
    fd,
    ["ae", "ae_standardised", "vae", geo],
    "Fréchet distance (classifier features)",
    "Prior samples vs real test images",
)
fig.tight_layout()
job.figure(out.samples, fig, [inp.metrics])

# --- simple_regulariser: λ against reconstruction and sample quality ---
fig, (left, right) = panels(2)
weights = metrics["geo"]["weight"]["grid"]
for ax, key, ylabel in [
    (left, "valid_mse", "validation ‖x − D(z)‖² per image"),
    (right, None, "prior-sample Fréchet distance"),
]:
    for j, (latent, at) in enumerate(sorted(metrics["by_latent"].items())):
        if key:
            y, vae, aev = [at["geo"][key][f"geo_{w:g}"] for w in weights], at["geo"][key]["vae"], at["geo"][key]["ae"]
        else:
            y = [np.mean(at["sampling"]["frechet"][f"geo_{w:g}"]) for w in weights]
            vae, aev = at["sampling"]["vae_frechet"], at["sampling"]["best_ae_frechet"]
        ax.plot(weights, y, "o-", color=f"C{j}", label=f"geo-VAE, d = {latent}")
        ax.axhline(vae, color=f"C{j}", ls="--", lw=1, label=f"VAE, d = {latent}")
        ax.axhline(aev, color=f"C{j}", ls=":", lw=1, label=f"{'AE' if key else 'best AE baseline'}, d = {latent}")
    ax.set(xscale="log", xlabel="geo-VAE weight λ", ylabel=ylabel, title=ylabel.split(" per")[0])
    ax.legend(fontsize=6)
fig.tight_layout()
job.figure(out.geo, fig, [inp.metrics])

# --- disentangle_linear: traversals and interpolation entropy ---
fig, axes = panels(3, width=3.6, height=3.8)
for ax, name in zip(axes, ["vae", geo], strict=False):
    grid = pictures[f"d{d}/{name}"]["traversal"]
    ax.imshow(mosaic(grid.reshape(-1, 784), grid.shape[1]), cmap="gray_r")
    ax.set(
        title=f"{LABELS[name]}: one dimension per row",
        xlabel="z_i from −3 to 3",
        ylabel="dimension i",
        xticks=[],
        yticks=[],
    )
    ax.grid(False)
seed_bars(
    axes[2],
    metrics["interpolation_entropy"],
    ["ae", "vae", geo],
    "classifier entropy (nats)",
    f"Along linear paths between codes, d = {d}",
)
fig.tight_layout()
job.figure(out.disentangle, fig, [inp.metrics])
