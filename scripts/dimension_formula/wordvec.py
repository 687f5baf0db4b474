"""E4c for one (vocabulary size N, dimension n): full-softmax skip-gram on PTB, trained on its
co-occurrence counts, early-stopped on valid, scored by test NLL and word-similarity Spearman."""

import torch

from kexue.dimension_formula import wordvec as wv
from kexue.jobs import Job, resource_folder

job = Job(snakemake)
p = snakemake.params
N, dim = int(snakemake.wildcards.N), int(snakemake.wildcards.dim)
similarity = resource_folder(snakemake.input.similarity)

data = torch.load(snakemake.input.counts)
vocab = data["vocab"]
counts = {s: data[s].to_dense() for s in ("train", "valid", "test")}
job.log.info("N=%d dim=%d: %d training pairs", N, dim, int(counts["train"].sum()))

run = wv.train_skipgram(
    counts["train"],
    counts["valid"],
    counts["test"],
    dim,
    p.steps,
    p.lr,
    p.seed,
    p.eval_every,
    log=job.log.info,
    patience=p.patience,
)
scores = {
    name: wv.similarity_spearman(run["U"], vocab, wv.load_similarity_pairs(similarity / file))
    for name, file in (("wordsim353", "wordsim353.tsv"), ("simlex999", "simlex999.txt"))
}
job.log.info(
    "N=%d dim=%d: best step %d, valid %.4f, test %.4f nats/pair; %s",
    N,
    dim,
    run["best_step"],
    run["valid_nll"],
    run["test_nll"],
    {k: round(v["spearman"], 3) for k, v in scores.items()},
)
job.metrics(
    snakemake.output[0],
    {
        "N": N,
        "dim": dim,
        "vocab_size": len(vocab),
        **{k: run[k] for k in ("best_step", "valid_nll", "test_nll", "history", "steps_run")},
        "similarity": scores,
    },
)
