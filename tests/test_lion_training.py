"""The Lion-vs-AdamW training runs (kexue/lion/training.py): schedule, data, determinism, divergence; the MNIST
runs on the shared kexue.classify loop; the summaries write what the claims' guards read."""

import itertools
import json
import math
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
import yaml
from torch import nn

from kexue import classify, lm, verdicts
from kexue.lion import training
from kexue.lion.optimizer import Lion
from kexue.lm import EOS

ROOT = Path(__file__).resolve().parents[1]
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


def tiny_lm():
    gen = torch.Generator().manual_seed(0)
    data = {
        "vocab": list("abcdefg") + [EOS],
        "train": torch.randint(8, (4000,), generator=gen),
        "valid": torch.randint(8, (500,), generator=gen),
    }
    return training.CharLM(data, d_model=16, n_layer=1, n_head=2, context=8, eval_tokens=None)


def tiny_mnist():
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(256, 784, generator=gen)
    y = (x[:, :392].sum(1) > x[:, 392:].sum(1)).long()  # learnable: which half is brighter
    return {"train": (x, y), "valid": (x[:64], y[:64])}


def run(task, optimizer="adamw", lr=1e-2, seed=0, steps=30, **kw):
    """30 steps of batch 16: the LM on kexue.lm's loop; the MNIST MLP (256 images: 16 steps an epoch) on
    kexue.classify's, 2 epochs."""
    schedule = dict(betas=BETAS[optimizer], eps=1e-8, warmup_fraction=0.1, final_lr_fraction=0.1, grad_clip=1.0)
    if isinstance(task, dict):
        return training.train_mnist(task, [16], optimizer, lr, 0.1, 16, 2, seed, **schedule, **kw)
    return training.train(task, optimizer, lr, 0.1, 16, steps, seed, evaluations=3, **schedule, **kw)


@pytest.mark.parametrize("optimizer", ["adamw", "lion"])
def test_same_seed_same_numbers_and_learning_lm(optimizer):
    lr = 1e-2 if optimizer == "adamw" else 1e-3
    first, summary = run(tiny_lm(), optimizer, lr)
    again, _ = run(tiny_lm(), optimizer, lr)
    other, _ = run(tiny_lm(), optimizer, lr, seed=1)
    assert first.equals(again)  # bit for bit
    assert not first["val_loss"].equals(other["val_loss"])
    assert list(first["step"]) == [0, 10, 20, 30] and list(first["examples"]) == [0, 160, 320, 480]
    assert summary["final_val_loss"] < summary["initial_val_loss"] and not summary["diverged"]


@pytest.mark.parametrize("optimizer", ["adamw", "lion"])
def test_same_seed_same_numbers_and_learning_mnist_on_the_shared_loop(optimizer):
    lr = 1e-2 if optimizer == "adamw" else 1e-3
    first, summary = run(tiny_mnist(), optimizer, lr)
    again, _ = run(tiny_mnist(), optimizer, lr)
    other, _ = run(tiny_mnist(), optimizer, lr, seed=1)
    assert first.equals(again)  # bit for bit
    assert not first["val_loss"].equals(other["val_loss"])
    # one row per epoch, epoch 0 included; 256 images of batch 16: 16 steps an epoch
    assert list(first["step"]) == [0, 16, 32] and list(first["examples"]) == [0, 256, 512]
    assert summary["steps"] == 32 and summary["parameters"] == 784 * 16 + 16 + 16 * 10 + 10
    assert summary["final_val_loss"] < summary["initial_val_loss"] and not summary["diverged"]


