"""One training run: arm (CNN or a capsule variant) × seed, on kexue.classify's loop; then the single-digit test
set and the two-digit pairs."""

import torch

from kexue import capsule as cap
from kexue import classify
from kexue.jobs import Job

job = Job(snakemake)
p, wc = snakemake.params, snakemake.wildcards
data = torch.load(snakemake.input.data)
model, history = classify.train(
    lambda: cap.build(p.model),
    cap.margin_loss,
    data["train"],
    seed=int(wc.seed),
    # the per-epoch curve on a slice of the test set; the full train-set pass is skipped (the CPU budget)
    evaluate={"curve": data["curve"]},
    evaluate_train=False,
    log=job.log,
    **p.training,
)
x_test, y_test = data["test"]
test_accuracy = classify.accuracy(classify.predict(model, x_test), y_test)
pairs = cap.pair_scores(classify.predict(model, data["pairs"][0]), data["pairs"][1])
job.log.info("test accuracy %.4f; pairs %s", test_accuracy, pairs)
job.table(snakemake.output.history, history)
job.metrics(
    snakemake.output.metrics,
    {
        "arm": wc.arm,
        "seed": int(wc.seed),
        "model": p.model,
        **classify.summary(history, model),
        "test_accuracy": test_accuracy,
        "pair": pairs,
        "usage": job.usage(),
    },
)
