"""The feature network of the Fréchet distance: an MLP classifier (kexue.classify's loop) on the training
images of digits (scikit-learn) or MNIST (full tier); its penultimate layer gives the features."""

import torch

from kexue import classify, ddpm, sources
from kexue.jobs import Job, write_atomic

job = Job(snakemake)
p = snakemake.params.classifier
if snakemake.wildcards.dataset == "digits":
    split = ddpm.digits(snakemake.params.heldout, seed=0)
    train_set, test_set = split["train"], split["heldout"]
else:
    splits = sources.read_mnist(snakemake.input.data[1])
    x, y = splits["train"]
    n = snakemake.params.train_size
    train_set, test_set = (2 * x[:n] - 1, y[:n]), (2 * splits["valid"][0] - 1, splits["valid"][1])  # [−1, 1]
train_set, test_set = [tuple(torch.from_numpy(a) for a in pair) for pair in (train_set, test_set)]
model, history = classify.train(
    lambda: classify.mlp(p["widths"]),
    torch.nn.functional.cross_entropy,
    train_set,
    epochs=p["epochs"],
    batch_size=p["batch_size"],
    lr=p["lr"],
    seed=p["seed"],
    evaluate={"heldout": test_set},
    log=job.log,
)
job.log.info("held-out accuracy %.4f", history["heldout_accuracy"].iloc[-1])
state = {
    "widths": p["widths"],
    "state_dict": model.state_dict(),
    "heldout_accuracy": history["heldout_accuracy"].iloc[-1],
}
write_atomic(snakemake.output[0], lambda tmp: torch.save(state, tmp))
