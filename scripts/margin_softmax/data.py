"""Fashion-MNIST for the margin article: a seeded training subsample of the training classes (0 … k − 1), the
closed-set test images (those classes) and the open-set test images (the held-out classes)."""

import torch

from kexue import classify
from kexue.jobs import Job, resource_folder, write_atomic

job = Job(snakemake)
s = snakemake.params.sizes
splits = classify.image_splits("fashion_mnist", resource_folder(snakemake.input))
(x, y), (x_test, y_test) = splits["train"], splits["test"]
seen = y < s["train_classes"]
data = {
    "train": classify.subsample(x[seen], y[seen], s["train_size"], s["subsample_seed"]),
    "closed": (x_test[y_test < s["train_classes"]], y_test[y_test < s["train_classes"]]),
    "open": (x_test[y_test >= s["train_classes"]], y_test[y_test >= s["train_classes"]]),
}
for name, (images, labels) in data.items():
    job.log.info("%s: %d images, class counts %s", name, len(images), torch.bincount(labels).tolist())
write_atomic(snakemake.output[0], lambda tmp: torch.save(data, tmp))
