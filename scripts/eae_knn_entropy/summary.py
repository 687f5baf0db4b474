"""Every trained model on held-out MNIST: reconstruction MSE, the aggregate codes' Gaussian-moment KL to
N(0, I) and entropy gap ½d·log(2πe) − Ĥ(Z), and prior samples z ~ N(0, I) scored by the scoring classifier
(the one of vae_geometry_7725); the numbers of the claims max_entropy_normal, generative, no_kl_vanishing."""

import pandas as pd
import torch

from kexue import autoencoder as ae
from kexue import eae_knn_entropy as eae
from kexue.jobs import Job, read_json, resource_folder, write_atomic, write_runs_usage
from kexue.sources import read_mnist

job = Job(snakemake)
p, inp, out = snakemake.params, snakemake.input, snakemake.output
mnist = read_mnist(resource_folder(inp.mnist) / "mnist.pkl.gz")
test_x = torch.from_numpy(mnist["test"][0][: p.data["test"]])
classifier = ae.scoring_cnn(p.classifier["channels"], p.classifier["features"])
classifier.load_state_dict(torch.load(inp.classifier))
real_features, _ = ae.classifier_view(classifier, test_x)
# the AE and VAE curves are vae_geometry's (its AE-and-VAE jobs at this latent size), the EAEs' this article's
histories = pd.concat([pd.read_csv(h) for h in [*inp.baseline_histories, *inp.histories]], ignore_index=True)
kinds = eae.model_names(p.weights)
gaussian_h = eae.gaussian_entropy(p.latent)

# per seed: the AE and the VAE (vae_geometry's job), then the EAEs (this article's job)
trained = {}
for path in [*inp.baselines, *inp.models]:
    seed = read_json(path.replace("models.pt", "metrics.json"))["seed"]
    trained.setdefault(seed, {}).update(torch.load(path))

rows, pictures = [], {}
for seed, states in trained.items():
    for name, state in states.items():
        model = ae.Autoencoder(kinds[name][0], p.latent, p.model["hidden"])
        model.load_state_dict(state)
        code = ae.encode(model, test_x)  # eval mode: BN with its running statistics
        z = code.sample(torch.Generator().manual_seed(seed)).double().numpy()  # the VAE's aggregate posterior
        # the AE's codes have an arbitrary scale: standardised per dimension, as the EAE's BN does
        codes = ae.standardise(z, z) if name == "ae" else z
        entropy = eae.knn_entropy(codes, p.k)
        prior = ae.decode(model, torch.randn((p.samples, p.latent), generator=torch.Generator().manual_seed(seed)))
        row = {
            "model": name,
            "weight": kinds[name][1],
            "seed": seed,
            "test_mse": ae.heldout_mse(model, test_x, seed),
            "code_kl": ae.gaussian_kl(codes),
            "entropy": entropy,
            "entropy_gap": gaussian_h - entropy,
            **ae.sample_scores(classifier, prior, real_features),
        }
        rows.append(row)
        job.log.info("seed %d %-9s %s", seed, name, {k: round(v, 4) for k, v in row.items() if isinstance(v, float)})
        if seed == 0:
            pictures[name] = prior[: p.grid].numpy()
runs = pd.DataFrame(rows)
mean = runs.groupby("model").mean(numeric_only=True)
seeds = sorted(runs["seed"].unique())


def per_seed(model: str, column: str) -> list[float]:
    return runs[runs["model"] == model].set_index("seed").loc[seeds, column].tolist()


def curve(model: str) -> list[float]:
    """The seed-mean validation loss per epoch (for the still-improving guard)."""
    return histories[histories["model"] == model].groupby("epoch")["valid_loss"].mean().tolist()


trend = [f"eae_{w:g}" for w in p.trend_weights]
positive = [w for w in p.weights if w > 0]
best_weight = min(positive, key=lambda w: mean.loc[f"eae_{w:g}", "frechet"])
best, zero = f"eae_{best_weight:g}", "eae_0"
classifier_metrics = read_json(inp.classifier_metrics)
job.table(out.runs_table, runs)
write_runs_usage(out.usage, [*inp.baseline_runs, *inp.runs])
write_atomic(out.figure_data, lambda tmp: torch.save(pictures, tmp))
job.metrics(
    out.metrics,
    {
        "scale": (
            f"CPU proxy: {p.data['train']} training images, {p.epochs} epochs, d = {p.latent}, "
            f"{len(seeds)} seeds; {p.samples} prior samples"
        ),
        "seeds": seeds,
        "latent": p.latent,
        "classifier_accuracy": classifier_metrics["final"]["test_accuracy"],
        "gaussian_entropy": gaussian_h,
        "means": mean.to_dict("index"),
        "max_entropy": {
            "weights": p.trend_weights,
            "code_kl": [float(mean.loc[m, "code_kl"]) for m in trend],
            "entropy_gap": [float(mean.loc[m, "entropy_gap"]) for m in trend],
            "kl_decreasing": eae.is_decreasing([mean.loc[m, "code_kl"] for m in trend]),
            "gap_decreasing": eae.is_decreasing([mean.loc[m, "entropy_gap"] for m in trend]),
            "kl_drop_per_seed": [
                a - b for a, b in zip(per_seed(trend[0], "code_kl"), per_seed(trend[-1], "code_kl"), strict=True)
            ],
        },
        "generative": {
            "best_weight": {"best": best_weight, "grid": positive},
            "frechet": {m: per_seed(m, "frechet") for m in kinds},
            "max_prob": {m: per_seed(m, "max_prob") for m in kinds},
            "best_over_vae": float(mean.loc[best, "frechet"] / mean.loc["vae", "frechet"]),
            "best_over_lambda0": float(mean.loc[best, "frechet"] / mean.loc[zero, "frechet"]),
            "gain_over_lambda0_per_seed": [
                a - b for a, b in zip(per_seed(zero, "frechet"), per_seed(best, "frechet"), strict=True)
            ],
        },
        "reconstruction": {
            "model": best,
            "test_mse": {m: float(mean.loc[m, "test_mse"]) for m in kinds},
            "eae_over_ae": float(mean.loc[best, "test_mse"] / mean.loc["ae", "test_mse"]),
            "eae_over_vae": float(mean.loc[best, "test_mse"] / mean.loc["vae", "test_mse"]),
        },
        "curves": {m: curve(m) for m in kinds} | {"best": curve(best), "trend_top": curve(trend[-1])},
    },
)
