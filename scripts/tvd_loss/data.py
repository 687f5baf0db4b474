"""Fashion-MNIST at one noise rate: disjoint training and validation subsamples with symmetric label noise (the
same noise seed for every γ and training seed), and the clean 10k test set."""

import torch

from kexue import classify
from kexue import tvd_loss as tvd
from kexue.jobs import Job, resource_folder, write_atomic

job = Job(snakemake)
s = snakemake.params.sizes
rate = float(snakemake.wildcards.rate)
splits = classify.image_splits("fashion_mnist", resource_folder(snakemake.input))
x, y = splits["train"]
order = torch.randperm(len(x), generator=torch.Generator().manual_seed(s["data_seed"]))
train, valid = order[: s["train_size"]], order[s["train_size"] : s["train_size"] + s["valid_size"]]
noisy, flipped = tvd.symmetric_noise(y, rate, 10, s["data_seed"])
data = {
    "train": (x[train], noisy[train]),
    "train_clean_labels": y[train],
    "train_flipped": flipped[train],
    "valid": (x[valid], noisy[valid]),
    "test": splits["test"],
}
job.log.info(
    "rate %g: %d training images (%d flipped), %d validation (%d flipped), %d clean test",
    rate,
    len(train),
    int(flipped[train].sum()),
    len(valid),
    int(flipped[valid].sum()),
    len(splits["test"][0]),
)
write_atomic(snakemake.output[0], lambda tmp: torch.save(data, tmp))
