"""Tests for kexue.vae_bn.training: data preparation, the training loop's per-step checks (claims C3.1, C3.2
of kexue.fm/archives/7381), the held-out evaluation, and the numbers claims C3.3 and C3.4 are decided on."""

from __future__ import annotations

import math
import random

import pandas as pd
import pytest
import torch
import yaml
from torch import nn

from kexue.config import LOADER
from kexue.lm import EOS
from kexue.vae_bn import models as vae
from kexue.vae_bn import training as vae_training
from kexue.verdicts import decide

WORDS = "the a cat dog sat on mat and today under big small".split()


def random_text(n: int, seed: int) -> str:
    """n distinct-ish random sentences of 1–7 words (duplicates in a batch would give BN zero variance)."""
    rng = random.Random(seed)
    return "\n".join(" ".join(rng.choices(WORDS, k=rng.randint(1, 7))) for _ in range(n))


TRAIN, HELD_OUT = random_text(32, 0), random_text(12, 1)
TINY = dict(embed=8, hidden=8, latent=4, dropout_in=0.0, dropout_out=0.0)


def text_data(max_tokens=8, sizes=(24, 8, 12)):
    texts = {"train": TRAIN, "valid": HELD_OUT, "test": HELD_OUT}
    return vae_training.prepare_ptb(texts, max_tokens, dict(zip(("train", "valid", "test"), sizes, strict=True)))


def image_data():
    gen = torch.Generator().manual_seed(0)
    images = {split: torch.rand(n, 784, generator=gen) for split, n in (("train", 40), ("valid", 10), ("test", 20))}
    return vae_training.prepare_mnist(images, 0.5, {"train": 40, "valid": 10, "test": 20})


def train(data, head="plain", options=None, seed=0, epochs=2, **schedule):
    torch.manual_seed(seed)
    model = vae_training.make_model(
        data,
        TINY if data["kind"] == "text" else dict(hidden=16, latent=4, channels=4, layers=2, kernel=3),
        head,
        options or {},
    )
    steps, epochs_frame = vae_training.train_vae(
        model,
        data,
        epochs=epochs,
        batch_size=8,
        optimizer="adam",
        lr=1e-2,
        clip=5.0,
        seed=seed,
        **({"kl_start": 1.0, "warm_up_epochs": 0} | schedule),
    )
    return model, steps, epochs_frame


# --------------------------------------------------------------------------- data


def test_prepare_ptb_keeps_short_sentences_and_the_whole_vocabulary():
    n_short = sum(len(line.split()) + 1 <= 4 for line in TRAIN.splitlines())
    data = text_data(max_tokens=4, sizes=(n_short, 4, 4))
    assert set(data["vocab"]) == set(TRAIN.split()) | {EOS}  # from the whole training text, long lines too
    assert all(len(s) <= 4 and int(s[-1]) == data["vocab"].index(EOS) for s in data["train"])
    with pytest.raises(ValueError, match=f"only {n_short} sentences of ≤ 4 tokens.*vae_bn.tasks.ptb.data.train"):
        text_data(max_tokens=4, sizes=(n_short + 1, 4, 4))


def test_prepare_mnist_binarises_once():
    data = image_data()
    assert data["train"].dtype == torch.uint8 and set(data["train"].unique().tolist()) <= {0, 1}
    assert data["test"].shape == (20, 784)


@pytest.mark.parametrize("kind", ["text", "image"])
def test_epoch_batches_cover_every_example_once(kind):
    data = text_data() if kind == "text" else image_data()
    count = lambda batches: sum(len(b.lengths) if kind == "text" else len(b) for b in batches)  # noqa: E731
    shuffled = vae_training.epoch_batches(data, "train", 8, torch.Generator().manual_seed(1))
    fixed = vae_training.epoch_batches(data, "train", 8, None)
    assert count(shuffled) == count(fixed) == len(data["train"])
    if kind == "text":  # same multiset of sentences, and the fixed order goes by length

        def key(batches):
            return sorted(tuple(b.tokens[i, : b.lengths[i]].tolist()) for b in batches for i in range(len(b.lengths)))

        assert key(shuffled) == key(fixed) == sorted(tuple(s.tolist()) for s in data["train"])
        lengths = torch.cat([b.lengths for b in fixed])
        assert torch.equal(lengths, lengths.sort().values)


# --------------------------------------------------------------------------- training


