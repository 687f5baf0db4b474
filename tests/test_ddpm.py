"""Tests for kexue.ddpm: the article's closed forms against independent computations, the sampler against
exact reverse processes, the metrics against closed forms, the brief's traps, and the guards' failure cases."""

import math
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from kexue import ddpm
from kexue.verdicts import decide

ROOT = Path(__file__).resolve().parents[1]
CLAIMS = {c["id"]: c for c in yaml.safe_load((ROOT / "config/articles/ddpm/claims.yaml").read_text())["claims"]}


# --------------------------------------------------------------------------- schedule and closed forms


def test_schedule_is_the_articles_and_its_alpha_bar_T_is_the_briefs_number():
    s = ddpm.schedule(1000)
    np.testing.assert_allclose(s.alpha**2 + s.beta**2, 1)
    assert s.beta[1] ** 2 == pytest.approx(2e-5)  # the author's β_1², not the paper's 1e-4 (a trap)
    assert s.alpha_bar[0] == 1 and s.beta_bar[0] == 0
    assert ddpm.alpha_bar_T_exact(1000) ** 2 == pytest.approx(4.2e-5, rel=0.02)  # brief: ≈ 4.2e-5
    assert ddpm.alpha_bar_T_exact(1000) == pytest.approx(0.0065, abs=5e-5)
    assert ddpm.alpha_bar_T_exact(1000) == pytest.approx(s.alpha_bar[-1], rel=1e-10)


@pytest.mark.parametrize("t", [1, 2, 10, 500, 1000])
def test_posterior_coefficients_equal_gaussian_conditioning(t):
    # independent route: (x_{t−1}, x_t) | x_0 is jointly Gaussian; condition by the covariance formula
    s = ddpm.schedule(1000)
    var_prev, var_t = s.beta_bar[t - 1] ** 2, s.beta_bar[t] ** 2
    cov = s.alpha[t] * var_prev
    slope_x = cov / var_t
    slope_0 = s.alpha_bar[t - 1] - slope_x * s.alpha_bar[t]  # mean: ᾱ_{t−1}x_0 + slope_x (x_t − ᾱ_t x_0)
    var = var_prev - cov**2 / var_t
    c_x, c_0, v = ddpm.posterior_coefficients(s, t)
    assert (c_x, c_0) == pytest.approx((slope_x, slope_0), rel=1e-9, abs=1e-15)
    assert v == pytest.approx(var, rel=1e-6, abs=1e-15)


def test_sampling_sigmas_and_the_deterministic_last_step():
    s = ddpm.schedule(1000)
    beta, post = ddpm.sampling_sigma(s, "beta"), ddpm.sampling_sigma(s, "posterior")
    assert post[1] == 0.0 and beta[1] == pytest.approx(math.sqrt(2e-5))  # β̄_0 = 0: σ̃_1 = 0
    assert np.all(post[1:] <= beta[1:]) and np.all(np.isfinite(post))
    assert post[1:] ** 2 == pytest.approx(ddpm.posterior_coefficients(s, np.arange(1, 1001))[2])
    with pytest.raises(ValueError):
        ddpm.sampling_sigma(s, "paper")


def test_symbolic_identities_simplify_to_zero():
    assert set(ddpm.symbolic_residues().values()) == {"0"}


def test_mixing_the_two_eps_conventions_breaks_the_mean():
    # the trap: part 2's ε_θ predicts (β_t/β̄_t)ε, part 3's predicts ε; feeding one to the other's mean is wrong
    s, t, x, eps = ddpm.schedule(1000), 10, 0.3, 0.7
    part3 = (x - s.beta[t] ** 2 / s.beta_bar[t] * eps) / s.alpha[t]
    part2_right = (x - s.beta[t] * (s.beta[t] / s.beta_bar[t] * eps)) / s.alpha[t]
    part2_mixed = (x - s.beta[t] * eps) / s.alpha[t]
    assert part2_right == pytest.approx(part3)
    assert abs(part2_mixed - part3) > 1e-3


# --------------------------------------------------------------------------- chains and their tests


def test_chain_tests_accept_the_closed_forms_and_reject_a_wrong_one():
    s, rng = ddpm.schedule(100), np.random.default_rng(0)
    x = ddpm.simulate_chains(np.full(50_000, 1.0), s, {1, 9, 10, 100}, rng)
    ok = ddpm.moment_test(x[100], s.alpha_bar[100], s.beta_bar[100] ** 2)
    assert ddpm.max_abs_z([ok]) < 4.5
    wrong = ddpm.moment_test(x[100], s.alpha_bar[100], s.beta[100] ** 2)  # β_t² for β̄_t²: notation mixed up
    assert abs(wrong["var_z"]) > 20
    c_x, c_0, var = ddpm.posterior_coefficients(s, 10)
    row = ddpm.regression_test(x[9], {"x_t": x[10]}, {"x_t": c_x}, c_0, var)
    assert ddpm.max_abs_z([row]) < 4.5
    bad = ddpm.regression_test(x[9], {"x_t": x[10]}, {"x_t": s.alpha[10]}, 0.0, s.beta[10] ** 2)
    assert ddpm.max_abs_z([bad]) > 20  # standard-normal data's conditional is wrong for point data


