"""One training run of the Lion-vs-AdamW experiments: history.csv (one row per evaluation) and metrics."""

import torch

from kexue.jobs import Job
from kexue.lion import training

job = Job(snakemake)
wc, p = snakemake.wildcards, snakemake.params
batch, examples = int(wc.batch), int(wc.examples)
task = training.make_task(wc.task, torch.load(snakemake.input.data), p.model)
history, summary = training.train(
    task,
    wc.optimizer,
    float(wc.lr),
    float(wc.wd),
    batch,
    training.steps_for_budget(examples, batch),
    int(wc.seed),
    betas=p.optimizer["betas"],
    eps=p.optimizer.get("eps"),
    log=job.log,
    **p.schedule,
)
job.table(snakemake.output.history, history)
job.metrics(
    snakemake.output.metrics,
    {
        "task": wc.task,
        "unit": task.unit,
        "optimizer": wc.optimizer,
        "lr": float(wc.lr),
        "weight_decay": float(wc.wd),
        "batch_size": batch,
        "budget_examples": examples,
        "seed": int(wc.seed),
        **summary,
        "usage": job.usage(),
    },
)
