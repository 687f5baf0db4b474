"""One SimSiam variant and seed on MNIST: per-epoch loss and output std, final std, effective rank, kNN."""

import torch

from kexue import simsiam as ss
from kexue import sources
from kexue.jobs import Job, resource_folder, write_json

job = Job(snakemake)
torch.set_num_threads(snakemake.threads)
p = dict(snakemake.params.settings)
data = ss.mnist_images(sources.read_mnist(resource_folder(snakemake.input) / "mnist.pkl.gz"), p.pop("train_images"))
p.pop("seeds")
p.pop("threads")
run = ss.train(snakemake.wildcards.variant, data, seed=int(snakemake.wildcards.seed), log=job.log, **p)
job.log.info("final: %s", {k: v for k, v in run.items() if k != "curve"})
write_json(snakemake.output[0], {**run, "usage": job.usage(), "provenance": job.record()})
