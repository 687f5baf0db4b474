"""Ladder Side-Tuning (kexue.fm 9138): where back-propagation has to go decides what tuning costs.

Four ways to adapt a pretrained BERT-style backbone to a task, all with the same task head:

- full:    every backbone weight trainable; backprop reaches the embeddings.
- adapter: backbone frozen, a bottleneck h ← h + W_up·gelu(W_down·h) after every block (W_up = 0 at init);
           the gradient must still flow through every block down to the first adapter.
- prompt:  backbone frozen, P trainable input vectors after [CLS]; the gradient flows through every block
           down to the inputs (only the frozen weights' own gradients are skipped).
- lst:     backbone frozen and run without autograd (torch.no_grad); a small side Transformer reads its
           hidden states:  x₀ = W_in·h⁽⁰⁾,  xᵢ₊₁ = Block_i(xᵢ) + W_i·h⁽⁽ⁱ⁺¹⁾ˢ⁾  (s = backbone depth / side depth,
           h⁽⁰⁾ the embedding output, W bias-free), so no gradient ever enters the backbone.

FLOP count per step (the brief's trap): full ≈ forward + input-gradients + weight-gradients ≈ 3 units; adapter and
prompt skip only the frozen weight-gradients ≈ 2 units (so at most ≈ 1.5× faster); LST ≈ 1 unit + the side net.

Tasks (CPU proxy, from PTB sentences): easy = is this sentence word-shuffled? (sentence-level, [CLS]);
hard = pointer: "sentence [SEP] query word" → the position of the word after the query's first occurrence
(token-level extraction, like span QA).
"""

from __future__ import annotations

import math
import random
import statistics
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

METHODS = ("full", "adapter", "prompt", "lst")
TASKS = ("easy", "hard")


# --------------------------------------------------------------------------- the proxy tasks


def ptb_sentences(lines: list[str], min_words: int, max_words: int) -> list[list[str]]:
    """PTB lines of min_words … max_words tokens (the '<unk>' placeholder is kept as a word; `encode` maps it to
    the tokenizer's unknown token)."""
    return [words for line in lines if min_words <= len(words := line.split()) <= max_words]


def easy_examples(sentences: list[list[str]], rng: random.Random) -> list[dict]:
    """Each sentence once: half kept (label 0), half word-shuffled (label 1, never equal to the original)."""
    out = []
    for i, words in enumerate(sentences):
        shuffled = i % 2 == 1
        text = list(words)
        if shuffled:
            while text == words:
                rng.shuffle(text)
        out.append({"words": text, "label": int(shuffled)})
    rng.shuffle(out)
    return out


def hard_examples(sentences: list[list[str]], rng: random.Random) -> list[dict]:
    """Pointer task: a query word w = words[k] at its first occurrence k < len − 1, drawn uniformly among
    such k; the answer is the word index k + 1."""
    out = []
    for words in sentences:
        firsts = [k for k in range(len(words) - 1) if words.index(words[k]) == k]
        k = rng.choice(firsts)
        out.append({"words": list(words), "query": words[k], "label": k + 1})
    return out


def encode(tokenizer, examples: list[dict], task: str, max_length: int) -> dict:
    """Padded tensors for one list of examples. The pointer target is the first sub-token of the answer word;
    `candidates` marks the first sub-tokens of the sentence's words (the positions the pointer may choose)."""
    # PTB's <unk> is an unknown word: the tokenizer's own unknown token, not the characters "<", "unk", ">"
    words = [[tokenizer.unk_token if w == "<unk>" else w for w in e["words"]] for e in examples]
    if task == "easy":
        enc = tokenizer(words, is_split_into_words=True, truncation=True, max_length=max_length, padding=True)
    else:
        queries = [[e["query"]] for e in examples]
        enc = tokenizer(
            words, queries, is_split_into_words=True, truncation="only_first", max_length=max_length, padding=True
        )
    batch = {k: torch.tensor(enc[k]) for k in ("input_ids", "attention_mask")}
    batch["token_type_ids"] = torch.tensor(enc["token_type_ids"]) if "token_type_ids" in enc else None
    if task == "easy":
        batch["target"] = torch.tensor([e["label"] for e in examples])
        return batch
    n, length = batch["input_ids"].shape
    candidates = torch.zeros(n, length, dtype=torch.bool)
    target = torch.full((n,), -100, dtype=torch.long)  # -100: the answer was cut off (ignored by the loss)
    for row, example in enumerate(examples):
        seen = set()
        for pos, (word, seq) in enumerate(zip(enc.word_ids(row), enc.sequence_ids(row), strict=True)):
            if seq == 0 and word is not None and word not in seen:
                seen.add(word)
                candidates[row, pos] = True
                if word == example["label"]:
                    target[row] = pos
    batch["candidates"], batch["target"] = candidates, target
    return batch


