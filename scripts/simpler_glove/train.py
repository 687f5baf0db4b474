"""One model (simpler glove untruncated / truncated, or GloVe) and seed on the PTB counts: vectors and the
training curve (mean weighted loss per epoch, read by the verdicts' still-improving guard)."""

import numpy as np
import torch
from scipy import sparse

from kexue import simpler_glove as sg
from kexue.jobs import Job, write_atomic

job = Job(snakemake)
torch.set_num_threads(snakemake.threads)
p = snakemake.params
counts = sparse.load_npz(snakemake.input.counts)
result = sg.train(
    counts,
    snakemake.wildcards.model,
    p.dim,
    p.epochs,
    p.batch,
    p.lr,
    p.x_max,
    p.alpha,
    int(snakemake.wildcards.seed),
    log=job.log.info,
)
write_atomic(snakemake.output.vectors, lambda tmp: np.save(open(tmp, "wb"), result["vectors"]))
job.metrics(
    snakemake.output.curve, {"model": snakemake.wildcards.model, "curve": result["curve"], "usage": job.usage()}
)
