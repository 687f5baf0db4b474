"""Random softmax (untied) evaluated after each listed epoch (evaluation outside the training clock), per seed."""

import torch

from kexue import word2vec as w2v
from kexue.jobs import Job, resource_folder

p = snakemake.params
job = Job(snakemake, seeds=p.seeds)
torch.set_num_threads(snakemake.threads)
if 2 not in p.epochs or max(p.epochs) <= 2:
    job.fail(f"word2vec.short_training.epochs must include 2 and a later epoch (got {p.epochs})")
data = w2v.ptb_data(resource_folder(snakemake.input.ptb), p.max_tokens)
benchmarks = w2v.load_benchmarks(
    resource_folder(snakemake.input.similarity), resource_folder(snakemake.input.analogies)
)
arm = {"loss": "random", "negatives": p.negatives, "tied": False}
runs = {}
for seed in p.seeds:
    scores = {}

    def after_epoch(model, epoch, scores=scores, seed=seed):
        if epoch in p.epochs:
            scores[epoch] = w2v.evaluate(model.word_vectors(), data["vocab"], benchmarks)
            job.log.info(
                "seed %d, epoch %d: %s",
                seed,
                epoch,
                {k: round(v.get("spearman", v.get("accuracy")), 4) for k, v in scores[epoch].items()},
            )

    result = w2v.train(
        data, arm, seed, p.dim, p.window, p.batch, p.lr, p.subsample, epochs=max(p.epochs), on_epoch=after_epoch
    )
    runs[seed] = {
        "scores": scores,
        "loss_per_epoch": result["loss_per_epoch"],
        "train_seconds": result["train_seconds"],
    }

last = max(p.epochs)


def rho(benchmark, epoch):
    return [runs[s]["scores"][epoch][benchmark]["spearman"] for s in p.seeds]


job.metrics(
    snakemake.output[0],
    {
        "scale": f"PTB train, random softmax (untied, {p.negatives} negatives), epochs {p.epochs}, seeds {p.seeds}",
        "epochs": p.epochs,
        "last_epoch": last,
        "seeds": p.seeds,
        "runs": {str(s): r for s, r in runs.items()},
        "ws353": {str(e): rho("wordsim353", e) for e in p.epochs},
        "simlex999": {str(e): rho("simlex999", e) for e in p.epochs},
        # per seed: ρ after the last epoch − ρ after epoch 2 (the rule wants it within ±0.02)
        "ws353_last_minus_2": [a - b for a, b in zip(rho("wordsim353", last), rho("wordsim353", 2), strict=True)],
        "ws353_last_mean": sum(rho("wordsim353", last)) / len(p.seeds),
        "simlex_last_minus_2": [a - b for a, b in zip(rho("simlex999", last), rho("simlex999", 2), strict=True)],
    },
)
