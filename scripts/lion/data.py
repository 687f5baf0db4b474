"""The task's data as tensors, encoded once for every training run: PTB characters or MNIST images."""

import torch

from kexue import lm
from kexue.jobs import Job, resource_folder, write_atomic
from kexue.lion import training

job = Job(snakemake)
folder = resource_folder(snakemake.input)
task = snakemake.wildcards.task
data = lm.char_ptb(folder) if task == "ptb_char" else training.prepare_mnist(folder / "mnist.pkl.gz")
for name, value in data.items():
    job.log.info("%s: %s", name, f"{len(value)} symbols" if name == "vocab" else tuple(value.shape))
write_atomic(snakemake.output[0], lambda tmp: torch.save(data, tmp))
