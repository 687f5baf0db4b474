"""C2.1–C2.3 on a small MLP with fixed seeds: optimizer state per parameter, Lion(β1 = β2, λ = 0) against
SIGNUM over T steps, and Adam's first step against sign(g₁) (plus the early steps' mean |u_t|, informational)."""

import torch
import torch.nn.functional as F
from torch import nn

from kexue.jobs import Job
from kexue.lion import optimizer as lion

job = Job(snakemake)
s, optimizers = snakemake.params.settings, snakemake.params.optimizers


def mlp(seed: int, dtype=torch.float32) -> nn.Module:
    torch.manual_seed(seed)
    widths = [16, *s["hidden"], 4]
    layers = [m for a, b in zip(widths[:-2], widths[1:-1], strict=True) for m in (nn.Linear(a, b), nn.Tanh())]
    return nn.Sequential(*layers, nn.Linear(widths[-2], widths[-1])).to(dtype)


def regression_batches(steps: int, seed: int, dtype=torch.float32) -> list:
    """Deterministic batches: x ~ N(0, I), y = a fixed random linear map of x plus noise."""
    gen = torch.Generator().manual_seed(seed + 1)
    w = torch.randn(16, 4, generator=gen)
    xs = [torch.randn(32, 16, generator=gen) for _ in range(steps)]
    return [(x.to(dtype), (x @ w + 0.1 * torch.randn(32, 4, generator=gen)).to(dtype)) for x in xs]


def mse(model, batch):
    x, y = batch
    return F.mse_loss(model(x), y)


# C2.1: state tensors of parameter size after one step, counted against P
model, batch = mlp(s["seed"]), regression_batches(1, s["seed"])[0]
P = sum(p.numel() for p in model.parameters())
counts, state_bytes = {}, {}
for name, make in {
    "lion": lambda ps: lion.Lion(ps, lr=s["lr"], betas=optimizers["lion"]["betas"]),
    "adamw": lambda ps: torch.optim.AdamW(
        ps, lr=s["lr"], betas=optimizers["adamw"]["betas"], eps=optimizers["adamw"]["eps"], weight_decay=0.0
    ),
}.items():
    opt = make(model.parameters())
    opt.zero_grad()
    mse(model, batch).backward()
    opt.step()
    counts[name], state_bytes[name] = lion.state_numel(opt), lion.state_bytes(opt)
    job.log.info(
        "%s: %d state elements of parameter shape for P = %d; %d state bytes", name, counts[name], P, state_bytes[name]
    )

# C2.2: Lion(β, β, λ = 0) and SIGNUM(β) from the same weights on the same batches; the default Lion
# (β2 = 0.99) beside them shows that the comparison can tell the difference
batches, gaps = regression_batches(s["steps"], s["seed"]), {}
for name, betas in {"equal_betas": (s["beta"], s["beta"]), "default_betas": optimizers["lion"]["betas"]}.items():
    a, b = mlp(s["seed"]), mlp(s["seed"])
    gaps[name] = lion.trajectory_gaps(
        [
            (a, lion.Lion(a.parameters(), lr=s["lr"], betas=betas, weight_decay=0.0)),
            (b, lion.Signum(b.parameters(), lr=s["lr"], beta=s["beta"])),
        ],
        batches,
        mse,
    )
    job.log.info(
        "Lion%s vs SIGNUM(%g): max |θ_Lion − θ_SIGNUM| over %d steps = %.3g",
        tuple(betas),
        s["beta"],
        s["steps"],
        max(gaps[name]),
    )

# C2.3: Adam's first step is sign(g₁) (float64, ε = 0); then mean |u_t| for t ≤ 20 (informational)
model = mlp(s["seed"], torch.float64)
mse(model, regression_batches(1, s["seed"], torch.float64)[0]).backward()
first_step_error = lion.adam_first_step_error(model, lr=s["lr"], betas=optimizers["adamw"]["betas"])
sizes = lion.adam_update_sizes(
    mlp(s["seed"], torch.float64),
    regression_batches(20, s["seed"], torch.float64),
    mse,
    lr=s["lr"],
    betas=optimizers["adamw"]["betas"],
)
job.log.info(
    "Adam first step: max |Δθ + lr·sign(g₁)|/lr = %.3g; mean |u_t|, t = 1…20: %s",
    first_step_error,
    " ".join(f"{u:.3f}" for u in sizes),
)

job.metrics(
    snakemake.output[0],
    {
        "scale": f"MLP 16-{'-'.join(map(str, s['hidden']))}-4, {P} parameters",
        "parameters": P,
        "state_numel": counts,
        "lion_state_per_parameter": counts["lion"] / P,
        "adamw_state_per_parameter": counts["adamw"] / P,
        "state_bytes": state_bytes,
        "signum_max_abs_diff": max(gaps["equal_betas"]),
        "signum_gaps": gaps,
        "adam_first_step_error": first_step_error,
        "adam_update_sizes": sizes,
    },
)
