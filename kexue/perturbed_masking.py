"""Perturbed Masking (kexue.fm 7476): a token-to-token impact matrix from a masked language model, with no
training, and what the article builds on it: unsupervised Chinese word segmentation and parse trees.

    H(x)                  the encoder's last-layer hidden states (no MLM head)
    x∖{x_i}               x with token i replaced by [MASK];  x∖{x_i, x_j}: both replaced
    f(x_i, x_j)           ‖H(x∖{x_i})_i − H(x∖{x_i, x_j})_i‖₂      (how much masking j changes i; f(x_i, x_i) = 0)
    segmentation          d_i = (f(i, i+1) + f(i+1, i)) / 2 for each adjacent pair: split where d_i < threshold
                          (2T − 1 masked copies per sentence of T characters: T single, T − 1 adjacent pairs)
    parsing               split span [a, b) at the k maximising  mean f(left block) + mean f(right block)
                          − mean f(left, right) − mean f(right, left), then recurse on both parts

One token per character: the segmentation is scored on characters, so every character must keep its own
position (a latin or digit run is read as its first character plus "##" continuations, as BERT's WordPiece
would, and a character the vocabulary lacks is [UNK] in place).
"""

from __future__ import annotations

import numpy as np
import torch

from kexue import segmentation as seg
from kexue.segmentation import normalise

SENTENCE_END = {"。", "！", "？", "!", "?"}


# --------------------------------------------------------------------------- data


def gold_sentences(lines: list[list[str]], min_chars: int, max_chars: int) -> list[list[str]]:
    """People's Daily lines (gold words) cut after every sentence-ending punctuation word; sentences of
    min_chars … max_chars characters, in order."""
    out = []
    for words in lines:
        current = []
        for w in words:
            current.append(w)
            if w in SENTENCE_END:
                out.append(current)
                current = []
        if current:
            out.append(current)
    return [s for s in out if min_chars <= sum(map(len, s)) <= max_chars]


def first_characters(words: list[str], n: int) -> list[str]:
    """The segmentation `words` cut after its first n characters (the last word kept may be cut too)."""
    out, left = [], n
    for w in words:
        if left <= 0:
            break
        out.append(w[:left])
        left -= len(w)
    return out


def char_ids(tokenizer, text: str) -> list[int]:
    """One vocabulary id per character: the character (lower case), else its half-width form; inside a run of
    ASCII letters or digits the "##" continuation first (as WordPiece reads "1998"); else [UNK]."""
    vocab, unk = tokenizer.get_vocab(), tokenizer.unk_token_id
    ids = []
    for i, c in enumerate(text):
        forms = [c.lower(), normalise(c).lower()]
        inside = i > 0 and normalise(text[i - 1]).isascii() and normalise(text[i - 1]).isalnum()
        if inside and normalise(c).isascii() and normalise(c).isalnum():
            forms = ["##" + f for f in forms] + forms
        ids.append(next((vocab[f] for f in forms if f in vocab), unk))
    return ids


# --------------------------------------------------------------------------- the impact


def _hidden(encoder, rows: torch.Tensor, batch_size: int) -> torch.Tensor:
    """Last-layer hidden states of many copies of one sentence (same length, no padding), on the encoder's
    device, returned on the CPU in float32."""
    limit = encoder.config.max_position_embeddings
    if rows.shape[1] > limit:
        raise ValueError(f"{rows.shape[1] - 2} characters: the model reads at most {limit - 2} (lower max_chars)")
    device = next(encoder.parameters()).device
    outs = []
    with torch.inference_mode():
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size].to(device)
            hidden = encoder(input_ids=chunk, attention_mask=torch.ones_like(chunk)).last_hidden_state
            outs.append(hidden.float().cpu())
    return torch.cat(outs)


def with_specials(ids: list[int], tokenizer) -> torch.Tensor:
    return torch.tensor([tokenizer.cls_token_id, *ids, tokenizer.sep_token_id])


