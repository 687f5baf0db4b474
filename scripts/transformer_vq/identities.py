"""encoder_identity, causal_recurrence, window_bias, stopgrad_approx: the linear forms against quadratic
attention in float64, per seed; the rules read the largest difference over seeds."""

import torch

from kexue import transformer_vq as vq
from kexue.jobs import Job

job = Job(snakemake)
ident, grad = snakemake.params.identities, snakemake.params.stopgrad
torch.set_num_threads(snakemake.threads)

per_seed = []
for seed in ident["seeds"]:
    row = vq.identities(ident["n"], ident["d"], ident["c"], ident["l"], seed)
    row["too_wide"] = vq.wrong_window(ident["n"], ident["d"], ident["c"], ident["l"], seed)
    job.log.info("identities, seed %d: %s", seed, row)
    per_seed.append({"seed": seed, **row})

gradients = []
for seed in grad["seeds"]:
    row = vq.stopgrad_gradients(grad["n"], grad["d"], grad["c"], grad["l"], seed)
    job.log.info("stop-gradient, seed %d: %s", seed, row)
    gradients.append({"seed": seed, **row})

forms = ("encoder", "recurrence", "blockwise", "window")
job.metrics(
    snakemake.output[0],
    {
        "scale": f"float64, n = {ident['n']}, d = {ident['d']}, c = {ident['c']}, l = {ident['l']}, "
        f"{len(ident['seeds'])} seeds; gradients at n = {grad['n']}, l = {grad['l']}",
        "per_seed": per_seed,
        "max_difference": {form: max(r[form] for r in per_seed) for form in forms},
        "min_difference_too_wide": min(r["too_wide"] for r in per_seed),
        "stopgrad": {
            "per_seed": gradients,
            "max_vs_restricted": max(r["stopgrad_vs_restricted"] for r in gradients),
            "max_forward_difference": max(r["forward_difference"] for r in gradients),
            "neglected_relative_norm": sum(r["neglected_relative_norm"] for r in gradients) / len(gradients),
        },
    },
)
