"""Why SimSiam does not collapse, from gradient-flow dynamics (kexue.fm/archives/7980).

SimSiam minimises L(φ, θ) = E l(h_φ(f_θ(T₁x)), sg[f_θ(T₂x)]) with a predictor h_φ and a stop-gradient sg on
the target. The article's toy: l = ½(φθ − θ)², the second θ being the target,
    dφ/dt = −(φθ − θ)θ,   dθ/dt = −(φθ − θ)φ                   (stop-gradient; φ² − θ² is conserved)
    dθ/dt = −(φθ − θ)φ + (φθ − θ)                              (full gradient)
    dθ/dt = +(φθ − θ)                                          (only the target branch's gradient)
Without predictor and stop-gradient the loss compares two views, E‖F(T₁x) − F(T₂x)‖², which for i.i.d. views
equals 2·E‖F(Tx) − E_T F(Tx)‖² exactly (a variance identity).

Part B trains a small CNN on MNIST with SimSiam's two-view loss and its ablations (the article-specific loop:
the loss needs two augmented views, a predictor and the stop-gradient), with identical settings for all.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from scipy.integrate import solve_ivp
from sklearn.neighbors import KNeighborsClassifier
from torch import Tensor, nn

# --------------------------------------------------------------------------- part A: the toy ODE

ODE_VARIANTS = ("stop_gradient", "full_gradient", "target_only")


def toy_rhs(variant: str):
    """Right-hand side (dφ/dt, dθ/dt) of the toy gradient flow."""

    def rhs(_, y):
        phi, theta = y
        residual = phi * theta - theta
        dphi = -residual * theta
        if variant == "stop_gradient":
            dtheta = -residual * phi
        elif variant == "full_gradient":
            dtheta = -residual * phi + residual
        elif variant == "target_only":
            dtheta = residual
        else:
            raise ValueError(f"unknown variant {variant!r}; expected one of {ODE_VARIANTS}")
        return [dphi, dtheta]

    return rhs


def integrate_toy(variant: str, phi0: float, theta0: float, t_end: float, rtol: float, points: int = 400) -> dict:
    t_eval = np.concatenate([[0.0], np.geomspace(1e-2, t_end, points - 1)])
    sol = solve_ivp(
        toy_rhs(variant), (0.0, t_end), [phi0, theta0], method="DOP853", rtol=rtol, atol=rtol * 1e-2, t_eval=t_eval
    )
    if not sol.success:
        raise RuntimeError(f"solve_ivp failed for {variant}: {sol.message}")
    phi, theta = sol.y
    return {
        "variant": variant,
        "t": sol.t.tolist(),
        "phi": phi.tolist(),
        "theta": theta.tolist(),
        "phi_end": float(phi[-1]),
        "theta_end": float(theta[-1]),
        "invariant_drift": float(np.abs((phi**2 - theta**2) - (phi0**2 - theta0**2)).max()),
    }


def stop_gradient_limit(phi0: float, theta0: float) -> float:
    """φ² − θ² is conserved and φ → 1, so θ → sqrt(θ₀² − φ₀² + 1)."""
    return math.sqrt(theta0**2 - phi0**2 + 1.0)


# --------------------------------------------------------------------------- augmentations


def random_shift(x: Tensor, pad: int, generator: torch.Generator) -> Tensor:
    """Random crop of the image padded by `pad` zeros: a random integer shift in [−pad, pad]² per image."""
    b, _, h, w = x.shape
    padded = F.pad(x, (pad, pad, pad, pad))
    oy = torch.randint(0, 2 * pad + 1, (b,), generator=generator)
    ox = torch.randint(0, 2 * pad + 1, (b,), generator=generator)
    rows = (oy[:, None] + torch.arange(h))[:, :, None]
    cols = (ox[:, None] + torch.arange(w))[:, None, :]
    return padded[torch.arange(b)[:, None, None], 0, rows, cols].unsqueeze(1)


def random_erase(x: Tensor, p: float, generator: torch.Generator) -> Tensor:
    """Erase (to 0) a random rectangle with probability p: area 2–33 % of the image, aspect ratio 0.3–3.3."""
    b, _, h, w = x.shape
    area = torch.empty(b).uniform_(0.02, 0.33, generator=generator) * h * w
    ratio = torch.exp(torch.empty(b).uniform_(math.log(0.3), math.log(3.3), generator=generator))
    eh = (area * ratio).sqrt().round().clamp(1, h).long()
    ew = (area / ratio).sqrt().round().clamp(1, w).long()
    top = (torch.rand(b, generator=generator) * (h - eh + 1)).floor().long()
    left = (torch.rand(b, generator=generator) * (w - ew + 1)).floor().long()
    r, c = torch.arange(h)[None, :], torch.arange(w)[None, :]
    inside = ((r >= top[:, None]) & (r < (top + eh)[:, None]))[:, :, None] & (
        (c >= left[:, None]) & (c < (left + ew)[:, None])
    )[:, None, :]
    erase = (torch.rand(b, generator=generator) < p)[:, None, None]
    return x * ~(inside & erase).unsqueeze(1)


def augment(x: Tensor, aug: dict, generator: torch.Generator) -> Tensor:
    """The brief's augmentation: random crop with padding, random erasing, Gaussian noise."""
    x = random_shift(x, aug["pad"], generator)
    x = random_erase(x, aug["erase_p"], generator)
    return x + aug["noise"] * torch.randn(x.shape, generator=generator)


