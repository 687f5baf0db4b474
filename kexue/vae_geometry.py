"""A geometric view of the VAE (kexue.fm 7725): AE, VAE and the simple geometric regulariser on MNIST.

The models and the loop are THE shared autoencoders of kexue/autoencoder.py:

    AE       ‖x − D(E(x))‖²                                   a point per image
    VAE      ‖x − D(μ + σ⊗ε)‖² + Σ_i ½(μ_i² + σ_i² − log σ_i² − 1)   an ellipse per image, pulled to N(0, I)
    geo-VAE  ‖x − D(μ + σ⊗ε)‖² + λ(‖μ‖² + ‖σ − 1‖²)             the article's "simple version"

This module names the models of one run, evaluates one trained model (aggregate-code KL to N(0, I), prior
samples scored by a separately trained classifier, interpolation smoothness) and gathers the claims' numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from kexue import autoencoder as ae


def geo_models(geo_weights: Sequence[float]) -> dict[str, tuple[str, float]]:
    """name → (kind, regulariser weight) of one geo-VAE per λ ("geo_0.1", "geo_1", "geo_10")."""
    return {f"geo_{w:g}": ("geo", float(w)) for w in geo_weights}


def run_models(part: str, geo_weights: Sequence[float] = ()) -> dict[str, tuple[str, float]]:
    """The models one training job trains: part "ae_vae" the AE and the VAE (ae.BASELINES, which
    eae_knn_entropy reads too), part "geo" the geo-VAEs."""
    if part == "ae_vae":
        return dict(ae.BASELINES)
    if part == "geo":
        return geo_models(geo_weights)
    raise ValueError(f"unknown training part {part!r}; expected ae_vae or geo")


def model_names(geo_weights: Sequence[float]) -> dict[str, tuple[str, float]]:
    """name → (kind, regulariser weight): ae, vae and one geo-VAE per λ."""
    return dict(ae.BASELINES) | geo_models(geo_weights)


def aggregate_codes(model: ae.Autoencoder, x: torch.Tensor, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(codes, means): samples of the aggregate posterior q(z) = E_x q(z|x), one z = μ(x) + σ(x)ε per image
    (not only μ(x): q(z) is the mixture of the per-image Gaussians), and the means μ(x). For the AE both are E(x)."""
    code = ae.encode(model, x)
    z = code.sample(torch.Generator().manual_seed(seed))
    return z.double().numpy(), code.mu.double().numpy()


def prior_samples(latent: int, n: int, seed: int) -> torch.Tensor:
    return torch.randn((n, latent), generator=torch.Generator().manual_seed(seed))


def interpolation_entropy(
    model: ae.Autoencoder, classifier, x: torch.Tensor, pairs: int, steps: int, seed: int
) -> float:
    """Mean classifier entropy (nats) of decodings along straight lines between the codes μ(x_a), μ(x_b) of
    random test pairs, end points excluded: low when every point of the path decodes to a clear digit."""
    rng = np.random.default_rng(seed)
    a, b = (torch.from_numpy(rng.choice(len(x), pairs, replace=False)) for _ in range(2))
    mu = ae.encode(model, x).mu
    t = torch.linspace(0, 1, steps + 2)[1:-1, None, None]
    path = ((1 - t) * mu[a] + t * mu[b]).reshape(-1, mu.shape[1])
    _, probs = ae.classifier_view(classifier, ae.decode(model, path))
    return ae.mean_entropy(probs)


def traversal(model: ae.Autoencoder, x0: torch.Tensor, values: Sequence[float]) -> torch.Tensor:
    """Decodings (d, len(values), 784) of μ(x0) with one dimension at a time set to each value."""
    mu = ae.encode(model, x0[None]).mu[0]
    z = mu.repeat(mu.shape[0], len(values), 1)
    for i in range(mu.shape[0]):
        z[i, :, i] = torch.tensor(values, dtype=z.dtype)
    return ae.decode(model, z.reshape(-1, mu.shape[0])).reshape(mu.shape[0], len(values), -1)


def evaluate_model(
    model: ae.Autoencoder,
    name: str,
    *,
    classifier,
    train_x: torch.Tensor,
    test_x: torch.Tensor,
    real_features: np.ndarray,
    samples: int,
    pairs: int,
    steps: int,
    seed: int,
) -> dict:
    """One trained model's numbers: test MSE, Gaussian-moment KL of the aggregate codes to N(0, I)
    (the AE's standardised per dimension first, so its arbitrary scale cannot decide), active units,
    the smallest σ, prior-sample Fréchet distance and confidence, and interpolation entropy.
    The AE is scored twice: z ~ N(0, I) as is, and z = m + s ⊗ ε with its training codes' per-dimension
    mean m and std s (the fair baseline)."""
    codes, mu = aggregate_codes(model, test_x, seed)
    latent = codes.shape[1]
    z = prior_samples(latent, samples, seed)
    out = {
        "model": name,
        "test_mse": ae.heldout_mse(model, test_x, seed),
        "active_units": ae.active_units(mu),
        "prior": ae.sample_scores(classifier, ae.decode(model, z), real_features),
        "interpolation_entropy": interpolation_entropy(model, classifier, test_x, pairs, steps, seed),
    }
    if model.kind == "ae":
        reference = ae.encode(model, train_x).mu.double().numpy()
        out["code_kl"] = ae.gaussian_kl(ae.standardise(codes, reference))
        out["code_kl_raw"] = ae.gaussian_kl(codes)
        fitted = torch.from_numpy(reference.mean(0) + reference.std(0) * z.double().numpy()).float()
        out["standardised_prior"] = ae.sample_scores(classifier, ae.decode(model, fitted), real_features)
    else:
        out["code_kl"] = ae.gaussian_kl(codes)
        out["sigma_min"] = float(ae.encode(model, test_x).sigma.min())
    return out