def test_the_mnist_run_is_classify_train_with_the_optimizer_schedule_and_clipping_hooks():
    """train_mnist adds nothing of its own: the same numbers as classify.train called with Lion, the
    warm-up + cosine multiplier per step and clipping."""
    data = tiny_mnist()
    history, _ = run(data, "lion", 1e-3)

    def build(parameters):
        return Lion(lm.parameter_groups(nn.ParameterList(parameters), 0.1), lr=1e-3, betas=BETAS["lion"])

    _, direct = classify.train(
        lambda: classify.mlp([784, 16, 10]),
        F.cross_entropy,
        data["train"],
        epochs=2,
        batch_size=16,
        lr=1e-3,
        seed=0,
        weight_decay=0.1,
        evaluate={"valid": data["valid"]},
        evaluate_train=False,
        optimizer=build,
        lr_schedule=lambda step, total: training.warmup_cosine(step, total, round(0.1 * total), 0.1),
        grad_clip=1.0,
    )
    assert history["val_loss"].tolist() == direct["valid_loss"].tolist()


def test_classify_hooks_left_unset_keep_the_loop_as_it_was():
    """Other articles call classify.train without the hooks: the AdamW it builds, a constant multiplier and a
    clipping threshold no gradient reaches give the same numbers bit for bit."""
    data = tiny_mnist()
    common = dict(epochs=2, batch_size=16, lr=3e-3, seed=0, weight_decay=0.01, evaluate={"valid": data["valid"]})
    build = lambda: classify.mlp([784, 16, 10])  # noqa: E731
    _, plain = classify.train(build, F.cross_entropy, data["train"], **common)
    _, hooked = classify.train(
        build,
        F.cross_entropy,
        data["train"],
        **common,
        optimizer=lambda parameters: torch.optim.AdamW(parameters, lr=3e-3, weight_decay=0.01),
        lr_schedule=lambda step, total: 1.0,
        grad_clip=1e9,
    )
    assert plain.equals(hooked)
    _, clipped = classify.train(build, F.cross_entropy, data["train"], **common, grad_clip=1e-3)
    assert not plain["valid_loss"].equals(clipped["valid_loss"])  # the hook acts when it binds


def test_mnist_budget_must_be_whole_epochs():
    assert training.mnist_epochs(200000, 50000) == 4
    with pytest.raises(ValueError, match="whole number of epochs"):
        training.mnist_epochs(120000, 50000)


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


@pytest.mark.parametrize("make_task", [tiny_lm, tiny_mnist])
def test_a_run_that_blows_up_is_stopped_and_counted_as_diverged(make_task):
    history, summary = run(make_task(), "adamw", lr=1e6)
    assert summary["diverged"]
    assert not math.isfinite(summary["final_val_loss"]) or summary["final_val_loss"] > summary["initial_val_loss"]


def test_decay_applies_to_weights_only():
    groups = lm.parameter_groups(classify.mlp([784, 16, 10]), 0.1)
    assert all(p.dim() == 2 for p in groups[0]["params"]) and all(p.dim() == 1 for p in groups[1]["params"])
    assert groups[0]["weight_decay"] == 0.1 and groups[1]["weight_decay"] == 0.0


# --------------------------------------------------------------------------- the summaries and the guards


class Named(list):
    """Snakemake's input/output: a list of paths with a name per group."""

    def __init__(self, **groups):
        super().__init__(p for v in groups.values() for p in (v if isinstance(v, list) else [v]))
        self.__dict__.update(groups)

    def __getitem__(self, key):
        return self.__dict__[key] if isinstance(key, str) else super().__getitem__(key)


class Params(dict):
    """Snakemake's params: items() and attribute access."""

    __getattr__ = dict.__getitem__


def claim(claim_id):
    claims = yaml.safe_load((ROOT / "config/articles/lion/claims.yaml").read_text())["claims"]
    return next(c for c in claims if c["id"] == claim_id)


def run_script(name, tmp_path, **smk):
    defaults = dict(wildcards={}, log=[str(tmp_path / f"{name}.log")], rule=f"lion_{name}", threads=1)
    runpy.run_path(str(ROOT / f"scripts/lion/{name}.py"), init_globals={"snakemake": SimpleNamespace(**defaults | smk)})


BATCHES = [16, 32, 64, 128, 256, 512]


