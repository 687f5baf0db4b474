"""The task's data as tensors, encoded once for every training run: PTB characters or MNIST images."""

import torch

from kexue import classify, lm
from kexue.jobs import Job, resource_folder, write_atomic

job = Job(snakemake)
folder = resource_folder(snakemake.input)
if snakemake.wildcards.task == "ptb_char":
    data = lm.char_ptb(folder)
else:  # kexue.classify's reader: 50k training and 10k validation images (the test split is not used)
    splits = classify.image_splits("mnist", folder / "mnist.pkl.gz")
    data = {split: splits[split] for split in ("train", "valid")}
for name, value in data.items():
    shape = (
        f"{len(value)} symbols"
        if name == "vocab"
        else [tuple(v.shape) for v in value]
        if isinstance(value, tuple)
        else tuple(value.shape)
    )
    job.log.info("%s: %s", name, shape)
write_atomic(snakemake.output[0], lambda tmp: torch.save(data, tmp))
