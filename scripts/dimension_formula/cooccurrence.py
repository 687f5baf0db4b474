"""E4c data: PTB restricted to the top N words, and its windowed co-occurrence counts per split,
saved sparse (most word pairs never co-occur) for the skip-gram jobs of every dimension."""

import torch

from kexue.dimension_formula import wordvec as wv
from kexue.jobs import Job, resource_folder, write_atomic

job = Job(snakemake)
N = int(snakemake.wildcards.N)
ptb = resource_folder(snakemake.input.ptb)
splits = {s: wv.tokenize((ptb / f"ptb.{s}.txt").read_text()) for s in ("train", "valid", "test")}
vocab = wv.build_vocab(splits["train"], N)
counts = {
    s: wv.cooccurrence(wv.encode(sents, vocab), len(vocab), snakemake.params.window).to_sparse()
    for s, sents in splits.items()
}
job.log.info(
    "N=%d: %d training pairs, %d distinct", N, int(counts["train"].values().sum()), counts["train"].values().numel()
)
write_atomic(snakemake.output[0], lambda tmp: torch.save({"vocab": vocab, **counts}, tmp))