def batches(tokenizer, examples: list[dict], task: str, batch_size: int, max_length: int, rng=None):
    """Mini-batches in order (or shuffled by rng), each encoded on its own (padded to its longest)."""
    order = list(range(len(examples)))
    if rng is not None:
        rng.shuffle(order)
    for start in range(0, len(order), batch_size):
        yield encode(tokenizer, [examples[i] for i in order[start : start + batch_size]], task, max_length)


# --------------------------------------------------------------------------- the four methods


class Adapter(nn.Module):
    """Bottleneck adapter h + W_up·gelu(W_down·h); W_up starts at zero, so the backbone is unchanged at init."""

    def __init__(self, width: int, bottleneck: int):
        super().__init__()
        self.down = nn.Linear(width, bottleneck)
        self.up = nn.Linear(bottleneck, width)
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)

    def forward(self, h):
        return h + self.up(nn.functional.gelu(self.down(h)))


class SideNetwork(nn.Module):
    """The ladder: x₀ = W_in·h⁽⁰⁾; after side block i, x ← Block_i(x) + W_i·h⁽⁽ⁱ⁺¹⁾ˢ⁾ (hidden_states index, 0 =
    embeddings), all projections bias-free. Blocks are post-LN Attention + FFN blocks as in BERT; weights drawn
    from a truncated normal with std 0.02·L^(−1/2) (DeepNorm-style gain, L side layers)."""

    def __init__(self, backbone_width, backbone_layers, width, layers, heads, ffn, dropout):
        super().__init__()
        if backbone_layers % layers:
            raise ValueError(f"backbone depth {backbone_layers} must be a multiple of the side depth {layers}")
        self.stride = backbone_layers // layers
        self.inp = nn.Linear(backbone_width, width, bias=False)
        self.taps = nn.ModuleList(nn.Linear(backbone_width, width, bias=False) for _ in range(layers))
        self.blocks = nn.ModuleList(
            nn.TransformerEncoderLayer(width, heads, ffn, dropout, activation="gelu", batch_first=True)
            for _ in range(layers)
        )
        std = 0.02 / math.sqrt(layers)
        for name, p in self.named_parameters():
            if p.dim() == 2:
                nn.init.trunc_normal_(p, std=std, a=-2 * std, b=2 * std)
            elif name.endswith("bias"):
                nn.init.zeros_(p)

    def tapped_layers(self) -> list[int]:
        """hidden_states indices the ladder reads: 0 (embeddings), then (i + 1)·s."""
        return [0] + [(i + 1) * self.stride for i in range(len(self.blocks))]

    def forward(self, hidden_states, attention_mask):
        pad = attention_mask == 0
        x = self.inp(hidden_states[0])
        for i, (block, tap) in enumerate(zip(self.blocks, self.taps, strict=True)):
            x = block(x, src_key_padding_mask=pad) + tap(hidden_states[(i + 1) * self.stride])
        return x


