"""adaptive_margin, one seed: start from the m = 0 run; set m to the cosine margin of its estimated class diameter
(kexue.margin_softmax.adaptive_margin), retrain from the same seed, estimate again, `iterations` times."""

import pandas as pd
import torch

from kexue import margin_softmax as ms
from kexue.jobs import Job, read_json

job = Job(snakemake)
p, seed = snakemake.params, int(snakemake.wildcards.seed)
data = torch.load(snakemake.input.data)
start = read_json(snakemake.input.start)
steps = [{"iteration": 0, "margin": start["margin"], **start["adaptive"], "retrieval": start["retrieval"]}]
histories = []
for iteration in range(1, p.iterations + 1):
    margin = steps[-1]["cosine_margin"]
    job.log.info("iteration %d: m = %.4f", iteration, margin)
    metrics, history = ms.train_and_evaluate(data, margin, p.settings, seed, job.log)
    steps.append(
        {
            "iteration": iteration,
            "margin": margin,
            **metrics["adaptive"],
            "retrieval": metrics["retrieval"],
            "closed_accuracy": metrics["closed_accuracy"],
            "curves": metrics["curves"],
        }
    )
    histories.append(history.assign(iteration=iteration, margin=margin))
    job.log.info("iteration %d: open mAP %.4f", iteration, metrics["retrieval"]["open"]["map"])
steps[0]["closed_accuracy"] = start["closed_accuracy"]
job.table(snakemake.output.history, pd.concat(histories, ignore_index=True))
job.metrics(snakemake.output.metrics, {"seed": seed, "steps": steps, "usage": job.usage()})
