"""Part B: one learning rate (regime), every Adam variant and seed, one pass over the MNIST images each."""

from kexue import momentum_accumulation as ma
from kexue.jobs import Job, resource_folder, write_json

job = Job(snakemake)
p = snakemake.params
lr = float(snakemake.wildcards.lr)
data = ma.mnist_subset(resource_folder(snakemake.input) / "mnist.pkl.gz", p.train_images)
runs = []
for seed in p.seeds:
    for variant in ma.VARIANTS:
        run = ma.train_variant(
            data,
            variant,
            lr=lr,
            k=p.k,
            batch_size=p.batch_size,
            betas=p.betas,
            eps=p.eps,
            hidden=p.hidden,
            seed=seed,
            log=job.log,
        )
        job.log.info(
            "lr %g seed %d %-15s test loss %.4f  accuracy %.4f  (%d updates)",
            lr,
            seed,
            variant,
            run["test_loss"],
            run["test_accuracy"],
            run["updates"],
        )
        runs.append(run)
write_json(snakemake.output[0], {"lr": lr, "runs": runs, "usage": job.usage(), "provenance": job.record()})
