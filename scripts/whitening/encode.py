"""Encode every target sentence of one STS task with one encoder, every pooling it has, once.

Rows follow kexue.sts.target_sentences: sentence1 of every pair, then sentence2 (both sides, all
splits, duplicates kept; traps T8, T11), so pair i has vectors X[i] and X[N + i]. A transformers
encoder's poolings (MiniLM, or any entry with a `model` key: a hub name or a local folder) come from
one forward pass per batch; vectors are the raw pooled ones, before sentence-transformers' Normalize
layer (T15). The pairs' gold scores, splits and subsets are stored beside the vectors so that
evaluation jobs never reload the data.
"""

import io

import numpy as np
import pandas as pd
import torch

from kexue import encoders, sts
from kexue.jobs import Job, write_atomic

job = Job(snakemake)
torch.set_num_threads(job.threads)
encoder, task = snakemake.wildcards.encoder, snakemake.wildcards.task
p = job.params
spec = dict(p["spec"])
if "model" in snakemake.input.keys():  # a random_bert entry: the folder rule whitening_random_bert built
    spec["model"] = snakemake.input.model
try:  # every pooling the encoder has, whatever the config evaluates: a new pooling never re-encodes
    poolings = encoders.CACHED_POOLINGS[encoders.encoder_kind(encoder, spec)]
except ValueError as error:
    job.fail(str(error))

frame = pd.read_parquet(snakemake.input.pairs)  # read from the mirror or hub once, by rule whitening_sts
source, coverage = frame.attrs["source"], sts.coverage_label(frame)
if p["max_pairs"] is not None and len(frame) > p["max_pairs"]:
    # smoke tier only: a deterministic subsample, the same pairs on every run
    frame = frame.sample(n=p["max_pairs"], random_state=0).sort_index().reset_index(drop=True)
sentences = sts.target_sentences(frame)
job.log.info("%s: %d pairs (%s, %s), %d target sentences", task, len(frame), source, coverage, len(sentences))


# an entry with a `model` key (hub name or local folder): every pooling from one forward pass per batch,
# raw pooled vectors; minilm likewise, before sentence-transformers' Normalize (T15); glove, use: their own
try:
    vectors, name = encoders.encode_for_whitening(
        encoder, spec, sentences, poolings, p["batch_size"], p["max_length"], network=p["network"], threads=job.threads
    )
except ValueError as error:
    job.fail(str(error))


def write(tmp):
    buffer = io.BytesIO()
    np.savez(
        buffer,
        **{f"x_{pooling}": vectors[pooling] for pooling in poolings},
        score=frame["score"].to_numpy(np.float64),
        split=frame["split"].to_numpy(str),
        subset=frame["subset"].to_numpy(str),
        source=np.array(source),
        coverage=np.array(coverage),
        model=np.array(name),
    )
    tmp.write_bytes(buffer.getvalue())


write_atomic(snakemake.output[0], write)
job.log.info("wrote %s: %s", snakemake.output[0], {k: v.shape for k, v in vectors.items()})
