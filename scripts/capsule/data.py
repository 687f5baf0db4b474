"""The MNIST tensors of every capsule run, once: a seeded training subsample, the test set, the two-digit pairs."""

import torch

from kexue import capsule as cap
from kexue import classify
from kexue.jobs import Job, resource_folder, write_atomic

job = Job(snakemake)
p = snakemake.params.settings
splits = classify.image_splits("mnist", resource_folder(snakemake.input) / "mnist.pkl.gz")
x, y = splits["train"]
if p["with_valid"]:  # the article trains on all 60k (our resource splits them 50k train + 10k valid)
    x, y = torch.cat([x, splits["valid"][0]]), torch.cat([y, splits["valid"][1]])
x, y = classify.subsample(x, y, p["train_size"], p["subsample_seed"])
x_test, y_test = splits["test"]
x_test = cap.as_images(x_test, p["crop"])
test_size = p["test_size"] or len(y_test)
pairs = cap.make_pairs(x_test[: p["pair_images"]], y_test[: p["pair_images"]], p["pair_seed"])
data = {
    "train": (cap.as_images(x, p["crop"]), y),
    "test": (x_test[:test_size], y_test[:test_size]),
    "curve": (x_test[: p["curve_size"]], y_test[: p["curve_size"]]),
    "pairs": pairs,
}
for name, (images, labels) in data.items():
    job.log.info("%s: images %s, labels %s", name, tuple(images.shape), tuple(labels.shape))
job.log.info("pairs: %d of %d kept (equal labels dropped)", len(pairs[1]), p["pair_images"])
write_atomic(snakemake.output[0], lambda tmp: torch.save(data, tmp))
