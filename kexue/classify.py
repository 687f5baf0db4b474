"""One small classification training loop that articles share: data, models, epochs, seeds, history, metrics.

The loss is passed in, so softmax cross-entropy, EXACT, the TVD γ-loss, AM-softmax or the n-heads-of-m-classes
losses all train with the same loop, the same batches and the same evaluation. A run is fixed by (model,
loss, data, epochs, batch size, lr, weight decay, seed): the seed fixes the initialisation (torch's global
generator, drawn when the model is built inside `train`) and the batch order (a generator of its own).

Conventions:
- `model(x)` returns whatever the loss needs (a tensor of scores, or a tuple); `scores(outputs)` picks the
  class scores used for prediction (argmax over the last axis), the identity by default.
- Labels are integer class ids of shape (n,) or (n, heads) (several classification heads per sample,
  the scores then of shape (n, heads, classes)); accuracy is the mean over samples and heads.
- The history has one row per epoch, epoch 0 (before training) included: mean training loss over the
  epoch's batches, the training set's accuracy, and for every named evaluation set its loss and accuracy,
  plus what `extra` adds. A non-finite training loss stops the run before its step: the remaining epochs
  repeat the last evaluation, marked `diverged`.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np
import pandas as pd
import torch
from torch import Tensor, nn

from kexue import sources

Loss = Callable[[object, Tensor], Tensor]


# --------------------------------------------------------------------------- data


def image_splits(name: str, path) -> dict:
    """{"train": (x, y), "test": (x, y)} as float32 / int64 tensors, pixels in [0, 1], images flattened to 784.

    mnist: the resource's mnist.pkl.gz (50k train; its 10k valid and 10k test are kept as "valid" and "test").
    fashion_mnist: the resource's folder of four IDX files (60k train, 10k test)."""
    if name == "mnist":
        splits = sources.read_mnist(path)
    elif name == "fashion_mnist":
        splits = sources.read_fashion_mnist(path)
    else:
        raise ValueError(f"unknown image set {name!r}; expected mnist or fashion_mnist")
    return {split: (torch.from_numpy(x), torch.from_numpy(y)) for split, (x, y) in splits.items()}


def subsample(x: Tensor, y: Tensor, n: int | None, seed: int) -> tuple[Tensor, Tensor]:
    """The first n of a seeded permutation (all when n is None or at least the set's size)."""
    if n is None or n >= len(x):
        return x, y
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))[:n]
    return x[order], y[order]


def epoch_batches(n: int, batch_size: int, generator: torch.Generator) -> Iterator[Tensor]:
    """One epoch of index batches: a fresh permutation, the incomplete last batch kept."""
    order = torch.randperm(n, generator=generator)
    yield from (order[start : start + batch_size] for start in range(0, n, batch_size))


# --------------------------------------------------------------------------- models


