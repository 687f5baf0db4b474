"""One noise rate and seed: every γ of the grid on kexue.classify's loop; clean test accuracy, ECE, mean
max-probability and memorisation of the flipped training labels at the last epoch."""

import pandas as pd
import torch

from kexue import classify
from kexue import tvd_loss as tvd
from kexue.jobs import Job

job = Job(snakemake)
p, wc = snakemake.params, snakemake.wildcards
data = torch.load(snakemake.input.data)
x_train, y_train = data["train"]
x_test, y_test = data["test"]
flipped = data["train_flipped"]
histories, runs = [], {}
for gamma in p.gammas:
    job.log.info("γ = %g", gamma)
    model, history = classify.train(
        lambda: classify.mlp([x_train.shape[1], *p.hidden, 10]),
        lambda logits, y, gamma=gamma: tvd.gamma_loss(logits, y, gamma),
        data["train"],
        seed=int(wc.seed),
        evaluate={"valid": data["valid"]},  # the test set once, at the end (every epoch would double the cost)
        log=job.log,
        **p.training,
    )
    probs = torch.softmax(classify.predict(model, x_test), -1)
    train_predicted = classify.predict(model, x_train).argmax(-1)
    runs[f"{gamma:g}"] = classify.summary(history, model) | {
        "gamma": gamma,
        "test_accuracy": classify.accuracy(probs, y_test),
        "valid_accuracy": history["valid_accuracy"].iloc[-1],
        "ece": classify.expected_calibration_error(probs, y_test, p.ece_bins),
        "mean_max_probability": probs.max(-1).values.mean().item(),
        # over-confidence itself: mean confidence minus accuracy on the clean test set (< 0: under-confident)
        "confidence_gap": probs.max(-1).values.mean().item() - classify.accuracy(probs, y_test),
        # memorisation: the flipped training samples predicted with their wrong (noisy) label
        "memorised_flipped": (train_predicted[flipped] == y_train[flipped]).double().mean().item()
        if flipped.any()
        else float("nan"),
    }
    histories.append(history.assign(gamma=gamma))
job.table(snakemake.output.history, pd.concat(histories, ignore_index=True))
job.metrics(
    snakemake.output.metrics,
    {"rate": float(wc.rate), "seed": int(wc.seed), "runs": runs, "usage": job.usage()},
)
