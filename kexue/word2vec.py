"""CBOW word2vec with "random softmax" and its baselines (kexue.fm 4402, 4515).

The full softmax cross-entropy of the CBOW predictor, for context vector h and label t,

    L = −z_t + log Σ_i e^{z_i},   z_i = w_i·h + b_i,   ∇L = −∇z_t + Σ_i p_i ∇z_i,

is approximated by the article's "random softmax": draw S (|S| = k, uniform over the vocabulary, independently
per example, collisions with the label kept as in the original code) and take

    L_S = −z_t + log(e^{z_t} + Σ_{s∈S} e^{z_s}).

Baselines with TensorFlow's semantics (samples shared by the batch, drawn from the log-uniform sampler
Q(w) = log((w+2)/(w+1)) / log(V+1) over frequency ranks, with replacement):
- sampled softmax: softmax over the label and the samples with logits z − log(k Q(w)), accidental hits removed;
- NCE: logistic loss of the label (target 1) against the k samples (target 0), logits z − log(k Q(w)).
The tied model (the article's proposal) scores with the input embeddings themselves, z_i = e_i·h, no bias.
The corpus side (tokeniser, vocabulary) is kexue/corpus.py; the evaluations are corpus.similarity_spearman and
corpus.analogy_accuracy.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from kexue import corpus

LOSSES = ("random", "sampled", "nce", "full")

# --- data ---------------------------------------------------------------------------------------------------------


def ptb_data(folder, max_tokens: int | None = None) -> dict:
    """PTB's train and valid sentences encoded with the training vocabulary (10k words, most frequent first, so
    row r is frequency rank r as the log-uniform sampler assumes). max_tokens: keep the first sentences up to
    that many training tokens (smoke tier)."""
    train = corpus.tokenize((folder / "ptb.train.txt").read_text())
    if max_tokens is not None:
        lengths = np.cumsum([len(s) for s in train])
        train = train[: int(np.searchsorted(lengths, max_tokens)) + 1]
    vocab = corpus.build_vocab(train)
    valid = corpus.tokenize((folder / "ptb.valid.txt").read_text())
    return {"vocab": vocab, "train": corpus.encode(train, vocab), "valid": corpus.encode(valid, vocab)}


def keep_probability(counts: np.ndarray, t: float) -> np.ndarray:
    """word2vec's frequent-word subsampling: keep w with probability (√(f/t) + 1)·t/f, f its relative frequency
    (capped at 1; t = 0 keeps everything)."""
    if t <= 0:
        return np.ones(len(counts))
    f = counts / counts.sum()
    return np.minimum(1.0, (np.sqrt(f / t) + 1) * t / np.maximum(f, 1e-300))


def cbow_examples(encoded: list[np.ndarray], window: int, pad: int, keep=None, rng=None):
    """(contexts (n, 2·window), labels (n,)) for every token as the label, its `window` neighbours on each side
    inside the sentence as the context, `pad` where the sentence ends. With `keep` (per word), tokens are first
    dropped by word2vec's subsampling (fresh draws from rng on each call), as word2vec does before windowing."""
    words = np.concatenate(encoded)
    sentence = np.repeat(np.arange(len(encoded)), [len(s) for s in encoded])
    if keep is not None:
        kept = rng.random(len(words)) < keep[words]
        words, sentence = words[kept], sentence[kept]
    n = len(words)
    offsets = [o for o in range(-window, window + 1) if o != 0]
    contexts = np.full((n, len(offsets)), pad, dtype=np.int64)
    for j, o in enumerate(offsets):
        source = np.arange(n) + o
        inside = (source >= 0) & (source < n)
        same = np.zeros(n, dtype=bool)
        same[inside] = sentence[source[inside]] == sentence[inside]
        contexts[same, j] = words[source[same]]
    has_context = (contexts != pad).any(1)
    return torch.from_numpy(contexts[has_context]), torch.from_numpy(words[has_context].astype(np.int64))


# --- model --------------------------------------------------------------------------------------------------------


