"""A small GPT-style word-level language model for the Lion-vs-AdamW experiments (kexue.fm/archives/9473).

Covers the PTB pipeline end to end: a frequency-ordered vocabulary with "<eos>" closing every line,
random training windows and an in-order validation pass, and a pre-LN Transformer with a tied output
head, GPT-2 initialisation and the usual nanoGPT weight-decay split. Shapes: B batch, T context, D width.

Options for the length-extrapolation experiments (kexue.fm/archives/9431), whose defaults keep the model
above unchanged: rotary position embedding instead of the learned table (`position="rope"`), a sliding
attention window at inference (`window=`), and the attention weights themselves (`attention_maps`).

The one PTB character reader (`char_ptb`) and the one training loop (`fit`/`train`: AdamW or Lion, linear
warm-up then cosine decay, evaluations at evenly spaced steps) that both articles use; a task object (`CharLM`
here, an MNIST MLP in kexue.lion.training) supplies the model, batches, loss and evaluation.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from kexue import corpus

EOS = corpus.EOS

Corpus = str | Sequence[Sequence[str]]  # raw text (one sentence a line) or token lists


# --------------------------------------------------------------------------- data


def _sentences(text: Corpus) -> list[Sequence[str]]:
    """Token lists, one per sentence. Blank lines are skipped: the PTB files have none, and a
    trailing empty line (as in `treebank.penn`) must not add a spurious "<eos>"."""
    if isinstance(text, str):
        return [line.split() for line in text.splitlines() if line.strip()]
    return [sentence for sentence in text if len(sentence) > 0]


def build_vocab(text: Corpus) -> list[str]:
    """Every word of `text` plus "<eos>" (counted once per sentence), most frequent first, ties alphabetical
    (the one vocabulary builder, kexue.corpus.build_vocab)."""
    return corpus.build_vocab(_sentences(text), eos=True)


def encode_corpus(text: Corpus, vocab: Sequence[str]) -> Tensor:
    """The corpus as one 1-D LongTensor of word ids, with "<eos>" after every sentence.

    PTB's valid/test splits are closed-vocabulary (rare words are already "<unk>"), so a word
    missing from `vocab` means the wrong files or vocabulary: raise instead of mapping it.
    """
    index = {word: i for i, word in enumerate(vocab)}
    if EOS not in index:
        raise ValueError(f"vocabulary lacks {EOS!r}; build it with build_vocab")
    ids: list[int] = []
    unknown: Counter = Counter()
    for sentence in _sentences(text):
        for word in sentence:
            i = index.get(word)
            if i is None:
                unknown[word] += 1
            else:
                ids.append(i)
        ids.append(index[EOS])
    if unknown:
        examples = ", ".join(repr(word) for word, _ in unknown.most_common(5))
        raise KeyError(
            f"{len(unknown)} word type(s) not in the vocabulary ({sum(unknown.values())} tokens), e.g. {examples}"
        )
    return torch.tensor(ids, dtype=torch.long)


def char_ptb(ptb_dir: str | Path, splits: Sequence[str] = ("train", "valid")) -> dict:
    """PTB as characters: every line's characters (spaces included) then "<eos>", ids by frequency in train.
    {"vocab": [...], split: 1-D LongTensor for each of `splits` (ptb.<split>.txt in `ptb_dir`)}."""
    text = {
        s: [list(line.strip()) for line in (Path(ptb_dir) / f"ptb.{s}.txt").read_text().splitlines()]
        for s in dict.fromkeys(("train", *splits))
    }
    vocab = build_vocab(text["train"])
    return {"vocab": vocab, **{s: encode_corpus(text[s], vocab) for s in splits}}


def batches(ids: Tensor, batch_size: int, context: int, generator: torch.Generator) -> Iterator[tuple[Tensor, Tensor]]:
    """Endless (x, y) pairs of shape (B, T): B windows at uniformly random offsets, y = x shifted by one.

    x[b, t] = ids[s_b + t], y[b, t] = ids[s_b + t + 1], s_b ~ U{0, …, len(ids) − T − 1} drawn from
    `generator`, so equal generator states give equal batch streams.
    """
    if len(ids) < context + 1:
        raise ValueError(f"need at least context + 1 = {context + 1} tokens, got {len(ids)}")
    offsets = torch.arange(context)
    while True:
        starts = torch.randint(0, len(ids) - context, (batch_size,), generator=generator)
        positions = starts[:, None] + offsets  # (B, T)
        yield ids[positions], ids[positions + 1]


def eval_batches(ids: Tensor, batch_size: int, context: int) -> Iterator[tuple[Tensor, Tensor]]:
    """Consecutive non-overlapping windows in order, so every target ids[1:] appears exactly once.

    Full windows come in batches of (up to) B; the leftover tail, if any, is a final (1, r) batch
    with r < T. Each window starts without context, as in nanoGPT-style evaluation.
    """
    n_targets = len(ids) - 1
    n_full = n_targets // context
    if n_full:
        windows = ids[: n_full * context + 1]
        x = windows[:-1].view(n_full, context)
        y = windows[1:].view(n_full, context)
        for i in range(0, n_full, batch_size):
            yield x[i : i + batch_size], y[i : i + batch_size]
    start = n_full * context
    if start < n_targets:
        yield ids[start:-1].view(1, -1), ids[start + 1 :].view(1, -1)


# --------------------------------------------------------------------------- positions and masks


def rope_tables(length: int, head_dim: int, base: float = 10000.0) -> tuple[Tensor, Tensor]:
    """cos and sin of the rotary angles m·θ_i, θ_i = base^(−2i/d_head), for positions m < length: (length, d_head/2)."""
    if head_dim % 2:
        raise ValueError(f"RoPE needs an even head width, got {head_dim}")
    theta = base ** (-torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)
    angles = torch.arange(length, dtype=torch.float64)[:, None] * theta  # (length, d_head/2)
    return angles.cos().float(), angles.sin().float()


def apply_rope(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    """Rotate each pair (x_i, x_{i+d/2}) of x (…, T, d_head) by the angle m·θ_i of its position m, so that
    (R_m q)·(R_n k) depends on m and n only through m − n."""
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


def window_mask(length: int, window: int | None) -> Tensor:
    """Boolean (T, T), True where query i may attend key j: causal, and with a window w the query sees
    itself and the w − 1 previous keys (j ∈ [i − w + 1, i]), as many as a position saw in training."""
    distance = torch.arange(length)[:, None] - torch.arange(length)[None, :]  # i − j
    allowed = distance >= 0
    if window is not None:
        allowed &= distance < window
    return allowed


# --------------------------------------------------------------------------- model


class Block(nn.Module):
    """Pre-LN Transformer block: h ← h + Attn(LN(h)); h ← h + MLP(LN(h))."""

    def __init__(self, d_model: int, n_head: int, dropout: float):
        super().__init__()
        self.n_head, self.dropout = n_head, dropout
        self.ln1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)  # residual projection
        self.ln2 = nn.LayerNorm(d_model)
        self.fc = nn.Linear(d_model, 4 * d_model)
        self.out = nn.Linear(4 * d_model, d_model)  # residual projection
        self.drop = nn.Dropout(dropout)

    def attention(self, h: Tensor, rope=None, mask: Tensor | None = None, maps: list | None = None) -> Tensor:
        """rope: (cos, sin) tables to rotate q and k; mask: boolean (T, T) of allowed keys (default causal);
        maps: a list that receives the attention weights (B, H, T, T) (computed explicitly then)."""
        B, T, D = h.shape
        # (B, T, 3D) → (3, B, H, T, D/H): one q, k, v per head
        q, k, v = self.qkv(h).view(B, T, 3, self.n_head, D // self.n_head).permute(2, 0, 3, 1, 4)
        if rope is not None:
            q, k = apply_rope(q, *rope), apply_rope(k, *rope)
        dropout = self.dropout if self.training else 0.0
        if maps is not None:
            # softmax(q kᵀ / √(D/H) + mask) v, written out so that the weights can be kept
            scores = (q @ k.transpose(-2, -1)) / math.sqrt(D // self.n_head)
            allowed = mask if mask is not None else window_mask(T, None)
            weights = torch.softmax(scores.masked_fill(~allowed, float("-inf")), dim=-1)
            maps.append(weights)
            a = F.dropout(weights, dropout, self.training) @ v
        elif mask is None:
            # softmax(q kᵀ / √(D/H) + causal mask) v: position t sees positions ≤ t only
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_p=dropout)
        else:
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout)
        return self.proj(a.transpose(1, 2).reshape(B, T, D))  # heads concatenated back to (B, T, D)

    def forward(self, h: Tensor, rope=None, mask: Tensor | None = None, maps: list | None = None) -> Tensor:
        h = h + self.drop(self.attention(self.ln1(h), rope, mask, maps))
        return h + self.drop(self.out(F.gelu(self.fc(self.ln2(h)))))


class TinyLM(nn.Module):
    """Decoder-only LM: logits = LN(blocks(E[x] + P[0:T])) Eᵀ, the head tied to the token embedding E.

    position="rope" replaces the learned table P by rotary embeddings of q and k in every block (base
    `rope_base`); such a model has no table to outgrow, so it accepts sequences longer than `context`."""

    def __init__(
        self,
        vocab_size: int,
        context: int,
        d_model: int,
        n_layer: int,
        n_head: int,
        dropout: float = 0.0,
        position: str = "learned",
        rope_base: float = 10000.0,
    ):
        super().__init__()
        if d_model % n_head:
            raise ValueError(f"d_model = {d_model} is not divisible by n_head = {n_head}")
        if position not in ("learned", "rope"):
            raise ValueError(f"position must be 'learned' or 'rope', got {position!r}")
        self.context, self.position, self.rope_base = context, position, rope_base
        self.head_dim = d_model // n_head
        self.tok = nn.Embedding(vocab_size, d_model)  # E: (V, D)
        # P: (T_max, D), learned; none with RoPE (created in the same order as before, so the default
        # model draws the same initial weights from the same seed)
        self.pos = nn.Embedding(context, d_model) if position == "learned" else None
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(Block(d_model, n_head, dropout) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size, bias=False)
        self.head.weight = self.tok.weight  # weight tying: one (V, D) parameter
        self.apply(self._init_weights)
        # GPT-2: residual projections get std 0.02/√(2L), so the residual stream's variance
        # does not grow with depth (2 residual additions per block).
        for block in self.blocks:
            for linear in (block.proj, block.out):
                nn.init.normal_(linear.weight, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        """N(0, 0.02²) for matrices and embeddings, zero biases; LayerNorm keeps (γ, β) = (1, 0)."""
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(
        self, x: Tensor, y: Tensor | None = None, window: int | None = None, maps: list | None = None
    ) -> tuple[Tensor, Tensor | None]:
        """x: (B, T) ids → (logits (B, T, V), mean cross-entropy vs y (B, T) or None). T ≤ context with
        learned positions. window: each query sees itself and the window − 1 previous keys (default: all
        previous keys). maps: a list that receives every block's attention weights (B, H, T, T)."""
        T = x.shape[1]
        h = self.tok(x)
        rope = None
        if self.position == "learned":
            if T > self.context:
                raise ValueError(f"sequence length {T} exceeds the model context {self.context}")
            h = h + self.pos.weight[:T]
        else:
            rope = rope_tables(T, self.head_dim, self.rope_base)
        mask = None if window is None else window_mask(T, window)
        h = self.drop(h)  # (B, T, D)
        for block in self.blocks:
            h = block(h, rope, mask, maps)
        logits = self.head(self.ln_f(h))  # (B, T, V)
        if y is None:
            return logits, None
        # L = −(1/BT) Σ_{b,t} log softmax(logits[b, t])[y[b, t]], in nats per token
        return logits, F.cross_entropy(logits.flatten(0, 1), y.flatten())


