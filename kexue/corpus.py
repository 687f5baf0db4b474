"""Word corpora shared by the word-vector articles: tokenising one sentence a line, the one vocabulary
builder, encoding to indices, and window co-occurrence counts (dense torch or sparse scipy) built from the
same pair enumeration; and the word-vector evaluations they share (WordSim-353 / SimLex-999 Spearman ρ,
Google-analogy 3CosAdd), over the items whose words are all in the vocabulary."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import torch
from scipy import sparse
from scipy.stats import spearmanr

UNK = "<unk>"
EOS = "<eos>"


def tokenize(text: str) -> list[list[str]]:
    """One sentence per non-empty line, tokens separated by whitespace."""
    return [line.split() for line in text.splitlines() if line.strip()]


def build_vocab(sentences, size: int | None = None, eos: bool = False) -> list[str]:
    """Words most frequent first, ties alphabetical.

    - size None: every word of the corpus (with eos=True also "<eos>", counted once per sentence; the
      corpus may not contain it already) — the language models' vocabulary.
    - size N: the N most frequent words, always including "<unk>": if it is not among the top N−1 it takes
      the last slot, so the vocabulary has exactly N entries (fewer only if the corpus has fewer words).
    """
    sentences = [s for s in sentences if len(s) > 0]
    counts = Counter(word for sentence in sentences for word in sentence)
    if eos:
        if EOS in counts:
            raise ValueError(f"the corpus already contains the reserved token {EOS!r}")
        counts[EOS] = len(sentences)
    ranked = sorted(counts, key=lambda word: (-counts[word], word))
    if size is None:
        return ranked
    if size < 1:
        raise ValueError("vocabulary size must be at least 1")
    vocab = ranked[:size]
    if UNK not in vocab[: size - 1]:
        vocab = [word for word in vocab if word != UNK][: size - 1] + [UNK]
    return vocab


def encode(sentences: list[list[str]], vocab: list[str]) -> list[np.ndarray]:
    """Word indices per sentence; out-of-vocabulary words map to "<unk>"."""
    index = {word: i for i, word in enumerate(vocab)}
    unk = index[UNK]
    return [np.array([index.get(word, unk) for word in sentence], dtype=np.int64) for sentence in sentences]


def window_pairs(encoded: list[np.ndarray], window: int) -> tuple[np.ndarray, np.ndarray]:
    """(centre, context) index arrays of every ordered pair at distance 1..window inside a sentence,
    both directions (so the counts they make are symmetric); windows never cross a sentence boundary."""
    words = np.concatenate(encoded) if encoded else np.zeros(0, dtype=np.int64)
    sentence_id = np.repeat(np.arange(len(encoded)), [len(s) for s in encoded])
    centres, contexts = [], []
    for offset in range(1, window + 1):
        left, right = words[:-offset], words[offset:]
        same = sentence_id[:-offset] == sentence_id[offset:]
        left, right = left[same], right[same]
        centres += [left, right]
        contexts += [right, left]
    if not centres:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(centres), np.concatenate(contexts)


def cooccurrence(encoded: list[np.ndarray], vocab_size: int, window: int = 2) -> torch.Tensor:
    """Dense float32 counts C[centre, context] of pairs at distance 1..window in a sentence.

    Each ordered pair is counted once per occurrence, so C is symmetric. Built from all pairs at once
    (np.unique on flat indices), so the only N×N allocation is the result itself.
    """
    centre, context = window_pairs(encoded, window)
    pairs, counts = np.unique(centre * vocab_size + context, return_counts=True)
    matrix = torch.zeros(vocab_size * vocab_size, dtype=torch.float32)
    matrix[torch.from_numpy(pairs)] = torch.from_numpy(counts.astype(np.float32))
    return matrix.view(vocab_size, vocab_size)


def cooccurrence_sparse(encoded: list[np.ndarray], vocab_size: int, window: int = 2) -> sparse.csr_matrix:
    """The same counts as `cooccurrence`, as a scipy CSR matrix of float64 (most pairs never co-occur)."""
    centre, context = window_pairs(encoded, window)
    counts = sparse.coo_matrix((np.ones(len(centre)), (centre, context)), shape=(vocab_size, vocab_size))
    return counts.tocsr()  # duplicates summed


# --- word-vector evaluation ----------------------------------------------------------------------------------------


def load_similarity_pairs(path) -> list[tuple[str, str, float]]:
    """(word1, word2, gold score) from gensim's wordsim353.tsv / simlex999.txt (tab-separated,
    '#' comment lines)."""
    pairs = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip() or line.startswith("#"):
                continue
            first, second, score = line.split("\t")[:3]
            pairs.append((first.strip(), second.strip(), float(score)))
    return pairs


def similarity_spearman(vectors: np.ndarray, vocab: list[str], pairs: list[tuple[str, str, float]]) -> dict:
    """Spearman ρ between cosine(u_a, u_b) and the gold scores, over pairs with both words in
    the vocabulary (lower-cased, as PTB is; "<unk>" never counts as covered).

    Returns spearman (nan if fewer than 2 pairs), n_pairs (covered) and coverage (fraction).
    """
    index = {word: i for i, word in enumerate(vocab) if word != UNK}
    covered = [
        (index[a.lower()], index[b.lower()], gold) for a, b, gold in pairs if a.lower() in index and b.lower() in index
    ]
    rho = math.nan
    if len(covered) >= 2:
        unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        cosines = [float(unit[i] @ unit[j]) for i, j, _ in covered]
        rho = float(spearmanr(cosines, [gold for _, _, gold in covered]).statistic)
    return {"spearman": rho, "n_pairs": len(covered), "coverage": len(covered) / len(pairs) if pairs else 0.0}


def read_analogies(text: str) -> list[tuple[str, str, str, str]]:
    """questions-words.txt: ": section" headers, then "a b c d" lines (lowercased here, like PTB)."""
    return [tuple(line.lower().split()) for line in text.splitlines() if line and not line.startswith(":")]


def analogy_accuracy(vectors, index: dict, questions, exclude=()) -> tuple[float, int]:
    """3CosAdd on unit vectors: d = argmax cos(·, b − a + c) excluding a, b, c (and the word indices in
    `exclude`, e.g. "<unk>" and "N", from the candidates); over questions whose four words are all in the
    vocabulary. Returns (accuracy, questions covered)."""
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    covered = [q for q in questions if all(w in index for w in q)]
    if not covered:
        return math.nan, 0
    ids = np.array([[index[w] for w in q] for q in covered])
    excluded = np.asarray(list(exclude), dtype=np.int64)
    correct = 0
    for start in range(0, len(ids), 512):
        block = ids[start : start + 512]
        query = unit[block[:, 1]] - unit[block[:, 0]] + unit[block[:, 2]]
        scores = query @ unit.T
        for col in range(3):
            scores[np.arange(len(block)), block[:, col]] = -np.inf
        scores[:, excluded] = -np.inf
        correct += int((scores.argmax(1) == block[:, 3]).sum())
    return correct / len(covered), len(covered)