def test_regression_test_recovers_a_known_line():
    rng = np.random.default_rng(1)
    u = rng.standard_normal(20_000)
    y = 1.0 + 2.0 * u + 0.5 * rng.standard_normal(20_000)
    row = ddpm.regression_test(y, {"u": u}, {"u": 2.0}, 1.0, 0.25)
    assert ddpm.max_abs_z([row]) < 4.5
    assert row["slope_u"] == pytest.approx(2.0, abs=0.02)
    assert abs(ddpm.regression_test(y, {"u": u}, {"u": 2.1}, 1.0, 0.25)["slope_u_z"]) > 20


# --------------------------------------------------------------------------- sampler against exact reverse processes


class ExactEps(torch.nn.Module):
    """The Bayes-optimal ε-predictor E[ε | x_t] for data x_0 ~ N(m, v) (v = 0: single-point data)."""

    def __init__(self, s, m, v):
        super().__init__()
        self.ab, self.bb = torch.tensor(s.alpha_bar, dtype=torch.float32), torch.tensor(s.beta_bar, dtype=torch.float32)
        self.m, self.v = m, v

    def forward(self, x, t):
        ab, bb = self.ab[t, None], self.bb[t, None]
        # Cov(ε, x_t) = β̄_t, Var(x_t) = ᾱ_t² v + β̄_t²
        return bb * (x - ab * self.m) / (ab**2 * self.v + bb**2)


def test_posterior_variance_sampler_is_exact_for_single_point_data():
    s = ddpm.schedule(1000)
    out = ddpm.sample(ExactEps(s, 0.7, 0.0), 2000, 1, s, ["beta", "posterior"], seed=0)
    assert torch.allclose(out["posterior"], torch.full((2000, 1), 0.7), atol=1e-3)  # deterministic last step
    assert out["beta"].std().item() == pytest.approx(math.sqrt(2e-5), rel=0.1)  # β_1 noise at the last step


def test_sampler_variances_follow_their_recursion_for_standard_normal_data():
    # with the exact ε the mean is α_t x_t, so Var x_{t−1} = α_t² Var x_t + σ_t² from Var x_T = 1:
    # σ_t = β_t keeps it at 1 exactly (the exact reverse for N(0, 1) data); σ̃_t ends slightly below
    s = ddpm.schedule(1000)
    out = ddpm.sample(ExactEps(s, 0.0, 1.0), 20_000, 1, s, ["beta", "posterior"], seed=1)
    for choice in ("beta", "posterior"):
        sigma, v = ddpm.sampling_sigma(s, choice), 1.0
        for t in range(1000, 0, -1):
            v = s.alpha[t] ** 2 * v + sigma[t] ** 2
        assert out[choice].var().item() == pytest.approx(v, abs=4 * math.sqrt(2 / 20_000))
        if choice == "beta":
            assert v == pytest.approx(1.0, abs=1e-9)


def test_samplers_share_their_noise():
    s = ddpm.schedule(20)
    a = ddpm.sample(ExactEps(s, 0.0, 1.0), 64, 2, s, ["beta", "posterior"], seed=3)
    b = ddpm.sample(ExactEps(s, 0.0, 1.0), 64, 2, s, ["posterior"], seed=3)
    assert torch.equal(a["posterior"], b["posterior"])  # same x_T and z whatever else is sampled beside


# --------------------------------------------------------------------------- training, models, the sum-vs-mean trap


def test_sum_is_dim_times_mean():
    s, coef = ddpm.schedule(100), ddpm.torch_coefficients(ddpm.schedule(100))
    model = ddpm.EpsMLP(5, 8, 1, ddpm.time_embedding("sinusoidal", 4, s.T), 4)
    x0, t, eps = torch.randn(7, 5), torch.randint(1, 101, (7,)), torch.randn(7, 5)
    total = ddpm.denoising_loss(model, x0, t, eps, coef, "sum")
    assert total.item() == pytest.approx(5 * ddpm.denoising_loss(model, x0, t, eps, coef, "mean").item(), rel=1e-6)


