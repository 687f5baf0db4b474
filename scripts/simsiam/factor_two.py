"""factor_two: the two-view loss against twice the alternating objective at its optimum (random MLP, MNIST,
random-shift augmentations), and the variance of the per-batch estimates."""

import torch

from kexue import simsiam as ss
from kexue import sources
from kexue.jobs import Job, resource_folder

job = Job(snakemake)
p = snakemake.params
x = torch.from_numpy(sources.read_mnist(resource_folder(snakemake.input) / "mnist.pkl.gz")["train"][0][: p.images])
result = ss.factor_two(x, p.widths, p.pad, p.pairs, p.batch, p.seed)
job.log.info("%s", result)
job.metrics(
    snakemake.output[0],
    {
        "scale": f"random MLP {'-'.join(map(str, p.widths))}, {p.images} MNIST images, every shift in ±{p.pad} px "
        f"enumerated, {p.pairs} i.i.d. view pairs per image",
        **result,
    },
)
