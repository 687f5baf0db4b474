"""The geometric VAE (kexue.fm 7725) and the shared MNIST autoencoders (kexue/autoencoder.py): the losses
against torch.distributions, the Gaussian-moment KL and the Fréchet distance against closed forms, the
brief's traps (the AE's arbitrary scale, aggregate posterior samples, σ > 0), and the values the guards read."""

import math

import numpy as np
import pytest
import torch
from torch.distributions import MultivariateNormal, Normal, kl_divergence

from kexue import autoencoder as ae
from kexue import vae_geometry as vg


def test_kl_to_standard_matches_torch_distributions():
    g = torch.Generator().manual_seed(0)
    mu, sigma = torch.randn(5, 3, generator=g), torch.rand(5, 3, generator=g) + 0.1
    expected = kl_divergence(Normal(mu, sigma), Normal(0.0, 1.0)).sum(-1)
    torch.testing.assert_close(ae.kl_to_standard(mu, sigma), expected)


def test_both_regularisers_vanish_only_at_the_prior():
    mu, sigma = torch.zeros(2, 4), torch.ones(2, 4)
    assert ae.kl_to_standard(mu, sigma).abs().max() == 0 and ae.geometric_penalty(mu, sigma).abs().max() == 0
    assert (ae.geometric_penalty(mu + 0.1, sigma) > 0).all() and (ae.kl_to_standard(mu, sigma * 0.9) > 0).all()


def test_gaussian_kl_is_the_kl_of_the_fitted_gaussian():
    rng = np.random.default_rng(0)
    codes = rng.standard_normal((500, 3)) @ np.array([[1.0, 0.3, 0], [0, 0.5, 0], [0, 0, 2.0]]) + [0.5, -1, 0]
    m, s = torch.tensor(codes.mean(0)), torch.tensor(np.cov(codes, rowvar=False))
    expected = kl_divergence(MultivariateNormal(m, s), MultivariateNormal(torch.zeros(3), torch.eye(3, dtype=s.dtype)))
    assert ae.gaussian_kl(codes) == pytest.approx(float(expected), rel=1e-9)


def test_standardised_codes_do_not_depend_on_the_scale():
    """Trap: an AE's codes have an arbitrary scale; standardised, only their shape is measured."""
    rng = np.random.default_rng(1)
    codes = rng.standard_normal((1000, 2)) ** 3  # heavy-tailed, far from N(0, I) in shape
    scaled = 10 * codes + 3
    assert ae.gaussian_kl(scaled) > 10 * ae.gaussian_kl(codes)  # raw: scale alone decides
    assert ae.gaussian_kl(ae.standardise(scaled, scaled)) == pytest.approx(
        ae.gaussian_kl(ae.standardise(codes, codes)), rel=1e-9
    )


def test_frechet_distance_closed_form_in_one_dimension():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((4000, 1)), 3 + 2 * rng.standard_normal((4000, 1))
    ma, mb, sa, sb = a.mean(), b.mean(), a.std(ddof=1), b.std(ddof=1)
    assert ae.frechet_distance(a, b) == pytest.approx((ma - mb) ** 2 + (sa - sb) ** 2, rel=1e-6)
    assert ae.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)


def test_sigma_stays_positive_even_for_huge_negative_preactivations():
    """Trap: the geometric regulariser has no log σ term; softplus keeps σ > 0."""
    torch.manual_seed(0)
    model = ae.Autoencoder("geo", 2, (8,))
    with torch.no_grad():
        model.encoder[-1].bias[2:] = -1e4
    assert (model.encode(torch.rand(4, 784)).sigma > 0).all()


def test_aggregate_codes_are_samples_not_means():
    """Trap: the VAE's aggregate posterior is the mixture of its Gaussians: z = μ + σε, not μ alone."""
    torch.manual_seed(0)
    model = ae.Autoencoder("vae", 3, (8,))
    codes, mu = vg.aggregate_codes(model, torch.rand(50, 784), seed=0)
    assert not np.allclose(codes, mu)
    plain = ae.Autoencoder("ae", 3, (8,))
    codes, mu = vg.aggregate_codes(plain, torch.rand(50, 784), seed=0)
    np.testing.assert_array_equal(codes, mu)


def test_bn_codes_have_zero_mean_unit_variance_in_training_mode():
    torch.manual_seed(0)
    model = ae.Autoencoder("bn", 4, (16,))
    x = torch.rand(64, 784)
    z = model.encode(x).mu
    v = model.encoder(x).var(0, unbiased=False).detach()  # BN divides by √(v + ε), ε = 1e-5
    torch.testing.assert_close(z.mean(0), torch.zeros(4), atol=1e-5, rtol=0)
    torch.testing.assert_close(z.var(0, unbiased=False), v / (v + 1e-5), atol=1e-5, rtol=1e-4)


