"""THE MNIST autoencoder family that articles share: plain AE, VAE, geometric VAE and the BN-coded AE
(kexue.fm 7725 and 7343), one training loop, and the sample-quality metrics their claims read.

Every model is an MLP encoder 784 → hidden → code and decoder d → hidden reversed → 784 (sigmoid), the
reconstruction the per-image squared error ‖x − D(z)‖² (summed over pixels, as the articles write it):

    ae    z = E(x)                                          loss = ‖x − D(z)‖²
    vae   z = μ(x) + σ(x) ⊗ ε, ε ~ N(0, I)                  loss = ‖x − D(z)‖² + Σ_i ½(μ_i² + σ_i² − log σ_i² − 1)
    geo   z as vae                                          loss = ‖x − D(z)‖² + λ (‖μ‖² + ‖σ − 1‖²)
    bn    z = BN(E(x)), BatchNorm without γ, β              loss = ‖x − D(z)‖² + whatever `regulariser` adds

σ = softplus(·) + 1e-6: positive by construction, so the geometric regulariser (no log σ term) cannot
drive it negative (brief 7725, trap). The loop takes the model's extra loss term as a callable, so an
article adds its own regulariser (the k-NN entropy of 7343) without a second copy of the loop.
Scoring: a small CNN trained with kexue.classify's loop, Fréchet distance in its penultimate features.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
import scipy.linalg
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from kexue import classify

KINDS = ("ae", "vae", "geo", "bn")
SIGMA_FLOOR = 1e-6
# the plain AE and the VAE (KL weight 1) that articles compare against: name → (kind, regulariser weight);
# trained once per (latent size, seed) by vae_geometry and read by eae_knn_entropy
BASELINES = {"ae": ("ae", 0.0), "vae": ("vae", 1.0)}


class Code(NamedTuple):
    """The encoder's output: mu (B, d) and sigma (B, d), sigma None for deterministic codes."""

    mu: Tensor
    sigma: Tensor | None = None

    def sample(self, generator: torch.Generator | None = None) -> Tensor:
        """z = μ + σ ⊗ ε (reparametrised), or μ itself for a deterministic code."""
        if self.sigma is None:
            return self.mu
        return self.mu + self.sigma * torch.randn(self.mu.shape, generator=generator)


class Autoencoder(nn.Module):
    def __init__(self, kind: str, latent: int, hidden: Sequence[int] = (512, 256), pixels: int = 784):
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"unknown autoencoder kind {kind!r}; expected one of {KINDS}")
        self.kind, self.latent = kind, latent
        stochastic = kind in ("vae", "geo")
        self.encoder = classify.mlp([pixels, *hidden, 2 * latent if stochastic else latent])
        self.decoder = nn.Sequential(classify.mlp([latent, *reversed(hidden), pixels]), nn.Sigmoid())
        # BN in training mode: batch statistics (mean 0, variance 1 per dimension); eval mode: running ones
        self.norm = nn.BatchNorm1d(latent, affine=False) if kind == "bn" else None

    def encode(self, x: Tensor) -> Code:
        h = self.encoder(x)
        if self.kind in ("vae", "geo"):
            mu, pre = h.chunk(2, dim=-1)
            return Code(mu, F.softplus(pre) + SIGMA_FLOOR)
        return Code(self.norm(h) if self.norm is not None else h)

    def decode(self, z: Tensor) -> Tensor:
        return self.decoder(z)


# --------------------------------------------------------------------------- the losses


def squared_error(x: Tensor, x_hat: Tensor) -> Tensor:
    """‖x − x̂‖² per image (B,)."""
    return (x - x_hat).square().sum(-1)


def kl_to_standard_terms(mu: Tensor, var: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(μ, σ²) ‖ N(0, 1)) = ½(μ² + σ² − log σ² − 1), elementwise: THE Gaussian KL term of the VAEs here.

    It takes σ² and log σ² both, so that a model parametrised by σ (this module) or by log σ² (kexue.vae_bn)
    passes what it has, and neither pays a round trip exp(log(·)) that would change its numbers.
    """
    return 0.5 * (mu.square() + var - logvar - 1.0)


def kl_to_standard(mu: Tensor, sigma: Tensor) -> Tensor:
    """KL(N(μ, diag σ²) ‖ N(0, I)) = Σ_i ½(μ_i² + σ_i² − log σ_i² − 1) per image (B,)."""
    return kl_to_standard_terms(mu, sigma.square(), 2 * sigma.log()).sum(-1)


def geometric_penalty(mu: Tensor, sigma: Tensor) -> Tensor:
    """The article's simple regulariser ‖μ‖² + ‖σ − 1‖² per image (B,)."""
    return mu.square().sum(-1) + (sigma - 1).square().sum(-1)