def parameter_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """Optimizer groups by the nanoGPT rule: tensors with dim ≥ 2 decay, the rest do not.

    Decayed: every Linear weight and both embeddings (the token embedding is also the tied head).
    Not decayed: biases and LayerNorm gains/shifts. Shared tensors appear once (named_parameters
    removes duplicates), and frozen parameters are left out.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    return [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]


def evaluate(model: nn.Module, ids: Tensor, batch_size: int, context: int) -> float:
    """Mean cross-entropy (nats/token) over every target of `ids` once (eval_batches), in eval mode.

    Batch means are weighted by their token counts, so the short tail batch counts fairly. The
    model's training/eval mode is restored afterwards.
    """
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    try:
        with torch.no_grad():
            for x, y in eval_batches(ids, batch_size, context):
                _, loss = model(x, y)
                total += float(loss) * y.numel()
                count += y.numel()
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("need at least 2 tokens to evaluate")
    return total / count


class CharLM:
    """Next-character prediction on PTB (char_ptb) with TinyLM; metric: validation loss in bits per character
    (unit="nats": nats per character), on the first `eval_tokens` + 1 validation characters (all when None).
    position, rope_base: TinyLM's options (the learned table by default)."""

    def __init__(
        self,
        data: dict,
        d_model: int,
        n_layer: int,
        n_head: int,
        context: int,
        eval_tokens: int | None = None,
        position: str = "learned",
        rope_base: float = 10000.0,
        unit: str = "bits",
    ):
        if unit not in ("bits", "nats"):
            raise ValueError(f"unit must be 'bits' or 'nats', got {unit!r}")
        self.data, self.context, self.unit = data, context, f"{unit}/char"
        self.scale = math.log(2) if unit == "bits" else 1.0  # nats → the unit
        self.shape = dict(d_model=d_model, n_layer=n_layer, n_head=n_head, position=position, rope_base=rope_base)
        valid = data["valid"]
        self.valid = valid if eval_tokens is None else valid[: eval_tokens + 1]

    def model(self) -> nn.Module:
        return TinyLM(len(self.data["vocab"]), self.context, **self.shape)

    def parameter_groups(self, model: nn.Module, weight_decay: float) -> list[dict]:
        return parameter_groups(model, weight_decay)

    def batches(self, batch_size: int, generator: torch.Generator) -> Iterator:
        return batches(self.data["train"], batch_size, self.context, generator)

    def loss(self, model: nn.Module, batch) -> Tensor:
        return model(*batch)[1]

    def evaluate(self, model: nn.Module) -> dict:
        nats = evaluate(model, self.valid, batch_size=64, context=self.context)
        return {"val_loss": nats / self.scale}


