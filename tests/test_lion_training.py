"""The Lion-vs-AdamW training runs (kexue/lion/training.py): schedule, data, determinism, divergence."""

import gzip
import itertools
import math
import pickle

import numpy as np
import pytest
import torch

from kexue import lm
from kexue.lion import training
from kexue.lion.optimizer import Lion
from kexue.lm import EOS

BETAS = {"adamw": (0.9, 0.999), "lion": (0.9, 0.99)}


def test_warmup_cosine_hits_its_anchor_points():
    total, warmup, final = 100, 10, 0.1
    lrs = [training.warmup_cosine(s, total, warmup, final) for s in range(total)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)  # (s+1)/warmup
    assert lrs[10] == pytest.approx(1.0) and lrs[-1] == pytest.approx(final)
    middle = warmup + (total - warmup - 1) / 2  # progress ½: f + (1 − f)·½
    assert training.warmup_cosine(middle, total, warmup, final) == pytest.approx(final + (1 - final) / 2)
    assert all(a >= b for a, b in itertools.pairwise(lrs[9:]))  # non-increasing after warm-up


def test_budget_in_examples():
    assert training.steps_for_budget(50000, 128) == 391 and training.steps_for_budget(512, 512) == 1


def test_epoch_batches_visit_every_example_once_per_epoch():
    gen = torch.Generator().manual_seed(0)
    batches = training.epoch_batches(10, 3, gen)
    epoch = torch.cat([next(batches) for _ in range(3)])  # 3 full batches, the 10th example dropped
    assert len(set(epoch.tolist())) == 9
    with pytest.raises(ValueError, match="exceeds"):
        next(training.epoch_batches(5, 6, gen))


def test_char_ptb_encodes_characters_and_eos(tmp_path):
    (tmp_path / "ptb.train.txt").write_text(" ab a \n b\n")
    (tmp_path / "ptb.valid.txt").write_text(" ba\n")
    data = lm.char_ptb(tmp_path)
    vocab = data["vocab"]
    decode = lambda ids: "".join(vocab[i] if vocab[i] != EOS else "|" for i in ids.tolist())  # noqa: E731
    assert decode(data["train"]) == "ab a|b|" and decode(data["valid"]) == "ba|"
    assert vocab == [EOS, "a", "b", " "]  # most frequent first (2, 2, 2, 1), ties in string order
    assert set(data) == {"vocab", "train", "valid"}
    (tmp_path / "ptb.test.txt").write_text("ab\n")
    only_test = lm.char_ptb(tmp_path, splits=("test",))  # the vocabulary still comes from train
    assert only_test["vocab"] == vocab and decode(only_test["test"]) == "ab|" and "train" not in only_test


def test_mnist_from_the_pickle(tmp_path):
    rng = np.random.default_rng(0)
    split = lambda n: (rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n))  # noqa: E731
    splits = (split(20), split(5), split(5))
    with gzip.open(tmp_path / "mnist.pkl.gz", "wb") as f:
        pickle.dump(splits, f)
    data = training.prepare_mnist(tmp_path / "mnist.pkl.gz")
    assert data["train"].shape == (20, 784) and data["valid_labels"].dtype == torch.long
    assert torch.equal(data["train"], torch.from_numpy(splits[0][0]))


def tiny_lm():
    gen = torch.Generator().manual_seed(0)
    data = {
        "vocab": list("abcdefg") + [EOS],
        "train": torch.randint(8, (4000,), generator=gen),
        "valid": torch.randint(8, (500,), generator=gen),
    }
    return training.make_task("ptb_char", data, dict(d_model=16, n_layer=1, n_head=2, context=8, eval_tokens=None))


def tiny_mnist():
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(256, 784, generator=gen)
    y = (x[:, :392].sum(1) > x[:, 392:].sum(1)).long()  # learnable: which half is brighter
    return training.make_task(
        "mnist", {"train": x, "train_labels": y, "valid": x[:64], "valid_labels": y[:64]}, dict(hidden=[16])
    )


def run(task, optimizer="adamw", lr=1e-2, seed=0, steps=30, **kw):
    return training.train(
        task,
        optimizer,
        lr,
        0.1,
        16,
        steps,
        seed,
        betas=BETAS[optimizer],
        eps=1e-8,
        warmup_fraction=0.1,
        final_lr_fraction=0.1,
        grad_clip=1.0,
        evaluations=3,
        **kw,
    )


@pytest.mark.parametrize("make_task", [tiny_lm, tiny_mnist])
@pytest.mark.parametrize("optimizer", ["adamw", "lion"])
def test_same_seed_same_numbers_and_learning(make_task, optimizer):
    lr = 1e-2 if optimizer == "adamw" else 1e-3
    first, summary = run(make_task(), optimizer, lr)
    again, _ = run(make_task(), optimizer, lr)
    other, _ = run(make_task(), optimizer, lr, seed=1)
    assert first.equals(again)  # bit for bit
    assert not first["val_loss"].equals(other["val_loss"])
    assert list(first["step"]) == [0, 10, 20, 30] and list(first["examples"]) == [0, 160, 320, 480]
    assert summary["final_val_loss"] < summary["initial_val_loss"] and not summary["diverged"]


def test_initial_loss_is_uniform_guess_for_the_lm():
    """TinyLM starts near uniform over the 8 symbols: 3 bits per character."""
    history, _ = run(tiny_lm(), steps=3)
    assert history["val_loss"][0] == pytest.approx(3.0, abs=0.05)


def test_optimizer_choice_and_explicit_values():
    params = [torch.nn.Parameter(torch.zeros(2))]
    assert isinstance(training.make_optimizer("lion", [{"params": params}], 1e-3, (0.9, 0.99)), Lion)
    adamw = training.make_optimizer("adamw", [{"params": params, "weight_decay": 0.1}], 1e-3, (0.9, 0.999), 1e-8)
    assert adamw.param_groups[0]["weight_decay"] == 0.1 and adamw.param_groups[0]["eps"] == 1e-8
    with pytest.raises(ValueError, match="eps"):
        training.make_optimizer("adamw", [{"params": params}], 1e-3, (0.9, 0.999))
    with pytest.raises(ValueError, match="unknown optimizer"):
        training.make_optimizer("sgd", [{"params": params}], 1e-3, (0.9, 0.999))


def test_a_run_that_blows_up_is_stopped_and_counted_as_diverged():
    history, summary = run(tiny_mnist(), "adamw", lr=1e6, steps=30)
    assert summary["diverged"]
    assert not math.isfinite(summary["final_val_loss"]) or summary["final_val_loss"] > summary["initial_val_loss"]


def test_decay_applies_to_weights_only():
    task = tiny_mnist()
    groups = task.parameter_groups(task.model(), 0.1)
    assert all(p.dim() == 2 for p in groups[0]["params"]) and all(p.dim() == 1 for p in groups[1]["params"])
    assert groups[0]["weight_decay"] == 0.1 and groups[1]["weight_decay"] == 0.0