class Tuned(nn.Module):
    """A backbone adapted by one method, with the task head: token 0 → 2 logits (easy), or every token → one
    pointer logit, masked to the candidate positions (hard)."""

    def __init__(self, backbone, method: str, task: str, side: dict, adapter_dim: int, prompt_length: int):
        super().__init__()
        if method not in METHODS:
            raise ValueError(f"unknown method '{method}'; known: {', '.join(METHODS)}")
        self.backbone, self.method, self.task = backbone, method, task
        cfg = backbone.config
        width = cfg.hidden_size
        for p in backbone.parameters():
            p.requires_grad_(method == "full")
        self.hooks = []
        if method == "adapter":
            self.adapters = nn.ModuleList(Adapter(width, adapter_dim) for _ in range(cfg.num_hidden_layers))
            for layer, adapter in zip(backbone.encoder.layer, self.adapters, strict=True):
                self.hooks.append(layer.register_forward_hook(lambda mod, args, out, a=adapter: a(out)))
        if method == "prompt":
            words = backbone.embeddings.word_embeddings.weight
            rows = torch.randint(words.shape[0], (prompt_length,), generator=torch.Generator().manual_seed(0))
            self.prompt = nn.Parameter(words[rows].detach().clone())  # initialised from real word vectors
        if method == "lst":
            self.side = SideNetwork(width, cfg.num_hidden_layers, **side, dropout=cfg.hidden_dropout_prob)
            width = side["width"]
        self.head = nn.Linear(width, 2 if task == "easy" else 1)

    def trainable(self) -> list[nn.Parameter]:
        return [p for p in self.parameters() if p.requires_grad]

    def features(self, batch) -> torch.Tensor:
        """(B, T, d) token representations of the method, aligned with the input tokens."""
        ids, mask, types = batch["input_ids"], batch["attention_mask"], batch["token_type_ids"]
        extra = {} if types is None else {"token_type_ids": types}
        if self.method == "lst":
            with torch.no_grad():  # the point of LST: no graph through the backbone
                out = self.backbone(input_ids=ids, attention_mask=mask, output_hidden_states=True, **extra)
            return self.side(out.hidden_states, mask)
        if self.method == "prompt":
            embeds = self.backbone.embeddings.word_embeddings(ids)
            n, p = ids.shape[0], self.prompt.shape[0]
            embeds = torch.cat([embeds[:, :1], self.prompt.expand(n, -1, -1), embeds[:, 1:]], dim=1)
            mask = torch.cat([mask[:, :1], mask.new_ones(n, p), mask[:, 1:]], dim=1)
            if types is not None:
                extra = {"token_type_ids": torch.cat([types[:, :1], types.new_zeros(n, p), types[:, 1:]], dim=1)}
            h = self.backbone(inputs_embeds=embeds, attention_mask=mask, **extra).last_hidden_state
            return torch.cat([h[:, :1], h[:, 1 + p :]], dim=1)
        return self.backbone(input_ids=ids, attention_mask=mask, **extra).last_hidden_state

    def forward(self, batch) -> torch.Tensor:
        h = self.features(batch)
        if self.task == "easy":
            return self.head(h[:, 0])
        logits = self.head(h).squeeze(-1)
        return logits.masked_fill(~batch["candidates"], torch.finfo(logits.dtype).min)


def loss_and_correct(model: Tuned, batch) -> tuple[torch.Tensor, int]:
    logits = model(batch)
    loss = nn.functional.cross_entropy(logits, batch["target"], ignore_index=-100)
    return loss, int((logits.argmax(-1) == batch["target"]).sum())


# --------------------------------------------------------------------------- training and timing


def load_backbone(name_or_path, dropout: float, local_files_only: bool = True):
    """(tokenizer, BertModel-like backbone) with the given dropout everywhere (the same for every method)."""
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    config = AutoConfig.from_pretrained(str(name_or_path), local_files_only=local_files_only)
    config.hidden_dropout_prob = config.attention_probs_dropout_prob = dropout
    tokenizer = AutoTokenizer.from_pretrained(str(name_or_path), local_files_only=local_files_only)
    model = AutoModel.from_pretrained(
        str(name_or_path),
        config=config,
        local_files_only=local_files_only,
        dtype=torch.float32,
        add_pooling_layer=False,
    )
    return tokenizer, model


@dataclass
class Settings:
    """One method's training settings (from the config's `methods.<name>` and `train`)."""

    lr: float
    epochs: int
    batch_size: int
    max_length: int
    side: dict
    adapter_dim: int
    prompt_length: int


def evaluate(model: Tuned, tokenizer, examples, task, s: Settings) -> float:
    model.eval()
    correct = 0
    with torch.no_grad():
        for batch in batches(tokenizer, examples, task, s.batch_size, s.max_length):
            correct += loss_and_correct(model, batch)[1]
    model.train()
    return correct / len(examples)


