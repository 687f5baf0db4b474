"""VAEs whose posterior mean goes through BatchNorm, so that the KL term cannot vanish
(kexue.fm/archives/7381; Zhu et al., "A Batch Normalized Inference Network Keeps the KL Vanishing
Away", ACL 2020, arXiv 2004.12585).

The objective, per example x with a d-dimensional Gaussian posterior q(z|x) = N(μ, diag σ²):

    L(x) = −log p(x|z) + w·KL(q(z|x) ‖ N(0, I)),   z ~ q(z|x),   w the KL annealing weight
    KL   = Σ_j ½ (μ_j² + σ_j² − log σ_j² − 1)

Averaged over a batch of b examples, and since σ² − log σ² − 1 ≥ 0 (e^x ≥ 1 + x),

    KL_batch ≥ ½ Σ_j m2_j,   m2_j = (1/b) Σ_i μ_ij².

When μ_j = γ_j·(μ̃_j − m_j)/√(v_j + ε) + β_j with the batch mean m_j and biased batch variance v_j of the
pre-BN μ̃_j (BatchNorm in training mode), m2_j = β_j² + γ_j²·v_j/(v_j + ε) exactly, so

    KL_batch ≥ ½ Σ_j (β_j² + γ_j²·v_j/(v_j + ε)) ≈ (d/2)(β² + γ²).

Four posterior heads (`make_head`): "plain"; "bn", the paper's BN on μ with fixed γ and learnable β;
"su", the article's BN on μ and on the standard deviation s with γ_μ² + γ_σ² = 1; "ln", LayerNorm on
μ with a fixed scale. Two models share them: `TextVAE` (LSTM encoder and decoder on sentences, the
paper's PTB architecture) and `ImageVAE` (an MLP encoder and a small PixelCNN decoder on binary images).
Shapes: B batch, T time, d latent, K importance samples.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.rnn import pad_sequence

from kexue import sources
from kexue.autoencoder import kl_to_standard_terms
from kexue.lm import EOS, Corpus, encode_corpus

VAR_FLOOR = 1e-8  # σ² = s² + 1e-8 in Su's head (trap T4): −log σ² stays ≤ 18.4 nats per dim

# Tolerances of check_kl_bound (see there): the exact floor is an identity, so only float rounding is allowed.
FLOOR_ABS_TOL_PER_DIM = 1e-5  # nats per latent dim (the brief's 1e-5·d)
FLOOR_REL_TOL = 1e-6  # relative to the floor, for the float32 rounding of μ itself when β or γ is large
NOMINAL_TOL = 1e-3  # the nominal floor (d/2)γ² or dτ/2 is checked only where v ≫ ε …
LARGE_VAR = 1e3  # … namely where min_j v_j ≥ 1e3·ε, so v/(v+ε) ≥ 1/1.001


# --------------------------------------------------------------------------- sentences


def encode_sentences(text: Corpus, vocab: Sequence[str]) -> list[Tensor]:
    """One LongTensor per sentence: its word ids followed by "<eos>" (the T_x predicted tokens).

    Reuses lm.encode_corpus (same vocabulary checks) and splits its stream after every "<eos>".
    """
    ids = encode_corpus(text, vocab)
    ends = (ids == list(vocab).index(EOS)).nonzero().flatten() + 1
    return list(torch.tensor_split(ids, ends[:-1].tolist()))


def up_to_length(sentences: Sequence[Tensor], max_tokens: int) -> list[Tensor]:
    """The sentences with at most `max_tokens` tokens ("<eos>" included), in their order."""
    return [s for s in sentences if len(s) <= max_tokens]


class SentenceBatch(NamedTuple):
    """Sentences padded to a rectangle: tokens (B, T) with words + "<eos>", lengths (B,) = T_x."""

    tokens: Tensor
    lengths: Tensor

    @property
    def mask(self) -> Tensor:
        """(B, T) bool, True on real tokens: position t < T_x."""
        return torch.arange(self.tokens.shape[1]) < self.lengths[:, None]

    @property
    def n_tokens(self) -> int:
        return int(self.lengths.sum())


def collate(sentences: Sequence[Tensor], indices: Tensor | Sequence[int], pad_id: int = 0) -> SentenceBatch:
    """The sentences at `indices`, right-padded with `pad_id` (any id: the mask hides it)."""
    chosen = [sentences[int(i)] for i in indices]
    return SentenceBatch(
        pad_sequence(chosen, batch_first=True, padding_value=pad_id), torch.tensor([len(s) for s in chosen])
    )


def _no_singleton_tail(batches: list[Tensor]) -> list[Tensor]:
    """Fold a last batch of one sentence into the one before: BatchNorm needs ≥ 2 samples."""
    if len(batches) > 1 and len(batches[-1]) == 1:
        batches[-2:] = [torch.cat(batches[-2:])]
    return batches


def bucket_batches(lengths: Tensor, batch_size: int, generator: torch.Generator) -> list[Tensor]:
    """One epoch of index batches with length bucketing: sort by length, cut, shuffle the batches.

    Ties are broken at random (shuffle, then stable sort) so batches differ between epochs; each
    batch holds sentences of (nearly) one length, so padding, and the time spent on it, vanish.
    Every index appears exactly once; equal generator states give equal epochs.
    """
    shuffled = torch.randperm(len(lengths), generator=generator)
    order = shuffled[torch.sort(lengths[shuffled], stable=True).indices]
    batches = _no_singleton_tail(list(order.split(batch_size)))
    return [batches[i] for i in torch.randperm(len(batches), generator=generator)]


def random_batches(n: int, batch_size: int, generator: torch.Generator) -> list[Tensor]:
    """One epoch of index batches in uniformly random order, no bucketing (the plain baseline)."""
    return _no_singleton_tail(list(torch.randperm(n, generator=generator).split(batch_size)))


# --------------------------------------------------------------------------- images


def binarize(x: Tensor, threshold: float = 0.5) -> Tensor:
    """Fixed binarisation: 1 where x ≥ threshold (e.g. load_digits at 8/16), as float."""
    return (x >= threshold).to(torch.get_default_dtype())


def dynamic_binarize(x: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """A fresh Bernoulli(x) draw per call (MNIST intensities read as probabilities)."""
    return torch.bernoulli(x, generator=generator)


def read_mnist_pkl(path: str | Path) -> dict[str, Tensor]:
    """mnist.pkl.gz (the `mnist` resource) → {"train", "valid", "test"}: (N, 784) float32 in [0, 1]."""
    return {name: torch.from_numpy(images) for name, (images, _) in sources.read_mnist(path).items()}


# --------------------------------------------------------------------------- posterior heads


class Posterior(NamedTuple):
    """q(z|x) = N(mu, diag exp(logvar)), each (B, d).

    `floor` is the exact lower bound on this batch's mean KL (a float64 scalar), and `norm_var` the
    variance the normaliser divided by ((d,) batch variance for BN in training mode, (B,) per-sample
    variance for LN); both None where there is no floor (plain head, BN in eval mode). The floor is
    taken in the forward pass, with the β, γ, θ that produced μ: evaluated after optimizer.step()
    from the updated parameters it would no longer bound this batch's KL.
    """

    mu: Tensor
    logvar: Tensor
    norm_var: Tensor | None = None
    floor: Tensor | None = None

    def rsample(self, generator: torch.Generator | None = None) -> Tensor:
        """z = μ + σ·ε, ε ~ N(0, I): the reparametrised sample, differentiable in μ and σ."""
        eps = torch.randn(self.mu.shape, generator=generator, dtype=self.mu.dtype)
        return self.mu + torch.exp(0.5 * self.logvar) * eps


def kl_per_dim(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(μ, σ²) ‖ N(0, 1)) = ½ (μ² + σ² − log σ² − 1), elementwise (B, d), from log σ² (the shared term)."""
    return kl_to_standard_terms(mu, logvar.exp(), logvar)


