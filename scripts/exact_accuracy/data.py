"""One image set as tensors for every run: a seeded training subsample and the full test set."""

import torch

from kexue import classify
from kexue.jobs import Job, resource_folder, write_atomic

job = Job(snakemake)
p = snakemake.params
folder = resource_folder(snakemake.input)
name = snakemake.wildcards.dataset
splits = classify.image_splits(name, folder / "mnist.pkl.gz" if name == "mnist" else folder)
train = classify.subsample(*splits["train"], p.train_size, p.subsample_seed)
data = {"train": train, "test": splits["test"]}
for split, (x, y) in data.items():
    job.log.info("%s %s: %s images, class counts %s", name, split, tuple(x.shape), torch.bincount(y).tolist())
write_atomic(snakemake.output[0], lambda tmp: torch.save(data, tmp))