def train(backbone, tokenizer, method, task, train_set, test_set, s: Settings, seed: int, log=print) -> dict:
    """Adam on the method's trainable parameters; test accuracy after each epoch, loss curve per step."""
    torch.manual_seed(seed)
    model = Tuned(backbone, method, task, s.side, s.adapter_dim, s.prompt_length).train()
    optimizer = torch.optim.Adam(model.trainable(), lr=s.lr)
    rng = random.Random(seed)
    losses, accuracy = [], []
    started = time.perf_counter()
    for epoch in range(s.epochs):
        for batch in batches(tokenizer, train_set, task, s.batch_size, s.max_length, rng):
            loss, _ = loss_and_correct(model, batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(float(loss))
            if len(losses) % 10 == 0:
                log(f"{method} {task} seed {seed} step {len(losses)}: loss {statistics.fmean(losses[-10:]):.3f}")
        accuracy.append(evaluate(model, tokenizer, test_set, task, s))
        log(
            f"{method} {task} seed {seed} epoch {epoch + 1}: loss {statistics.fmean(losses[-20:]):.3f}, "
            f"test accuracy {accuracy[-1]:.3f}"
        )
    for hook in model.hooks:
        hook.remove()
    return {
        "accuracy": accuracy[-1],
        "accuracy_per_epoch": accuracy,
        "loss": losses,
        "trainable_parameters": sum(p.numel() for p in model.trainable()),
        "seconds": time.perf_counter() - started,
    }


def step_times(model: Tuned, batch, lr: float, steps: int, warmup: int) -> list[float]:
    """Wall seconds of each of `steps` training steps (forward + backward + Adam update) on one fixed batch,
    after `warmup` untimed steps."""
    optimizer = torch.optim.Adam(model.trainable(), lr=lr)
    model.train()
    times = []
    for i in range(warmup + steps):
        start = time.perf_counter()
        loss, _ = loss_and_correct(model, batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return times


def backbone_gets_gradients(model: Tuned, batch) -> bool:
    """Whether one backward pass leaves any gradient on a backbone weight (LST: never)."""
    model.zero_grad(set_to_none=True)
    loss_and_correct(model, batch)[0].backward()
    grads = [p.grad for p in model.backbone.parameters()]
    model.zero_grad(set_to_none=True)
    return any(g is not None for g in grads)


# --------------------------------------------------------------------------- what the claims read


def gaps(accuracy: dict) -> dict:
    """Per seed: Δ_task = full − LST accuracy in points, and Δ_hard − Δ_easy (the proxy's decision value).
    `accuracy` maps method → task → list of per-seed accuracies (same seed order)."""
    delta = {
        task: [100 * (f - lst) for f, lst in zip(accuracy["full"][task], accuracy["lst"][task], strict=True)]
        for task in TASKS
    }
    contrast = [h - e for h, e in zip(delta["hard"], delta["easy"], strict=True)]
    return {"delta_easy": delta["easy"], "delta_hard": delta["hard"], "contrast": contrast}


def speed_ratios(median_seconds: dict) -> dict:
    """t_method / t_full for every method."""
    return {m: median_seconds[m] / median_seconds["full"] for m in median_seconds}


# --------------------------------------------------------------------------- configuration glue


def backbone_source(spec: dict, stand_in_folder=None):
    """Where to load a backbone entry from: the pip package's folder for `minilm`, the stand-in's folder for a
    `random_bert`, else the `model` string itself (hub name or local folder)."""
    if spec.get("random_bert"):
        if not stand_in_folder:
            raise ValueError("a random_bert backbone needs its folder (rule ladder_side_tuning_random_bert)")
        return stand_in_folder
    if spec["model"] == "minilm":
        from kexue.encoders import minilm_path

        return minilm_path()
    return spec["model"]


def settings_for(method: str, params: dict, side: dict) -> Settings:
    """A method's Settings from the rule's params (methods, max_length, epochs, batch_size) and a side network."""
    own = params["methods"][method]
    return Settings(
        lr=own["lr"],
        epochs=params.get("epochs", 1),
        batch_size=params["batch_size"],
        max_length=params["max_length"],
        side={k: side[k] for k in ("width", "layers", "heads", "ffn")},
        adapter_dim=params["methods"]["adapter"]["dim"],
        prompt_length=params["methods"]["prompt"]["length"],
    )


def curve_chunks(values: list[float], points: int) -> list[float]:
    """The mean of each of `points` consecutive, near-equal chunks of a per-step curve (fewer if it is shorter)."""
    chunks = [c for c in np.array_split(np.asarray(values, dtype=float), min(points, len(values))) if len(c)]
    return [float(c.mean()) for c in chunks]
