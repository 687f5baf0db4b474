"""Tests for the shared classification loop (kexue.classify) and the Fashion-MNIST IDX reader."""

import gzip

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from kexue import classify, sources


def write_idx(path, array: np.ndarray) -> None:
    """An IDX file written from the format's definition: 0, 0, type 0x08, ndim, big-endian sizes, bytes."""
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_read_idx_round_trip(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, size=(5, 28, 28))
    write_idx(tmp_path / "x.gz", images)
    assert np.array_equal(sources.read_idx(tmp_path / "x.gz"), images)


def test_read_idx_rejects_other_files(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x00\x00\x0d\x01\x00\x00\x00\x01abcd")
    with pytest.raises(ValueError, match="not an IDX file"):
        sources.read_idx(tmp_path / "bad")


def test_read_fashion_mnist_layout(tmp_path):
    rng = np.random.default_rng(1)
    for split, (images, labels) in sources.FASHION_MNIST_FILES.items():
        n = 6 if split == "train" else 3
        write_idx(tmp_path / images, rng.integers(0, 256, size=(n, 28, 28)))
        write_idx(tmp_path / labels, rng.integers(0, 10, size=n))
    splits = sources.read_fashion_mnist(tmp_path)
    x, y = splits["train"]
    assert x.shape == (6, 784) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    assert y.dtype == np.int64 and splits["test"][0].shape == (3, 784)


def test_accuracy_and_macro_recall_by_hand():
    scores = torch.tensor([[2.0, 1.0], [0.0, 3.0], [5.0, 1.0], [1.0, 0.0]])
    labels = torch.tensor([0, 1, 1, 1])
    assert classify.accuracy(scores, labels) == 0.5
    macro, per_class = classify.macro_recall(scores, labels, 2)
    assert per_class == [1.0, 1 / 3] and macro == pytest.approx(2 / 3)


def test_accuracy_over_heads():
    scores = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]])  # one sample, two heads
    assert classify.accuracy(scores, torch.tensor([[0, 0]])) == 0.5


def test_ece_by_hand():
    """Two bins in use: confidence 0.9 (2 samples, 1 right) and 0.6 (2 samples, both right)."""
    probs = torch.tensor([[0.9, 0.1], [0.9, 0.1], [0.4, 0.6], [0.4, 0.6]])
    labels = torch.tensor([0, 1, 1, 1])
    expected = 0.5 * abs(0.5 - 0.9) + 0.5 * abs(1.0 - 0.6)
    assert classify.expected_calibration_error(probs, labels, bins=15) == pytest.approx(expected)


def test_ece_confidence_one_falls_in_the_last_bin():
    probs = torch.tensor([[1.0, 0.0]])
    assert classify.expected_calibration_error(probs, torch.tensor([0])) == pytest.approx(0.0)


def toy_data(seed=0, n=256):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=gen)
    return x, (x[:, 0] + x[:, 1] > 0).long()


def test_train_is_deterministic_and_learns():
    data = toy_data()
    runs = [
        classify.train(
            lambda: classify.mlp([4, 8, 2]),
            F.cross_entropy,
            data,
            epochs=5,
            batch_size=32,
            lr=1e-2,
            seed=3,
            evaluate={"test": toy_data(1)},
        )
        for _ in range(2)
    ]
    (_, a), (_, b) = runs
    assert a.equals(b)
    assert list(a["epoch"]) == list(range(6)) and np.isnan(a["train_batch_loss"][0])
    assert a["test_accuracy"].iloc[-1] > 0.9 > a["test_accuracy"].iloc[0]


def test_train_differs_with_the_seed():
    kwargs = dict(epochs=1, batch_size=32, lr=1e-2)
    _, a = classify.train(lambda: classify.mlp([4, 2]), F.cross_entropy, toy_data(), seed=0, **kwargs)
    _, b = classify.train(lambda: classify.mlp([4, 2]), F.cross_entropy, toy_data(), seed=1, **kwargs)
    assert not a.equals(b)


def test_train_passes_tuple_outputs_to_the_loss_and_scores_to_accuracy():
    """A model with two heads (the EXACT shape): the loss sees the tuple, accuracy uses `scores`."""

    class TwoHeads(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.mu, self.sigma = torch.nn.Linear(4, 2), torch.nn.Linear(4, 1)

        def forward(self, x):
            return self.mu(x), F.softplus(self.sigma(x))

    _, history = classify.train(
        TwoHeads,
        lambda out, y: F.cross_entropy(out[0] / out[1], y),
        toy_data(),
        epochs=20,
        batch_size=32,
        lr=3e-2,
        seed=0,
        scores=lambda out: out[0],
    )
    assert history["train_accuracy"].iloc[-1] > 0.85 > history["train_accuracy"].iloc[0]


def test_train_stops_on_a_non_finite_loss_and_records_it():
    """The loss turns infinite in the second epoch: the run stops before stepping, keeps finite parameters, and
    the remaining epochs repeat the last evaluation, marked diverged."""
    calls = []

    def loss(out, y):
        calls.append(1)
        value = torch.nn.functional.cross_entropy(out, y)
        return value * torch.tensor(float("inf")) if len(calls) > 4 else value

    model, history = classify.train(
        lambda: classify.mlp([4, 2]), loss, toy_data(), epochs=4, batch_size=64, lr=1e-2, seed=0
    )
    assert list(history["diverged"]) == [False, False, True, True, True]
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert history["train_accuracy"].iloc[2] == history["train_accuracy"].iloc[4]
    assert classify.summary(history, model)["diverged"] is True


def test_subsample_is_seeded_and_keeps_pairs():
    x, y = torch.arange(10.0).unsqueeze(1), torch.arange(10)
    a, b = classify.subsample(x, y, 4, seed=0), classify.subsample(x, y, 4, seed=0)
    assert torch.equal(a[0], b[0]) and torch.equal(a[0].squeeze(1).long(), a[1])
    assert classify.subsample(x, y, None, 0)[0] is x


def test_image_splits_rejects_unknown_sets():
    with pytest.raises(ValueError, match="unknown image set"):
        classify.image_splits("cifar", "nowhere")
