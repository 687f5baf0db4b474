"""Training runs for the Lion-vs-AdamW experiments (kexue.fm/archives/9473).

Two tasks on real data, one loop (kexue.lm.train, shared with the length-extrapolation article): a
character-level Transformer LM on the Penn Treebank (kexue.lm.CharLM: validation bits per character, the
brief's E2b) and an MLP on MNIST (validation cross-entropy in nats, below). A run is
fixed by (task, optimizer, lr, weight decay, batch size, steps, seed): the seed fixes the
initialisation and the batch order, so an AdamW run and a Lion run with the same seed see the same
data in the same order. Both optimizers get the same schedule (linear warm-up, then cosine decay to a
fraction of the peak), so Lion's initial, peak and final lr move together (trap T5).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from kexue import sources
from kexue.lion.optimizer import Lion
from kexue.lm import (  # the shared loop (kexue.lm)
    OPTIMIZERS,
    CharLM,
    make_optimizer,
    register_optimizer,
    train,
    warmup_cosine,
)

# the shared loop builds Lion by name: ours, with torch's eps unused (Lion has none)
register_optimizer("lion", lambda groups, lr, betas, eps: Lion(groups, lr=lr, betas=tuple(betas)))
# the same Lion as one compiled pass per element on CPU (kexue.lion.fused), equal up to rounding
register_optimizer("lion_fused", lambda groups, lr, betas, eps: Lion(groups, lr=lr, betas=tuple(betas), fused=True))

__all__ = ["OPTIMIZERS", "CharLM", "make_optimizer", "train", "warmup_cosine"]


def steps_for_budget(budget_examples: int, batch_size: int) -> int:
    """A fixed budget of training examples (sequences for the LM, images for MNIST): ⌈budget / B⌉ steps."""
    return math.ceil(budget_examples / batch_size)


# --------------------------------------------------------------------------- data


def prepare_mnist(path: str | Path) -> dict:
    """mnist.pkl.gz → float32 images (n, 784) in [0, 1] and int64 labels, for train and valid."""
    splits = sources.read_mnist(path)
    return {split: torch.from_numpy(splits[split][0]) for split in ("train", "valid")} | {
        f"{split}_labels": torch.from_numpy(splits[split][1]) for split in ("train", "valid")
    }


def epoch_batches(n: int, batch_size: int, generator: torch.Generator) -> Iterator[Tensor]:
    """Endless index batches: a fresh permutation per epoch, the incomplete last batch dropped."""
    if batch_size > n:
        raise ValueError(f"batch size {batch_size} exceeds the {n} training examples")
    while True:
        order = torch.randperm(n, generator=generator)
        for start in range(0, n - batch_size + 1, batch_size):
            yield order[start : start + batch_size]


# --------------------------------------------------------------------------- tasks


class MnistMLP:
    """Digit classification with a ReLU MLP 784 → hidden… → 10; metric: validation cross-entropy (nats)."""

    unit = "nats"

    def __init__(self, data: dict, hidden: Sequence[int]):
        self.data, self.hidden = data, list(hidden)

    def model(self) -> nn.Module:
        widths = [784, *self.hidden]
        layers: list[nn.Module] = []
        for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        return nn.Sequential(*layers, nn.Linear(widths[-1], 10))

    def parameter_groups(self, model: nn.Module, weight_decay: float) -> list[dict]:
        """Weights decay, biases do not (the same rule as the LM's)."""
        params = list(model.parameters())
        return [
            {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
            {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
        ]

    def batches(self, batch_size: int, generator: torch.Generator) -> Iterator:
        x, y = self.data["train"], self.data["train_labels"]
        return ((x[i], y[i]) for i in epoch_batches(len(x), batch_size, generator))

    def loss(self, model: nn.Module, batch) -> Tensor:
        x, y = batch
        return F.cross_entropy(model(x), y)

    def evaluate(self, model: nn.Module) -> dict:
        was_training = model.training
        model.eval()
        with torch.no_grad():
            logits = model(self.data["valid"])
        model.train(was_training)
        labels = self.data["valid_labels"]
        return {
            "val_loss": F.cross_entropy(logits, labels).item(),
            "val_accuracy": (logits.argmax(1) == labels).float().mean().item(),
        }


TASKS = {"ptb_char": CharLM, "mnist": MnistMLP}


def make_task(name: str, data: dict, model: dict):
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; expected one of {sorted(TASKS)}")
    return TASKS[name](data, **model)
