"""NSP-BERT (kexue.fm/archives/8671): zero-shot classification through BERT's pretrained Next Sentence
Prediction head. Each candidate label y is written as a prompt sentence, paired with the text, and scored by
the NSP head; the label whose prompt fits best wins, with no fine-tuning:

    input      [CLS] text [SEP] prompt(y) [SEP]              (order "text_prompt", the brief's plain form)
               [CLS] prompt(y) [SEP] text [SEP]              (order "prompt_text", recorded as an extra)
    score      s(y | x) = log P(IsNext | x, prompt(y))       (NSP logit 0 = IsNext, BERT's convention)
    predict    ŷ = argmax_y s(y | x)

The baseline PET-zero scores a cloze with the same checkpoint's MLM head: the pattern around the text holds k
[MASK] tokens where the label's verbaliser word has k tokens, and

    s_PET(y | x) = (1/k) Σ_i log p_MLM(w_i(y) | pattern(x), slot i).

Models: the shared proxy (kexue.zh_bert.load_proxy) on the default tier, hub checkpoints on the full tier, tiny
randomly initialised BERTs with the proxy's Chinese vocabulary as their stand-ins (smoke tier, tests).
Checkpoints load with `kexue.zh_bert.load_checkpoint`, which refuses one whose NSP or MLM head did not load (the
brief's trap: the head would be newly initialised and score at chance).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import torch
from scipy.stats import binomtest

from kexue.zh_bert import CLAUSE, IS_NEXT

ORDERS = ("text_prompt", "prompt_text")
SLOTS = re.compile(r"(\{mask\}|\{text\})")


# --------------------------------------------------------------------------- models


def build_random_bert(tokenizer, folder, hidden: int, layers: int, heads: int, max_length: int, seed: int):
    """A randomly initialised BertForPreTraining (both heads) with `tokenizer`'s vocabulary, saved to `folder`
    with the tokenizer: a stand-in for a hub checkpoint that runs the full tier's code path and means nothing."""
    from transformers import BertConfig, BertForPreTraining

    if hidden % heads:
        raise ValueError(f"hidden {hidden} must be a multiple of heads {heads}")
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=4 * hidden,
        max_position_embeddings=max_length,
    )
    model = BertForPreTraining(config)
    model.save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return model


def parameter_count(model) -> int:
    return sum(p.numel() for p in model.parameters())


# --------------------------------------------------------------------------- tasks


def held_out_reviews(
    reviews: dict[str, list[str]], labels: Sequence[str], test_per_class: int, seed: int
) -> tuple[list[str], np.ndarray]:
    """The balanced test reviews of the shared zh_bert split (kexue.zh_bert.review_split with the proxy's own
    settings, so that none was pretrained on), as texts and indices into `labels` ("negative", "positive")."""
    from kexue.zh_bert import review_split

    if sorted(labels) != ["negative", "positive"]:
        raise ValueError(f"the reviews task's labels must be negative and positive, got {list(labels)}")
    test = review_split(reviews, test_per_class, seed)["test"]
    names = {1: "positive", 0: "negative"}
    return [t for t, _ in test], np.array([list(labels).index(names[y]) for _, y in test])


def label_indices(values: Sequence, labels: Sequence[str], where: str) -> np.ndarray:
    """Each label value's index in `labels`; a value outside them is refused, naming the source."""
    unknown = sorted({str(v) for v in values} - set(labels))
    if unknown:
        raise ValueError(f"{where}: labels {unknown[:5]} are not among the configured {list(labels)}")
    return np.array([list(labels).index(str(v)) for v in values])


