"""Training runs for the Lion-vs-AdamW experiments (kexue.fm/archives/9473).

Two tasks on real data, each on the project's shared loop: a character-level Transformer LM on the Penn
Treebank (kexue.lm.CharLM and kexue.lm.train, shared with the length-extrapolation article: validation bits
per character, the brief's E2b) and an MLP on MNIST (kexue.classify.train, the image-classification loop of
exact_accuracy, nm_classification, tvd_loss …: validation cross-entropy in nats). A run is fixed by (task,
optimizer, lr, weight decay, batch size, budget, seed): the seed fixes the initialisation and the batch
order, so an AdamW run and a Lion run with the same seed see the same data in the same order. Both
optimizers get the same schedule (linear warm-up, then cosine decay to a fraction of the peak), so Lion's
initial, peak and final lr move together (trap T5), and the same gradient clipping.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from kexue import classify
from kexue.lion.optimizer import Lion
from kexue.lm import (  # the shared loop (kexue.lm)
    OPTIMIZERS,
    CharLM,
    make_optimizer,
    parameter_groups,
    register_optimizer,
    train,
    warmup_cosine,
)

# the shared loops build Lion by name: ours, with torch's eps unused (Lion has none)
register_optimizer("lion", lambda groups, lr, betas, eps: Lion(groups, lr=lr, betas=tuple(betas)))
# the same Lion as one compiled pass per element on CPU (kexue.lion.fused), equal up to rounding
register_optimizer("lion_fused", lambda groups, lr, betas, eps: Lion(groups, lr=lr, betas=tuple(betas), fused=True))

__all__ = ["OPTIMIZERS", "CharLM", "make_optimizer", "train", "train_mnist", "warmup_cosine"]


def steps_for_budget(budget_examples: int, batch_size: int) -> int:
    """A fixed budget of training examples (sequences for the LM, images for MNIST): ⌈budget / B⌉ steps."""
    return math.ceil(budget_examples / batch_size)


# --------------------------------------------------------------------------- MNIST on kexue.classify


def mnist_epochs(budget_examples: int, train_examples: int) -> int:
    """The MNIST budget in whole epochs of the (sub)sampled training set (kexue.classify trains by epochs)."""
    if budget_examples % train_examples:
        raise ValueError(
            f"the MNIST budget of {budget_examples} examples is not a whole number of epochs of "
            f"{train_examples} training images"
        )
    return budget_examples // train_examples


def train_mnist(
    data: dict,
    hidden: Sequence[int],
    optimizer: str,
    lr: float,
    weight_decay: float,
    batch_size: int,
    epochs: int,
    seed: int,
    *,
    betas: Sequence[float],
    eps: float | None = None,
    warmup_fraction: float = 0.0,
    final_lr_fraction: float = 0.0,
    grad_clip: float | None = None,
    log=None,
) -> tuple[pd.DataFrame, dict]:
    """One MNIST MLP run (784 → hidden … → 10, ReLU) on kexue.classify.train: `data` holds "train" and "valid"
    as (images, labels). Weights decay, biases do not (the LM's rule); the same warm-up + cosine schedule per
    step as the LM. Returns the history in the LM's columns (one row per epoch, epoch 0 included: step,
    examples, train_loss, val_loss, val_accuracy) and the LM's summary keys."""
    x, y = data["train"]

    def build_optimizer(parameters) -> torch.optim.Optimizer:
        # kexue.lm's decay rule (weights decay, biases do not) on the parameters classify's hook hands over
        groups = parameter_groups(nn.ParameterList(parameters), weight_decay)
        return make_optimizer(optimizer, groups, lr, betas, eps)

    def schedule(step: int, total: int) -> float:
        return warmup_cosine(step, total, round(warmup_fraction * total), final_lr_fraction)

    started = time.perf_counter()
    model, history = classify.train(
        lambda: classify.mlp([784, *hidden, 10]),
        F.cross_entropy,
        (x, y),
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        weight_decay=weight_decay,
        evaluate={"valid": data["valid"]},
        evaluate_train=False,
        optimizer=build_optimizer,
        lr_schedule=schedule,
        grad_clip=grad_clip,
        log=log,
    )
    per_epoch = math.ceil(len(x) / batch_size)
    frame = pd.DataFrame(
        {
            "step": history["epoch"] * per_epoch,
            "examples": history["epoch"] * len(x),
            "train_loss": history["train_batch_loss"],
            "val_loss": history["valid_loss"],
            "val_accuracy": history["valid_accuracy"],
        }
    )
    final, initial = frame["val_loss"].iloc[-1], frame["val_loss"].iloc[0]
    summary = {
        "final_val_loss": float(final),
        "initial_val_loss": float(initial),
        # as kexue.lm counts it: stopped on a non-finite loss, or ended above the initial loss
        "diverged": bool(history["diverged"].any()) or not (final <= initial),
        "steps": epochs * per_epoch,
        "train_seconds": time.perf_counter() - started,
        "parameters": classify.parameter_count(model),
        "val_accuracy": float(frame["val_accuracy"].iloc[-1]),
    }
    return frame, summary