def mean_input(x: Tensor, aug: dict, draws: int, generator: torch.Generator) -> Tensor:
    """x̄ = E_T[T(x)], by Monte Carlo over `draws` augmentations (noise averages out to 0)."""
    return torch.stack([augment(x, aug, generator) for _ in range(draws)]).mean(0)


# --------------------------------------------------------------------------- the networks


def conv_block(c_in: int, c_out: int) -> nn.Module:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())


class SimSiamNet(nn.Module):
    """Encoder (3 conv blocks, BN, ReLU, global pooling) → projector (BN, last BN without ReLU) → predictor."""

    def __init__(self, channels=(32, 64, 128), proj: int = 64, pred_hidden: int = 32):
        super().__init__()
        widths = [1, *channels]
        self.encoder = nn.Sequential(
            *[conv_block(a, b) for a, b in zip(widths[:-1], widths[1:], strict=True)],
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        c = channels[-1]
        self.projector = nn.Sequential(
            nn.Linear(c, c, bias=False),
            nn.BatchNorm1d(c),
            nn.ReLU(),
            nn.Linear(c, proj, bias=False),
            nn.BatchNorm1d(proj),
        )
        self.predictor = nn.Sequential(
            nn.Linear(proj, pred_hidden, bias=False),
            nn.BatchNorm1d(pred_hidden),
            nn.ReLU(),
            nn.Linear(pred_hidden, proj),
        )

    def project(self, x: Tensor) -> Tensor:
        return self.projector(self.encoder(x))


def negative_cosine(p: Tensor, z: Tensor) -> Tensor:
    return -F.cosine_similarity(p, z, dim=1).mean()


TRAIN_VARIANTS = ("simsiam", "no_stop_gradient", "no_predictor", "mean_target_stop", "mean_target_both")


def simsiam_loss(net: SimSiamNet, x1: Tensor, x2: Tensor, predictor: bool, stop_gradient: bool) -> Tensor:
    """Symmetric loss ½D(p₁, sg z₂) + ½D(p₂, sg z₁), D = negative cosine; p = z without a predictor."""
    z1, z2 = net.project(x1), net.project(x2)
    p1, p2 = (net.predictor(z1), net.predictor(z2)) if predictor else (z1, z2)
    if stop_gradient:
        z1, z2 = z1.detach(), z2.detach()
    return 0.5 * negative_cosine(p1, z2) + 0.5 * negative_cosine(p2, z1)


def mean_target_loss(net: SimSiamNet, x: Tensor, x_bar: Tensor, stop_gradient: bool) -> Tensor:
    """‖F(T(x)) − F(x̄)‖² for unit vectors, i.e. 2 − 2cos: the open question's target F(x̄), no predictor."""
    z, target = net.project(x), net.project(x_bar)
    if stop_gradient:
        target = target.detach()
    return 2 + 2 * negative_cosine(z, target)


def variant_loss(variant: str, net: SimSiamNet, x: Tensor, x_bar: Tensor, aug: dict, g: torch.Generator) -> Tensor:
    if variant == "simsiam":
        return simsiam_loss(net, augment(x, aug, g), augment(x, aug, g), predictor=True, stop_gradient=True)
    if variant == "no_stop_gradient":
        return simsiam_loss(net, augment(x, aug, g), augment(x, aug, g), predictor=True, stop_gradient=False)
    if variant == "no_predictor":
        return simsiam_loss(net, augment(x, aug, g), augment(x, aug, g), predictor=False, stop_gradient=True)
    if variant in ("mean_target_stop", "mean_target_both"):
        return mean_target_loss(net, augment(x, aug, g), x_bar, stop_gradient=variant == "mean_target_stop")
    raise ValueError(f"unknown variant {variant!r}; expected one of {TRAIN_VARIANTS}")


# --------------------------------------------------------------------------- collapse measurements


@torch.no_grad()
def embed(net: SimSiamNet, x: Tensor, batch: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """(encoder features, projector outputs) in eval mode."""
    was = net.training
    net.eval()
    feats, outs = [], []
    for i in range(0, len(x), batch):
        h = net.encoder(x[i : i + batch])
        feats.append(h)
        outs.append(net.projector(h))
    net.train(was)
    return torch.cat(feats).numpy(), torch.cat(outs).numpy()


def output_std(z: np.ndarray) -> float:
    """Mean over dimensions of the std of the L2-normalised outputs: ≈ 1/sqrt(d) when spread, 0 when collapsed."""
    z = z / np.linalg.norm(z, axis=1, keepdims=True).clip(1e-12)
    return float(z.std(axis=0).mean())


def effective_rank(z: np.ndarray) -> float:
    """exp of the entropy of the normalised singular values of the (centred) output matrix."""
    s = np.linalg.svd(z - z.mean(0), compute_uv=False)
    p = s / s.sum()
    p = p[p > 0]
    return float(np.exp(-(p * np.log(p)).sum()))


def knn_accuracy(bank: np.ndarray, bank_labels: np.ndarray, query: np.ndarray, labels: np.ndarray, k: int) -> float:
    """k-NN accuracy with cosine distance (scikit-learn, brute force)."""
    knn = KNeighborsClassifier(n_neighbors=k, metric="cosine", algorithm="brute", n_jobs=1)
    knn.fit(bank, bank_labels)
    return float((knn.predict(query) == labels).mean())


# --------------------------------------------------------------------------- one training run


def train(
    variant: str,
    data: dict,
    *,
    channels,
    proj: int,
    pred_hidden: int,
    epochs: int,
    batch_size: int,
    base_lr: float,
    momentum: float,
    weight_decay: float,
    aug: dict,
    mean_draws: int,
    knn_k: int,
    curve_images: int,
    seed: int,
    log=None,
) -> dict:
    """One variant; per epoch the loss, output std and effective rank on the first `curve_images` test
    images; at the end the same on the whole test set and the kNN accuracy (bank: the training images)."""
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    net = SimSiamNet(channels, proj, pred_hidden)
    lr = base_lr * batch_size / 256
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    x = data["train"]
    x_bar = mean_input(x, aug, mean_draws, g) if variant.startswith("mean_target") else x
    probe = data["test"][:curve_images]
    steps_per_epoch = len(x) // batch_size
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs * steps_per_epoch)
    curve = []
    for epoch in range(1, epochs + 1):
        order = torch.randperm(len(x), generator=g)
        losses = []
        for s in range(steps_per_epoch):
            idx = order[s * batch_size : (s + 1) * batch_size]
            loss = variant_loss(variant, net, x[idx], x_bar[idx], aug, g)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            schedule.step()
            losses.append(loss.item())
        _, z = embed(net, probe)
        curve.append(
            {
                "epoch": epoch,
                "loss": float(np.mean(losses)),
                "output_std": output_std(z),
                "effective_rank": effective_rank(z),
            }
        )
        if log:
            log.info("%s seed %d epoch %d: %s", variant, seed, epoch, curve[-1])
    bank, _ = embed(net, x)
    feats, z = embed(net, data["test"])
    d = z.shape[1]
    return {
        "variant": variant,
        "seed": seed,
        "dim": d,
        "curve": curve,
        "output_std": output_std(z),
        "output_std_sqrt_d": output_std(z) * math.sqrt(d),
        "effective_rank": effective_rank(z),
        "knn_accuracy": knn_accuracy(bank, data["train_labels"], feats, data["test_labels"], knn_k),
        "steps": epochs * steps_per_epoch,
    }


def random_feature_knn(data: dict, channels, knn_k: int, seed: int) -> float:
    """kNN accuracy of the frozen encoder at its random initialisation ("deep image prior")."""
    torch.manual_seed(seed)
    net = SimSiamNet(channels)
    bank, _ = embed(net, data["train"])
    feats, _ = embed(net, data["test"])
    return knn_accuracy(bank, data["train_labels"], feats, data["test_labels"], knn_k)


def mnist_images(splits: dict, train_images: int) -> dict:
    """kexue.sources.read_mnist's splits as (n, 1, 28, 28) tensors: the first `train_images` training images
    (the kNN bank too) and the 10k test images."""
    return {
        "train": torch.from_numpy(splits["train"][0][:train_images]).reshape(-1, 1, 28, 28),
        "train_labels": splits["train"][1][:train_images],
        "test": torch.from_numpy(splits["test"][0]).reshape(-1, 1, 28, 28),
        "test_labels": splits["test"][1],
    }


# --------------------------------------------------------------------------- the factor two


def random_mlp(widths, seed: int) -> nn.Module:
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    for a, b in zip(widths[:-1], widths[1:], strict=True):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def all_shifts(x: Tensor, pad: int) -> Tensor:
    """Every shift of every image: (len(x), (2·pad + 1)², 784) — the augmentation distribution exactly."""
    padded = F.pad(x.reshape(-1, 1, 28, 28), (pad, pad, pad, pad))
    views = [padded[:, 0, dy : dy + 28, dx : dx + 28] for dy in range(2 * pad + 1) for dx in range(2 * pad + 1)]
    return torch.stack(views, 1).reshape(len(x), -1, 784)


@torch.no_grad()
def factor_two(x: Tensor, widths, pad: int, pairs: int, batch: int, seed: int) -> dict:
    """Two-view loss E‖F(T₁x) − F(T₂x)‖² (Monte Carlo over i.i.d. shift pairs) against the alternating
    objective at its optimum, E‖F(Tx) − E_T F(Tx)‖² (exact: every shift enumerated), and the variance of the
    per-batch estimates of the two forms."""
    net = random_mlp(widths, seed)
    g = torch.Generator().manual_seed(seed)
    outs = net(all_shifts(x, pad))  # (N, S, d)
    mu = outs.mean(1, keepdim=True)
    alternating_exact = float(((outs - mu) ** 2).sum(-1).mean())
    n, s = outs.shape[:2]
    i = torch.arange(n)[:, None].expand(n, pairs)
    t1, t2, t = (torch.randint(0, s, (n, pairs), generator=g) for _ in range(3))
    two_view = ((outs[i, t1] - outs[i, t2]) ** 2).sum(-1)  # (N, pairs)
    one_view = ((outs[i, t] - mu[:, 0][i]) ** 2).sum(-1)
    # per-batch estimates: batches of `batch` images, one draw each
    two_b = two_view.T.reshape(-1, batch).mean(1)
    one_b = one_view.T.reshape(-1, batch).mean(1)
    return {
        "images": n,
        "shifts": s,
        "pairs_per_image": pairs,
        "two_view_mc": float(two_view.mean()),
        "alternating_exact": alternating_exact,
        "alternating_mc": float(one_view.mean()),
        "ratio": float(two_view.mean()) / alternating_exact,
        "batch": batch,
        "batch_variance_two_view": float(two_b.var()),
        "batch_variance_alternating": float(one_b.var()),
        "variance_ratio": float(two_b.var() / one_b.var()),
        # on the same scale (the two-view loss halved), the two-view estimate is still the noisier one
        "variance_ratio_same_scale": float((two_b / 2).var() / one_b.var()),
    }