@pytest.mark.parametrize("head, options", [("bn", {"gamma": 0.6}), ("su", {"tau": 0.5}), ("ln", {"scale": 0.6})])
def test_every_step_is_checked_and_the_floor_holds(head, options):
    model, steps, epochs = train(text_data(), head, options)
    assert len(steps) == 2 * len(vae_training.epoch_batches(text_data(), "train", 8, None))
    assert steps["violated"].sum() == 0
    assert (steps["kl"] >= steps["floor"] - 1e-5 * 4).all()
    assert (steps["floor"] > 0).all()
    if head == "su":  # with ε = 1e-8 the nominal d·τ/2 is checked where v ≥ 1e-5 (ε = 1e-5 would need v ≥ 1e-2)
        assert steps["nominal_checked"].any()
    assert list(epochs["epoch"]) == [1, 2] and epochs["valid_neg_elbo"].notna().all()
    moments = vae_training.moment_summary(steps)
    if head == "su":  # C3.2's identities at every step
        assert moments["gamma_sum_error"] <= 1e-6 and moments["mean_error"] <= 1e-4
        assert moments["second_moment_error"] <= 1e-3
    else:
        assert moments == {}


def test_plain_head_has_no_floor_and_annealing_ramps_the_weight():
    _, steps, _ = train(text_data(), "plain", kl_start=0.0, warm_up_epochs=1)
    assert (steps["floor"] == 0).all() and not steps["nominal_checked"].any() and steps["violated"].sum() == 0
    per_epoch = len(steps) // 2
    assert steps["kl_weight"].iloc[0] == 0.0 and steps["kl_weight"].iloc[per_epoch:].eq(1.0).all()
    assert steps["kl_weight"].is_monotonic_increasing


@pytest.mark.parametrize("kind", ["text", "image"])
def test_same_seed_same_run(kind):
    data = text_data() if kind == "text" else image_data()
    _, first, _ = train(data, "bn", {"gamma": 0.6}, seed=3, epochs=1)
    _, again, _ = train(data, "bn", {"gamma": 0.6}, seed=3, epochs=1)
    _, other, _ = train(data, "bn", {"gamma": 0.6}, seed=4, epochs=1)
    pd.testing.assert_frame_equal(first, again)
    assert not first["loss"].equals(other["loss"])


def test_arms_share_the_initialisation_at_one_seed():
    data = text_data()
    torch.manual_seed(5)
    plain = vae_training.make_model(data, TINY, "plain", {})
    torch.manual_seed(5)
    bn = vae_training.make_model(data, TINY, "bn", {"gamma": 0.6})
    for name, p in plain.named_parameters():
        assert torch.equal(p, dict(bn.named_parameters())[name]), name


# --------------------------------------------------------------------------- held-out metrics


def z_free_text_vae(data) -> nn.Module:
    """A text VAE whose posterior is the prior (μ = 0, log σ² = 0) and whose decoder ignores z."""
    torch.manual_seed(0)
    model = vae_training.make_model(data, TINY, "plain", {})
    with torch.no_grad():
        model.head.linear.weight.zero_()
        model.init_cell.weight.zero_()
        model.dec_lstm.weight_ih_l0[:, TINY["embed"] :].zero_()  # the z columns of the decoder's input
    return model.eval()


def test_iw_nll_is_exact_when_the_posterior_is_the_prior_and_z_is_unused():
    """log p(x) = log p(x|z) for every z, and every importance weight is 1: the IW-NLL is exact for any K,
    so it must equal the reconstruction NLL, and the KL must be 0."""
    data = text_data()
    model = z_free_text_vae(data)
    metrics = vae_training.evaluate_vae(model, data, split="test", batch_size=5, iw_samples=7, iw_examples=12, seed=0)
    batches = vae_training.epoch_batches(data, "test", 5, None)
    with torch.no_grad():
        recon = torch.cat([model(b).recon_nll for b in batches])
    assert metrics["nll"] == pytest.approx(float(recon.mean()), rel=1e-5)
    assert metrics["neg_elbo"] == pytest.approx(float(recon.mean()), rel=1e-5)
    assert metrics["kl"] == 0.0 and metrics["active_units"] == 0
    tokens = sum(len(s) for s in data["test"])
    assert metrics["ppl"] == pytest.approx(math.exp(float(recon.sum()) / tokens), rel=1e-5)


def test_evaluation_uses_running_statistics_and_restores_nothing_it_should_not():
    data = text_data()
    model, _, _ = train(data, "bn", {"gamma": 0.6})
    running = model.head.norm.running_var.clone()
    first = vae_training.evaluate_vae(model, data, split="test", batch_size=5, iw_samples=3, iw_examples=6, seed=1)
    again = vae_training.evaluate_vae(model, data, split="test", batch_size=5, iw_samples=3, iw_examples=6, seed=1)
    assert torch.equal(model.head.norm.running_var, running)  # eval mode: statistics untouched
    assert first == again and first["examples"] == 12 and first["iw_examples"] == 6
    assert first["active_units"] <= 4 and first["mi"] <= math.log(12) + 1e-6


