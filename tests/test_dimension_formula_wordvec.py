import math
from pathlib import Path

import gensim
import numpy as np
import pytest
import torch

from kexue.dimension_formula import wordvec as wv

GENSIM_DATA = Path(gensim.__file__).parent / "test" / "test_data"

TEXT = """the cat sat on the mat
 the dog sat on the log 

a cat and a dog
the end
"""


def brute_force_cooccurrence(encoded, size, window):
    counts = np.zeros((size, size))
    for sentence in encoded:
        for i, centre in enumerate(sentence):
            for j, context in enumerate(sentence):
                if i != j and abs(i - j) <= window:
                    counts[centre, context] += 1
    return counts


def test_tokenize_skips_blank_lines():
    sentences = wv.tokenize(TEXT)
    assert sentences[1] == ["the", "dog", "sat", "on", "the", "log"]
    assert len(sentences) == 4


def test_build_vocab_orders_by_count_then_alphabet_and_keeps_unk():
    sentences = [["b", "b", "a", "a", "a", "c", "c", "d", "<unk>"]]
    assert wv.build_vocab(sentences, 3) == ["a", "b", "<unk>"]  # <unk> takes c's slot
    assert wv.build_vocab(sentences, 4) == ["a", "b", "c", "<unk>"]
    assert wv.build_vocab(sentences, 5) == ["a", "b", "c", "<unk>", "d"]
    assert wv.build_vocab([["x", "x", "<unk>", "<unk>", "<unk>", "y"]], 2) == ["<unk>", "x"]
    assert wv.build_vocab([["x", "y"]], 2) == ["x", "<unk>"]  # <unk> absent from the corpus


def test_encode_maps_unknown_words_to_unk():
    vocab = ["the", "<unk>", "cat"]
    (codes,) = wv.encode([["the", "dog", "cat"]], vocab)
    assert codes.tolist() == [0, 1, 2]


@pytest.mark.parametrize("window", [1, 2, 3])
def test_cooccurrence_matches_double_loop_and_does_not_cross_sentences(window):
    sentences = wv.tokenize(TEXT)
    vocab = wv.build_vocab(sentences, 8)
    encoded = wv.encode(sentences, vocab)
    counts = wv.cooccurrence(encoded, len(vocab), window).numpy()
    expected = brute_force_cooccurrence(encoded, len(vocab), window)
    np.testing.assert_array_equal(counts, expected)
    np.testing.assert_array_equal(counts, counts.T)
    assert counts.dtype == np.float32


def test_cooccurrence_ignores_sentence_boundary():
    encoded = [np.array([0, 1]), np.array([2, 3])]
    counts = wv.cooccurrence(encoded, 4, window=2).numpy()
    assert counts[1, 2] == 0 and counts[0, 2] == 0
    assert counts.sum() == 4  # (0,1), (1,0), (2,3), (3,2)


def small_problem(size=7, dim=3, seed=0):
    generator = torch.Generator().manual_seed(seed)
    U = torch.randn(size, dim, generator=generator)
    V = torch.randn(size, dim, generator=generator)
    counts = torch.randint(0, 4, (size, size), generator=generator).float()
    counts[2] = 0  # a row without any pairs
    return U, V, counts


def test_weighted_nll_matches_log_softmax_formula():
    U, V, counts = small_problem()
    direct = -(counts * torch.log_softmax(U @ V.T, dim=1)).sum() / counts.sum()
    assert wv.weighted_nll(U, V, counts, chunk=3) == pytest.approx(float(direct), rel=1e-5)


def test_weighted_nll_of_zero_embeddings_is_log_vocabulary_size():
    _, _, counts = small_problem(size=11)
    zeros = torch.zeros(11, 4)
    assert wv.weighted_nll(zeros, zeros, counts) == pytest.approx(math.log(11), rel=1e-6)


def test_gradients_match_autograd():
    U, V, counts = small_problem()
    U.requires_grad_(True)
    V.requires_grad_(True)
    loss = -(counts * torch.log_softmax(U @ V.T, dim=1)).sum() / counts.sum()
    loss.backward()
    value, grad_U, grad_V = wv.nll_and_gradients(U.detach(), V.detach(), counts, chunk=2)
    assert value == pytest.approx(float(loss.detach()), rel=1e-5)
    torch.testing.assert_close(grad_U, U.grad)
    torch.testing.assert_close(grad_V, V.grad)


