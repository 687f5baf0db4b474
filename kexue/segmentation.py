"""Chinese word segmentation shared by the segmentation articles (new_word_discovery 6920, perturbed_masking
7476): normalising People's Daily's characters, the unsupervised baselines (every character a word, bigram-PMI
joining), and the SIGHAN scorer (word spans: a predicted word counts only if both its boundaries match)."""

import math
from collections import Counter

# full-width digits and Latin letters → half-width, so that the sentence splitter does not cut at every number
HALFWIDTH = str.maketrans(
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ",
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
)


def normalise(text: str) -> str:
    return text.translate(HALFWIDTH)


def gold_lines(lines: list[list[str]]) -> list[list[str]]:
    """Gold words with full-width digits and letters normalised (the same characters the segmenter sees)."""
    return [[normalise(w) for w in words] for words in lines]


def count_ngrams(sents, order: int) -> Counter:
    """Counts of every character n-gram, n = 1 … order, within sentences (new-word discovery's step 2; the PMI
    baseline's unigram and bigram counts)."""
    counts = Counter()
    for s in sents:
        for n in range(1, order + 1):
            counts.update(s[i : i + n] for i in range(len(s) - n + 1))
    return counts


def every_character(text: str) -> list[str]:
    return list(text)


def pmi_join(text: str, counts, total: int, threshold: float) -> list[str]:
    """Baseline: join adjacent characters whose bigram PMI log[N·c(ab)/(c(a)c(b))] ≥ threshold."""
    words = [text[0]] if text else []
    for a, b in zip(text, text[1:], strict=False):
        c_ab = counts.get(a + b, 0)
        if c_ab and math.log(total * c_ab / (counts[a] * counts[b])) >= threshold:
            words[-1] += b
        else:
            words.append(b)
    return words


def spans(words) -> set:
    """The (start, end) character spans of a segmentation."""
    out, i = set(), 0
    for w in words:
        out.add((i, i + len(w)))
        i += len(w)
    return out


def score(gold: list[list[str]], predicted: list[list[str]]) -> dict:
    """Word-level precision, recall and F1 by span matching (the SIGHAN scorer's counts), over lines whose
    gold and predicted characters are the same."""
    correct = n_gold = n_pred = 0
    for g, p in zip(gold, predicted, strict=True):
        if "".join(g) != "".join(p):
            raise ValueError(f"segmentation changed the text: {''.join(g)[:30]!r} vs {''.join(p)[:30]!r}")
        correct += len(spans(g) & spans(p))
        n_gold += len(g)
        n_pred += len(p)
    precision, recall = correct / n_pred, correct / n_gold
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "gold_words": n_gold, "predicted_words": n_pred}