def test_training_is_deterministic_and_lowers_the_loss():
    x = torch.rand(256, 784, generator=torch.Generator().manual_seed(0))
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = ae.Autoencoder("vae", 2, (16,))
        runs.append(
            ae.train(
                model,
                x,
                x[:64],
                regulariser=ae.standard_regulariser("vae", 1.0),
                epochs=3,
                batch_size=32,
                lr=1e-3,
                seed=0,
            )
        )
    assert runs[0].equals(runs[1])
    assert runs[0]["valid_loss"].iloc[-1] < runs[0]["valid_loss"].iloc[0]


def test_unknown_kind_is_one_clear_message():
    with pytest.raises(ValueError, match="unknown autoencoder kind"):
        ae.Autoencoder("wae", 2)


def test_geo_weight_is_matched_on_validation_mse():
    mse = {"vae": [30.0, 32.0], "geo_0.1": [20.0, 21.0], "geo_1": [33.0, 34.0], "geo_10": [50.0, 50.0]}
    choice = vg.choose_geo_weight(mse, [0.1, 1.0, 10.0])
    assert choice["best"] == 1.0 and choice["mse_gap"] == pytest.approx(2.5 / 31)


def fake_rows(seeds=(0, 1, 2)):
    rows = []
    for s in seeds:
        for name, kl, fd in [("ae", 2.0, 50.0), ("vae", 0.1, 10.0), ("geo_0.1", 0.5, 20.0), ("geo_1", 0.2, 11.0)]:
            row = {
                "model": name,
                "seed": s,
                "code_kl": kl + 0.01 * s,
                "active_units": 8,
                "valid_mse": {"geo_0.1": 20.0, "geo_1": 31.0}.get(name, 30.0),
                "test_mse": 30.0,
                "interpolation_entropy": 0.5,
                "prior": {"frechet": fd + s, "max_prob": 0.9},
            }
            if name == "ae":
                row |= {"code_kl_raw": 40.0, "standardised_prior": {"frechet": 40.0 + s, "max_prob": 0.8}}
            else:
                row["sigma_min"] = 0.05
            rows.append(row)
    return rows


def test_claims_write_the_raw_values_the_guards_read():
    curves = {m: [[3.0, 2.0, 1.0]] * 3 for m in ("ae", "vae", "geo_0.1", "geo_1")}
    out = vg.claims_at(fake_rows(), curves, [0.1, 1.0])
    assert out["code_space"]["kl_ratio"] == pytest.approx(2.01 / 0.11)
    assert len(out["code_space"]["kl_difference_per_seed"]) == 3  # seed_spread
    assert out["sampling"]["best_ae_over_vae"] == pytest.approx(41 / 11)  # the better AE baseline: standardised
    assert len(out["sampling"]["margin_per_seed"]) == 3
    assert out["geo"]["model"] == "geo_1" and out["geo"]["frechet_gap"] == pytest.approx(1 / 11)
    assert out["geo"]["worse_over_best_ae"] == pytest.approx(12 / 41)
    assert out["curves"]["vae"] == [3.0, 2.0, 1.0] and out["curves"]["geo"] == [3.0, 2.0, 1.0]
    assert math.isfinite(out["geo"]["mse_gap"])


def _train_models(names: dict, x: torch.Tensor) -> dict:
    """The models of `names`, each trained as scripts/vae_geometry/train.py does (seed before building)."""
    states = {}
    for name, (kind, weight) in names.items():
        torch.manual_seed(0)
        model = ae.Autoencoder(kind, 2, (16,))
        ae.train(
            model,
            x,
            x[:64],
            regulariser=ae.standard_regulariser(kind, weight),
            epochs=2,
            batch_size=32,
            lr=1e-3,
            seed=0,
        )
        states[name] = model.state_dict()
    return states


def test_the_two_training_jobs_split_one_run_without_changing_a_model():
    """The AE and VAE job (read by eae_knn_entropy too) and the geo-VAE job hold every model of a run once, and a
    geo-VAE trained after the AE and VAE in one process equals one trained alone: splitting moves no number."""
    weights = [0.1, 1.0]
    assert vg.run_models("ae_vae") == ae.BASELINES
    assert vg.run_models("ae_vae") | vg.run_models("geo", weights) == vg.model_names(weights)
    assert not set(vg.run_models("ae_vae")) & set(vg.run_models("geo", weights))
    with pytest.raises(ValueError, match="unknown training part"):
        vg.run_models("eae")
    x = torch.rand(128, 784, generator=torch.Generator().manual_seed(1))
    together = _train_models(vg.model_names(weights), x)
    alone = _train_models(vg.run_models("geo", weights), x)
    for name, state in alone.items():
        assert all(torch.equal(state[k], together[name][k]) for k in state)
