"""Every arm (loss × negatives × tied) for the same training seconds, one after another in this one job, then each
model's word-similarity, analogy, held-out perplexity and neighbours; the per-seed differences the rules read."""

import numpy as np
import torch

from kexue import word2vec as w2v
from kexue.jobs import Job, resource_folder

p = snakemake.params
job = Job(snakemake, seeds=sorted(set(p.seeds) | set(p.reference_seeds)))
# the job reserves every core (threads: 2) so that no other job of the pipeline runs beside the timing; torch itself
# runs one thread: on a machine shared with other processes, OpenMP's spinning threads made steps erratic
torch.set_num_threads(1)
data = w2v.ptb_data(resource_folder(snakemake.input.ptb), p.max_tokens)
benchmarks = w2v.load_benchmarks(
    resource_folder(snakemake.input.similarity), resource_folder(snakemake.input.analogies)
)
needed = {"random_untied", "random_tied", "sampled_16", "nce_16"}
if not needed <= {name for name, arm in p.arms.items() if arm["decision"]}:
    job.fail(f"word2vec.equal_time.arms must hold the decision arms {sorted(needed)} (decision: true)")

# seed by seed; within a seed the arms in an order rotated by one each round, so that a slow spell of a shared
# machine does not always hit the same arm
names = list(p.arms)
schedule = []
for round_, seed in enumerate(job.seeds):
    order = names[round_ % len(names) :] + names[: round_ % len(names)]
    arm_seeds = {n: p.seeds if p.arms[n]["decision"] else p.reference_seeds for n in names}
    schedule += [(n, seed) for n in order if seed in arm_seeds[n]]

runs = []
for name, seed in schedule:
    arm = p.arms[name]
    result = w2v.train(data, arm, seed, p.dim, p.window, p.batch, p.lr, p.subsample, seconds=p.seconds)
    model = result.pop("model")
    vectors = model.word_vectors()
    scores = w2v.evaluate(vectors, data["vocab"], benchmarks)
    run = {
        "arm": name,
        "seed": seed,
        **arm,
        **result,
        **scores,
        "perplexity": w2v.perplexity(model, data["valid"], p.window, p.evaluation["perplexity_examples"]),
        "neighbours": w2v.neighbours(vectors, data["vocab"], p.evaluation["probes"], p.evaluation["neighbours"]),
    }
    runs.append(run)
    job.log.info(
        "%s seed %d: %d steps (%.1f/s, %.2f epochs) in %.1f s; WS353 %.3f, SimLex %.3f, analogy %.3f, ppl %.0f",
        name,
        seed,
        run["steps"],
        run["steps_per_second"],
        run["epochs"],
        run["train_seconds"],
        run["wordsim353"]["spearman"],
        run["simlex999"]["spearman"],
        run["analogy"]["accuracy"],
        run["perplexity"],
    )


def rho(arm, benchmark):
    """Per decision seed, in seed order."""
    by_seed = {r["seed"]: r[benchmark]["spearman"] for r in runs if r["arm"] == arm}
    return np.array([by_seed[s] for s in p.seeds])


def by_seed(arm, key):
    return [next(r[key] for r in runs if r["arm"] == arm and r["seed"] == s) for s in p.seeds]


random_ws, sampled_ws, nce_ws = (
    rho("random_untied", "wordsim353"),
    rho("sampled_16", "wordsim353"),
    rho("nce_16", "wordsim353"),
)
job.metrics(
    snakemake.output[0],
    {
        "scale": f"PTB train ({len(data['vocab'])} words), CBOW window {p.window}, dim {p.dim}, batch {p.batch}, "
        f"{p.seconds:g} s of training per arm and seed, 1 torch thread, {snakemake.threads} cores reserved",
        "seconds": p.seconds,
        "cores_reserved": snakemake.threads,
        "schedule": [f"{n}/seed{s}" for n, s in schedule],
        "coverage": {
            **{b: runs[0][b]["n_pairs"] for b in ("wordsim353", "simlex999")},
            "analogy": runs[0]["analogy"]["covered"],
            "totals": {
                **{b: len(benchmarks["similarity"][b]) for b in ("wordsim353", "simlex999")},
                "analogy": len(benchmarks["analogies"]),
            },
        },
        "runs": runs,
        "equal_time": {
            "seeds": p.seeds,
            "random_ws353": random_ws.tolist(),
            "sampled_ws353": sampled_ws.tolist(),
            "nce_ws353": nce_ws.tolist(),
            "random_ws353_mean": float(random_ws.mean()),
            "ws353_random_minus_sampled": (random_ws - sampled_ws).tolist(),
            "simlex_random_minus_sampled": (
                rho("random_untied", "simlex999") - rho("sampled_16", "simlex999")
            ).tolist(),
            # ρ_NCE − min(ρ_random, ρ_sampled), per seed: the rule wants it below −0.03
            "nce_margin_ws353": (nce_ws - np.minimum(random_ws, sampled_ws)).tolist(),
            "steps": {a: by_seed(a, "steps") for a in ("random_untied", "sampled_16", "nce_16")},
        },
        "tied": {
            "seeds": p.seeds,
            "ws353_tied_minus_untied": (rho("random_tied", "wordsim353") - random_ws).tolist(),
            "simlex_tied_minus_untied": (rho("random_tied", "simlex999") - rho("random_untied", "simlex999")).tolist(),
            "perplexity": {
                "tied": by_seed("random_tied", "perplexity"),
                "untied": by_seed("random_untied", "perplexity"),
            },
        },
    },
)
