"""The claims' quantities: per regime (lr) the variants' test losses; the noise-dominated regime is the lr
where true accumulation beats plain Adam by the most (the brief's rule), and both claims are decided there."""

import numpy as np

from kexue import momentum_accumulation as ma
from kexue.jobs import Job, read_json

job = Job(snakemake)
regimes = {}
for path in snakemake.input.runs:
    data = read_json(path)
    regimes[f"{data['lr']:g}"] = {"lr": data["lr"], "runs": data["runs"], **ma.regime_summary(data["runs"])}
    job.log.info("lr %g: %s", data["lr"], regimes[f"{data['lr']:g}"]["mean_test_loss"])
noisy = max(regimes, key=lambda lr: regimes[lr]["noise_gap"])
quiet = min(regimes, key=lambda lr: regimes[lr]["noise_gap"])
decision = {k: v for k, v in regimes[noisy].items() if k != "runs"}
m = decision["mean_test_loss"]
label = (
    f"lr {noisy}, noise-dominated (accumulation beats plain Adam by {decision['noise_gap']:.3g} nats)"
    if decision["noise_gap"] > 0
    else f"lr {noisy}, not noise-dominated (no lr where accumulation beats plain Adam)"
)
decision["regime"] = label
decision["fewer_updates_summary"] = (
    f"{label}: test loss χ-only {m['chi_only']:.4f}, plain {m['plain']:.4f}, lr/k control {m['lr_over_k']:.4f}"
)
decision["adam_summary"] = (
    f"{label}: test loss in-momentum {m['in_momentum']:.4f}, accumulated {m['accumulated']:.4f}, "
    f"plain {m['plain']:.4f}; ratio {decision['adam_similarity_ratio']:.3f}"
)
p = snakemake.params
job.metrics(
    snakemake.output[0],
    {
        "scale": f"MLP 784-{'-'.join(map(str, p.hidden))}-10, {p.train_images} MNIST images, batch {p.batch_size}, "
        f"k = {p.k}, one pass, {len(p.seeds)} seeds (CPU proxy of the article's setting)",
        "regimes": {lr: {k: v for k, v in r.items() if k != "runs"} for lr, r in regimes.items()},
        "runs": [run for r in regimes.values() for run in r["runs"]],
        "noise_dominated": decision,
        "quiet": {k: v for k, v in regimes[quiet].items() if k != "runs"} | {"lr": regimes[quiet]["lr"]},
        "no_noise_dominated_regime": bool(decision["noise_gap"] <= 0),
        "updates": {
            v: int(np.mean([r["updates"] for r in regimes[noisy]["runs"] if r["variant"] == v])) for v in ma.VARIANTS
        },
    },
)
