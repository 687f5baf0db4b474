"""rope_collapse, window_baseline, entropy_rises: the seeds gathered (kexue.length_extrapolation.summarise); the
rules read means over seeds, the guards the per-seed values and the training curves."""

from kexue import length_extrapolation as le
from kexue.jobs import Job, read_json, write_runs_usage

job = Job(snakemake)
s = snakemake.params.settings
runs = [read_json(p) for p in snakemake.input]
summary = le.summarise(runs, s["length_factors"])
for mask, rows in summary["table"].items():
    for factor, row in rows.items():
        job.log.info("%s, L = %s N: %s", mask, factor, row)
write_runs_usage(snakemake.output.usage, snakemake.input)
job.metrics(
    snakemake.output.metrics,
    {
        "scale": f"char-level PTB, RoPE LM {s['n_layer']} layers × {s['d_model']}, N = {s['train_length']}, "
        f"{s['steps']} steps, {len(runs)} seeds, {s['eval_tokens']} test characters per length",
        **summary,
    },
)
