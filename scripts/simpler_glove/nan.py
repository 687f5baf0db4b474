"""simpler_glove.adagrad_nan: per-pair updates on the most frequent words' counts, untruncated weights, with the
GloVe C source's Adagrad and with standard Adagrad, same init and lr, per seed."""

import math

from scipy import sparse

from kexue import simpler_glove as sg
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
n = s["vocabulary"]
counts = sparse.load_npz(snakemake.input.counts)[:n, :n]  # rows are in frequency order
rows, cols, x, pmi = sg.pmi_pairs(counts)
lam = sg.weights(x, snakemake.params.x_max, snakemake.params.alpha, truncated=False)
job.log.info("%d words, %d pairs, largest weight %.1f", n, len(rows), lam.max())
runs = []
for seed in s["seeds"]:
    for variant in ("glove_c", "standard"):
        curve = sg.per_pair_adagrad(
            rows,
            cols,
            lam,
            pmi,
            s["dim"],
            s["lr"],
            s["updates"],
            seed,
            glove_style=variant == "glove_c",
            check_every=s["check_every"],
        )
        runs.append(
            {"seed": seed, "variant": variant, "curve": curve, "diverged": sg.diverged(curve, s["growth_factor"])}
        )
        job.log.info("seed %d %s: loss %s → %s, diverged %s", seed, variant, curve[0], curve[-1], runs[-1]["diverged"])
job.metrics(
    snakemake.output[0],
    {
        "scale": f"{n} most frequent PTB words, {len(rows)} pairs, {s['updates']} per-pair updates, lr {s['lr']}, "
        f"untruncated weights, {len(s['seeds'])} seeds",
        "runs": [r | {"curve": [c if math.isfinite(c) else None for c in r["curve"]]} for r in runs],  # JSON: null
        "glove_c_diverged": sum(r["diverged"] for r in runs if r["variant"] == "glove_c"),
        "standard_diverged": sum(r["diverged"] for r in runs if r["variant"] == "standard"),
    },
)
