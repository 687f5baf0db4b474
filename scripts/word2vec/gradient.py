"""The random-softmax gradient against the exact full-softmax gradient at a fixed mid-training state."""

import numpy as np

from kexue import word2vec as w2v
from kexue.jobs import Job, resource_folder

p = snakemake.params
job = Job(snakemake, seeds=[p.seed])
data = w2v.ptb_data(resource_folder(snakemake.input.ptb), p.max_tokens)
arm = {"loss": "random", "negatives": min(p.negatives), "tied": False}
result = w2v.train(data, arm, p.seed, p.dim, p.window, p.batch, p.lr, p.subsample, epochs=p.train_epochs)
job.log.info(
    "trained %d epoch(s), %d steps, loss per epoch %s", p.train_epochs, result["steps"], result["loss_per_epoch"]
)
model = result["model"]
contexts, labels = w2v.cbow_examples(data["valid"], p.window, len(data["vocab"]))
cosines = w2v.gradient_cosines(model, contexts[: p.examples], labels[: p.examples], p.negatives, p.draws, p.seed)
for row in cosines["by_negatives"]:
    job.log.info("%s", row)
values = [row["cosine_mean_gradient"] for row in cosines["by_negatives"]]
job.metrics(
    snakemake.output[0],
    {
        "scale": f"untied CBOW after {p.train_epochs} epoch(s) of random softmax; {p.examples} held-out examples, "
        f"{p.draws} draws per k",
        "train_steps": result["steps"],
        "loss_per_epoch": result["loss_per_epoch"],
        **cosines,
        "negatives": p.negatives,
        "cosines": values,
        "min_step_increase": float(np.min(np.diff(values))) if len(values) > 1 else float("nan"),
        "cosine_at_largest": values[int(np.argmax(p.negatives))],
    },
)
