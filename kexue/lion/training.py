"""Training runs for the Lion-vs-AdamW experiments (kexue.fm/archives/9473).

Two tasks on real data, one loop: a character-level Transformer LM on the Penn Treebank (validation
bits per character, the brief's E2b) and an MLP on MNIST (validation cross-entropy in nats). A run is
fixed by (task, optimizer, lr, weight decay, batch size, steps, seed): the seed fixes the
initialisation and the batch order, so an AdamW run and a Lion run with the same seed see the same
data in the same order. Both optimizers get the same schedule (linear warm-up, then cosine decay to a
fraction of the peak), so Lion's initial, peak and final lr move together (trap T5).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from kexue import lm, sources
from kexue.lion.optimizer import Lion

OPTIMIZERS = ("adamw", "lion")


# --------------------------------------------------------------------------- optimizers and schedule


def make_optimizer(
    name: str, groups: list[dict], lr: float, betas: Sequence[float], eps: float | None = None
) -> torch.optim.Optimizer:
    """Lion (ours) or torch's AdamW, decoupled decay λ per group; every value explicit (trap T4)."""
    if name == "lion":
        return Lion(groups, lr=lr, betas=tuple(betas))
    if name == "adamw":
        if eps is None:
            raise ValueError("AdamW needs an explicit eps")
        return torch.optim.AdamW(groups, lr=lr, betas=tuple(betas), eps=eps)
    raise ValueError(f"unknown optimizer {name!r}; expected one of {OPTIMIZERS}")


def warmup_cosine(step: int, total: int, warmup: int, final_fraction: float) -> float:
    """lr multiplier at `step` (0-based): (step+1)/warmup during warm-up, then
    f + (1 − f)·½(1 + cos(π·progress)) with progress from 0 to 1 over the remaining steps."""
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup - 1)
    return final_fraction + (1.0 - final_fraction) * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def steps_for_budget(budget_examples: int, batch_size: int) -> int:
    """A fixed budget of training examples (sequences for the LM, images for MNIST): ⌈budget / B⌉ steps."""
    return math.ceil(budget_examples / batch_size)


# --------------------------------------------------------------------------- data


def prepare_char_ptb(ptb_dir: str | Path) -> dict:
    """PTB as characters: every line's characters (spaces included) then "<eos>", ids by frequency."""
    splits = {
        s: [list(line.strip()) for line in (Path(ptb_dir) / f"ptb.{s}.txt").read_text().splitlines()]
        for s in ("train", "valid")
    }
    vocab = lm.build_vocab(splits["train"])
    return {"vocab": vocab, **{s: lm.encode_corpus(text, vocab) for s, text in splits.items()}}


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


class CharLM:
    """Next-character prediction on PTB with kexue.lm.TinyLM; metric: validation bits per character."""

    unit = "bits/char"

    def __init__(
        self, data: dict, d_model: int, n_layer: int, n_head: int, context: int, eval_tokens: int | None = None
    ):
        self.data, self.context = data, context
        self.shape = dict(d_model=d_model, n_layer=n_layer, n_head=n_head)
        valid = data["valid"]
        self.valid = valid if eval_tokens is None else valid[: eval_tokens + 1]

    def model(self) -> nn.Module:
        return lm.TinyLM(len(self.data["vocab"]), self.context, **self.shape)

    def parameter_groups(self, model: nn.Module, weight_decay: float) -> list[dict]:
        return lm.parameter_groups(model, weight_decay)

    def batches(self, batch_size: int, generator: torch.Generator) -> Iterator:
        return lm.batches(self.data["train"], batch_size, self.context, generator)

    def loss(self, model: nn.Module, batch) -> Tensor:
        return model(*batch)[1]

    def evaluate(self, model: nn.Module) -> dict:
        nats = lm.evaluate(model, self.valid, batch_size=64, context=self.context)
        return {"val_loss": nats / math.log(2)}


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


# --------------------------------------------------------------------------- one run


def train(
    task,
    optimizer: str,
    lr: float,
    weight_decay: float,
    batch_size: int,
    steps: int,
    seed: int,
    *,
    betas: Sequence[float],
    eps: float | None = None,
    warmup_fraction: float = 0.0,
    final_lr_fraction: float = 0.0,
    grad_clip: float | None = None,
    evaluations: int = 5,
    log: logging.Logger | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Train one model; return its history (one row per evaluation, step 0 included) and a summary.

    The run stops early when the training loss stops being finite. It counts as diverged when it
    stopped so, or when its final validation loss lies above the initial one (brief, C2.4).
    """
    log = log or logging.getLogger(__name__)
    torch.manual_seed(seed)
    model = task.model()
    opt = make_optimizer(optimizer, task.parameter_groups(model, weight_decay), lr, betas, eps)
    warmup = round(warmup_fraction * steps)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: warmup_cosine(s, steps, warmup, final_lr_fraction))
    batches = task.batches(batch_size, torch.Generator().manual_seed(seed))
    eval_at = {round(steps * (i + 1) / evaluations) for i in range(evaluations)}

    rows = [{"step": 0, "examples": 0, "lr": 0.0, "train_loss": math.nan, **task.evaluate(model)}]
    log.info(
        "%s lr=%g wd=%g B=%d seed=%d: %d steps, initial val_loss %.4f %s",
        optimizer,
        lr,
        weight_decay,
        batch_size,
        seed,
        steps,
        rows[0]["val_loss"],
        task.unit,
    )
    started, losses, finite = time.perf_counter(), [], True
    model.train()
    for step in range(1, steps + 1):
        current_lr = opt.param_groups[0]["lr"]
        loss = task.loss(model, next(batches))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if grad_clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        opt.step()
        schedule.step()
        losses.append(loss.item())
        finite = math.isfinite(losses[-1])
        if step in eval_at or not finite:
            rows.append(
                {
                    "step": step,
                    "examples": step * batch_size,
                    "lr": current_lr,
                    "train_loss": sum(losses) / len(losses),
                    **(task.evaluate(model) if finite else {"val_loss": math.nan}),
                }
            )
            losses = []
            log.info(
                "step %d/%d  lr %.3g  train %.4f  val %.4f  (%.1f s)",
                step,
                steps,
                current_lr,
                rows[-1]["train_loss"],
                rows[-1]["val_loss"],
                time.perf_counter() - started,
            )
        if not finite:
            log.warning("training loss is not finite at step %d: stopped, run counts as diverged", step)
            break
    history = pd.DataFrame(rows)
    final = rows[-1]
    summary = {
        "final_val_loss": final["val_loss"],
        "initial_val_loss": rows[0]["val_loss"],
        "diverged": (not finite) or not (final["val_loss"] <= rows[0]["val_loss"]),
        "steps": steps,
        "train_seconds": time.perf_counter() - started,
        "parameters": sum(p.numel() for p in model.parameters()),
        **{k: v for k, v in final.items() if k.startswith("val_") and k != "val_loss"},
    }
    return history, summary