# --------------------------------------------------------------------------- optimizers and schedule


def _adamw(groups: list[dict], lr: float, betas: Sequence[float], eps: float | None) -> torch.optim.Optimizer:
    if eps is None:
        raise ValueError("AdamW needs an explicit eps")
    return torch.optim.AdamW(groups, lr=lr, betas=tuple(betas), eps=eps)


# name → build(groups, lr, betas, eps). The shared library knows torch's AdamW; an article that brings its
# own optimizer registers it (kexue.lion.training registers Lion), since the library imports no article.
OPTIMIZERS: dict = {"adamw": _adamw}


def register_optimizer(name: str, build) -> None:
    OPTIMIZERS[name] = build


def make_optimizer(
    name: str, groups: list[dict], lr: float, betas: Sequence[float], eps: float | None = None
) -> torch.optim.Optimizer:
    """A registered optimizer (torch's AdamW, or an article's), decoupled decay λ per group; every value
    explicit (trap T4)."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {tuple(OPTIMIZERS)}")
    return OPTIMIZERS[name](groups, lr, betas, eps)


def warmup_cosine(step: int, total: int, warmup: int, final_fraction: float) -> float:
    """lr multiplier at `step` (0-based): (step+1)/warmup during warm-up, then
    f + (1 − f)·½(1 + cos(π·progress)) with progress from 0 to 1 over the remaining steps."""
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup - 1)
    return final_fraction + (1.0 - final_fraction) * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


# --------------------------------------------------------------------------- one run


def fit(
    task,
    optimizer: str,
    lr: float,
    weight_decay: float,
    batch_size: int,
    steps: int,
    seed: int,
    *,
    betas: Sequence[float],
    eps: float | None = None,
    warmup_fraction: float = 0.0,
    final_lr_fraction: float = 0.0,
    grad_clip: float | None = None,
    evaluations: int = 5,
    log: logging.Logger | None = None,
) -> tuple[nn.Module, pd.DataFrame, dict]:
    """Train one model; return it, its history (one row per evaluation, step 0 included) and a summary.

    The run stops early when the training loss stops being finite. It counts as diverged when it
    stopped so, or when its final validation loss lies above the initial one (brief, C2.4).
    """
    log = log or logging.getLogger(__name__)
    torch.manual_seed(seed)
    model = task.model()
    opt = make_optimizer(optimizer, task.parameter_groups(model, weight_decay), lr, betas, eps)
    warmup = round(warmup_fraction * steps)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: warmup_cosine(s, steps, warmup, final_lr_fraction))
    batches = task.batches(batch_size, torch.Generator().manual_seed(seed))
    eval_at = {round(steps * (i + 1) / evaluations) for i in range(evaluations)}

    rows = [{"step": 0, "examples": 0, "lr": 0.0, "train_loss": math.nan, **task.evaluate(model)}]
    log.info(
        "%s lr=%g wd=%g B=%d seed=%d: %d steps, initial val_loss %.4f %s",
        optimizer,
        lr,
        weight_decay,
        batch_size,
        seed,
        steps,
        rows[0]["val_loss"],
        task.unit,
    )
    started, losses, finite = time.perf_counter(), [], True
    model.train()
    for step in range(1, steps + 1):
        current_lr = opt.param_groups[0]["lr"]
        loss = task.loss(model, next(batches))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if grad_clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        opt.step()
        schedule.step()
        losses.append(loss.item())
        finite = math.isfinite(losses[-1])
        if step in eval_at or not finite:
            rows.append(
                {
                    "step": step,
                    "examples": step * batch_size,
                    "lr": current_lr,
                    "train_loss": sum(losses) / len(losses),
                    **(task.evaluate(model) if finite else {"val_loss": math.nan}),
                }
            )
            losses = []
            log.info(
                "step %d/%d  lr %.3g  train %.4f  val %.4f  (%.1f s)",
                step,
                steps,
                current_lr,
                rows[-1]["train_loss"],
                rows[-1]["val_loss"],
                time.perf_counter() - started,
            )
        if not finite:
            log.warning("training loss is not finite at step %d: stopped, run counts as diverged", step)
            break
    history = pd.DataFrame(rows)
    final = rows[-1]
    summary = {
        "final_val_loss": final["val_loss"],
        "initial_val_loss": rows[0]["val_loss"],
        "diverged": (not finite) or not (final["val_loss"] <= rows[0]["val_loss"]),
        "steps": steps,
        "train_seconds": time.perf_counter() - started,
        "parameters": sum(p.numel() for p in model.parameters()),
        **{k: v for k, v in final.items() if k.startswith("val_") and k != "val_loss"},
    }
    return model, history, summary


def train(task, *args, **kwargs) -> tuple[pd.DataFrame, dict]:
    """fit() without the model: the history and the summary (what a run writes)."""
    _, history, summary = fit(task, *args, **kwargs)
    return history, summary
