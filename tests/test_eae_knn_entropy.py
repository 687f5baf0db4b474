"""EAE and the k-NN entropy estimator (kexue.fm 7343): the article's identities against independent
computations (scipy.stats, scipy.special, closed-form entropies), the estimator's exact scaling law, the
in-batch torch estimator against the scikit-learn one, the ε floor (trap), and the EAE's BN codes."""

import math

import numpy as np
import pytest
import scipy.special
import scipy.stats
import torch

from kexue import autoencoder as ae
from kexue import eae_knn_entropy as eae


@pytest.mark.parametrize("n,k", [(10, 1), (10, 3), (100, 10), (1000, 1), (1000, 10)])
def test_beta_integral_is_the_digamma_difference(n, k):
    assert eae.beta_integral(n, k) == pytest.approx(scipy.special.digamma(k) - scipy.special.digamma(n), abs=1e-9)


def test_beta_integral_is_the_mean_log_of_a_beta_variable():
    """The weight (n−1)·C(n−2, k−1)·P^{k−1}(1−P)^{n−k−1} is the Beta(k, n − k) density: E[log P]."""
    n, k = 50, 3
    expected = scipy.stats.beta(k, n - k).expect(np.log)
    assert eae.beta_integral(n, k) == pytest.approx(expected, abs=1e-8)


def test_beta_integral_needs_a_kth_neighbour():
    with pytest.raises(ValueError, match="1 ≤ k ≤ n − 1"):
        eae.beta_integral(10, 10)


def test_digamma_identities():
    assert scipy.special.digamma(1) == pytest.approx(-np.euler_gamma, abs=1e-15)
    for n in (2, 10, 1000):
        assert eae.digamma_by_harmonic(n) == pytest.approx(scipy.special.digamma(n), abs=1e-12)
    # log(n − 1) is only an approximation: below ψ(n) by ≈ 1/(2n), far above 1e-12
    assert math.log(9) - scipy.special.digamma(10) == pytest.approx(-1 / 20, rel=0.2)


def test_unit_ball_volumes():
    assert math.exp(eae.log_unit_ball_volume(1)) == pytest.approx(2)
    assert math.exp(eae.log_unit_ball_volume(2)) == pytest.approx(math.pi)
    assert math.exp(eae.log_unit_ball_volume(3)) == pytest.approx(4 * math.pi / 3)


def test_estimator_recovers_gaussian_and_uniform_entropy():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((5000, 2))
    assert eae.knn_entropy(z, 3) == pytest.approx(eae.gaussian_entropy(2), abs=0.05 * 2)
    assert eae.knn_entropy(rng.random((5000, 1)), 1) == pytest.approx(0.0, abs=0.05)


def test_estimator_scales_exactly_like_entropy():
    """H(aZ) = H(Z) + d·log a, and the estimator obeys it exactly (every ε_k scales by a)."""
    z = np.random.default_rng(1).standard_normal((800, 3))
    assert eae.knn_entropy(5 * z, 3) == pytest.approx(eae.knn_entropy(z, 3) + 3 * math.log(5), abs=1e-10)


def test_article_k1_form_differs_by_the_digamma_approximation():
    z = np.random.default_rng(2).standard_normal((300, 2))
    n = len(z)
    gap = eae.knn_entropy_k1_article(z) - eae.knn_entropy(z, 1)
    assert gap == pytest.approx(math.log(n - 1) - scipy.special.digamma(n), abs=1e-12)


def test_torch_estimator_matches_scikit_learn():
    z = torch.randn(128, 8, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    assert float(eae.knn_entropy_torch(z, 3)) == pytest.approx(eae.knn_entropy(z.numpy(), 3), abs=1e-10)


def test_distance_floor_keeps_the_gradient_finite_for_coincident_codes():
    """Trap: log ε has an infinite gradient at ε = 0; the floor keeps it finite."""
    z = torch.randn(16, 2, dtype=torch.float64)
    z = torch.cat([z, z[:1]]).requires_grad_()  # a duplicate code
    eae.knn_entropy_torch(z, 1).backward()
    assert torch.isfinite(z.grad).all()


def test_entropy_step_spreads_the_codes():
    z = (0.1 * torch.randn(64, 4, generator=torch.Generator().manual_seed(4))).requires_grad_()
    before = eae.knn_entropy_torch(z, 3)
    before.backward()
    after = eae.knn_entropy_torch(z.detach() + 1e-3 * z.grad, 3)
    assert after > before


def test_eae_regulariser_only_for_positive_weight():
    assert eae.regulariser("bn", 0.0, 3) is None
    reg = eae.regulariser("bn", 0.5, 3)
    z = torch.randn(32, 4, dtype=torch.float64)
    assert float(reg(ae.Code(z), z)) == pytest.approx(-0.5 * float(eae.knn_entropy_torch(z, 3)))
    assert set(eae.model_names([0.0, 0.1])) == {"ae", "vae", "eae_0", "eae_0.1"}


def test_is_decreasing():
    assert eae.is_decreasing([3, 2, 1]) and not eae.is_decreasing([3, 3, 1]) and not eae.is_decreasing([1, 2])


def test_the_article_trains_only_its_eaes_and_reads_the_shared_ae_and_vae():
    """The AE and the VAE are ae.BASELINES (vae_geometry's job trains them); this article's own job the EAEs."""
    weights = [0.0, 0.01, 0.1]
    own = eae.eae_models(weights)
    assert set(own) == {"eae_0", "eae_0.01", "eae_0.1"} and all(kind == "bn" for kind, _ in own.values())
    assert eae.model_names(weights) == ae.BASELINES | own
