"""One noise rate: every seed and every γ of the grid on kexue.classify's loop; clean test accuracy, ECE, mean
max-probability and memorisation of the flipped training labels at the last epoch. One job per rate, not per
(rate, seed): a job's start-up (Python, torch, the data) is paid once for its seeds."""

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


def run(gamma: float, seed: int) -> tuple[dict, pd.DataFrame]:
    """One model: its last-epoch numbers and its history."""
    model, history = classify.train(
        lambda: classify.mlp([x_train.shape[1], *p.hidden, 10]),
        lambda logits, y: tvd.gamma_loss(logits, y, gamma),
        data["train"],
        seed=seed,
        evaluate={"valid": data["valid"]},  # the test set once, at the end (every epoch would double the cost)
        # no full pass over the training set every epoch (it cost about a third of the job): the claims read the
        # last epoch only, and the final training accuracy comes from the prediction below (memorisation needs it)
        evaluate_train=False,
        log=job.log,
        **p.training,
    )
    probs = torch.softmax(classify.predict(model, x_test), -1)
    train_scores = classify.predict(model, x_train)
    train_predicted = train_scores.argmax(-1)
    numbers = classify.summary(history, model) | {
        "gamma": gamma,
        "test_accuracy": classify.accuracy(probs, y_test),
        "valid_accuracy": history["valid_accuracy"].iloc[-1],
        "train_accuracy": classify.accuracy(train_scores, y_train),  # on the (noisy) training labels
        "ece": classify.expected_calibration_error(probs, y_test, p.ece_bins),
        "mean_max_probability": probs.max(-1).values.mean().item(),
        # over-confidence itself: mean confidence minus accuracy on the clean test set (< 0: under-confident)
        "confidence_gap": probs.max(-1).values.mean().item() - classify.accuracy(probs, y_test),
        # memorisation: the flipped training samples predicted with their wrong (noisy) label
        "memorised_flipped": (train_predicted[flipped] == y_train[flipped]).double().mean().item()
        if flipped.any()
        else float("nan"),
    }
    return numbers, history.assign(gamma=gamma, seed=seed)


histories, seeds = [], {}
for seed in p.seeds:
    seeds[str(seed)] = {}
    for gamma in p.gammas:
        job.log.info("rate %s, seed %d, γ = %g", wc.rate, seed, gamma)
        seeds[str(seed)][f"{gamma:g}"], history = run(gamma, seed)
        histories.append(history)
job.table(snakemake.output.history, pd.concat(histories, ignore_index=True))
job.metrics(snakemake.output.metrics, {"rate": float(wc.rate), "seeds": seeds, "usage": job.usage()})
