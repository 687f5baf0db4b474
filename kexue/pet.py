"""PET (kexue.fm/archives/7764): sentiment classification as a cloze. A pattern with one [MASK] slot is added to
the text and the MLM compares the verbaliser characters at the slot: positive iff p(很 | x) > p(不 | x).

    P1  [MASK]满意。text        P2  text[MASK]满意。        P3  [MASK]好。text
    P4  [MASK]理想。text        P5  感觉如何？[MASK]满意。text

- zero-shot: score(x) = log p(很 | pattern(x)) − log p(不 | pattern(x)) from the MLM head, no training;
- few-shot (PET): fine-tune the MLM on the labelled texts with the pattern, the slot's target being the label's
  character, the other characters randomly masked as well (BERT's masking, as regularisation);
- the baseline of ordinary fine-tuning: a new classifier on [CLS] (BertForSequenceClassification) from the same
  encoder, on the same labelled texts, without a pattern.

The model is any BERT with its MLM head: the shared proxy (kexue.zh_bert.load_proxy) on the default tier, hub
checkpoints on the full tier, a tiny random BERT as their stand-in in tests.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from scipy.stats import binomtest

MASK = "[MASK]"
PATTERNS = {  # the article's five patterns; {text} is the review
    "P1": "[MASK]满意。{text}",
    "P2": "{text}[MASK]满意。",
    "P3": "[MASK]好。{text}",
    "P4": "[MASK]理想。{text}",
    "P5": "感觉如何？[MASK]满意。{text}",
}


def apply_pattern(pattern: str, text: str, max_chars: int) -> str:
    """The pattern around the text, the text cut to its first `max_chars` characters (so that the slot of a
    suffix pattern is never truncated away)."""
    if pattern.count(MASK) != 1 or "{text}" not in pattern:
        raise ValueError(f"a pattern needs one {MASK} and one {{text}}: {pattern!r}")
    return pattern.replace("{text}", text[:max_chars])


def verbaliser_ids(tokenizer, verbaliser: dict[str, str]) -> dict[str, int]:
    """The id of each verbaliser character; each must be a single token of the vocabulary (the brief's trap)."""
    ids = {}
    for label, char in verbaliser.items():
        pieces = tokenizer.tokenize(char)
        if len(pieces) != 1 or pieces[0] == tokenizer.unk_token:
            raise ValueError(f"verbaliser {char!r} ({label}) is not one token of this vocabulary: {pieces}")
        ids[label] = tokenizer.convert_tokens_to_ids(pieces[0])
    return ids


def mlm_logits(model, **inputs) -> torch.Tensor:
    """The MLM head's logits (batch, length, vocab) of BertForPreTraining or BertForMaskedLM."""
    out = model(**inputs)
    return out.prediction_logits if hasattr(out, "prediction_logits") else out.logits


@torch.no_grad()
def cloze_scores(
    tokenizer, model, texts: Sequence[str], pattern: str, verbaliser: dict[str, str], max_chars: int, batch_size: int
) -> np.ndarray:
    """score(x) = log p(positive character) − log p(negative character) at the slot, one per text."""
    ids = verbaliser_ids(tokenizer, verbaliser)
    model.eval()
    scores = []
    for start in range(0, len(texts), batch_size):
        batch = [apply_pattern(pattern, t, max_chars) for t in texts[start : start + batch_size]]
        enc = tokenizer(batch, return_tensors="pt", padding=True)
        slot = enc["input_ids"] == tokenizer.mask_token_id
        if not bool((slot.sum(1) == 1).all()):
            raise ValueError("each patterned text must hold exactly one [MASK] token")
        log_p = mlm_logits(model, **enc)[slot].log_softmax(-1)
        scores.append((log_p[:, ids["positive"]] - log_p[:, ids["negative"]]).numpy())
    return np.concatenate(scores)


def accuracy(scores: np.ndarray, labels: np.ndarray) -> float:
    """Predict positive iff score > 0 (p(很) > p(不))."""
    return float(np.mean((np.asarray(scores) > 0) == (np.asarray(labels) == 1)))


def binomial_p(correct: int, total: int) -> float:
    """One-sided p-value of `correct` of `total` under guessing (1/2 on a balanced set)."""
    return float(binomtest(correct, total, 0.5, alternative="greater").pvalue)


def few_shot_labels(train: Sequence[tuple[str, int]], count: int, seed: int) -> list[tuple[str, int]]:
    """`count` labelled training reviews, half of each label, drawn with `seed`."""
    rng = np.random.default_rng(seed)
    picked = []
    for label in (1, 0):
        pool = [x for x in train if x[1] == label]
        picked += [pool[i] for i in rng.permutation(len(pool))[: count // 2]]
    return [picked[i] for i in rng.permutation(len(picked))]


def pet_batch(tokenizer, examples, pattern, verbaliser, max_chars, mask_rate, generator):
    """Inputs and MLM labels for PET fine-tuning: the slot's label is the verbaliser character of the example's
    class; each other non-special token is also masked with probability `mask_rate` (its label: itself)."""
    ids = verbaliser_ids(tokenizer, verbaliser)
    enc = tokenizer([apply_pattern(pattern, t, max_chars) for t, _ in examples], return_tensors="pt", padding=True)
    input_ids = enc["input_ids"]
    slot = input_ids == tokenizer.mask_token_id
    special = (
        torch.tensor(
            [tokenizer.get_special_tokens_mask(row.tolist(), already_has_special_tokens=True) for row in input_ids]
        ).bool()
        | slot
    )
    extra = (torch.rand(input_ids.shape, generator=generator) < mask_rate) & ~special
    labels = torch.full_like(input_ids, -100)
    labels[extra] = input_ids[extra]
    targets = torch.tensor([ids["positive"] if y == 1 else ids["negative"] for _, y in examples])
    labels[slot] = targets
    enc["input_ids"] = input_ids.masked_fill(extra, tokenizer.mask_token_id)
    return enc, labels


def train_pet(tokenizer, model, examples, settings: dict, seed: int) -> None:
    """PET fine-tuning of the MLM in place: cross-entropy over the vocabulary at the slot and at the extra
    masked tokens (AdamW, constant learning rate, settings["steps"] steps of settings["batch_size"])."""
    generator = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings["lr"], weight_decay=0.01)
    model.train()
    for _ in range(settings["steps"]):
        batch = [examples[i] for i in rng.integers(len(examples), size=settings["batch_size"])]
        enc, labels = pet_batch(
            tokenizer,
            batch,
            settings["pattern_text"],
            settings["verbaliser"],
            settings["max_chars"],
            settings["mask_rate"],
            generator,
        )
        logits = mlm_logits(model, **enc)
        loss = F.cross_entropy(logits[labels != -100], labels[labels != -100])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    model.eval()


def train_classifier(tokenizer, classifier, examples, settings: dict, seed: int) -> None:
    """Ordinary fine-tuning: BertForSequenceClassification on the plain texts (no pattern), same optimiser,
    steps and batches as train_pet."""
    rng = np.random.default_rng(seed)
    optimizer = torch.optim.AdamW(classifier.parameters(), lr=settings["lr"], weight_decay=0.01)
    classifier.train()
    for _ in range(settings["steps"]):
        batch = [examples[i] for i in rng.integers(len(examples), size=settings["batch_size"])]
        enc = tokenizer([t[: settings["max_chars"]] for t, _ in batch], return_tensors="pt", padding=True)
        loss = classifier(**enc, labels=torch.tensor([y for _, y in batch])).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    classifier.eval()


@torch.no_grad()
def classifier_scores(tokenizer, classifier, texts, max_chars: int, batch_size: int) -> np.ndarray:
    """logit(positive) − logit(negative) of the [CLS] classifier, one per text."""
    out = []
    for start in range(0, len(texts), batch_size):
        enc = tokenizer([t[:max_chars] for t in texts[start : start + batch_size]], return_tensors="pt", padding=True)
        logits = classifier(**enc).logits
        out.append((logits[:, 1] - logits[:, 0]).numpy())
    return np.concatenate(out)


def load_mlm(entry: dict, folder=None):
    """(tokenizer, model with its MLM head, eval mode) for a config entry: {proxy: true} or {random_bert: ...}
    read from `folder` (the proxy's checkpoint, or the stand-in a rule saved), {hub: name} from the hub (the full
    tier). A hub checkpoint whose MLM head is missing (newly initialised) is refused: it would score at chance."""
    from transformers import AutoTokenizer, BertForMaskedLM

    if "proxy" in entry:
        from kexue.zh_bert import load_proxy

        return load_proxy(folder)
    source = str(folder) if "random_bert" in entry else entry["hub"]
    local = "random_bert" in entry
    tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local)
    model, info = BertForMaskedLM.from_pretrained(source, local_files_only=local, output_loading_info=True)
    missing = [k for k in info["missing_keys"] if k.startswith("cls.")]
    if missing:
        raise ValueError(f"{source}: the MLM head did not load ({missing[:3]}): it would score at chance")
    return tokenizer, model.eval()


def load_classifier(entry: dict, folder=None):
    """BertForSequenceClassification (2 labels) from the same checkpoint as load_mlm: the encoder and pooler
    loaded, the classifier newly initialised (the baseline of ordinary fine-tuning)."""
    from transformers import BertForSequenceClassification

    source = entry["hub"] if "hub" in entry else str(folder)
    return BertForSequenceClassification.from_pretrained(source, num_labels=2, local_files_only="hub" not in entry)