def standardize(x: Tensor, dim: int, eps: float) -> tuple[Tensor, Tensor]:
    """((x − mean)/√(v + ε), v) along `dim`, with v the biased variance.

    Centred twice: after one pass the float32 mean of x − mean is off by about the rounding of the
    mean itself, which divided by a tiny √(v + ε) would shift the output mean away from 0 and break
    the identity m2 = γ²·v/(v + ε) that the KL floor rests on.
    """
    centred = x - x.mean(dim, keepdim=True)
    centred = centred - centred.mean(dim, keepdim=True)
    var = centred.square().mean(dim, keepdim=True)
    return centred * torch.rsqrt(var + eps), var.squeeze(dim).detach()


class BatchStandardize(nn.Module):
    """BatchNorm1d without affine parameters that also returns the batch variance it used.

    Training mode: batch statistics (biased variance), running averages updated as in torch
    (unbiased variance, weight `momentum`). Eval mode: the running statistics, and no floor (trap T2).
    """

    def __init__(self, features: int, eps: float, momentum: float = 0.1):
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.register_buffer("running_mean", torch.zeros(features))
        self.register_buffer("running_var", torch.ones(features))

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor | None]:
        if not self.training:
            return (x - self.running_mean) * torch.rsqrt(self.running_var + self.eps), None
        n = x.shape[0]
        if n < 2:
            raise ValueError("BatchNorm in training mode needs at least 2 samples per batch")
        normed, var = standardize(x, 0, self.eps)
        with torch.no_grad():
            self.running_mean.lerp_(x.mean(0), self.momentum)
            self.running_var.lerp_(var * n / (n - 1), self.momentum)
        return normed, var


