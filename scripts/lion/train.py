"""One training run of the Lion-vs-AdamW experiments: history.csv (one row per evaluation) and metrics.

The character LM trains on kexue.lm's loop, the MNIST MLP on kexue.classify's (kexue/lion/training.py)."""

import torch

from kexue import classify
from kexue.jobs import Job
from kexue.lion import training

job = Job(snakemake)
wc, p = snakemake.wildcards, snakemake.params
batch, examples, seed = int(wc.batch), int(wc.examples), int(wc.seed)
data = torch.load(snakemake.input.data)
common = dict(betas=p.optimizer["betas"], eps=p.optimizer.get("eps"), log=job.log, **p.schedule)
if wc.task == "ptb_char":
    task = training.CharLM(data, **p.model)
    unit = task.unit
    history, summary = training.train(
        task,
        wc.optimizer,
        float(wc.lr),
        float(wc.wd),
        batch,
        training.steps_for_budget(examples, batch),
        seed,
        **common,
    )
else:
    # every MNIST run trains on the same subsample (seed 0 of the subsampling, not the run's seed)
    data["train"] = classify.subsample(*data["train"], p.train_examples, 0)
    epochs = training.mnist_epochs(examples, len(data["train"][0]))
    unit = "nats"
    common.pop("evaluations")  # classify evaluates once per epoch
    history, summary = training.train_mnist(
        data, p.model["hidden"], wc.optimizer, float(wc.lr), float(wc.wd), batch, epochs, seed, **common
    )
job.table(snakemake.output.history, history)
job.metrics(
    snakemake.output.metrics,
    {
        "task": wc.task,
        "unit": unit,
        "optimizer": wc.optimizer,
        "lr": float(wc.lr),
        "weight_decay": float(wc.wd),
        "batch_size": batch,
        "budget_examples": examples,
        "seed": seed,
        **summary,
        "usage": job.usage(),
    },
)
