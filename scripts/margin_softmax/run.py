"""One margin and seed: AM-softmax on kexue.classify's loop, closed- and open-set retrieval, the class diameter."""

import torch

from kexue import margin_softmax as ms
from kexue.jobs import Job

job = Job(snakemake)
wc = snakemake.wildcards
data = torch.load(snakemake.input.data)
metrics, history = ms.train_and_evaluate(data, float(wc.margin), snakemake.params.settings, int(wc.seed), job.log)
job.log.info("m = %s: closed accuracy %.4f, retrieval %s", wc.margin, metrics["closed_accuracy"], metrics["retrieval"])
job.table(snakemake.output.history, history)
job.metrics(snakemake.output.metrics, metrics | {"usage": job.usage()})
