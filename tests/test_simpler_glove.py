"""Tests for kexue.simpler_glove and the shared kexue.corpus: PMI from the window counts, the weights, the
similarity identity, the two Adagrad variants, the property measures, and that training fits the model."""

import math

import numpy as np
import pytest
import torch
from scipy import sparse

from kexue import corpus, lm
from kexue import simpler_glove as sg

TEXT = "a b c a b\nc a b d\nb a c c a\n"


# --------------------------------------------------------------------------- shared corpus


def test_one_vocabulary_builder_for_the_language_models_and_the_word_vectors():
    sentences = corpus.tokenize(TEXT)
    assert corpus.build_vocab(sentences) == ["a", "b", "c", "d"]
    assert lm.build_vocab(TEXT) == corpus.build_vocab(sentences, eos=True) == ["a", "b", "c", "<eos>", "d"]
    assert corpus.build_vocab(sentences, 3) == ["a", "b", "<unk>"]


def test_sparse_and_dense_cooccurrence_are_the_same_counts():
    sentences = corpus.tokenize(TEXT)
    vocab = corpus.build_vocab(sentences, 5)
    encoded = corpus.encode(sentences, vocab)
    dense = corpus.cooccurrence(encoded, len(vocab), 2).numpy()
    counts = corpus.cooccurrence_sparse(encoded, len(vocab), 2)
    assert np.array_equal(counts.toarray(), dense)
    assert np.array_equal(dense, dense.T)
    # by hand: "a b c a b" with window 1 has pairs ab, bc, ca, ab (each both ways)
    one = corpus.cooccurrence_sparse([np.array([0, 1, 2, 0, 1])], 3, 1).toarray()
    assert one[0, 1] == 2 and one[1, 2] == 1 and one[2, 0] == 1 and one.sum() == 8


# --------------------------------------------------------------------------- the model's statistics


def test_pmi_uses_off_diagonal_marginals_of_the_same_counts():
    counts = sparse.csr_matrix(np.array([[5.0, 2, 1], [2, 0, 3], [1, 3, 9]]))
    rows, cols, x, pmi = sg.pmi_pairs(counts)
    assert set(zip(rows.tolist(), cols.tolist(), strict=True)) == {(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)}
    marginal = {0: 3, 1: 5, 2: 4}  # the diagonal is left out
    for i, j, v, p in zip(rows, cols, x, pmi, strict=True):
        assert p == pytest.approx(math.log(v * 12 / (marginal[i] * marginal[j])))
    assert np.exp(sg.log_marginals(counts)) == pytest.approx([3 / 12, 5 / 12, 4 / 12])


def test_weights_truncated_and_not():
    x = np.array([1.0, 100.0, 1000.0])
    assert sg.weights(x, 100, 0.75, truncated=True) == pytest.approx([0.01**0.75, 1.0, 1.0])
    assert sg.weights(x, 100, 0.75, truncated=False)[2] == pytest.approx(10**0.75)


def test_similarity_identity_is_exact():
    rng = np.random.default_rng(3)
    R = rng.normal(size=(40, 6))
    v_i, v_j = rng.normal(size=6), rng.normal(size=6)
    assert sg.profile_pearson(v_i, v_j, R) == pytest.approx(sg.identity_cosine(v_i, v_j, R), abs=1e-12)
    # and it is not the plain cosine (the trap the identity is about)
    plain = v_i @ v_j / (np.linalg.norm(v_i) * np.linalg.norm(v_j))
    assert abs(sg.profile_pearson(v_i, v_j, R) - plain) > 1e-3
    check = sg.similarity_identity_check(rng, words=10, dim=5, references=30, pairs=20)
    assert check["max_abs_error"] < 1e-10


# --------------------------------------------------------------------------- training


def small_counts(seed=0, n=30, tokens=6000):
    rng = np.random.default_rng(seed)
    zipf = 1 / np.arange(1, n + 1)
    words = rng.choice(n, size=tokens, p=zipf / zipf.sum())
    return corpus.cooccurrence_sparse([words], n, 2)


@pytest.mark.parametrize("model", ["simpler", "simpler_truncated", "glove"])
def test_training_lowers_the_weighted_loss(model):
    torch.manual_seed(0)
    result = sg.train(small_counts(), model, dim=8, epochs=15, batch=64, lr=0.1, x_max=10, alpha=0.75, seed=0)
    assert result["vectors"].shape == (30, 8)
    assert result["curve"][-1] < 0.5 * result["curve"][0]


def test_simpler_glove_inner_products_approach_the_pmi():
    counts = small_counts(1)
    rows, cols, x, pmi = sg.pmi_pairs(counts)
    V = sg.train(counts, "simpler_truncated", dim=16, epochs=60, batch=64, lr=0.1, x_max=10, alpha=0.75, seed=0)[
        "vectors"
    ]
    fit = (V[rows] * V[cols]).sum(1)
    heavy = x >= 10  # the pairs the loss weighs fully
    assert np.corrcoef(fit[heavy], pmi[heavy])[0, 1] > 0.8


def test_glove_c_adagrad_blows_up_where_standard_adagrad_does_not():
    counts = small_counts(2, n=20, tokens=20000)
    rows, cols, x, pmi = sg.pmi_pairs(counts)
    lam = sg.weights(x, 1.0, 0.75, truncated=False)  # untruncated, large weights
    kwargs = dict(dim=8, lr=0.1, updates=3000, seed=0, check_every=300)
    glove_c = sg.per_pair_adagrad(rows, cols, lam, pmi, glove_style=True, **kwargs)
    standard = sg.per_pair_adagrad(rows, cols, lam, pmi, glove_style=False, **kwargs)
    assert sg.diverged(glove_c) and not sg.diverged(standard)


def test_diverged():
    assert sg.diverged([1.0, float("nan")]) and sg.diverged([1.0, 11.0]) and not sg.diverged([1.0, 9.0, 0.5])


# --------------------------------------------------------------------------- properties


def test_norm_measures_and_keywords():
    words = ["the", "of", "N", "stock", "market"]
    vectors = np.diag([0.1, 0.2, 0.3, 2.0, 3.0])
    log_prob = np.log([0.5, 0.3, 0.1, 0.06, 0.04])
    result = sg.norm_importance(vectors, log_prob, words, top=5, bottom=3)
    assert result["spearman"] == pytest.approx(1.0)
    assert result["bottom"] == ["the", "of", "N"] and result["bottom_stopword_share"] == 1.0
    assert sg.frequent_in_bottom(vectors, top_frequent=2, bottom=2, among=5) == 2
    assert sg.keywords(vectors, [0, 3, 4, 4], k=1) == [4]


def test_analogy_excludes_the_query_words_and_counts_coverage():
    index = {"man": 0, "king": 1, "woman": 2, "queen": 3}
    vectors = np.array([[1.0, 0, 0], [1, 1, 0], [0, 0, 1], [0, 1, 1]])
    questions = [("man", "king", "woman", "queen"), ("man", "king", "woman", "prince")]
    assert sg.analogy_accuracy(vectors, index, questions) == (1.0, 1)
    assert sg.read_analogies(": x\nAthens Greece Baghdad Iraq\n") == [("athens", "greece", "baghdad", "iraq")]