class PlainHead(nn.Module):
    """(μ, log σ²) = split(W h), a bias-free Linear as in the paper's code. No KL floor."""

    floor_eps: float | None = None  # the normaliser's ε, where there is a floor

    def __init__(self, in_features: int, latent: int):
        super().__init__()
        self.latent = latent
        self.linear = nn.Linear(in_features, 2 * latent, bias=False)

    def forward(self, h: Tensor) -> Posterior:
        mu, logvar = self.linear(h).chunk(2, dim=-1)
        return Posterior(mu, logvar)

    def nominal_floor(self) -> float:
        return 0.0


class BNHead(PlainHead):
    """The paper's head: μ = γ·BN(μ̃) + β with γ fixed and β learnable; log σ² untouched.

    γ is a buffer, not a parameter (trap T6): no optimizer, weight decay or blanket re-initialisation
    over model.parameters() can move it. The paper keeps PyTorch's BN ε = 1e-5 (trap T1).
    """

    def __init__(
        self,
        in_features: int,
        latent: int,
        gamma: float = 0.6,
        learn_beta: bool = True,
        eps: float = 1e-5,
        momentum: float = 0.1,
    ):
        super().__init__(in_features, latent)
        self.norm, self.floor_eps = BatchStandardize(latent, eps, momentum), eps
        self.register_buffer("gamma", torch.full((latent,), float(gamma)))
        beta = torch.zeros(latent)
        if learn_beta:
            self.beta = nn.Parameter(beta)
        else:
            self.register_buffer("beta", beta)

    def forward(self, h: Tensor) -> Posterior:
        raw_mu, logvar = self.linear(h).chunk(2, dim=-1)
        normed, var = self.norm(raw_mu)
        return Posterior(self.gamma * normed + self.beta, logvar, var, self.batch_floor(var))

    def batch_floor(self, var: Tensor | None) -> Tensor | None:
        """½ Σ_j (β_j² + γ_j²·v_j/(v_j + ε)): the exact value of ½ Σ_j m2_j under batch statistics."""
        if var is None:
            return None
        v, beta, gamma = var.double(), self.beta.detach().double(), self.gamma.double()
        return 0.5 * (beta.square() + gamma.square() * v / (v + self.floor_eps)).sum()

    def nominal_floor(self) -> float:
        """(d/2)·γ², the β-free floor the configuration promises (β² only adds to it)."""
        return 0.5 * float(self.gamma.square().sum())