def test_held_out_metrics_run_without_dropout():
    """Eval mode throughout: the same weights with decoder dropout 0.5 or 0 give the same metrics."""
    data = text_data()
    torch.manual_seed(0)
    model = vae_training.make_model(data, TINY | {"dropout_in": 0.5, "dropout_out": 0.5}, "bn", {"gamma": 0.6})
    model.train()(vae.collate(data["train"], range(8)))  # one forward in training mode: running statistics move
    options = dict(split="test", batch_size=5, iw_samples=3, iw_examples=6, seed=2)
    with_dropout = vae_training.evaluate_vae(model, data, **options)
    model.drop_in.p = model.drop_out.p = 0.0
    assert vae_training.evaluate_vae(model, data, **options) == with_dropout


# --------------------------------------------------------------------------- claims


def runs_frame():
    rows = []
    for arm, floor, kl, mi, nll in [
        ("vanilla", 0.0, 0.02, 0.1, 100.0),
        ("bn", 5.76, 6.0, 3.0, 100.4),
        ("su", 8.0, 30.0, 5.0, 110.0),
        ("ln", 5.76, 5.8, 1.0, 100.2),
    ]:
        for seed, jitter in enumerate((-0.1, 0.0, 0.1)):
            rows.append(
                {
                    "arm": arm,
                    "seed": seed,
                    "nominal_floor": floor,
                    "kl": kl + jitter,
                    "mi": mi + jitter,
                    "nll": nll + jitter,
                    "active_units": 32,
                }
            )
    return pd.DataFrame(rows)


def test_collapse_metrics():
    m = vae_training.collapse_metrics(runs_frame(), "vanilla", {"paper": "bn", "su": "su"})
    assert m["vanilla_kl"] == pytest.approx(0.02) and "vanilla_not_collapsed" not in m  # the registry decides
    assert m["paper"]["kl_over_bound"] == pytest.approx(6.0 / 5.76)
    assert m["paper"]["mi_gain"] == pytest.approx(2.9) and m["paper"]["nll_excess"] == pytest.approx(0.4)
    assert m["su"]["nll_excess"] == pytest.approx(10.0)
    with pytest.raises(KeyError, match="no runs of arm 'gone'"):
        vae_training.collapse_metrics(runs_frame(), "gone", {})


def test_bn_vs_ln_in_pooled_standard_deviations():
    m = vae_training.bn_vs_ln_metrics(runs_frame(), "bn", "ln")
    assert m["mi_gap"] == pytest.approx(2.0)
    assert m["pooled_std"] == pytest.approx(0.1)  # both arms: values ±0.1 around the mean, sample std 0.1
    assert m["gap_in_pooled_std"] == pytest.approx(20.0)
    same = runs_frame().assign(mi=1.0)
    assert vae_training.bn_vs_ln_metrics(same, "bn", "ln")["gap_in_pooled_std"] == 0.0
    with pytest.raises(ValueError, match="≥ 2 seeds"):
        vae_training.bn_vs_ln_metrics(runs_frame().query("seed == 0"), "bn", "ln")


def test_collapse_metrics_carries_the_vanilla_perplexity_for_the_decoder_strength_guard():
    assert "vanilla_ppl" not in vae_training.collapse_metrics(runs_frame(), "vanilla", {})  # images: no PPL
    text = runs_frame().assign(ppl=lambda f: f["nll"] * 2)
    assert vae_training.collapse_metrics(text, "vanilla", {})["vanilla_ppl"] == pytest.approx(200.0)


def test_elbo_iw_gaps_per_arm_against_vanilla():
    runs = runs_frame().assign(neg_elbo=lambda f: f["nll"] + f["arm"].map({"vanilla": 3.0, "bn": 7.0, "su": 9.0}))
    gaps = vae_training.elbo_iw_gaps(runs, "vanilla", {"paper": "bn", "su": "su"})
    assert gaps["vanilla_elbo_iw_gap"] == pytest.approx(3.0)
    assert gaps["paper"] == pytest.approx({"elbo_iw_gap": 7.0, "gap_excess": 4.0})
    assert gaps["su"]["gap_excess"] == pytest.approx(6.0)


# --------------------------------------------------------------------------- C3.1 from the step records


def steps_frame(kl, floor, checked) -> pd.DataFrame:
    return pd.DataFrame({"kl": kl, "floor": floor, "nominal_checked": checked, "min_var": [1.0] * len(kl)})


