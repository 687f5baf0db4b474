"""Tests for kexue.vae_bn.metrics on models with known answers: a linear-Gaussian model whose exact
posterior is diagonal (x = W z + noise with orthogonal columns of W), and constructed posteriors."""

from __future__ import annotations

import math

import pytest
import torch
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from kexue.vae_bn.metrics import (
    active_units,
    iw_estimate,
    iw_k_grid,
    iw_log_likelihood,
    iw_log_weights,
    log_normal,
    mean_kl,
    mutual_information,
    perplexity,
)

F64 = torch.float64


class LinearGaussian:
    """z ~ N(0, I_d), x = W z + s·n with W = Q·diag(w), QᵀQ = I, n ~ N(0, I_D).

    WᵀW = diag(w²), so the exact posterior is diagonal: var_j = 1/(1 + w_j²/s²), mean = var·Wᵀx/s².
    log p(x) = log N(x; 0, W Wᵀ + s² I), and I(x; z) = ½ Σ_j log(1 + w_j²/s²).
    """

    def __init__(self, w, noise=1.0, observed=5, seed=0):
        self.gen = torch.Generator().manual_seed(seed)
        self.w = torch.tensor(w, dtype=F64)
        self.noise = noise
        q, _ = torch.linalg.qr(torch.randn(observed, len(w), generator=self.gen, dtype=F64))
        self.W = q * self.w

    def sample(self, n):
        z = torch.randn(n, len(self.w), generator=self.gen, dtype=F64)
        return z @ self.W.T + self.noise * torch.randn(n, self.W.shape[0], generator=self.gen, dtype=F64)

    def posterior(self, x):
        var = 1.0 / (1.0 + self.w.square() / self.noise**2)
        return (x @ self.W / self.noise**2) * var, var.log().expand(len(x), -1)

    def log_px_given_z(self, x):
        def log_likelihood(z):  # z (c, B, d) → (c, B)
            mean = z @ self.W.T
            return log_normal(x, mean, torch.full_like(mean, 2 * math.log(self.noise)))

        return log_likelihood

    def log_marginal(self, x):
        cov = self.W @ self.W.T + self.noise**2 * torch.eye(self.W.shape[0], dtype=F64)
        return torch.as_tensor(multivariate_normal(mean=None, cov=cov.numpy()).logpdf(x.numpy()))

    def mutual_information(self):
        return 0.5 * float(torch.log1p(self.w.square() / self.noise**2).sum())


def test_log_normal_and_mean_kl_match_torch_distributions():
    gen = torch.Generator().manual_seed(0)
    z, mu, logvar = (torch.randn(6, 3, generator=gen, dtype=F64) for _ in range(3))
    normal = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    assert torch.allclose(log_normal(z, mu, logvar), normal.log_prob(z).sum(-1), atol=1e-12)
    prior = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    expected = torch.distributions.kl_divergence(normal, prior).sum(1).mean()
    assert mean_kl(mu, logvar) == pytest.approx(float(expected), rel=1e-12)


@pytest.mark.parametrize("k, chunk", [(1, 100), (7, 3), (50, 50)])
def test_iw_nll_is_exact_for_any_k_under_the_true_posterior(k, chunk):
    """With q(z|x) = p(z|x) every weight p(x, z)/q(z|x) equals p(x): no Monte-Carlo error at all."""
    model = LinearGaussian([1.0, 2.0, 0.5])
    x = model.sample(40)
    mu, logvar = model.posterior(x)
    estimate = iw_log_likelihood(model.log_px_given_z(x), mu, logvar, k, chunk, torch.Generator().manual_seed(1))
    assert torch.allclose(estimate, model.log_marginal(x), atol=1e-9, rtol=0)


def test_iw_nll_with_a_wrong_posterior_is_the_elbo_at_k1_and_converges_with_k():
    """q = N(mean + 0.5, 3·var): E[log w] = log p(x) − KL(q ‖ p(z|x)) at K = 1; K = 2000 closes the gap."""
    model = LinearGaussian([1.0, 2.0])
    x = model.sample(300)
    mu, logvar = model.posterior(x)
    q_mu, q_logvar = mu + 0.5, logvar + math.log(3.0)
    exact = model.log_marginal(x)
    gap = 0.5 * (math.log(1 / 3) + 3 - 1 + 0.25 * torch.exp(-logvar[0])).sum()  # KL(q ‖ p(z|x)), same for every x
    gen = torch.Generator().manual_seed(2)
    one = iw_log_likelihood(model.log_px_given_z(x), q_mu, q_logvar, 1, generator=gen) - exact
    assert float(one.mean()) == pytest.approx(-float(gap), abs=4 * float(one.std()) / math.sqrt(300))
    many = iw_log_likelihood(model.log_px_given_z(x), q_mu, q_logvar, 2000, chunk=500, generator=gen) - exact
    assert float(gap) > 1.5 and abs(float(many.mean())) < 0.01 and float(many.abs().max()) < 0.2  # per x: std ≈ 0.02