class SuHead(PlainHead):
    """The article's head: BN (no affine) on both μ and s, scaled so that γ_μ² + γ_σ² = 1.

        γ_μ = √(τ + (1−τ)·sigmoid(θ)),   γ_σ = √((1−τ)·sigmoid(−θ)),   θ ∈ ℝ^d (zeros at start)
        μ = γ_μ·BN(μ̃),   s = γ_σ·BN(s̃),   σ² = s² + 1e-8 (trap T4),   z = μ + σ·ε

    One θ feeds both scales (trap T5), so the aggregate posterior has the prior's first two moments:
    E_x[μ] = 0 and E_x[μ² + σ²] = γ_μ² + γ_σ² = 1 per dim. KL_batch ≥ ½ Σ_j γ_μ,j² ≥ d·τ/2.
    """

    def __init__(self, in_features: int, latent: int, tau: float = 0.5, eps: float = 1e-8, momentum: float = 0.1):
        super().__init__(in_features, latent)
        if not 0.0 < tau < 1.0:
            raise ValueError(f"tau must lie in (0, 1), got {tau}")
        self.tau, self.floor_eps = tau, eps
        self.theta = nn.Parameter(torch.zeros(latent))
        self.norm_mu = BatchStandardize(latent, eps, momentum)
        self.norm_s = BatchStandardize(latent, eps, momentum)

    def gamma_squares(self) -> tuple[Tensor, Tensor]:
        """(γ_μ², γ_σ²) = (τ + (1−τ)·sigmoid(θ), (1−τ)·sigmoid(−θ)); they sum to 1 since
        sigmoid(−θ) = 1 − sigmoid(θ)."""
        return (self.tau + (1 - self.tau) * torch.sigmoid(self.theta), (1 - self.tau) * torch.sigmoid(-self.theta))

    def gammas(self) -> tuple[Tensor, Tensor]:
        gamma_mu_sq, gamma_sigma_sq = self.gamma_squares()
        return gamma_mu_sq.sqrt(), gamma_sigma_sq.sqrt()

    def forward(self, h: Tensor) -> Posterior:
        raw_mu, raw_s = self.linear(h).chunk(2, dim=-1)
        gamma_mu, gamma_sigma = self.gammas()
        normed_mu, var = self.norm_mu(raw_mu)
        s = gamma_sigma * self.norm_s(raw_s)[0]  # its sign is irrelevant: only s² enters q
        return Posterior(gamma_mu * normed_mu, torch.log(s.square() + VAR_FLOOR), var, self.batch_floor(var))

    def batch_floor(self, var: Tensor | None) -> Tensor | None:
        """½ Σ_j γ_μ,j²·v_j/(v_j + ε), the exact ½ Σ_j m2_j (β_μ = 0)."""
        if var is None:
            return None
        v, gamma_mu_sq = var.double(), self.gamma_squares()[0].detach().double()
        return 0.5 * (gamma_mu_sq * v / (v + self.floor_eps)).sum()

    def nominal_floor(self) -> float:
        """d·τ/2: γ_μ² > τ for every θ."""
        return self.latent * self.tau / 2


class LNHead(PlainHead):
    """LayerNorm on μ over its d dims, times a fixed scale (no shift): μ = scale·LN(μ̃).

    Each sample's μ has Σ_j μ_j² = d·scale²·u/(u + ε) (u its variance over dims), so the same floor
    (d/2)·scale² holds per sample and in either mode; but nothing spreads different samples apart, and
    one constant μ for every input sits right on the floor (trap T8, claim C3.4).
    """

    def __init__(self, in_features: int, latent: int, scale: float = 0.6, eps: float = 1e-5):
        super().__init__(in_features, latent)
        self.floor_eps = eps
        self.register_buffer("scale", torch.tensor(float(scale)))

    def forward(self, h: Tensor) -> Posterior:
        raw_mu, logvar = self.linear(h).chunk(2, dim=-1)
        normed, var = standardize(raw_mu, -1, self.floor_eps)
        return Posterior(self.scale * normed, logvar, var, self.batch_floor(var))

    def batch_floor(self, var: Tensor) -> Tensor:
        """(1/b) Σ_i ½·scale²·d·u_i/(u_i + ε), in training and eval mode alike."""
        u = var.double()
        return 0.5 * float(self.scale) ** 2 * self.latent * (u / (u + self.floor_eps)).mean()

    def nominal_floor(self) -> float:
        return 0.5 * self.latent * float(self.scale) ** 2


HEADS = {"plain": PlainHead, "bn": BNHead, "su": SuHead, "ln": LNHead}


def make_head(kind: str, in_features: int, latent: int, **options) -> PlainHead:
    """A posterior head by name: "plain", "bn" (gamma, learn_beta, eps, momentum), "su" (tau, eps,
    momentum) or "ln" (scale, eps)."""
    if kind not in HEADS:
        raise ValueError(f"unknown head {kind!r}; choose from {sorted(HEADS)}")
    return HEADS[kind](in_features, latent, **options)


# --------------------------------------------------------------------------- the KL floor


def kl_lower_bound(head: nn.Module) -> float:
    """The nominal floor on the batch-mean KL, in nats per example: 0 (plain), (d/2)·γ² (paper's BN),
    d·τ/2 (Su), (d/2)·scale² (LN). Exact up to the factor v/(v + ε) (trap T1); for BN it is a theorem
    about batch statistics only, and at test time (running statistics) it holds only approximately."""
    return head.nominal_floor()