def adjacent_impact(encoder, tokenizer, ids: list[int], batch_size: int = 128, head=None) -> tuple:
    """(f(i, i+1), f(i+1, i)) for i = 0 … T−2, from the 2T − 1 masked copies of one sentence, and, when an MLM
    `head` is given, the id it predicts at each singly masked position i from H(x∖{x_i})_i (else None): the
    mechanism check that the model reads context, at no extra forward pass."""
    x = with_specials(ids, tokenizer)
    t = len(ids)
    rows = x.repeat(2 * t - 1, 1)
    positions = torch.arange(t) + 1  # token i of the sentence sits at position i + 1, after [CLS]
    rows[torch.arange(t), positions] = tokenizer.mask_token_id  # x∖{x_i}
    pair = torch.arange(t - 1)
    rows[t + pair, positions[:-1]] = tokenizer.mask_token_id  # x∖{x_i, x_i+1}
    rows[t + pair, positions[1:]] = tokenizer.mask_token_id
    h = _hidden(encoder, rows, batch_size)
    single = h[torch.arange(t), positions]  # H(x∖{x_i})_i
    forward = (single[:-1] - h[t + pair, positions[:-1]]).norm(dim=-1)  # f(i, i+1)
    backward = (single[1:] - h[t + pair, positions[1:]]).norm(dim=-1)  # f(i+1, i)
    predicted = None
    if head is not None:
        device = next(head.parameters()).device
        with torch.inference_mode():
            predicted = head(single.to(device)).argmax(-1).cpu().numpy()
    return forward.numpy(), backward.numpy(), predicted


def impact_matrix(encoder, tokenizer, ids: list[int], batch_size: int = 128) -> np.ndarray:
    """F[i, j] = f(x_i, x_j) for every pair (T + T(T−1)/2 masked copies), F[i, i] = 0."""
    x = with_specials(ids, tokenizer)
    t = len(ids)
    pairs = [(i, j) for i in range(t) for j in range(i + 1, t)]
    rows = x.repeat(t + len(pairs), 1)
    rows[torch.arange(t), torch.arange(t) + 1] = tokenizer.mask_token_id
    for r, (i, j) in enumerate(pairs):
        rows[t + r, [i + 1, j + 1]] = tokenizer.mask_token_id
    h = _hidden(encoder, rows, batch_size)
    single = h[torch.arange(t), torch.arange(t) + 1]
    f = np.zeros((t, t))
    for r, (i, j) in enumerate(pairs):
        f[i, j] = float((single[i] - h[t + r, i + 1]).norm())
        f[j, i] = float((single[j] - h[t + r, j + 1]).norm())
    return f


def symmetric_adjacent(forward: np.ndarray, backward: np.ndarray) -> np.ndarray:
    """d_i = (f(i, i+1) + f(i+1, i)) / 2."""
    return (np.asarray(forward) + np.asarray(backward)) / 2


# --------------------------------------------------------------------------- segmentation


def segment(text: str, d: np.ndarray, threshold: float) -> list[str]:
    """Join characters i and i+1 when d_i ≥ threshold, split otherwise."""
    words = [text[0]] if text else []
    for c, value in zip(text[1:], d, strict=True):
        if value >= threshold:
            words[-1] += c
        else:
            words.append(c)
    return words


def boundaries(words: list[str]) -> list[bool]:
    """For each gap between adjacent characters: is there a word boundary?"""
    flags = []
    for w in words:
        flags += [False] * (len(w) - 1) + [True]
    return flags[:-1]


def boundary_agreement(a: list[str], b: list[str]) -> float:
    """Fraction of the gaps between adjacent characters where two segmentations of one text agree."""
    if "".join(a) != "".join(b):
        raise ValueError(f"different texts: {''.join(a)[:20]!r} vs {''.join(b)[:20]!r}")
    x, y = boundaries(a), boundaries(b)
    return float(np.mean([p == q for p, q in zip(x, y, strict=True)])) if x else 1.0