def tiny_counts():
    sentences = wv.tokenize(TEXT * 3)
    vocab = wv.build_vocab(sentences, 10)
    counts = wv.cooccurrence(wv.encode(sentences, vocab), len(vocab))
    return vocab, counts


def test_training_lowers_train_nll_and_keeps_best_valid_state():
    vocab, counts = tiny_counts()
    result = wv.train_skipgram(counts, counts, counts, dim=4, steps=60, lr=0.1, seed=0, eval_every=10)
    history = result["history"]
    assert [h["step"] for h in history] == [0, 10, 20, 30, 40, 50, 60]
    assert history[-1]["train_nll"] < history[0]["train_nll"] - 0.3
    assert result["valid_nll"] == min(h["valid_nll"] for h in history)
    assert result["U"].shape == (len(vocab), 4)
    # Valid = test = train here, so the reported test NLL is the valid NLL of the kept state.
    assert result["test_nll"] == pytest.approx(result["valid_nll"], rel=1e-6)


def test_training_is_deterministic_for_a_seed():
    _, counts = tiny_counts()

    def run(seed):
        return wv.train_skipgram(counts, counts, counts, dim=3, steps=20, lr=0.05, seed=seed, eval_every=5)

    first, second, other = run(1), run(1), run(2)
    assert first["history"] == second["history"]
    np.testing.assert_array_equal(first["U"], second["U"])
    assert first["history"] != other["history"]


def test_early_stopping_reports_test_at_best_valid_step():
    _, counts = tiny_counts()
    valid = torch.eye(len(counts))  # unrelated to train: valid NLL rises as training fits train
    result = wv.train_skipgram(counts, valid, valid, dim=4, steps=100, lr=0.1, seed=0, eval_every=10, patience=2)
    assert result["best_step"] == min(result["history"], key=lambda h: h["valid_nll"])["step"]
    assert result["steps_run"] < 100


def test_saturation_dimension():
    dims = [8, 16, 32, 64]
    assert wv.saturation_dimension(dims, [6.0, 5.5, 5.04, 5.0]) == 32
    assert wv.saturation_dimension(dims, [6.0, 5.5, 5.06, 5.0]) == 64
    assert wv.saturation_dimension(dims, [5.0, 5.2, 5.3, 5.4]) == 8  # over-fitting: best at the bottom
    assert wv.saturation_dimension([64, 8, 32], [5.0, 7.0, 5.01]) == 32  # unsorted input
    assert wv.saturation_dimension(dims, [6.0, 5.5, 5.3, 5.0], rel_tol=0.1) == 16


def test_similarity_spearman_is_one_for_monotone_cosines():
    vocab = ["a", "b", "c", "d", "<unk>"]
    angles = np.array([0.0, 0.3, 0.7, 1.2, 0.1])
    vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1) * np.array([[1], [2], [3], [0.5], [1]])
    # cos(a, x) decreases with the angle of x; gold increases with closeness.
    pairs = [("a", "b", 9.0), ("A", "c", 5.0), ("a", "d", 1.0), ("a", "<unk>", 9.5), ("a", "zzz", 3.0)]
    result = wv.similarity_spearman(vectors, vocab, pairs)
    assert result["spearman"] == pytest.approx(1.0)
    assert result["n_pairs"] == 3
    assert result["coverage"] == pytest.approx(3 / 5)
    reversed_gold = [(a, b, -gold) for a, b, gold in pairs]
    assert wv.similarity_spearman(vectors, vocab, reversed_gold)["spearman"] == pytest.approx(-1.0)


@pytest.mark.parametrize(
    "name, count, first",
    [
        ("wordsim353.tsv", 353, ("love", "sex", 6.77)),
        ("simlex999.txt", 999, ("old", "new", 1.58)),
    ],
)
def test_load_similarity_pairs_reads_gensim_files(name, count, first):
    pairs = wv.load_similarity_pairs(GENSIM_DATA / name)
    assert len(pairs) == count
    assert pairs[0] == first