Regulariser = Callable[[Code, Tensor], Tensor]  # (code, z) → a scalar added to the batch-mean loss


def standard_regulariser(kind: str, weight: float) -> Regulariser | None:
    """The loss term of kinds ae (none), vae (KL; `weight` 1 is the VAE) and geo (λ = weight)."""
    if kind == "vae":
        return lambda code, z: weight * kl_to_standard(code.mu, code.sigma).mean()
    if kind == "geo":
        return lambda code, z: weight * geometric_penalty(code.mu, code.sigma).mean()
    return None


# --------------------------------------------------------------------------- the loop


def batches(n: int, batch_size: int, generator: torch.Generator) -> list[Tensor]:
    """One epoch of shuffled index batches; a last batch of one image is dropped (BatchNorm needs two)."""
    parts = list(torch.randperm(n, generator=generator).split(batch_size))
    return parts[:-1] if len(parts) > 1 and len(parts[-1]) < 2 else parts


def train(
    model: Autoencoder,
    train_x: Tensor,
    valid_x: Tensor,
    *,
    regulariser: Regulariser | None,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
    log: logging.Logger | None = None,
) -> pd.DataFrame:
    """Adam on mean_batch(‖x − D(z)‖²) + regulariser(code, z); one history row per epoch (epoch 0 before
    training): training batch loss, validation reconstruction MSE and loss. The seed fixes the batch order
    and the ε draws (the initialisation is fixed by the caller, torch.manual_seed before building)."""
    log = log or logging.getLogger(__name__)
    generator = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    rows = [{"epoch": 0, "train_loss": math.nan, **validation(model, valid_x, regulariser, seed)}]
    started = time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        losses = []
        for index in batches(len(train_x), batch_size, generator):
            x = train_x[index]
            code = model.encode(x)
            z = code.sample(generator)
            loss = squared_error(x, model.decode(z)).mean()
            if regulariser is not None:
                loss = loss + regulariser(code, z)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        rows.append(
            {"epoch": epoch, "train_loss": float(np.mean(losses)), **validation(model, valid_x, regulariser, seed)}
        )
        log.info(
            "epoch %d/%d  train loss %.3f  valid MSE %.3f  (%.1f s)",
            epoch,
            epochs,
            rows[-1]["train_loss"],
            rows[-1]["valid_mse"],
            time.perf_counter() - started,
        )
    return pd.DataFrame(rows)


@torch.no_grad()
def validation(model: Autoencoder, x: Tensor, regulariser: Regulariser | None, seed: int, chunk: int = 1000) -> dict:
    """Reconstruction MSE per image (one z sample, fixed seed) and the loss, in training-mode BN (the batch
    statistics of `chunk` images; the regulariser may need them) without updating running statistics."""
    generator = torch.Generator().manual_seed(seed)
    was_training = model.training
    model.eval()
    if model.norm is not None:
        model.norm.train()  # batch statistics; momentum 0 keeps the running ones as they are
        momentum, model.norm.momentum = model.norm.momentum, 0.0
    errors, reg = [], []
    for part in x.split(chunk):
        code = model.encode(part)
        z = code.sample(generator)
        errors.append(squared_error(part, model.decode(z)))
        reg.append(float(regulariser(code, z)) * len(part) if regulariser is not None else 0.0)
    if model.norm is not None:
        model.norm.momentum = momentum
    model.train(was_training)
    mse = float(torch.cat(errors).mean())
    return {"valid_mse": mse, "valid_loss": mse + sum(reg) / len(x)}


# --------------------------------------------------------------------------- evaluation


@torch.no_grad()
def encode(model: Autoencoder, x: Tensor, chunk: int = 2000) -> Code:
    """Codes of x in eval mode (BN with its running statistics)."""
    was_training = model.training
    model.eval()
    codes = [model.encode(part) for part in x.split(chunk)]
    model.train(was_training)
    mu = torch.cat([c.mu for c in codes])
    return Code(mu, torch.cat([c.sigma for c in codes]) if codes[0].sigma is not None else None)