def read_json_lines_task(url: str, text: str, label: str, labels: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """A JSON-lines file (one example per line, e.g. FewCLUE's test_public.json) from a URL or a local path."""
    import json
    import urllib.request
    from pathlib import Path

    if url.startswith("https://"):
        with urllib.request.urlopen(url, timeout=60) as response:
            lines = response.read().decode("utf-8").splitlines()
    else:
        lines = Path(url).read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return [r[text] for r in rows], label_indices([r[label] for r in rows], labels, url)


def read_hub_task(name: str, split: str, text: str, label: str, labels: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """A hub dataset's split (datasets.load_dataset); its ClassLabel names must be the configured labels, in
    order, so that prompts and verbaliser line up with the class indices."""
    from datasets import load_dataset

    ds = load_dataset(name, split=split)
    names = list(ds.features[label].names)
    if names != list(labels):
        raise ValueError(f"{name}: class names {names} differ from the configured labels {list(labels)}")
    return list(ds[text]), np.asarray(ds[label])


def draw(texts: Sequence[str], label_ids: np.ndarray, limit: int | None, seed: int) -> tuple[list[str], np.ndarray]:
    """`limit` examples drawn at random with `seed`, in their original order (all of them when limit is None)."""
    if limit is None or len(texts) <= limit:
        return list(texts), np.asarray(label_ids)
    keep = np.sort(np.random.default_rng(seed).permutation(len(texts))[:limit])
    return [texts[i] for i in keep], np.asarray(label_ids)[keep]


# --------------------------------------------------------------------------- inputs


def text_budget(model, max_text_tokens: int, other_tokens: int, specials: int) -> int:
    """Tokens the text may keep: the configured cap, within the model's positions after the special tokens and
    the other segment (prompt or pattern)."""
    budget = min(max_text_tokens, model.config.max_position_embeddings - specials - other_tokens)
    if budget < 1:
        raise ValueError(
            f"no room for the text: {other_tokens} prompt tokens in {model.config.max_position_embeddings}"
        )
    return budget


def pad_batch(tokenizer, rows: Sequence[tuple[list[int], list[int]]]) -> dict[str, torch.Tensor]:
    """Rows of (input_ids, token_type_ids) → padded tensors with the attention mask."""
    longest = max(len(ids) for ids, _ in rows)
    batch = {k: torch.zeros((len(rows), longest), dtype=torch.long) for k in ("token_type_ids", "attention_mask")}
    batch["input_ids"] = torch.full((len(rows), longest), tokenizer.pad_token_id, dtype=torch.long)
    for i, (ids, types) in enumerate(rows):
        batch["input_ids"][i, : len(ids)] = torch.tensor(ids)
        batch["token_type_ids"][i, : len(ids)] = torch.tensor(types)
        batch["attention_mask"][i, : len(ids)] = 1
    return batch


def pair_ids(tokenizer, first: list[int], second: list[int]) -> tuple[list[int], list[int]]:
    """[CLS] first [SEP] second [SEP] with segment ids 0 … 0 1 … 1, BERT's pair format with the tokenizer's own
    special tokens."""
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    return [cls, *first, sep, *second, sep], [0] * (len(first) + 2) + [1] * (len(second) + 1)


def nsp_inputs(text: list[int], prompt: list[int], order: str, budget: int) -> tuple[list[int], list[int]]:
    """(sentence A, sentence B) token ids. The text keeps the part next to the prompt, as in pretraining
    (kexue.zh_bert.nsp_pair: A keeps its end, B its start)."""
    if order == "text_prompt":
        return text[-budget:], prompt
    if order == "prompt_text":
        return prompt, text[:budget]
    raise ValueError(f"unknown order {order!r}; known: {', '.join(ORDERS)}")


# --------------------------------------------------------------------------- NSP scoring


@torch.no_grad()
def is_next_log_probs(model, batch: dict) -> torch.Tensor:
    """log P(IsNext) of each pair from the NSP head of a BertForPreTraining: the encoder's pooled [CLS] through
    cls.seq_relationship only (the MLM head's vocabulary projection of every token would double the cost)."""
    pooled = model.bert(**batch).pooler_output
    return model.cls.seq_relationship(pooled).log_softmax(-1)[:, IS_NEXT]


def nsp_scores(
    tokenizer, model, texts: Sequence[str], prompts: Sequence[str], order: str, max_text_tokens: int, batch_size: int
) -> np.ndarray:
    """s(y | x) = log P(IsNext | x, prompt(y)), shape (texts, labels)."""
    prompt_ids = [tokenizer.encode(p, add_special_tokens=False) for p in prompts]
    budget = text_budget(model, max_text_tokens, max(len(p) for p in prompt_ids), specials=3)
    text_ids = [tokenizer.encode(t, add_special_tokens=False) for t in texts]
    rows = [pair_ids(tokenizer, *nsp_inputs(t, p, order, budget)) for t in text_ids for p in prompt_ids]
    model.eval()
    out = [
        is_next_log_probs(model, pad_batch(tokenizer, rows[i : i + batch_size]))
        for i in range(0, len(rows), batch_size)
    ]
    return torch.cat(out).numpy().reshape(len(texts), len(prompts))


# --------------------------------------------------------------------------- PET-zero (the MLM-head baseline)


def cloze_ids(tokenizer, pattern: str, text: list[int], slot: int, budget: int) -> tuple[list[int], list[int]]:
    """[CLS] pattern [SEP] with `slot` [MASK] tokens at {mask} and the text (cut to its first `budget` tokens)
    at {text}; single segment."""
    ids = []
    for part in SLOTS.split(pattern):
        if part == "{mask}":
            ids += [tokenizer.mask_token_id] * slot
        elif part == "{text}":
            ids += text[:budget]
        elif part:
            ids += tokenizer.encode(part, add_special_tokens=False)
    full = [tokenizer.cls_token_id, *ids, tokenizer.sep_token_id]
    return full, [0] * len(full)


def check_pattern(pattern: str) -> None:
    if pattern.count("{mask}") != 1 or pattern.count("{text}") != 1:
        raise ValueError(f"a cloze pattern needs one {{mask}} and one {{text}}: {pattern!r}")


def verbaliser_ids(tokenizer, words: Sequence[str]) -> list[list[int]]:
    """The token ids of each label's verbaliser word; a word the vocabulary cannot spell is refused."""
    out = []
    for word in words:
        ids = tokenizer.encode(word, add_special_tokens=False)
        if not ids or tokenizer.unk_token_id in ids:
            raise ValueError(f"verbaliser {word!r} is not spelled by this vocabulary: {tokenizer.tokenize(word)}")
        out.append(ids)
    return out


@torch.no_grad()
def cloze_scores(
    tokenizer,
    model,
    texts: Sequence[str],
    pattern: str,
    verbaliser: Sequence[str],
    max_text_tokens: int,
    batch_size: int,
) -> np.ndarray:
    """s_PET(y | x) = mean over the word's k tokens of log p_MLM(token_i at slot i), shape (texts, labels).
    Labels whose words have the same length k share one forward pass with k [MASK] tokens."""
    check_pattern(pattern)
    words = verbaliser_ids(tokenizer, verbaliser)
    literal = sum(
        len(tokenizer.encode(p, add_special_tokens=False)) for p in SLOTS.split(pattern) if p and "{" not in p
    )
    text_ids = [tokenizer.encode(t, add_special_tokens=False) for t in texts]
    scores = np.zeros((len(texts), len(words)))
    model.eval()
    for k in sorted({len(w) for w in words}):
        budget = text_budget(model, max_text_tokens, literal + k, specials=2)
        labels = [j for j, w in enumerate(words) if len(w) == k]
        targets = torch.tensor([words[j] for j in labels])  # (labels of this length, k)
        for start in range(0, len(texts), batch_size):
            batch = pad_batch(
                tokenizer, [cloze_ids(tokenizer, pattern, t, k, budget) for t in text_ids[start : start + batch_size]]
            )
            slot = batch["input_ids"] == tokenizer.mask_token_id
            if not bool((slot.sum(1) == k).all()):
                raise ValueError(f"each patterned text must hold exactly {k} [MASK] tokens (a text holds one itself?)")
            hidden = model.bert(**batch).last_hidden_state
            logits = model.cls.predictions(hidden[slot])  # the MLM head at the slots only
            log_p = logits.log_softmax(-1).reshape(len(batch["input_ids"]), k, -1)  # (batch, k, vocab)
            picked = log_p[:, torch.arange(k)[None, :], targets]  # (batch, labels, k)
            scores[start : start + len(batch["input_ids"]), labels] = picked.mean(-1).numpy()
    return scores


# --------------------------------------------------------------------------- the NSP head's own check (trap)


def halves(text: str) -> tuple[str, str] | None:
    """The text cut at the start of its middle clause (kexue.zh_bert.CLAUSE: a clause ends at a Chinese or ASCII
    clause mark or at whitespace, so English text is cut between words); None for a single clause."""
    starts = [m.start() for m in CLAUSE.finditer(text)]
    if len(starts) < 2:
        return None
    cut = starts[len(starts) // 2]
    return text[:cut], text[cut:]


def continuation_pairs(texts: Sequence[str], seed: int) -> tuple[list[str], list[str], np.ndarray]:
    """(A, B, label) from the texts of at least two clauses: A = a text's first half; B = its own second half
    (IsNext, label 0) at the even positions of a seeded order, the previous text's second half (NotNext, label 1)
    at the odd ones."""
    cut = [h for h in map(halves, texts) if h is not None]
    if len(cut) < 4:
        raise ValueError(f"only {len(cut)} texts with two clauses or more: too few for the NSP check")
    order = np.random.default_rng(seed).permutation(len(cut))
    a, b, labels = [], [], []
    for rank, i in enumerate(order):
        a.append(cut[i][0])
        own = rank % 2 == 0
        b.append(cut[i][1] if own else cut[order[rank - 1]][1])  # the previous text's continuation, never its own
        labels.append(0 if own else 1)
    return a, b, np.asarray(labels)


@torch.no_grad()
def nsp_check(tokenizer, model, texts: Sequence[str], count: int, max_text_tokens: int, batch_size: int, seed: int):
    """P(IsNext) for true continuations and for random partners of `count` held-out texts: a loaded NSP head
    with index 0 = IsNext gives the first high and the second low (accuracy at 0.5 well above ½)."""
    a, b, labels = continuation_pairs(list(texts)[:count], seed)
    half = min(max_text_tokens, (model.config.max_position_embeddings - 3) // 2)
    rows = [
        pair_ids(
            tokenizer,
            tokenizer.encode(x, add_special_tokens=False)[-half:],
            tokenizer.encode(y, add_special_tokens=False)[:half],
        )
        for x, y in zip(a, b, strict=True)
    ]
    p = (
        torch.cat(
            [
                is_next_log_probs(model, pad_batch(tokenizer, rows[i : i + batch_size]))
                for i in range(0, len(rows), batch_size)
            ]
        )
        .exp()
        .numpy()
    )
    predicted = np.where(p > 0.5, 0, 1)
    return {
        "pairs": len(labels),
        "accuracy": float(np.mean(predicted == labels)),
        "p_is_next_true": p[labels == 0].tolist(),
        "p_is_next_random": p[labels == 1].tolist(),
        "mean_p_is_next_true": float(p[labels == 0].mean()),
        "mean_p_is_next_random": float(p[labels == 1].mean()),
    }


# --------------------------------------------------------------------------- statistics


def accuracy(scores: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of texts whose highest-scoring label is the gold one."""
    return float(np.mean(np.asarray(scores).argmax(1) == np.asarray(labels)))


def chance_rate(labels: np.ndarray, classes: int) -> float:
    """Accuracy of always answering the most frequent label of the evaluated set (1/classes when balanced)."""
    return float(np.bincount(np.asarray(labels), minlength=classes).max() / len(labels))


def binomial_p(correct: int, total: int, chance: float) -> float:
    """One-sided p-value of `correct` of `total` under guessing at rate `chance`."""
    return float(binomtest(int(correct), int(total), chance, alternative="greater").pvalue)


def non_decreasing(values: Sequence[float]) -> bool:
    """True when each value is at least the one before (model_size: accuracy along increasing size)."""
    return all(b >= a for a, b in zip(values, values[1:], strict=False))