def mlp(widths: Sequence[int], activation: type[nn.Module] = nn.ReLU) -> nn.Sequential:
    """widths[0] → widths[1] → … → widths[-1], the activation between layers (none after the last)."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(widths) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# --------------------------------------------------------------------------- metrics


def predict(model: nn.Module, x: Tensor, batch_size: int = 2048) -> object:
    """model(x) in evaluation mode without gradients, in batches; tuples of outputs are concatenated per item."""
    was_training = model.training
    model.eval()
    with torch.no_grad():
        parts = [model(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
    model.train(was_training)
    if isinstance(parts[0], tuple):
        return tuple(torch.cat(items) for items in zip(*parts, strict=True))
    return torch.cat(parts)


def accuracy(scores: Tensor, labels: Tensor) -> float:
    """Share of (sample, head) pairs whose largest score is the label."""
    return (scores.argmax(-1) == labels).double().mean().item()


def macro_recall(scores: Tensor, labels: Tensor, classes: int) -> tuple[float, list[float]]:
    """(mean of the per-class recalls, per-class recalls) over all samples and heads; a class absent from
    the labels counts as nan and is left out of the mean."""
    predicted, labels = scores.argmax(-1).flatten(), labels.flatten()
    recalls = [
        (predicted[labels == c] == c).double().mean().item() if (labels == c).any() else math.nan
        for c in range(classes)
    ]
    return float(np.nanmean(recalls)), recalls


def expected_calibration_error(probs: Tensor, labels: Tensor, bins: int = 15) -> float:
    """ECE with `bins` equal-width confidence bins on [0, 1] (a confidence of exactly 1 falls in the last):
    Σ_b (n_b/n)·|accuracy_b − mean confidence_b|."""
    confidence, predicted = probs.max(-1)
    correct = (predicted == labels).double()
    index = torch.clamp((confidence * bins).long(), max=bins - 1)
    ece = 0.0
    for b in range(bins):
        members = index == b
        if members.any():
            ece += members.double().mean().item() * abs(
                correct[members].mean().item() - confidence[members].double().mean().item()
            )
    return ece


# --------------------------------------------------------------------------- the loop


def train(
    build: Callable[[], nn.Module],
    loss: Loss,
    train_set: tuple[Tensor, Tensor],
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
    weight_decay: float = 0.0,
    evaluate: dict[str, tuple[Tensor, Tensor]] | None = None,
    scores: Callable[[object], Tensor] = lambda outputs: outputs,
    extra: Callable[[nn.Module, int], dict] | None = None,
    optimizer: Callable[[Iterable[nn.Parameter]], object] | None = None,
    log: logging.Logger | None = None,
    evaluate_train: bool = True,
    lr_schedule: Callable[[int, int], float] | None = None,
    grad_clip: float | None = None,
) -> tuple[nn.Module, pd.DataFrame]:
    """Train `build()` with Adam (decoupled decay: AdamW when weight_decay > 0) on `loss` and return the
    model and its history (module docstring). The training set is also evaluated (as "train") so that the
    final train accuracy separates optimisation from generalisation; `evaluate_train=False` skips that full
    pass every epoch (for models whose forward pass dominates a CPU budget: the batch loss is still recorded).

    optimizer: a hook that builds the optimizer from the model's parameters instead of AdamW(lr, weight_decay)
    (which it replaces; lr and weight_decay are then unused). It must offer zero_grad(set_to_none=...) and
    step(), called once per minibatch, so an optimizer that accumulates gradients over k minibatches and moves
    the parameters every k-th call (momentum_accumulation) trains in this same loop.
    lr_schedule(step, total): the lr multiplier of a torch optimizer before minibatch step `step` (0-based) of
    `total` = epochs × batches per epoch (a LambdaLR); grad_clip: the global gradient norm is clipped to it
    before every step. Both unset: the loop as before (the Lion-vs-AdamW runs set them)."""
    log = log or logging.getLogger(__name__)
    torch.manual_seed(seed)
    model = build()
    if optimizer is None:
        opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    else:
        opt = optimizer(model.parameters())
    schedule = None
    if lr_schedule is not None:
        total = epochs * math.ceil(len(train_set[0]) / batch_size)
        schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: lr_schedule(step, total))
    order = torch.Generator().manual_seed(seed)
    sets = ({"train": train_set} if evaluate_train else {}) | (evaluate or {})

    def row(epoch: int, train_loss: float) -> dict:
        out = {"epoch": epoch, "train_batch_loss": train_loss}
        for name, (x, y) in sets.items():
            outputs = predict(model, x)
            if name != "train":  # the training loss is the epoch's batch mean already; a full pass costs more
                with torch.no_grad():
                    out[f"{name}_loss"] = loss(outputs, y).item()
            out[f"{name}_accuracy"] = accuracy(scores(outputs), y)
        return out | (extra(model, epoch) if extra else {})

    history = [row(0, math.nan) | {"diverged": False}]
    started = time.perf_counter()
    x, y = train_set
    diverged = False
    for epoch in range(1, epochs + 1):
        if diverged:  # the run stopped: its model stays at the last finite step, evaluated as such
            history.append(history[-1] | {"epoch": epoch, "train_batch_loss": math.nan})
            continue
        model.train()
        losses = []
        for batch in epoch_batches(len(x), batch_size, order):
            value = loss(model(x[batch]), y[batch])
            if not torch.isfinite(value):
                # a loss that can reach ±inf (e.g. −log of a batch mean that underflowed to 0) ends the run
                # before the step, so the parameters stay finite; the run is recorded as diverged
                log.warning("training loss not finite in epoch %d (seed %d): the run stops here", epoch, seed)
                diverged = True
                break
            opt.zero_grad(set_to_none=True)
            value.backward()
            if grad_clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            opt.step()
            if schedule is not None:
                schedule.step()
            losses.append(value.item())
        history.append(row(epoch, sum(losses) / len(losses) if losses else math.nan) | {"diverged": diverged})
        log.info(
            "epoch %d/%d  batch loss %.4f  %s  (%.1f s)",
            epoch,
            epochs,
            history[-1]["train_batch_loss"],
            "  ".join(f"{name} acc {history[-1][f'{name}_accuracy']:.4f}" for name in sets),
            time.perf_counter() - started,
        )
    return model, pd.DataFrame(history)


def summary(history: pd.DataFrame, model: nn.Module) -> dict:
    """The last epoch's numbers, the accuracy curves (for the still-improving guard) and the model's size."""
    final = history.iloc[-1].to_dict()
    curves = {c: history[c].tolist() for c in history.columns if c.endswith("_accuracy")}
    return {
        "final": {k: v for k, v in final.items() if k not in ("epoch", "diverged")},
        "epochs": int(final["epoch"]),
        "diverged": bool(history["diverged"].any()),
        "curves": curves,
        "parameters": parameter_count(model),
    }
