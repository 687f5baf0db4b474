"""One seed: train the RoPE character LM at length N, then evaluate every test length with full and window
masks on the same weights."""

import torch

from kexue import length_extrapolation as le
from kexue.jobs import Job, resource_folder

job = Job(snakemake)
s = snakemake.params.settings
torch.set_num_threads(snakemake.threads)
seed = int(snakemake.wildcards.seed)
data = le.char_corpus(resource_folder(snakemake.input))
job.log.info(
    "PTB characters: vocabulary %d, train %d, test %d", len(data["vocab"]), len(data["train"]), len(data["test"])
)
model, curve = le.train(data, s, seed, log=job.log)
rows = le.evaluate_lengths(model, data["test"], s, log=job.log)
job.metrics(
    snakemake.output[0],
    {
        "seed": seed,
        "vocab_size": len(data["vocab"]),
        "parameters": sum(p.numel() for p in model.parameters()),
        "curve": curve,
        "rows": rows,
        "usage": job.usage(),
    },
)