def sweep(tmp_path, lion_loss, best_factor=1.0, seeds=(1, 2, 3)):
    """Fabricated sweep cells: AdamW's loss 0.1 at every B, Lion's lion_loss(B, seed); the best lr at
    `best_factor` of a [1/3, 1, 3] grid."""
    paths = []
    for o in ("adamw", "lion"):
        for b in BATCHES:
            grid = [1e-3 * f for f in (1 / 3, 1.0, 3.0)]
            values = [0.1 + 0.001 * s if o == "adamw" else lion_loss(b, s) for s in seeds]
            cell = dict(optimizer=o, batch_size=b, lr_grid=grid, best_lr=1e-3 * best_factor, seeds=list(seeds))
            cell |= dict(values=values, steps=50000 // b, tuning=[])
            paths.append(tmp_path / f"{o}_b{b}.json")
            paths[-1].write_text(json.dumps(cell))
    out = tmp_path / "batch_sweep.json"
    settings = dict(batch_sizes=BATCHES, budget_examples=50000, lr_factors=[1 / 3, 1, 3], tuning_seed=0, seeds=seeds)
    run_script(
        "batch_sweep_summary",
        tmp_path,
        input=Named(cells=[str(p) for p in paths]),
        output=Named(metrics=str(out)),
        params=Params(settings=settings, small_batch_below=64),
    )
    return json.loads(out.read_text())


def test_batch_sweep_pairs_seeds_and_the_rules_decide_growth(tmp_path):
    # Lion worse at small B, better at large B, the same shape at every seed: Δ grows with B
    metrics = sweep(tmp_path, lambda b, s: 0.1 + 0.001 * s + 0.02 - 0.008 * math.log2(b / 16))
    assert metrics["spearman_per_seed"] == pytest.approx([1.0, 1.0, 1.0])
    assert metrics["delta_max_minus_min"] == pytest.approx([0.04] * 3)
    assert metrics["small_batch_max_delta"] == pytest.approx([-0.012] * 3)  # Δ at B = 32
    assert metrics["lr_search"]["lion_b16"] == {"best": 1e-3, "grid": pytest.approx([1e-3 / 3, 1e-3, 3e-3])}
    assert verdicts.decide(claim("lion.C2.5"), metrics)["verdict"] == "reproduced"
    assert verdicts.decide(claim("lion.C2.5b"), metrics)["verdict"] == "reproduced"


def test_batch_sweep_best_lr_on_an_edge_makes_both_claims_inconclusive(tmp_path):
    metrics = sweep(tmp_path, lambda b, s: 0.1 + 0.001 * s + 0.02 - 0.008 * math.log2(b / 16), best_factor=3.0)
    for claim_id in ("lion.C2.5", "lion.C2.5b"):
        outcome = verdicts.decide(claim(claim_id), metrics)
        assert outcome["verdict"] == "inconclusive" and "lies on the edge of its grid" in outcome["evidence"]


def test_lion_worse_at_every_batch_size_leaves_the_small_batch_claim_uninformative(tmp_path):
    metrics = sweep(tmp_path, lambda b, s: 0.2 + 0.001 * s - 1e-4 * math.log2(b))  # Lion worse everywhere
    assert metrics["large_batch_max_mean_delta"] == pytest.approx(-0.1 + 9e-4)  # at B = 512
    outcome = verdicts.decide(claim("lion.C2.5b"), metrics)
    assert outcome["verdict"] == "inconclusive" and "says nothing about batch size" in outcome["evidence"]


def fabricate_run(folder, optimizer, lr, wd, seed, curve, task="mnist"):
    """A run's metrics.json and history.csv as scripts/lion/train.py writes them."""
    folder.mkdir(parents=True)
    steps = len(curve) - 1
    rows = [dict(step=i, examples=i * 128, train_loss=math.nan, val_loss=v) for i, v in enumerate(curve)]
    (folder / "history.csv").write_text(
        "step,examples,train_loss,val_loss\n" + "".join(f"{r['step']},{r['examples']},,{r['val_loss']}\n" for r in rows)
    )
    metrics = dict(task=task, unit="nats", optimizer=optimizer, lr=lr, weight_decay=wd, batch_size=128)
    metrics |= dict(budget_examples=steps * 128, seed=seed, final_val_loss=curve[-1], initial_val_loss=curve[0])
    metrics |= dict(
        diverged=False, steps=steps, parameters=1000, provenance={}, usage={"s": 1, "cpu_time": 1, "max_rss": 1}
    )
    (folder / "metrics.json").write_text(json.dumps(metrics))
    return str(folder / "metrics.json")


def task_summary(tmp_path, adamw_curve, lion_curve, grid_lrs=(1e-3, 3e-3, 1e-2), best_lr=3e-3):
    """Fabricated AdamW grid (best at best_lr, λ 0.1 of 0.01 … 1) and transfer runs over 3 seeds."""
    runs, n = {}, 0

    def make(optimizer, lr, wd, seed, curve):
        nonlocal n
        n += 1
        return fabricate_run(tmp_path / f"run{n}", optimizer, lr, wd, seed, curve)

    grid = [
        make("adamw", lr, wd, 0, [2.3, 1.0] if (lr, wd) != (best_lr, 0.1) else adamw_curve)
        for lr in grid_lrs
        for wd in (0.01, 0.1, 1.0)
    ]
    runs["adamw"] = [make("adamw", best_lr, 0.1, s, [v + 1e-3 * s for v in adamw_curve]) for s in (0, 1, 2)]
    for r in (1, 3, 10, 30):
        worse = 0.5 if r == 1 else 0.0
        runs[f"lion_r{r}"] = [
            make("lion", best_lr / r, 0.1 * r, s, [v + worse + 1e-3 * s for v in lion_curve]) for s in (0, 1, 2)
        ]
    tuned = tmp_path / "tuned.json"
    tuned.write_text(
        json.dumps(
            dict(
                adamw=dict(lr=best_lr, weight_decay=0.1, val_loss=adamw_curve[-1], lr_grid=list(grid_lrs))
                | dict(weight_decay_grid=[0.01, 0.1, 1.0]),
                lion=None,
            )
        )
    )
    out = tmp_path / "summary.json"
    run_script(
        "task_summary",
        tmp_path,
        input=Named(**runs, tuned=str(tuned), grid_adamw=grid, grid_lion=[]),
        output=Named(metrics=str(out), runs=str(tmp_path / "runs.tsv")),
        params=Params(ratios=[1, 3, 10, 30]),
    )
    return json.loads(out.read_text())


def test_transfer_summary_writes_the_grids_and_curves_the_guards_read(tmp_path):
    flat = [2.3, 0.5, 0.2, 0.1, 0.1, 0.1]
    metrics = task_summary(tmp_path, flat, flat)
    assert metrics["adamw_lr_search"] == {"best": 3e-3, "grid": [1e-3, 3e-3, 1e-2]}
    assert metrics["adamw_weight_decay_search"] == {"best": 0.1, "grid": [0.01, 0.1, 1.0]}
    assert metrics["val_curves"]["adamw"] == pytest.approx([v + 1e-3 for v in flat])  # mean of seeds 0, 1, 2
    assert metrics["robustness"]["lion"] is None  # no Lion grid on this tier
    outcome = verdicts.decide(claim("lion.C2.4b"), metrics)
    assert outcome["verdict"] == "reproduced", outcome["evidence"]


def test_transfer_still_improving_or_untuned_is_inconclusive(tmp_path):
    falling = [2.3, 0.5, 0.3, 0.2, 0.15, 0.1]  # −33 % over the last fifth
    outcome = verdicts.decide(claim("lion.C2.4b"), task_summary(tmp_path / "a", falling, falling))
    assert outcome["verdict"] == "inconclusive" and "still improving" in outcome["evidence"]
    flat = [2.3, 0.5, 0.2, 0.1, 0.1, 0.1]
    edge = task_summary(tmp_path / "b", flat, flat, best_lr=1e-2)
    outcome = verdicts.decide(claim("lion.C2.4"), edge)
    assert outcome["verdict"] == "inconclusive" and "best lr lies on the edge" in outcome["evidence"]
