"""A rewritten new-word discovery algorithm (kexue.fm 6920): unsupervised lexicon construction.

1. Split the raw text into sentences at every character that is not a CJK ideograph, digit or Latin letter.
2. Count character n-grams up to `order` (a per-order Counter in place of kenlm's count_ngrams); drop those
   below min_count. N = the total count of characters.
3. Keep an n-gram w (n ≥ 2) when its weakest binary split is still cohesive:
       min_{k} log[ N·c(w) / (c(w[:k])·c(w[k:])) ] ≥ threshold_n,   thresholds (2, 4, 6) for n = 2, 3, 4.
4. Pre-segment each sentence by joining overlapping kept n-grams into the longest chains.
5. Count the pieces; keep count ≥ min_count; back-check: pieces of length ≤ 2 pass, of length 3 … order must
   be kept n-grams, longer ones need every `order`-character window to be a kept n-gram.
6. The most frequent `top` words form the lexicon: the only dictionary of a jieba Tokenizer (HMM off),
   scored by word-level span matching (the SIGHAN scorer's precision, recall, F1).
"""

import math
import re
from collections import Counter
from pathlib import Path

# the shared scoring and baselines, used here under their old names
from kexue.segmentation import (  # noqa: F401
    HALFWIDTH,
    count_ngrams,
    every_character,
    gold_lines,
    normalise,
    pmi_join,
    score,
    spans,
)

NOT_TEXT = re.compile(r"[^\u4e00-\u9fa50-9a-zA-Z]+")


def sentences(raw_lines) -> list[str]:
    """Step 1: raw text (word boundaries removed) → sentences of CJK ideographs, digits and Latin letters."""
    return [s for line in raw_lines for s in NOT_TEXT.split(normalise(line)) if s]


def cohesion(gram: str, counts, total: int) -> float:
    """min over binary splits of log[N·c(w) / (c(left)·c(right))] (natural log, as the reference code)."""
    return min(math.log(total * counts[gram] / (counts[gram[:k]] * counts[gram[k:]])) for k in range(1, len(gram)))


def kept_ngrams(counts, min_count: int, thresholds: list[float]) -> set:
    """Step 3: n-grams (n ≥ 2) with count ≥ min_count whose cohesion reaches threshold_n (thresholds[n − 2])."""
    total = sum(c for g, c in counts.items() if len(g) == 1)
    return {
        g
        for g, c in counts.items()
        if 2 <= len(g) <= len(thresholds) + 1
        and c >= min_count
        and cohesion(g, counts, total) >= thresholds[len(g) - 2]
    }


def presegment(sentence: str, kept: set, order: int) -> list[str]:
    """Step 4: every occurrence of a kept n-gram covers an interval of characters; intervals that share a
    character are joined into one piece (the longest chain); characters no kept n-gram covers are pieces
    of their own."""
    pieces, start, end = [], 0, 1
    for i in range(len(sentence)):
        if i == end:  # nothing reaching past i overlaps: close the piece
            pieces.append(sentence[start:end])
            start, end = i, i + 1
        for n in range(2, order + 1):
            if i + n <= len(sentence) and sentence[i : i + n] in kept:
                end = max(end, i + n)
    if sentence:
        pieces.append(sentence[start:end])
    return pieces


def back_check(word: str, kept: set, order: int) -> bool:
    """Step 5's filter: length ≤ 2 passes; 3 … order must be a kept n-gram; longer needs every window."""
    if len(word) <= 2:
        return True
    if len(word) <= order:
        return word in kept
    return all(word[k : k + order] in kept for k in range(len(word) - order + 1))


def discover(sents, order: int, min_count: int, thresholds: list[float], top: int) -> list[tuple[str, int]]:
    """Steps 2–5: the lexicon, (word, count) by decreasing count, at most `top` words."""
    counts = count_ngrams(sents, order)
    kept = kept_ngrams(counts, min_count, thresholds)
    candidates = Counter(piece for s in sents for piece in presegment(s, kept, order))
    words = [(w, c) for w, c in candidates.items() if c >= min_count and back_check(w, kept, order)]
    words.sort(key=lambda wc: (-wc[1], wc[0]))
    return words[:top]


# --- segmentation and scoring -----------------------------------------------------------------------------------


def jieba_tokenizer(lexicon_path, cache_dir):
    """A fresh jieba Tokenizer whose only dictionary is the lexicon file ("word count" lines), caching
    its prefix dictionary in cache_dir; jieba's built-in dictionary is never loaded."""
    import jieba

    tokenizer = jieba.Tokenizer(dictionary=str(Path(lexicon_path).resolve()))
    tokenizer.tmp_dir = str(cache_dir)
    tokenizer.initialize()
    return tokenizer


def jieba_cut(tokenizer, text: str) -> list[str]:
    """Segment with HMM off (HMM would discover words itself)."""
    return list(tokenizer.cut(text, HMM=False))


def split_lines(lines: list, test_fraction: float, discovery_lines: int | None = None, test_lines: int | None = None):
    """(discovery lines, test lines): the first 1 − test_fraction of the lines, the rest as test; smaller
    counts (smoke tier) take the first lines of each part."""
    cut = int(round(len(lines) * (1 - test_fraction)))
    train, test = lines[:cut], lines[cut:]
    return train[:discovery_lines] if discovery_lines else train, test[:test_lines] if test_lines else test


def jieba_default_tokenizer(cache_dir):
    """jieba with its own (supervised, built-in) dictionary: a reference, not a baseline of the method."""
    import jieba

    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = str(cache_dir)
    tokenizer.initialize()
    return tokenizer
