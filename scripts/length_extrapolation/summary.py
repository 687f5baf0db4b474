"""rope_collapse, window_baseline, entropy_rises: the seeds' evaluations gathered; the rules read means over
seeds, the guards the per-seed values and the training curves."""

import numpy as np

from kexue.jobs import Job, read_json, write_runs_usage

job = Job(snakemake)
s = snakemake.params.settings
runs = [read_json(p) for p in snakemake.input]


def value(run, mask, factor, key):
    (row,) = [r for r in run["rows"] if r["mask"] == mask and r["factor"] == factor]
    return row[key]


def per_seed(mask, factor, key):
    return [value(run, mask, factor, key) for run in runs]


def mean(values):
    return float(np.mean(values))


factors = s["length_factors"]
# at L = N there are no positions beyond N: the reference is every position of the training length
accuracy_at_N = per_seed("full", 1, "accuracy_beyond")
drop_4N = [a - b for a, b in zip(accuracy_at_N, per_seed("full", 4, "accuracy_beyond"), strict=True)]
window_gap = {
    f: [w - a for w, a in zip(per_seed("window", f, "accuracy_beyond"), accuracy_at_N, strict=True)] for f in (4, 8)
}
window_like_for_like = {
    f: [
        w - r
        for w, r in zip(per_seed("window", f, "accuracy_beyond"), per_seed("window", 2, "accuracy_beyond"), strict=True)
    ]
    for f in (4, 8)
}
window_over_full_4N = [
    w - f for w, f in zip(per_seed("window", 4, "accuracy_beyond"), per_seed("full", 4, "accuracy_beyond"), strict=True)
]
entropy_full = [mean(per_seed("full", f, "entropy_beyond")) for f in (1, 2, 4, 8)]
entropy_window = [mean(per_seed("window", f, "entropy_beyond")) for f in (1, 2, 4, 8)]
table = {
    mask: {
        f"{f:g}": {key: mean(per_seed(mask, f, key)) for key in ("accuracy_beyond", "loss_beyond", "entropy_beyond")}
        for f in factors
    }
    for mask in ("full", "window")
}
for mask, rows in table.items():
    for f, row in rows.items():
        job.log.info("%s, L = %s N: %s", mask, f, row)
write_runs_usage(snakemake.output.usage, snakemake.input)
job.metrics(
    snakemake.output.metrics,
    {
        "scale": f"char-level PTB, RoPE LM {s['n_layer']} layers × {s['d_model']}, N = {s['train_length']}, "
        f"{s['steps']} steps, {len(runs)} seeds, {s['eval_tokens']} test characters per length",
        "seeds": [run["seed"] for run in runs],
        "curves": [run["curve"]["val_loss"] for run in runs],
        "curve": [mean(v) for v in zip(*(run["curve"]["val_loss"] for run in runs), strict=True)],
        "final_val_loss": mean([run["curve"]["val_loss"][-1] for run in runs]),
        "table": table,
        "accuracy_at_N": mean(accuracy_at_N),
        "accuracy_full_4N": mean(per_seed("full", 4, "accuracy_beyond")),
        "drop_4N": mean(drop_4N),
        "drop_4N_per_seed": drop_4N,
        "window_gap_4N": mean(window_gap[4]),
        "window_gap_8N": mean(window_gap[8]),
        "window_gap_4N_per_seed": window_gap[4],
        "window_gap_8N_per_seed": window_gap[8],
        "window_vs_2N_4N": mean(window_like_for_like[4]),
        "window_vs_2N_8N": mean(window_like_for_like[8]),
        "window_over_full_4N": mean(window_over_full_4N),
        "window_over_full_4N_per_seed": window_over_full_4N,
        "entropy_lengths": [1, 2, 4, 8],
        "entropy_full": entropy_full,
        "entropy_window": entropy_window,
        "entropy_full_strictly_increasing": bool(np.all(np.diff(entropy_full) > 0)),
        "entropy_window_max_relative_change": float(max(abs(h / entropy_window[0] - 1) for h in entropy_window)),
    },
)