# --------------------------------------------------------------------------- the claims' numbers


def choose_geo_weight(valid_mse: dict[str, list[float]], geo_weights: Sequence[float]) -> dict:
    """λ on validation: the geo-VAE whose seed-mean validation MSE is closest (relatively) to the VAE's.
    Returns the choice, its grid, and the relative MSE gap |MSE_geo − MSE_vae| / MSE_vae it leaves."""
    target = float(np.mean(valid_mse["vae"]))
    gaps = {w: abs(float(np.mean(valid_mse[f"geo_{w:g}"])) - target) / target for w in geo_weights}
    best = min(gaps, key=gaps.get)
    return {"best": float(best), "grid": [float(w) for w in geo_weights], "mse_gap": gaps[best], "gaps": gaps}


def claims_at(rows: list[dict], curves: dict[str, list[list[float]]], geo_weights: Sequence[float]) -> dict:
    """The numbers of the three decided claims at one latent size, from per-(model, seed) rows.

    regular_code_space: mean KL_AE(standardised) / mean KL_VAE, and per-seed KL_AE − KL_VAE.
    prior_sampling: the VAE's Fréchet distance against the better of the two AE baselines, per seed too.
    simple_regulariser: λ matched on validation MSE, |FD_geo − FD_vae| / FD_vae, and the larger of the two
    over the better AE baseline.
    Curves: per model, the seed-mean validation loss per epoch (for the still-improving guard)."""
    by = {}
    for r in rows:
        by.setdefault(r["model"], []).append(r)
    seeds = [r["seed"] for r in by["vae"]]

    def per_seed(model: str, key) -> list[float]:
        found = {r["seed"]: key(r) for r in by[model]}
        return [found[s] for s in seeds]

    kl_ae, kl_vae = per_seed("ae", lambda r: r["code_kl"]), per_seed("vae", lambda r: r["code_kl"])
    fd = {m: per_seed(m, lambda r: r["prior"]["frechet"]) for m in by}
    fd_ae_std = per_seed("ae", lambda r: r["standardised_prior"]["frechet"])
    best_ae = [min(a, b) for a, b in zip(fd["ae"], fd_ae_std, strict=True)]
    choice = choose_geo_weight({m: per_seed(m, lambda r: r["valid_mse"]) for m in by}, geo_weights)
    geo = f"geo_{choice['best']:g}"
    fd_vae, fd_geo, fd_best_ae = (float(np.mean(v)) for v in (fd["vae"], fd[geo], best_ae))
    return {
        "seeds": seeds,
        "code_space": {
            "kl": {m: per_seed(m, lambda r: r["code_kl"]) for m in by},
            "kl_ae_raw": per_seed("ae", lambda r: r["code_kl_raw"]),
            "kl_ratio": float(np.mean(kl_ae) / np.mean(kl_vae)) if np.mean(kl_vae) > 0 else math.inf,
            "kl_difference_per_seed": [a - v for a, v in zip(kl_ae, kl_vae, strict=True)],
            "active_units": {m: per_seed(m, lambda r: r["active_units"]) for m in by},
        },
        "sampling": {
            "frechet": fd | {"ae_standardised": fd_ae_std},
            "max_prob": {m: per_seed(m, lambda r: r["prior"]["max_prob"]) for m in by}
            | {"ae_standardised": per_seed("ae", lambda r: r["standardised_prior"]["max_prob"])},
            "vae_frechet": fd_vae,
            "best_ae_frechet": fd_best_ae,
            "best_ae_over_vae": fd_best_ae / fd_vae,
            "margin_per_seed": [a - v for a, v in zip(best_ae, fd["vae"], strict=True)],
        },
        "geo": {
            "weight": choice,
            "model": geo,
            "mse_gap": choice["mse_gap"],
            "valid_mse": {m: float(np.mean(per_seed(m, lambda r: r["valid_mse"]))) for m in by},
            "test_mse": {m: float(np.mean(per_seed(m, lambda r: r["test_mse"]))) for m in by},
            "frechet": fd_geo,
            "frechet_gap": abs(fd_geo - fd_vae) / fd_vae,
            "worse_over_best_ae": max(fd_geo, fd_vae) / fd_best_ae,
            "sigma_min": min(r["sigma_min"] for m in by if m != "ae" for r in by[m]),
        },
        "interpolation_entropy": {m: per_seed(m, lambda r: r["interpolation_entropy"]) for m in by},
        "curves": {m: np.mean(c, axis=0).tolist() for m, c in curves.items()}
        | {"geo": np.mean(curves[geo], axis=0).tolist()},
    }