class BoundCheck(NamedTuple):
    kl: float  # the batch-mean KL, nats per example
    bound: float  # the exact floor of this batch, ½ Σ_j m2_j from the head's own statistics
    violated: bool


def check_kl_bound(head: nn.Module, posterior: Posterior) -> BoundCheck:
    """Claim C3.1 on one batch; the training loop calls it at every step (BN in training mode).

    violated when (computed in float64 from the head's float32 outputs)
      * KL_batch < floor − (1e-5·d + 1e-6·floor), floor = posterior.floor, the exact
        ½ Σ_j (β_j² + γ_j²·v_j/(v_j + ε)); the slack covers float32 rounding of μ and log σ² only; or
      * min_j v_j ≥ 1e3·ε and KL_batch < nominal − 1e-3·(1 + nominal), nominal = kl_lower_bound(head):
        there v/(v + ε) ≥ 1/1.001, so the nominal floor loses at most that factor (the brief's 1e-3
        for Su's d·τ/2 holds with room: mean_i σ² = γ_σ² ≤ 1 − τ, so by Jensen the σ part alone adds
        ≥ ½ ((1−τ) − log(1−τ) − 1) per dim, 0.097 nats at τ = 0.5); or
      * KL_batch is not finite (nothing was verified).
    Raises for a BN head in eval mode: running statistics give no floor (trap T2).
    """
    if head.floor_eps is not None and posterior.floor is None:
        raise ValueError("the BN floor holds for batch statistics only: run the head in training mode (trap T2)")
    kl = float(kl_per_dim(posterior.mu.detach().double(), posterior.logvar.detach().double()).sum(1).mean())
    floor = 0.0 if posterior.floor is None else float(posterior.floor)
    d = posterior.mu.shape[1]
    violated = not math.isfinite(kl) or kl < floor - (FLOOR_ABS_TOL_PER_DIM * d + FLOOR_REL_TOL * abs(floor))
    if head.floor_eps is not None and float(posterior.norm_var.min()) >= LARGE_VAR * head.floor_eps:
        nominal = kl_lower_bound(head)
        violated = violated or kl < nominal - NOMINAL_TOL * (1.0 + nominal)
    return BoundCheck(kl, floor, violated)


def moment_errors(posterior: Posterior) -> tuple[float, float]:
    """Claim C3.2 on one batch: (max_j |mean_i μ_ij|, max_j |mean_i (μ_ij² + σ_ij²) − 1|).

    Both ≈ 0 for Su's head in training mode: the aggregate posterior matches N(0, I) in its first two moments.
    """
    mu, var = posterior.mu.detach().double(), posterior.logvar.detach().double().exp()
    return float(mu.mean(0).abs().max()), float((mu.square() + var).mean(0).sub(1).abs().max())


# --------------------------------------------------------------------------- loss


class VAEOutput(NamedTuple):
    recon_nll: Tensor  # (B,) −log p(x|z), summed over tokens or pixels
    kl: Tensor  # (B, d) analytic KL per dim
    posterior: Posterior


def kl_weight(step: int, kl_start: float = 1.0, warm_up_steps: int = 0) -> float:
    """Linear KL annealing, as in the paper's code: w = min(1, kl_start + (1 − kl_start)·step/warm_up_steps).

    The defaults (kl_start = 1) mean no annealing; the paper's flag warm_up counts epochs, so pass
    warm_up_steps = warm_up × batches per epoch.
    """
    if warm_up_steps <= 0:
        return 1.0
    return min(1.0, kl_start + (1.0 - kl_start) * step / warm_up_steps)


def elbo_loss(output: VAEOutput, weight: float = 1.0) -> Tensor:
    """Mean over the batch of −log p(x|z) + w·Σ_j KL_j (nats per example; w = 1 gives the negative ELBO)."""
    return (output.recon_nll + weight * output.kl.sum(1)).mean()


# --------------------------------------------------------------------------- text VAE


