"""init_uniform: the retrieval task at one initial scale α of W_Q, W_K, every seed."""

import torch

from kexue import attention_softmax as am
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
torch.set_num_threads(snakemake.threads)
alpha = float(snakemake.wildcards.alpha)
runs = [am.train_retrieval(s, alpha, seed, log=job.log) for seed in s["seeds"]]
job.metrics(snakemake.output[0], {"alpha": alpha, "runs": runs, "usage": job.usage()})
