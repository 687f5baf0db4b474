"""C2.5, one cell of the batch sweep: one optimizer at one batch size B on MNIST, a fixed budget of examples.

The lr is tuned on a 3-point grid at the tuning seed, then the best lr trains at the evaluation seeds (other
seeds, so that the value that picked the lr is not also the value reported). The grid is centred on the
optimizer's tuned lr of the task (AdamW: its best grid cell; Lion: the best transfer ratio of C2.4b, mean
over seeds) scaled by √(B / b), b the task's batch size; λ is that setting's λ."""

import math

import pandas as pd
import torch

from kexue import classify
from kexue.jobs import Job, read_json
from kexue.lion import training

job = Job(snakemake)
wc, p = snakemake.wildcards, snakemake.params
optimizer, batch = wc.optimizer, int(wc.batch)
sweep = p.settings

if optimizer == "adamw":
    tuned = read_json(snakemake.input.tuned)["adamw"]
    centre, weight_decay = tuned["lr"], tuned["weight_decay"]
else:  # Lion's setting along the transfer line, the lowest mean final loss over the transfer seeds
    runs = pd.DataFrame([read_json(path) for path in snakemake.input.transfer])
    runs = runs[runs["optimizer"] == "lion"]
    means = runs.groupby(["lr", "weight_decay"])["final_val_loss"].mean()
    centre, weight_decay = means.idxmin()
lrs = [float(f"{centre * math.sqrt(batch / p.task_batch) * f:.4g}") for f in sweep["lr_factors"]]
job.log.info("%s at B = %d: λ %g, lr grid %s", optimizer, batch, weight_decay, lrs)

data = torch.load(snakemake.input.data)
data["train"] = classify.subsample(*data["train"], p.train_examples, 0)
epochs = training.mnist_epochs(sweep["budget_examples"], len(data["train"][0]))


def run(lr: float, seed: int) -> dict:
    _, summary = training.train_mnist(
        data,
        p.model["hidden"],
        optimizer,
        lr,
        weight_decay,
        batch,
        epochs,
        seed,
        betas=p.optimizer["betas"],
        eps=p.optimizer.get("eps"),
        log=job.log,
        **{k: v for k, v in p.schedule.items() if k != "evaluations"},
    )
    # a diverged run counts with its initial loss when its final one is not finite (always worse than learning)
    value = summary["final_val_loss"] if math.isfinite(summary["final_val_loss"]) else summary["initial_val_loss"]
    job.log.info("lr %g seed %d: val loss %.4f%s", lr, seed, value, " (diverged)" if summary["diverged"] else "")
    return {"lr": lr, "seed": seed, "value": value, "diverged": summary["diverged"], "steps": summary["steps"]}


grid = [run(lr, sweep["tuning_seed"]) for lr in lrs]
best = min(grid, key=lambda r: r["value"])["lr"]
evaluation = [run(best, seed) for seed in sweep["seeds"]]
job.metrics(
    snakemake.output[0],
    {
        "optimizer": optimizer,
        "batch_size": batch,
        "weight_decay": float(weight_decay),
        "centre_lr": float(centre),
        "lr_grid": lrs,
        "best_lr": best,
        "tuning": grid,
        "seeds": list(sweep["seeds"]),
        "values": [r["value"] for r in evaluation],
        "diverged": sum(r["diverged"] for r in evaluation),
        "steps": evaluation[0]["steps"],
        "usage": job.usage(),
    },
)