def test_mutual_information_of_the_linear_gaussian():
    model = LinearGaussian([1.0, 2.0])  # I(x; z) = ½ log 10 = 1.151 nats
    x = model.sample(2000)
    mu, logvar = model.posterior(x)
    estimate = mutual_information(mu, logvar, torch.Generator().manual_seed(3), chunk=500)
    assert estimate == pytest.approx(model.mutual_information(), abs=0.08)  # std over seeds ≈ 0.018


def test_mutual_information_limits():
    """Identical posteriors carry no information; sharp, well-separated ones reach the cap log M."""
    gen = torch.Generator().manual_seed(4)
    m = 1000
    same = mutual_information(torch.full((m, 4), 0.3, dtype=F64), torch.full((m, 4), -1.0, dtype=F64), gen)
    assert abs(same) < 0.1  # single-sample entropy noise: std ≈ √(d/2)/√M = 0.045
    sharp = mutual_information(
        10 * torch.randn(m, 4, generator=gen, dtype=F64), torch.full((m, 4), -12.0, dtype=F64), gen
    )
    assert sharp == pytest.approx(math.log(m), abs=0.1)


def test_active_units_counts_with_the_n_minus_1_variance():
    sign = torch.tensor([1.0, -1.0, 1.0, -1.0])
    mu = torch.stack(
        [
            math.sqrt(0.009) * sign,  # variance 0.012 with N − 1 (0.009 with N): active
            math.sqrt(0.0072) * sign,  # 0.0096: inactive
            torch.full((4,), 5.0),  # constant: inactive however large
            torch.tensor([0.0, 1.0, 2.0, 3.0]),  # 5/3: active
        ],
        dim=1,
    )
    count, variances = active_units(mu)
    assert count == 2 and torch.allclose(variances, torch.tensor([0.012, 0.0096, 0.0, 5 / 3]))
    assert active_units(mu, threshold=0.0096)[0] == 3  # ≥ threshold counts (the reference code's >=)


def test_perplexity_counts_eos_tokens():
    tokens = torch.tensor([4, 7, 1])  # words + "<eos>" per sentence
    nll = tokens * math.log(50.0)  # uniform over 50 words
    assert perplexity(nll, tokens) == pytest.approx(50.0)
    assert perplexity(nll, tokens - 1) > 50.0  # dropping "<eos>" from the count inflates PPL


def test_iw_k_grid_is_one_two_five_below_k_then_k():
    assert iw_k_grid(2) == [1, 2]
    assert iw_k_grid(4) == [1, 2, 4]
    assert iw_k_grid(50) == [1, 2, 5, 10, 20, 50]
    assert iw_k_grid(100) == [1, 2, 5, 10, 20, 50, 100]
    assert iw_k_grid(500) == [1, 2, 5, 10, 20, 50, 100, 200, 500]


def test_nested_iw_estimates_are_logsumexp_of_the_first_k_weights():
    """The curve's K' estimate is log((1/K') Σ_{k ≤ K'} w_k) of the same draws (scipy's logsumexp as the
    independent computation), and the K estimate is iw_log_likelihood's from the same generator."""
    model = LinearGaussian([1.0, 2.0])
    x = model.sample(30)
    mu, logvar = model.posterior(x)
    q_mu, q_logvar = mu + 0.5, logvar + math.log(3.0)
    weights = iw_log_weights(model.log_px_given_z(x), q_mu, q_logvar, 20, 7, torch.Generator().manual_seed(5))
    assert weights.shape == (20, 30)
    for k in iw_k_grid(20):
        expected = logsumexp(weights[:k].numpy(), axis=0) - math.log(k)
        assert torch.allclose(iw_estimate(weights, k), torch.from_numpy(expected), atol=1e-12, rtol=0)
    single = iw_log_likelihood(model.log_px_given_z(x), q_mu, q_logvar, 20, 7, torch.Generator().manual_seed(5))
    assert torch.equal(single, iw_estimate(weights, 20))