@torch.no_grad()
def decode(model: Autoencoder, z: Tensor, chunk: int = 2000) -> Tensor:
    was_training = model.training
    model.eval()
    images = torch.cat([model.decode(part) for part in z.split(chunk)])
    model.train(was_training)
    return images


def heldout_mse(model: Autoencoder, x: Tensor, seed: int) -> float:
    """‖x − D(z)‖² per image on held-out x, z one posterior sample (the training-time reconstruction)."""
    code = encode(model, x)
    return float(squared_error(x, decode(model, code.sample(torch.Generator().manual_seed(seed)))).mean())


def gaussian_kl(codes: np.ndarray) -> float:
    """KL(N(m, S) ‖ N(0, I)) = ½(tr S + ‖m‖² − d − log det S), with m, S the codes' mean and covariance:
    how far the aggregate code distribution's first two moments are from the standard normal."""
    codes = np.asarray(codes, dtype=np.float64)
    m, s = codes.mean(0), np.atleast_2d(np.cov(codes, rowvar=False))
    sign, logdet = np.linalg.slogdet(s)
    if sign <= 0:
        return math.inf
    return float(0.5 * (np.trace(s) + m @ m - len(m) - logdet))


def standardise(codes: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """(codes − mean) / std per dimension, with the reference codes' mean and std."""
    return (codes - reference.mean(0)) / reference.std(0)


def active_units(mu: np.ndarray, threshold: float = 0.01) -> int:
    """Dimensions with Var_x[μ_i(x)] > threshold."""
    return int((np.asarray(mu).var(0, ddof=1) > threshold).sum())


# --------------------------------------------------------------------------- the scoring classifier


def scoring_cnn(channels: Sequence[int] = (16, 32), features: int = 128, classes: int = 10) -> nn.Sequential:
    """28×28 → conv5-relu-pool → conv5-relu-pool → `features` (relu) → classes. The penultimate layer
    (everything but the last) gives the features of the Fréchet distance."""
    c1, c2 = channels
    return nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, c1, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(c2 * 16, features),
        nn.ReLU(),
        nn.Linear(features, classes),
    )


def train_scoring_classifier(splits: dict, settings: dict, log: logging.Logger | None = None):
    """The CNN trained by kexue.classify's loop with cross-entropy; returns (model, history)."""
    return classify.train(
        lambda: scoring_cnn(settings["channels"], settings["features"]),
        F.cross_entropy,
        classify.subsample(*splits["train"], settings["train"], settings["seed"]),
        epochs=settings["epochs"],
        batch_size=settings["batch_size"],
        lr=settings["lr"],
        seed=settings["seed"],
        evaluate={"test": splits["test"]},
        log=log,
    )


@torch.no_grad()
def classifier_view(classifier: nn.Sequential, images: Tensor, chunk: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """(penultimate features, softmax probabilities) of images, in eval mode."""
    classifier.eval()
    feats, probs = [], []
    for part in images.split(chunk):
        h = classifier[:-1](part)
        feats.append(h)
        probs.append(torch.softmax(classifier[-1](h), -1))
    return torch.cat(feats).double().numpy(), torch.cat(probs).double().numpy()


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """‖m_a − m_b‖² + tr(S_a + S_b − 2 (S_a S_b)^{1/2}) between Gaussians fitted to two feature sets."""
    ma, mb = a.mean(0), b.mean(0)
    sa, sb = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    root = scipy.linalg.sqrtm(sa @ sb)
    if np.iscomplexobj(root):  # numerical noise of sqrtm on a near-singular product
        root = root.real
    return float((ma - mb) @ (ma - mb) + np.trace(sa + sb - 2 * root))


def sample_scores(classifier: nn.Sequential, images: Tensor, real_features: np.ndarray) -> dict:
    """Fréchet distance to the real images' features, and the mean max-probability (confidence)."""
    feats, probs = classifier_view(classifier, images)
    return {"frechet": frechet_distance(feats, real_features), "max_prob": float(probs.max(1).mean())}


def mean_entropy(probs: np.ndarray) -> float:
    """Mean over images of the classifier's predictive entropy −Σ p log p (nats)."""
    p = np.clip(probs, 1e-12, 1)
    return float(-(p * np.log(p)).sum(1).mean())
