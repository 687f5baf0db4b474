"""One BN-VAE run (task, arm, seed): steps.csv (the KL floor check at every step), epochs.csv and the
held-out metrics (KL, AU, MI, IW-NLL, PPL) in eval mode."""

import torch

from kexue.jobs import Job
from kexue.vae_bn import models as vae
from kexue.vae_bn import training as vae_training

job = Job(snakemake)
wc, p = snakemake.wildcards, snakemake.params
seed, arm = int(wc.seed), dict(p.arm)
schedule = {"kl_start": arm.pop("kl_start", 1.0), "warm_up_epochs": arm.pop("warm_up_epochs", 0)}
head = arm.pop("head")
data = torch.load(snakemake.input.data)
torch.manual_seed(seed)  # the initialisation; equal across arms at one seed
model = vae_training.make_model(data, p.task["model"], head, arm)
job.log.info(
    "%s, arm %s (head %s %s, %s), seed %d: %d parameters",
    wc.task,
    wc.arm,
    head,
    arm,
    schedule,
    seed,
    sum(q.numel() for q in model.parameters()),
)
steps, epochs = vae_training.train_vae(model, data, **p.task["train"], **schedule, seed=seed, log=job.log)
held_out = vae_training.evaluate_vae(model, data, split="test", **p.task["eval"], seed=seed)
job.log.info("test: %s", {k: round(v, 4) if isinstance(v, float) else v for k, v in held_out.items()})
job.table(snakemake.output.steps, steps)
job.table(snakemake.output.epochs, epochs)
job.metrics(
    snakemake.output.metrics,
    {
        "task": wc.task,
        "arm": wc.arm,
        "head": head,
        "seed": seed,
        "nominal_floor": vae.kl_lower_bound(model.head),
        "steps": len(steps),
        "violations": int(steps["violated"].sum()),
        "nominal_checked_steps": int(steps["nominal_checked"].sum()),
        "min_floor_margin": float((steps["kl"] - steps["floor"]).min()),
        "moments": vae_training.moment_summary(steps),
        "test": held_out,
        "usage": job.usage(),
    },
)