def test_floor_check_uses_the_briefs_tolerances_not_the_training_loops():
    """A margin inside the training loop's slack (1e-5·d + 1e-6·floor; 1e-3·(1 + nominal)) but outside the
    brief's (1e-5·d; 1e-3) is a violation here."""
    d, floor, nominal = 32, 100.0, 10.0
    exact_miss = floor - (1e-5 * d + 0.5e-6 * floor)  # the loop's slack allows it, the brief's does not
    steps = steps_frame(
        kl=[floor + 1, exact_miss, nominal - 0.005, nominal - 0.005],
        floor=[floor, floor, nominal - 0.01, nominal - 0.01],
        checked=[True, False, True, False],  # the last step is under the nominal, but v ≈ ε: not checked
    )
    check = vae_training.floor_check(steps, nominal, d)
    assert check["exact_violations"] == 1 and check["nominal_violations"] == 1
    assert check["nominal_checked_steps"] == 2
    assert check["exact_margin_min"] == pytest.approx(-(1e-5 * d + 0.5e-6 * floor))
    assert check["nominal_margin_min"] == pytest.approx(-0.005)
    clean = vae_training.floor_check(steps_frame([floor + 1], [floor], [False]), nominal, d)
    assert clean["exact_violations"] == clean["nominal_violations"] == 0 and math.isnan(clean["nominal_margin_min"])


def test_end_of_training_is_the_median_of_the_last_tenth():
    steps = pd.DataFrame({"kl": [50.0] * 90 + [1.0] * 9 + [99.0]})
    assert vae_training.end_of_training(steps, "kl") == 1.0
    assert vae_training.end_of_training(steps.head(3), "kl") == 50.0  # at least one step


def escape_runs() -> pd.DataFrame:
    """Two floored arms: bn0.6 keeps its floor, bn0.9 escapes it (v under ε, KL ≈ 0.1 against 12.96)."""
    rows = [
        ("vanilla", 0.0, 0.01, 0.01, 1e-2),
        ("bn0.6", 5.76, 6.5, 6.0, 1e-3),
        ("bn0.9", 12.96, 0.13, 0.07, 1e-9),
    ]
    return pd.DataFrame(
        [
            {"arm": a, "seed": seed, "nominal_floor": f, "kl": kl, "end_kl": end, "end_min_var": v}
            for a, f, kl, end, v in rows
            for seed in range(2)
        ]
    )


def test_nominal_floor_metrics_show_the_escape():
    m = vae_training.nominal_floor_metrics(escape_runs())
    assert set(m["arms"]) == {"bn0_6", "bn0_9"}  # dots out of the keys; no floor, no entry
    assert m["arms"]["bn0_6"]["held_out_over_floor"] == pytest.approx(6.5 / 5.76)
    assert m["arms"]["bn0_6"]["end_train_margin"] == pytest.approx(0.24)
    assert m["arms"]["bn0_9"]["held_out_over_floor"] == pytest.approx(0.13 / 12.96)
    assert m["arms"]["bn0_9"]["end_min_var"] == pytest.approx(1e-9) and m["arms"]["bn0_9"]["seeds"] == 2
    assert m["below_half_floor"] == ["bn0.9"]


# --------------------------------------------------------------------------- the registry's rules on these numbers


def registered(claim_id: str) -> dict:
    with open("config/articles/vae_bn/claims.yaml") as f:
        claims = yaml.load(f, Loader=LOADER)["claims"]
    return next(c for c in claims if c["id"] == claim_id)


def test_c3_1_fails_for_an_arm_that_escapes_its_floor():
    runs = escape_runs()
    runs = pd.concat([runs, runs[runs["arm"] == "bn0.6"].assign(arm="su0.5", nominal_floor=8.0, kl=30.0, end_kl=30.0)])
    runs = pd.concat([runs, runs[runs["arm"] == "bn0.6"].assign(arm="ln0.6", kl=5.8, end_kl=5.77)])
    metrics = {"c3_1_nominal": vae_training.nominal_floor_metrics(runs)}
    outcome = decide(registered("vae_bn.C3.1"), metrics)
    assert outcome["verdict"] == "partially"
    assert "bn0_9.held_out_over_floor = 0.0100309, needs ≥ 0.9 → not_reproduced" in outcome["evidence"]
    assert "bn0_3" in outcome["evidence"] and "skipped" in outcome["evidence"]  # bn0.3 not run: optional part
    kept = runs[runs["arm"] != "bn0.9"]
    assert (
        decide(registered("vae_bn.C3.1"), {"c3_1_nominal": vae_training.nominal_floor_metrics(kept)})["verdict"]
        == "reproduced"
    )


def test_c3_3_is_inconclusive_with_a_weak_decoder():
    """Trap T7: a vanilla decoder at PPL 631 (our default tier's) is no strong autoregressive decoder."""
    text = runs_frame().assign(ppl=631.0)
    c3_3 = vae_training.collapse_metrics(text, "vanilla", {"paper": "bn", "su": "su"})
    claim = registered("vae_bn.C3.3")
    weak = decide(claim, {"c3_3": c3_3})
    assert weak["verdict"] == "inconclusive" and "too weak" in weak["evidence"]
    strong = decide(claim, {"c3_3": c3_3 | {"vanilla_ppl": 120.0}})
    assert strong["verdict"] != "inconclusive" and "vanilla_ppl = 120" in strong["evidence"]