def _train(reduction, steps=30, encoding="sinusoidal"):
    s = ddpm.schedule(100)
    torch.manual_seed(0)
    model = ddpm.EpsMLP(2, 32, 2, ddpm.time_embedding(encoding, 8, s.T), 8)
    data = torch.from_numpy(ddpm.standardise(ddpm.moons(2000, 0.05, 0))[0])
    history = ddpm.train(
        model, data, s, steps=steps, batch_size=128, lr=1e-3, seed=0, eval_every=10, eval_size=512, reduction=reduction
    )
    return model, history


def test_training_lowers_the_held_out_loss():
    _, history = _train("sum", steps=200)
    assert [h["step"] for h in history] == list(range(0, 201, 10))
    assert history[-1]["eval_loss"] < 0.8 * history[0]["eval_loss"]


def test_sum_and_mean_train_alike_in_float32_with_adam():
    # the brief's trap: in fp32 Adam's step does not see the loss scale; a CPU non-effect says nothing
    a, _ = _train("sum")
    b, _ = _train("mean")
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.allclose(p, q, atol=1e-4)


def test_learned_embedding_is_a_trainable_table():
    sin, learned = ddpm.time_embedding("sinusoidal", 32, 1000), ddpm.time_embedding("learned", 32, 1000)
    assert sum(p.numel() for p in sin.parameters()) == 0
    assert sum(p.numel() for p in learned.parameters()) == 1001 * 32
    e = sin(torch.tensor([0, 5]))
    assert torch.allclose(e[0], torch.cat([torch.zeros(16), torch.ones(16)]))
    with pytest.raises(ValueError):
        ddpm.time_embedding("fourier", 32, 1000)


@pytest.mark.parametrize("norm", ["group", "batch"])
def test_unet_stand_in_trains_and_batchnorm_differs_between_modes(norm):
    # full-tier code path on a tiny stand-in: 28×28 random images, two steps on CPU
    s = ddpm.schedule(50)
    torch.manual_seed(0)
    model = ddpm.UNet(28, 8, t_dim=16, norm=norm)
    history = ddpm.train(
        model, torch.rand(64, 784) * 2 - 1, s, steps=2, batch_size=8, lr=1e-3, seed=0, eval_every=1, eval_size=8
    )
    assert len(history) == 3 and all(math.isfinite(h["eval_loss"]) for h in history)
    x, t = torch.randn(4, 784), torch.full((4,), 10)
    model.train()
    with torch.no_grad():
        train_mode = model(x, t)
    model.eval()
    with torch.no_grad():
        eval_mode = model(x, t)
    assert train_mode.shape == (4, 784)
    # BatchNorm normalises by the batch in training and by running averages in sampling; GroupNorm does not
    assert torch.allclose(train_mode, eval_mode) == (norm == "group")
    out = ddpm.sample(model, 3, 784, s, ["beta"], seed=0)["beta"]
    assert out.shape == (3, 784) and torch.isfinite(out).all()


# --------------------------------------------------------------------------- metrics


def test_sliced_wasserstein_of_a_shift_is_the_mean_projected_shift():
    x = np.random.default_rng(0).standard_normal((500, 2))
    dirs = ddpm.directions(50, 2, seed=0)
    shift = np.array([0.3, -0.2])
    assert ddpm.sliced_wasserstein(x, x, dirs) == 0
    assert ddpm.sliced_wasserstein(x, x + shift, dirs) == pytest.approx(np.mean(np.abs(dirs @ shift)))


def test_frechet_distance_of_an_affine_copy():
    # y = a x + b: Σ_y = a² Σ_x, (Σ_x Σ_y)^{1/2} = a Σ_x, so FD = ‖μ_x − μ_y‖² + (1 − a)² tr Σ_x
    x = np.random.default_rng(0).standard_normal((400, 6)) @ np.diag([1, 2, 3, 1, 1, 0.5])
    a, b = 1.5, np.arange(6) / 10
    y = a * x + b
    expected = np.sum((x.mean(0) - y.mean(0)) ** 2) + (1 - a) ** 2 * np.trace(np.cov(x, rowvar=False))
    assert ddpm.frechet_distance(x, y) == pytest.approx(expected, rel=1e-6)


def test_mmd_separates_distributions():
    rng = np.random.default_rng(0)
    x, y, z = rng.standard_normal((300, 2)), rng.standard_normal((300, 2)), rng.standard_normal((300, 2)) + 1
    h = ddpm.median_bandwidth(x)
    assert abs(ddpm.mmd2(x, y, h)) < 0.01 < ddpm.mmd2(x, z, h)


