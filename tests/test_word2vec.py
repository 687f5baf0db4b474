"""Tests for kexue.word2vec: the losses against their formulas computed independently, the gradient identities
the random_softmax_grad claim rests on, the CBOW data, the timing loop, and the rules' guards."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import yaml

from kexue import corpus
from kexue import word2vec as w2v
from kexue.verdicts import decide

V, D = 12, 5


def model(tied=False, seed=0):
    torch.manual_seed(seed)
    m = w2v.CBOW(V, D, tied, init=0.5)
    if not tied:
        torch.nn.init.normal_(m.bias)
    return m


def batch(n=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    contexts = torch.randint(V, (n, 4), generator=g)
    contexts[0, 2:] = V  # padding
    return contexts, torch.randint(V, (n,), generator=g)


def flat(m, loss):
    return torch.cat([g.reshape(-1) for g in torch.autograd.grad(loss, list(m.parameters()))])


# --------------------------------------------------------------------------- model and losses


def test_hidden_is_the_mean_of_the_context_without_padding():
    m = model()
    contexts, _ = batch()
    h = m.hidden(contexts)
    E = m.embed.weight.detach()
    assert torch.allclose(h[0], E[contexts[0, :2]].mean(0))
    assert torch.allclose(h[1], E[contexts[1]].mean(0))
    assert torch.all(m.embed.weight[V] == 0)


def test_tied_model_scores_with_the_input_embeddings_and_no_bias():
    m = model(tied=True)
    W, b = m.output_weights()
    assert W.data_ptr() == m.embed.weight.data_ptr() and torch.all(b == 0)
    assert not hasattr(m, "out") and len(list(m.parameters())) == 1


@pytest.mark.parametrize("tied", [False, True])
def test_random_softmax_over_every_other_word_is_the_full_softmax(tied):
    # S = V \ {t} once each: −z_t + log(e^{z_t} + Σ_S e^{z_s}) = −z_t + log Σ_i e^{z_i}
    m = model(tied)
    contexts, labels = batch()
    draws = torch.stack([torch.tensor([w for w in range(V) if w != t]) for t in labels.tolist()])
    h = m.hidden(contexts)
    assert w2v.random_softmax_loss(m, h, labels, V - 1, draws=draws).item() == pytest.approx(
        w2v.full_softmax_loss(m, h, labels).item(), rel=1e-6
    )


def test_random_softmax_is_the_article_formula_with_label_collisions_kept():
    m = model()
    contexts, labels = batch()
    draws = torch.randint(V, (len(labels), 3), generator=torch.Generator().manual_seed(3))
    draws[0, 0] = labels[0]  # a draw equal to the label stays in the sum
    h = m.hidden(contexts).detach().double()
    W, b = (x.detach().double() for x in m.output_weights())
    z = h @ W.T + b
    expected = np.mean(
        [
            -z[i, t] + math.log(math.exp(z[i, t]) + sum(math.exp(z[i, s]) for s in draws[i].tolist()))
            for i, t in enumerate(labels.tolist())
        ]
    )
    assert w2v.random_softmax_loss(m, m.hidden(contexts), labels, 3, draws=draws).item() == pytest.approx(
        expected, rel=1e-5
    )


def test_log_uniform_sampler_is_tensorflows():
    q = w2v.log_uniform_q(V).double()
    assert q.sum().item() == pytest.approx(1.0, abs=1e-6)
    assert q[0].item() == pytest.approx(math.log(2) / math.log(V + 1), rel=1e-6)
    assert torch.all(q[1:] < q[:-1])


def test_sampled_softmax_and_nce_against_hand_computed_formulas():
    m = model()
    contexts, labels = batch()
    labels[1] = 7
    k, q = 4, w2v.log_uniform_q(V)
    samples = w2v.sample_log_uniform(q, k, torch.Generator().manual_seed(5))
    samples[0] = 7  # an accidental hit for example 1
    h = m.hidden(contexts).detach().double()
    W, b = (x.detach().double() for x in m.output_weights())
    z = (h @ W.T + b).numpy()
    corr = np.log(k * q.double().numpy())
    sampled, nce = [], []
    for i, t in enumerate(labels.tolist()):
        zt = z[i, t] - corr[t]
        zs = np.array([z[i, s] - corr[s] for s in samples.tolist()])
        kept = zs[np.array(samples.tolist()) != t]  # accidental hits removed
        sampled.append(-zt + math.log(math.exp(zt) + np.exp(kept).sum()))
        nce.append(math.log1p(math.exp(-zt)) + np.log1p(np.exp(zs)).sum())
    # the losses draw from the generator themselves: feed the same samples through a fixed sampler
    fixed = lambda q_, k_, g=None: samples  # noqa: E731
    original = w2v.sample_log_uniform
    try:
        w2v.sample_log_uniform = fixed
        got_sampled = w2v.sampled_softmax_loss(m, m.hidden(contexts), labels, k, q).item()
        got_nce = w2v.nce_loss(m, m.hidden(contexts), labels, k, q).item()
    finally:
        w2v.sample_log_uniform = original
    assert got_sampled == pytest.approx(np.mean(sampled), rel=1e-5)
    assert got_nce == pytest.approx(np.mean(nce), rel=1e-5)


def test_unknown_loss_is_one_clear_message():
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        w2v.loss_fn("hinge", 4, V)


# --------------------------------------------------------------------------- gradients (random_softmax_grad)


@pytest.mark.parametrize("tied", [False, True])
def test_gradient_through_logit_gradients_equals_autograd(tied):
    # ∇θ L = Σ ∂L/∂z · ∇θ z: the surrogate gives autograd's gradient, full and random softmax alike
    m = model(tied)
    contexts, labels = batch()
    with torch.no_grad():
        W, b = m.output_weights()
        logits = m.hidden(contexts) @ W.T + b
    full = flat(m, w2v.full_softmax_loss(m, m.hidden(contexts), labels))
    assert torch.allclose(
        w2v.parameter_gradient(m, contexts, labels, w2v.logit_gradient_full(logits, labels)), full, atol=1e-6
    )
    draws = torch.randint(V, (len(labels), 5), generator=torch.Generator().manual_seed(1))
    draws[2, 1] = labels[2]
    rand = flat(m, w2v.random_softmax_loss(m, m.hidden(contexts), labels, 5, draws=draws))
    G = w2v.logit_gradient_random(logits, labels, draws)
    assert torch.allclose(w2v.parameter_gradient(m, contexts, labels, G), rand, atol=1e-6)
    # the label term and the expectation term add up to the whole
    term = w2v.logit_gradient_random(logits, labels, draws, label_term=False)
    onehot = torch.zeros_like(logits)
    onehot[torch.arange(len(labels)), labels] = 1 / len(labels)
    assert torch.allclose(term - onehot, G, atol=1e-7)


def test_mean_gradient_by_linearity_is_the_mean_of_the_draws_gradients():
    m = model()
    contexts, labels = batch()
    with torch.no_grad():
        W, b = m.output_weights()
        logits = m.hidden(contexts) @ W.T + b
    g = torch.Generator().manual_seed(2)
    draws = [torch.randint(V, (len(labels), 3), generator=g) for _ in range(4)]
    total = torch.zeros_like(logits)
    for d in draws:
        w2v.logit_gradient_random(logits, labels, d, into=total)
    by_linearity = w2v.parameter_gradient(m, contexts, labels, total / 4)
    averaged = sum(flat(m, w2v.random_softmax_loss(m, m.hidden(contexts), labels, 3, draws=d)) for d in draws) / 4
    assert torch.allclose(by_linearity, averaged, atol=1e-6)


def test_gradient_cosines_approach_one_with_many_negatives():
    m = model()
    contexts, labels = batch(n=32)
    result = w2v.gradient_cosines(m, contexts, labels, [1, 200], draws=50, seed=0)
    few, many = result["by_negatives"]
    assert many["cosine_mean_gradient"] > few["cosine_mean_gradient"]
    assert many["cosine_mean_gradient"] > 0.99 and many["cosine_expectation_term"] > 0.99
    assert many["label_hits_per_example"] == pytest.approx(200 / V, rel=0.1)


# --------------------------------------------------------------------------- data


def test_cbow_examples_stay_inside_sentences():
    encoded = [np.array([0, 1, 2]), np.array([3, 4])]
    contexts, labels = w2v.cbow_examples(encoded, window=2, pad=9)
    assert labels.tolist() == [0, 1, 2, 3, 4]
    assert contexts.tolist() == [
        [9, 9, 1, 2],
        [9, 0, 2, 9],
        [0, 1, 9, 9],
        [9, 9, 4, 9],
        [9, 3, 9, 9],
    ]


def test_one_word_sentences_give_no_example():
    contexts, labels = w2v.cbow_examples([np.array([5]), np.array([1, 2])], window=3, pad=9)
    assert labels.tolist() == [1, 2]


def test_subsampling_is_word2vecs_formula():
    counts = np.array([1e6, 1e3, 1.0])
    f = counts / counts.sum()
    keep = w2v.keep_probability(counts, 1e-5)
    assert keep[0] == pytest.approx((math.sqrt(f[0] / 1e-5) + 1) * 1e-5 / f[0])
    assert keep[2] == 1.0 and np.all(np.diff(keep) >= 0)
    assert np.all(w2v.keep_probability(counts, 0) == 1)
    encoded = [np.zeros(10_000, dtype=np.int64)]
    _, labels = w2v.cbow_examples(encoded, 2, 9, keep=np.array([0.25]), rng=np.random.default_rng(0))
    assert len(labels) == pytest.approx(2500, rel=0.1)


# --------------------------------------------------------------------------- training and evaluation


def toy_data():
    rng = np.random.default_rng(0)
    sentences = [rng.integers(0, V, 8) for _ in range(50)]
    return {"vocab": [f"w{i}" for i in range(V)], "train": sentences, "valid": sentences[:5]}


def test_training_stops_at_its_time_budget_and_counts_only_steps():
    result = w2v.train(toy_data(), {"loss": "random", "negatives": 3, "tied": False}, 0, D, 2, 16, 1e-2, 0, seconds=0.3)
    assert 0.3 <= result["train_seconds"] < 1.0 and result["steps"] > 0
    assert result["steps_per_second"] == pytest.approx(result["steps"] / result["train_seconds"])


def test_training_by_epochs_calls_back_each_epoch_and_is_seeded():
    seen = []
    arm = {"loss": "sampled", "negatives": 3, "tied": False}
    a = w2v.train(toy_data(), arm, 1, D, 2, 16, 1e-2, 0, epochs=3, on_epoch=lambda m, e: seen.append(e))
    b = w2v.train(toy_data(), arm, 1, D, 2, 16, 1e-2, 0, epochs=3)
    assert seen == [1, 2, 3] and a["epochs"] == pytest.approx(3.0)
    assert np.array_equal(a["model"].word_vectors(), b["model"].word_vectors())


@pytest.mark.parametrize("loss", w2v.LOSSES)
def test_every_loss_learns_the_toy_corpus(loss):
    # a corpus where word 2i+1 always follows 2i: the full-softmax perplexity must drop well below V
    sentences = [np.array([2 * (i % 6), 2 * (i % 6) + 1]) for i in range(300)]
    data = {"vocab": [f"w{i}" for i in range(V)], "train": sentences, "valid": sentences[:12]}
    arm = {"loss": loss, "negatives": 6 if loss != "full" else 0, "tied": False}
    result = w2v.train(data, arm, 0, 8, 1, 32, 0.05, 0, epochs=30)
    assert w2v.perplexity(result["model"], data["valid"], 1) < 3


def test_neighbours_and_analogies_never_propose_unk_or_N():
    vocab = ["a", "b", corpus.UNK, "N", "c"]
    vectors = np.array([[1, 0], [0.9, 0.1], [1, 0.01], [1, 0.02], [0, 1.0]])
    near = w2v.neighbours(vectors, vocab, ["a", "zzz"], 2)
    assert [w for w, _ in near["a"]] == ["b", "c"] and "zzz" not in near
    index = {w: i for i, w in enumerate(vocab) if w != corpus.UNK}
    question = [("a", "a", "a", "b")]
    assert corpus.analogy_accuracy(vectors, index, question) == (0.0, 1)  # N wins without the exclusion
    assert corpus.analogy_accuracy(vectors, index, question, exclude=[2, 3]) == (1.0, 1)


def test_evaluation_reports_coverage_and_never_counts_unk():
    vocab = ["cat", "dog", corpus.UNK]
    vectors = np.array([[1.0, 0], [0.8, 0.6], [0, 1.0]])
    benchmarks = {
        "similarity": {"wordsim353": [("cat", "dog", 7.0), ("cat", "<unk>", 1.0), ("Dog", "cat", 6.0)]},
        "analogies": [("cat", "dog", "cat", "dog")],
    }
    result = w2v.evaluate(vectors, vocab, benchmarks)
    assert result["wordsim353"]["n_pairs"] == 2 and result["wordsim353"]["coverage"] == pytest.approx(2 / 3)
    assert result["analogy"]["covered"] == 1 and result["analogy"]["questions"] == 1


# --------------------------------------------------------------------------- the rules and their guards


def claims():
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "config" / "articles" / "word2vec" / "claims.yaml"
    return {c["id"]: c for c in yaml.safe_load(path.read_text())["claims"]}


def equal_time_metrics(random_mean=0.3, diffs=(0.01, -0.005, 0.0), margins=(-0.2, -0.18, -0.22)):
    return {
        "equal_time": {
            "random_ws353_mean": random_mean,
            "ws353_random_minus_sampled": list(diffs),
            "simlex_random_minus_sampled": list(diffs),
            "nce_margin_ws353": list(margins),
        },
        "tied": {"ws353_tied_minus_untied": [0.02, 0.03, 0.01]},
    }


def test_equal_time_rule_passes_fails_and_its_guard_fires():
    claim = claims()["word2vec.equal_time"]
    assert decide(claim, equal_time_metrics())["verdict"] == "reproduced"
    assert decide(claim, equal_time_metrics(margins=(0.0, 0.01, -0.01)))["verdict"] == "partially"
    weak = decide(claim, equal_time_metrics(random_mean=0.1))
    assert weak["verdict"] == "inconclusive" and "similarity signal" in weak["evidence"]
    assert decide(claims()["word2vec.tied"], equal_time_metrics(random_mean=0.1))["verdict"] == "inconclusive"
    assert decide(claims()["word2vec.tied"], equal_time_metrics())["verdict"] == "reproduced"


def test_short_training_rule_and_guard():
    claim = claims()["word2vec.short_training"]
    ok = {"ws353_last_minus_2": [0.005, 0.0, 0.004], "ws353_last_mean": 0.3, "ws353": {}}
    assert decide(claim, ok)["verdict"] == "reproduced"
    assert decide(claim, {**ok, "ws353_last_minus_2": [0.1, 0.12, 0.11]})["verdict"] == "partially"
    assert decide(claim, {**ok, "ws353_last_mean": 0.05})["verdict"] == "inconclusive"


def test_gradient_rule():
    claim = claims()["word2vec.random_softmax_grad"]
    assert decide(claim, {"min_step_increase": 0.01, "cosine_at_largest": 0.95, "cosines": [0.8, 0.9, 0.95]})[
        "verdict"
    ] == ("reproduced")
    assert decide(claim, {"min_step_increase": -0.01, "cosine_at_largest": 0.8, "cosines": []})["verdict"] == (
        "not_reproduced"
    )


def test_softmax_identity_helpers_agree_with_torch():
    logits = torch.randn(3, V)
    labels = torch.tensor([0, 5, 11])
    G = w2v.logit_gradient_full(logits, labels)
    z = logits.clone().requires_grad_()
    F.cross_entropy(z, labels).backward()
    assert torch.allclose(G, z.grad, atol=1e-7)