class TextVAE(nn.Module):
    """The paper's PTB model: LSTM encoder → head → z; LSTM decoder fed z at every step.

    Encoder: embedding → 1-layer LSTM over the T_x tokens; its hidden state at the last real token → head.
    Decoder: inputs "<eos>" (as start symbol) + words, targets words + "<eos>"; each input embedding is
    concatenated with z, the initial cell state is c₀ = W z and h₀ = tanh(c₀).
    log p(x|z) = Σ_{t < T_x} log softmax(W_o h_t)[x_t]; logits are computed for real tokens only.
    Initialisation as the BN-VAE code: the decoder U(−0.01, 0.01), its embeddings U(−0.1, 0.1); the
    encoder (embedding, LSTM, head Linear) keeps torch's defaults, as that code's Gaussian LSTM encoder
    skips the uniform re-initialisation. It matters: under U(−0.01, 0.01) the pre-BN μ̃ starts with a
    batch variance near 1e-9 ≪ ε = 1e-5, where the BN floor γ²·v/(v + ε) is ≈ 0 (trap T1). Heads keep
    their own β = 0, θ = 0 and fixed γ. Word dropout replaces decoder inputs (not the start symbol) by `unk_id`.
    """

    def __init__(
        self,
        vocab_size: int,
        eos_id: int,
        latent: int = 32,
        embed: int = 256,
        hidden: int = 256,
        head: str = "plain",
        head_options: dict | None = None,
        dropout_in: float = 0.5,
        dropout_out: float = 0.5,
        word_dropout: float = 0.0,
        unk_id: int | None = None,
    ):
        super().__init__()
        if word_dropout > 0 and unk_id is None:
            raise ValueError("word dropout needs unk_id")
        self.eos_id, self.unk_id, self.word_dropout = eos_id, unk_id, word_dropout
        self.enc_embed = nn.Embedding(vocab_size, embed)
        self.enc_lstm = nn.LSTM(embed, hidden, batch_first=True)
        self.head = make_head(head, hidden, latent, **(head_options or {}))
        self.dec_embed = nn.Embedding(vocab_size, embed)
        self.dec_lstm = nn.LSTM(embed + latent, hidden, batch_first=True)
        self.init_cell = nn.Linear(latent, hidden, bias=False)
        self.drop_in, self.drop_out = nn.Dropout(dropout_in), nn.Dropout(dropout_out)
        self.out = nn.Linear(hidden, vocab_size)
        self._init_weights()

    def _init_weights(self) -> None:
        for module in (self.dec_lstm, self.init_cell, self.out):
            for p in module.parameters():
                nn.init.uniform_(p, -0.01, 0.01)
        nn.init.uniform_(self.dec_embed.weight, -0.1, 0.1)

    def encode(self, batch: SentenceBatch) -> Posterior:
        states, _ = self.enc_lstm(self.enc_embed(batch.tokens))  # (B, T, H); causal, so padding after T_x is harmless
        return self.head(states[torch.arange(len(batch.lengths)), batch.lengths - 1])

    def decoder_inputs(self, tokens: Tensor) -> Tensor:
        """(B, T): "<eos>" then x_1 … x_{T−1}; under word dropout some x_t become "<unk>"."""
        inputs = torch.cat([torch.full_like(tokens[:, :1], self.eos_id), tokens[:, :-1]], dim=1)
        if self.training and self.word_dropout > 0:
            dropped = torch.rand(inputs.shape) < self.word_dropout
            dropped[:, 0] = False
            inputs = inputs.masked_fill(dropped, self.unk_id)
        return inputs

    def log_likelihood(self, batch: SentenceBatch, z: Tensor) -> Tensor:
        """log p(x|z) per sentence: z (B, d) → (B,), or K samples z (K, B, d) → (K, B)."""
        samples = z.shape[:-1]
        z = z.reshape(-1, z.shape[-1])  # (K·B, d), sample-major
        repeat = z.shape[0] // len(batch.lengths)
        tokens, mask = batch.tokens.repeat(repeat, 1), batch.mask.repeat(repeat, 1)
        emb = self.drop_in(self.dec_embed(self.decoder_inputs(tokens)))
        x = torch.cat([emb, z[:, None, :].expand(-1, emb.shape[1], -1)], dim=-1)
        c0 = self.init_cell(z)[None]
        states, _ = self.dec_lstm(x, (torch.tanh(c0), c0))
        # logits for real tokens only: the (N, V) projection is the costliest op, padding would waste it
        logits = self.out(self.drop_out(states[mask]))
        token_ll = -F.cross_entropy(logits, tokens[mask], reduction="none")
        rows = torch.arange(len(tokens))[:, None].expand_as(mask)[mask]
        return torch.zeros(len(tokens), dtype=token_ll.dtype).index_add_(0, rows, token_ll).view(samples)

    def forward(self, batch: SentenceBatch) -> VAEOutput:
        posterior = self.encode(batch)
        recon_nll = -self.log_likelihood(batch, posterior.rsample())
        return VAEOutput(recon_nll, kl_per_dim(posterior.mu, posterior.logvar), posterior)