def test_relative_gap_and_final_over_best():
    assert ddpm.relative_gap(1.0, 1.15) == pytest.approx(0.15)
    assert ddpm.relative_gap(1.15, 1.0) == pytest.approx(0.15)
    assert ddpm.final_over_best([5, 2, 1, 3]) == 3 and ddpm.final_over_best([5, 1, float("nan")]) == math.inf
    assert ddpm.final_over_best([5, 2, 1, 1.5]) == 1.5


def test_digits_split_and_scale():
    split = ddpm.digits(400, seed=0)
    assert split["train"][0].shape == (1397, 64) and split["heldout"][0].shape == (400, 64)
    assert split["train"][0].min() == -1 and split["train"][0].max() == 1


# --------------------------------------------------------------------------- guards: each fires on its failure case


def _diffusion_metrics(**over):
    m = {
        "variance_choice": {
            "moons": {"gap": 0.02, "quality_ratio": 0.2},
            "digits": {"gap": 0.05, "quality_ratio": 0.1},
        },
        "t_embedding": {
            "gap": 0.05,
            "gap_se": 0.02,
            "quality_ratio": 0.2,
            "curves": {"sinusoidal": [2.0, 1.0, 0.9, 0.9, 0.9], "learned": [2.0, 1.1, 0.95, 0.95, 0.95]},
        },
    }
    for path, value in over.items():
        node = m
        *parents, last = path.split("__")
        for p in parents:
            node = node[p]
        node[last] = value
    return m


def test_diffusion_claims_decide_and_their_guards_fire():
    vc, te = CLAIMS["ddpm.variance_choice"], CLAIMS["ddpm.t_embedding"]
    assert decide(vc, _diffusion_metrics())["verdict"] == "reproduced"
    assert decide(te, _diffusion_metrics())["verdict"] == "reproduced"
    assert decide(vc, _diffusion_metrics(variance_choice__digits__gap=0.3))["verdict"] == "partially"
    assert decide(vc, _diffusion_metrics(variance_choice__moons__quality_ratio=0.7))["verdict"] == "inconclusive"
    assert decide(te, _diffusion_metrics(t_embedding__gap=0.4))["verdict"] == "not_reproduced"
    assert decide(te, _diffusion_metrics(t_embedding__gap_se=0.2))["verdict"] == "inconclusive"
    assert decide(te, _diffusion_metrics(t_embedding__quality_ratio=0.9))["verdict"] == "inconclusive"
    still = _diffusion_metrics(t_embedding__curves__learned=[2.0, 1.5, 1.3, 1.1, 1.0])
    assert decide(te, still)["verdict"] == "inconclusive"


def test_unet_claims_are_not_evaluated_without_their_runs_and_decide_with_them():
    snm, nbn = CLAIMS["ddpm.sum_not_mean"], CLAIMS["ddpm.no_batchnorm"]
    off = {"scale": "full tier only", "runs": []}
    assert decide(snm, off)["ours"] == decide(nbn, off)["ours"] == "not evaluated"
    run = {"sum_not_mean": {"mean_final_over_best": math.inf, "sum_final_over_best": 1.01}}
    assert decide(snm, run)["verdict"] == "reproduced"
    both_fine = {"sum_not_mean": {"mean_final_over_best": 1.02, "sum_final_over_best": 1.01}}
    assert decide(snm, both_fine)["verdict"] == "partially"
    bn = {"no_batchnorm": {"gap": 3.0, "gap_per_seed": [2.9, 3.0, 3.1], "quality_ratio": 0.1}}
    assert decide(nbn, bn)["verdict"] == "reproduced"
    noisy = {"no_batchnorm": {"gap": 1.0, "gap_per_seed": [-3.0, 1.0, 5.0], "quality_ratio": 0.1}}
    assert decide(nbn, noisy)["verdict"] == "inconclusive"


def test_committed_metrics_hold_what_the_guards_read():
    """The scripts write raw values (curves, per-seed lists) for the guards, not precomputed booleans."""
    import json

    path = ROOT / "results/ddpm/metrics/diffusion.json"
    assert path.is_file(), "results/ddpm/metrics/diffusion.json is not committed: run snakemake ddpm"
    m = json.loads(path.read_text())
    curves = m["t_embedding"]["curves"]
    assert all(len(c) >= 3 and all(isinstance(v, float) for v in c) for c in curves.values())
    for dataset in ("moons", "digits"):
        per_seed = m["variance_choice"][dataset]["per_seed"]
        assert len(per_seed["beta"]) == len(per_seed["posterior"]) >= 3
        block = m["variance_choice"][dataset]
        assert block["gap"] == pytest.approx(
            ddpm.relative_gap(np.mean(per_seed["beta"]), np.mean(per_seed["posterior"]))
        )