def length_matched_threshold(d_values: list[np.ndarray], gold: list[list[str]]) -> float:
    """The threshold that splits as many gaps on the dev split as gold has boundaries (the same mean word
    length as gold)."""
    values = np.concatenate(d_values)
    split_fraction = sum(sum(boundaries(g)) for g in gold) / len(values)
    return float(np.quantile(values, split_fraction))


def span_counts(gold: list[list[str]], predicted: list[list[str]]) -> np.ndarray:
    """Per sentence (correct spans, gold words, predicted words): the counts that kexue.segmentation.score sums."""
    return np.array([[len(seg.spans(g) & seg.spans(p)), len(g), len(p)] for g, p in zip(gold, predicted, strict=True)])


def f1_from_counts(counts: np.ndarray) -> np.ndarray:
    """Word F1 = 2·correct / (gold + predicted) from summed span counts (last axis: correct, gold, predicted)."""
    return 2 * counts[..., 0] / (counts[..., 1] + counts[..., 2])


def bootstrap_gain_se(ours: np.ndarray, baseline: np.ndarray, resamples: int, seed: int) -> float:
    """Standard error of F1(ours) − F1(baseline) over test sentences resampled with replacement (paired: the
    same sentences for both), from the per-sentence span counts of each."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(len(ours), size=(resamples, len(ours)))
    gains = f1_from_counts(ours[draws].sum(1)) - f1_from_counts(baseline[draws].sum(1))
    return float(gains.std(ddof=1))


# --------------------------------------------------------------------------- parsing


def split_objective(f: np.ndarray, a: int, k: int, b: int) -> float:
    """mean f over [a, k)² + mean over [k, b)² − mean f([a, k), [k, b)) − mean f([k, b), [a, k))."""
    return float(f[a:k, a:k].mean() + f[k:b, k:b].mean() - f[a:k, k:b].mean() - f[k:b, a:k].mean())


def parse(f: np.ndarray, a: int = 0, b: int | None = None):
    """Binary tree over positions a … b−1: a leaf is an index, a node a pair (left, right)."""
    b = len(f) if b is None else b
    if b - a == 1:
        return a
    k = max(range(a + 1, b), key=lambda k: split_objective(f, a, k, b))
    return (parse(f, a, k), parse(f, k, b))


def tree_string(tree, text: str) -> str:
    """The tree in brackets, leaves as characters: ((大 肠) 杆)."""
    if isinstance(tree, int):
        return text[tree]
    return f"({tree_string(tree[0], text)} {tree_string(tree[1], text)})"


# --------------------------------------------------------------------------- models


def load_masked_lm(spec: dict, folder=None, network: bool = False):
    """(tokenizer, BERT with its MLM head, in eval mode): the zh_bert proxy checkpoint (`proxy`), a local
    stand-in (`random_bert`, its folder; a BertModel, so its head is random too), or a transformers model by hub
    name (`model`). `.bert` is the encoder whose last layer is H(x); `.cls.predictions` is the MLM head, read
    only by the mechanism check. A whole-word-masking checkpoint is refused: it saw word boundaries in
    pre-training (brief trap)."""
    if spec.get("model") and "wwm" in str(spec["model"]).lower():
        raise ValueError(
            f"{spec['model']}: a whole-word-masking checkpoint saw word boundaries during pre-training, so its "
            "segmentation would not be unsupervised; use one with character-level masking (bert-base-chinese)"
        )
    if spec.get("proxy"):
        from kexue.zh_bert import load_proxy

        return load_proxy(folder)
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    source = folder if spec.get("random_bert") else spec["model"]
    tokenizer = AutoTokenizer.from_pretrained(str(source), local_files_only=not network)
    model = AutoModelForMaskedLM.from_pretrained(str(source), local_files_only=not network, dtype=torch.float32)
    return tokenizer, model.eval()


def load_encoder(spec: dict, folder=None, network: bool = False):
    """(tokenizer, the BERT body in eval mode) of load_masked_lm."""
    tokenizer, model = load_masked_lm(spec, folder, network)
    return tokenizer, model.bert.eval()