# --------------------------------------------------------------------------- image VAE


class MaskedConv2d(nn.Conv2d):
    """A same-padded conv whose kernel sees only pixels before the centre in raster order (type "A",
    the first layer) or those and the centre (type "B", later layers): p(x_{r,c} | x_{<(r,c)}, z)."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, mask_type: str):
        super().__init__(in_channels, out_channels, kernel, padding=kernel // 2)
        mask = torch.ones(kernel, kernel)
        centre = kernel // 2
        mask[centre, centre + (mask_type == "B") :] = 0
        mask[centre + 1 :] = 0
        self.register_buffer("mask", mask)

    def forward(self, x: Tensor) -> Tensor:
        return self._conv_forward(x, self.weight * self.mask, self.bias)


class PixelCNNDecoder(nn.Module):
    """A small PixelCNN without gating: masked conv A (k×k) → (layers − 1) masked conv B (3×3) → 1×1 → logits.

    z enters every layer as a per-channel bias (global conditioning), so the decoder is strong
    (autoregressive) and can still use z.
    """

    def __init__(self, latent: int, channels: int = 32, layers: int = 3, kernel: int = 7):
        super().__init__()
        self.layers, self.channels = layers, channels
        self.convs = nn.ModuleList(
            [MaskedConv2d(1, channels, kernel, "A")]
            + [MaskedConv2d(channels, channels, 3, "B") for _ in range(layers - 1)]
        )
        self.condition = nn.Linear(latent, layers * channels)
        self.logits = nn.Conv2d(channels, 1, 1)

    def forward(self, images: Tensor, z: Tensor) -> Tensor:
        """images (N, 1, H, W) in {0, 1}, z (N, d) → Bernoulli logits (N, 1, H, W)."""
        biases = self.condition(z).view(-1, self.layers, self.channels, 1, 1)
        h = images
        for i, conv in enumerate(self.convs):
            h = F.relu(conv(h) + biases[:, i])
        return self.logits(h)


class ImageVAE(nn.Module):
    """Binary-image VAE: MLP encoder → head → z; PixelCNN decoder. Images come flat, (B, H·W) in {0, 1}."""

    def __init__(
        self,
        shape: tuple[int, int] = (28, 28),
        latent: int = 32,
        hidden: int = 256,
        channels: int = 32,
        layers: int = 3,
        kernel: int = 7,
        head: str = "plain",
        head_options: dict | None = None,
    ):
        super().__init__()
        self.shape = tuple(shape)
        pixels = shape[0] * shape[1]
        self.encoder = nn.Sequential(nn.Linear(pixels, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.head = make_head(head, hidden, latent, **(head_options or {}))
        self.decoder = PixelCNNDecoder(latent, channels, layers, kernel)

    def encode(self, x: Tensor) -> Posterior:
        return self.head(self.encoder(x))

    def log_likelihood(self, x: Tensor, z: Tensor) -> Tensor:
        """log p(x|z) = Σ_pixels log Bernoulli(x | logits): z (B, d) → (B,), or (K, B, d) → (K, B)."""
        samples = z.shape[:-1]
        z = z.reshape(-1, z.shape[-1])
        images = x.repeat(z.shape[0] // len(x), 1).view(-1, 1, *self.shape)
        logits = self.decoder(images, z)
        nll = F.binary_cross_entropy_with_logits(logits, images, reduction="none")
        return -nll.flatten(1).sum(1).view(samples)

    def forward(self, x: Tensor) -> VAEOutput:
        posterior = self.encode(x)
        recon_nll = -self.log_likelihood(x, posterior.rsample())
        return VAEOutput(recon_nll, kl_per_dim(posterior.mu, posterior.logvar), posterior)


# --------------------------------------------------------------------------- evaluation helpers


@torch.no_grad()
def encode_all(model: nn.Module, batches: Sequence) -> tuple[Tensor, Tensor]:
    """(μ, log σ²) of every example, in eval mode (running BN statistics), concatenated in batch order.
    The model's mode is restored afterwards."""
    was_training = model.training
    model.eval()
    try:
        posteriors = [model.encode(batch) for batch in batches]
    finally:
        model.train(was_training)
    return torch.cat([p.mu for p in posteriors]), torch.cat([p.logvar for p in posteriors])
