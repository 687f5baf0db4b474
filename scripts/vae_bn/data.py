"""The task's data as tensors, once for every run: PTB sentences (word ids) or binarised MNIST images."""

import torch

from kexue import sources
from kexue.jobs import Job, resource_folder, write_atomic
from kexue.vae_bn import training as vae_training

job = Job(snakemake)
folder = resource_folder(snakemake.input)
task, settings = snakemake.wildcards.task, dict(snakemake.params.settings)
sizes = {split: settings.pop(split) for split in ("train", "valid", "test")}
if task == "ptb":
    texts = {split: (folder / f"ptb.{split}.txt").read_text() for split in sizes}
    data = vae_training.prepare_ptb(texts, settings["max_tokens"], sizes)
    job.log.info("vocabulary %d words; sentences of ≤ %d tokens", len(data["vocab"]), settings["max_tokens"])
else:
    images = {split: torch.from_numpy(x) for split, (x, _) in sources.read_mnist(folder / "mnist.pkl.gz").items()}
    data = vae_training.prepare_mnist(images, settings["threshold"], sizes)
for split in sizes:
    job.log.info("%s: %d examples", split, len(data[split]))
write_atomic(snakemake.output[0], lambda tmp: torch.save(data, tmp))