class CBOW(nn.Module):
    """h = mean of the context's input embeddings (padding excluded); logits z_i = w_i·h + b_i (untied) or
    z_i = e_i·h (tied: the softmax weights are the input embeddings, bias 0)."""

    def __init__(self, vocab_size: int, dim: int, tied: bool, init: float = 0.05):
        super().__init__()
        self.vocab_size, self.tied = vocab_size, tied
        # row vocab_size is the padding: zero and never updated; Keras's Embedding init U(−0.05, 0.05)
        self.embed = nn.Embedding(vocab_size + 1, dim, padding_idx=vocab_size)
        nn.init.uniform_(self.embed.weight, -init, init)
        with torch.no_grad():
            self.embed.weight[vocab_size] = 0
        if not tied:
            self.out = nn.Embedding(vocab_size, dim)
            nn.init.uniform_(self.out.weight, -init, init)
            self.bias = nn.Parameter(torch.zeros(vocab_size))

    def hidden(self, contexts: torch.Tensor) -> torch.Tensor:
        count = (contexts != self.vocab_size).sum(1, keepdim=True).clamp(min=1)
        return self.embed(contexts).sum(1) / count

    def output_weights(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(W, b) of the softmax layer, V × d and V."""
        if self.tied:
            return self.embed.weight[: self.vocab_size], torch.zeros(self.vocab_size)
        return self.out.weight, self.bias

    def logits_of(self, h: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        """z for the word ids per example (ids: B × m) or shared by the batch (ids: m)."""
        W, b = self.output_weights()
        if ids.dim() == 1:
            return h @ W[ids].T + b[ids]
        return torch.einsum("bd,bmd->bm", h, W[ids]) + b[ids]

    def word_vectors(self) -> np.ndarray:
        return self.embed.weight[: self.vocab_size].detach().numpy().astype(np.float64)


# --- losses -------------------------------------------------------------------------------------------------------


def full_softmax_loss(model, h, labels) -> torch.Tensor:
    W, b = model.output_weights()
    return F.cross_entropy(h @ W.T + b, labels)


def random_softmax_loss(model, h, labels, k: int, generator=None, draws=None) -> torch.Tensor:
    """L_S = −z_t + log(e^{z_t} + Σ_{s∈S} e^{z_s}), S uniform, independent per example, label collisions kept."""
    if draws is None:
        draws = torch.randint(model.vocab_size, (len(labels), k), generator=generator)
    logits = model.logits_of(h, torch.cat([labels[:, None], draws], 1))
    return F.cross_entropy(logits, torch.zeros(len(labels), dtype=torch.long))


def log_uniform_q(vocab_size: int) -> torch.Tensor:
    """TensorFlow's log-uniform (Zipf) sampler over frequency ranks: Q(w) = log((w+2)/(w+1)) / log(V+1)."""
    w = torch.arange(vocab_size, dtype=torch.float64)
    return (torch.log((w + 2) / (w + 1)) / math.log(vocab_size + 1)).float()


def sample_log_uniform(q: torch.Tensor, k: int, generator=None) -> torch.Tensor:
    return torch.multinomial(q, k, replacement=True, generator=generator)


def sampled_softmax_loss(model, h, labels, k: int, q: torch.Tensor, generator=None) -> torch.Tensor:
    """Softmax over the label and k shared samples, logits corrected by −log(k Q(w)), accidental hits removed."""
    samples = sample_log_uniform(q, k, generator)
    true = model.logits_of(h, labels[:, None])[:, 0] - torch.log(k * q[labels])
    sampled = model.logits_of(h, samples) - torch.log(k * q[samples])
    sampled = sampled.masked_fill(samples[None, :] == labels[:, None], -1e9)
    logits = torch.cat([true[:, None], sampled], 1)
    return F.cross_entropy(logits, torch.zeros(len(labels), dtype=torch.long))


def nce_loss(model, h, labels, k: int, q: torch.Tensor, generator=None) -> torch.Tensor:
    """Logistic loss: the label (target 1) against k shared samples (target 0), logits z − log(k Q(w)); summed
    over the 1 + k terms per example as TensorFlow's nce_loss, averaged over the batch."""
    samples = sample_log_uniform(q, k, generator)
    true = model.logits_of(h, labels[:, None])[:, 0] - torch.log(k * q[labels])
    sampled = model.logits_of(h, samples) - torch.log(k * q[samples])
    return (F.softplus(-true) + F.softplus(sampled).sum(1)).mean()


def loss_fn(loss: str, k: int, vocab_size: int):
    """The training loss `loss` with k samples, as f(model, h, labels, generator)."""
    q = log_uniform_q(vocab_size)
    if loss == "random":
        return lambda m, h, y, g: random_softmax_loss(m, h, y, k, g)
    if loss == "sampled":
        return lambda m, h, y, g: sampled_softmax_loss(m, h, y, k, q, g)
    if loss == "nce":
        return lambda m, h, y, g: nce_loss(m, h, y, k, q, g)
    if loss == "full":
        return lambda m, h, y, g: full_softmax_loss(m, h, y)
    raise ValueError(f"unknown loss {loss!r}; expected one of {LOSSES}")


# --- training -----------------------------------------------------------------------------------------------------


def train(
    data: dict,
    arm: dict,
    seed: int,
    dim: int,
    window: int,
    batch: int,
    lr: float,
    subsample: float,
    seconds: float | None = None,
    epochs: int | None = None,
    on_epoch=None,
) -> dict:
    """Train one arm ({loss, negatives, tied}) with Adam until `seconds` of training time or `epochs` passes.

    The clock runs only around the optimisation steps (example building and on_epoch evaluations are excluded) and
    counts the process's CPU seconds: on one torch thread that is the wall-clock time the steps take on an idle
    core, and it does not shrink when other processes share the machine (a contended run gets fewer wall-clock
    seconds of CPU, not fewer steps). on_epoch(model, epoch) is called after each complete epoch."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    V = len(data["vocab"])
    model = CBOW(V, dim, arm["tied"])
    optimiser = torch.optim.Adam(model.parameters(), lr=lr, fused=True)  # same update, one kernel
    loss_of = loss_fn(arm["loss"], arm["negatives"], V)
    keep = keep_probability(np.bincount(np.concatenate(data["train"]), minlength=V).astype(float), subsample)
    clock, steps, epoch, examples, done, losses = 0.0, 0, 0, 0, False, []
    while not done:
        contexts, labels = cbow_examples(data["train"], window, V, keep, rng)
        order = torch.randperm(len(labels), generator=generator)
        running = []
        for start in range(0, len(order), batch):
            rows = order[start : start + batch]
            begun = time.process_time()
            loss = loss_of(model, model.hidden(contexts[rows]), labels[rows], generator)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            clock += time.process_time() - begun
            steps, examples = steps + 1, examples + len(rows)
            running.append(loss.item())
            if seconds is not None and clock >= seconds:
                done = True
                break
        losses.append(float(np.mean(running)))
        if not done:
            epoch += 1
            if on_epoch is not None:
                on_epoch(model, epoch)
            done = epochs is not None and epoch >= epochs
    return {
        "model": model,
        "train_seconds": clock,
        "steps": steps,
        "epochs": examples / len(labels),  # fractional passes over the (subsampled) examples
        "steps_per_second": steps / clock,
        "loss_per_epoch": losses,
    }


# --- evaluation ---------------------------------------------------------------------------------------------------


@torch.no_grad()
def perplexity(model: CBOW, encoded, window: int, examples: int | None = None, chunk: int = 2048) -> float:
    """exp of the full-softmax cross-entropy of the CBOW predictor on held-out text (no subsampling; the first
    `examples` positions, None: all)."""
    contexts, labels = cbow_examples(encoded, window, model.vocab_size)
    contexts, labels = contexts[:examples], labels[:examples]
    total = sum(
        full_softmax_loss(model, model.hidden(contexts[i : i + chunk]), labels[i : i + chunk]).item()
        * len(labels[i : i + chunk])
        for i in range(0, len(labels), chunk)
    )
    return math.exp(total / len(labels))


def neighbours(vectors: np.ndarray, vocab: list[str], probes, k: int, exclude=(corpus.UNK, "N")) -> dict:
    """The k nearest words by cosine for each probe word in the vocabulary ("<unk>" and "N" never listed)."""
    index = {w: i for i, w in enumerate(vocab)}
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    banned = [index[w] for w in exclude if w in index]
    out = {}
    for word in probes:
        if word not in index:
            continue
        scores = unit @ unit[index[word]]
        scores[banned + [index[word]]] = -np.inf
        top = np.argsort(-scores, kind="stable")[:k]
        out[word] = [[vocab[i], round(float(scores[i]), 3)] for i in top]
    return out


def load_benchmarks(similarity_folder, analogy_folder) -> dict:
    """gensim's WordSim-353 and SimLex-999 pairs and the Google analogy questions (the acquired resources)."""
    files = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt"}
    return {
        "similarity": {name: corpus.load_similarity_pairs(similarity_folder / f) for name, f in files.items()},
        "analogies": corpus.read_analogies((analogy_folder / "questions-words.txt").read_text()),
    }


def evaluate(vectors: np.ndarray, vocab: list[str], benchmarks: dict) -> dict:
    """WordSim-353 and SimLex-999 Spearman ρ (with coverage) and Google-analogy 3CosAdd accuracy (covered
    questions; "<unk>" and "N" excluded from the candidates)."""
    index = {w: i for i, w in enumerate(vocab) if w != corpus.UNK}
    result = {
        name: corpus.similarity_spearman(vectors, vocab, pairs) for name, pairs in benchmarks["similarity"].items()
    }
    banned = [i for w, i in index.items() if w == "N"] + ([vocab.index(corpus.UNK)] if corpus.UNK in vocab else [])
    accuracy, covered = corpus.analogy_accuracy(vectors, index, benchmarks["analogies"], exclude=banned)
    result["analogy"] = {"accuracy": accuracy, "covered": covered, "questions": len(benchmarks["analogies"])}
    return result


# --- the gradient claim -------------------------------------------------------------------------------------------


def logit_gradient_full(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """∂L/∂z of the batch-mean full softmax CE: (p − onehot(t)) / B, B × V."""
    G = torch.softmax(logits, 1)
    G[torch.arange(len(labels)), labels] -= 1
    return G / len(labels)


def logit_gradient_random(logits, labels, draws, into=None, label_term: bool = True) -> torch.Tensor:
    """∂L_S/∂z of the batch-mean random softmax for the given draws (B × k), scattered onto the V logits:
    the label gets −(1 − q_t), each draw s gets q_s = e^{z_s} / (e^{z_t} + Σ_S e^{z_s}) (a draw equal to the label,
    or drawn twice, adds up). Added to `into` when given (a running sum over draws), else to zeros. Without the
    label term (−∇z_t), what remains is the estimate of the expectation term E_p[∇z_i]."""
    ids = torch.cat([labels[:, None], draws], 1)
    q = torch.softmax(logits.gather(1, ids), 1)
    if label_term:
        q[:, 0] -= 1
    into = torch.zeros_like(logits) if into is None else into
    return into.scatter_add_(1, ids, q / len(labels))


def parameter_gradient(model: CBOW, contexts, labels, logit_gradient: torch.Tensor) -> torch.Tensor:
    """Every parameter's gradient (flattened) for a given ∂L/∂z: the loss is a function of the logits only, so
    ∇_θ L = Σ_{b,i} (∂L/∂z_bi) ∇_θ z_bi, the gradient of the surrogate ⟨G, z(θ)⟩ with G held fixed."""
    W, b = model.output_weights()
    z = model.hidden(contexts) @ W.T + b
    grads = torch.autograd.grad((logit_gradient.detach() * z).sum(), list(model.parameters()))
    return torch.cat([g.reshape(-1) for g in grads])


def cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.double(), b.double()
    return float(a @ b / (a.norm() * b.norm()))


def gradient_cosines(model: CBOW, contexts, labels, negatives: list[int], draws: int, seed: int, singles: int = 3):
    """Cosine between the exact full-softmax gradient (all parameters, one fixed batch) and the mean of `draws`
    random-softmax gradients, per number of negatives k. The gradient is linear in ∂L/∂z at a fixed state, so the
    mean gradient is the gradient of the mean ∂L/∂z over the draws. Also: the mean cosine of single draws (the
    first `singles`), the norm ratio, how often a draw hits the label (kept, as in the original code), and the
    cosine of the expectation term alone (Σ_i p_i ∇z_i against its self-normalised estimate), where the bias of
    self-normalisation shows without the shared −∇z_t."""
    with torch.no_grad():
        W, b = model.output_weights()
        logits = model.hidden(contexts) @ W.T + b
    exact = parameter_gradient(model, contexts, labels, logit_gradient_full(logits, labels))
    expectation = parameter_gradient(model, contexts, labels, torch.softmax(logits, 1) / len(labels))
    generator = torch.Generator().manual_seed(seed)
    out = []
    for k in negatives:
        total, term, single, hits = torch.zeros_like(logits), torch.zeros_like(logits), [], 0
        for d in range(draws):
            sample = torch.randint(model.vocab_size, (len(labels), k), generator=generator)
            logit_gradient_random(logits, labels, sample, into=total)
            logit_gradient_random(logits, labels, sample, into=term, label_term=False)
            hits += int((sample == labels[:, None]).sum())
            if d < singles:
                G = logit_gradient_random(logits, labels, sample)
                single.append(cosine(parameter_gradient(model, contexts, labels, G), exact))
        mean = parameter_gradient(model, contexts, labels, total / draws)
        out.append(
            {
                "negatives": k,
                "cosine_mean_gradient": cosine(mean, exact),
                "cosine_single_draw": float(np.mean(single)),
                "cosine_expectation_term": cosine(
                    parameter_gradient(model, contexts, labels, term / draws), expectation
                ),
                "norm_ratio": float(mean.norm() / exact.norm()),
                "label_hits_per_example": hits / (draws * len(labels)),
            }
        )
    return {"exact_norm": float(exact.norm()), "batch": len(labels), "draws": draws, "by_negatives": out}
