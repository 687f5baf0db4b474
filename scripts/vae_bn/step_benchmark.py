"""bench/vae_step.py in its own process on the job's threads: epoch time of our text-VAE training step
(length bucketing, logits for real tokens only) against a plain loop of the same model and batch."""

from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
n = job.run_benchmark(
    snakemake.input[0],
    [
        f"--threads={snakemake.threads}",
        f"--sentences={s['sentences']}",
        f"--batches={s['batches']}",
        f"--warmup={s['warmup']}",
    ],
)
scale = (
    f"TextVAE embed {n['embed']}, hidden {n['hidden']}, latent {n['latent']}, batch {n['batch_size']}, "
    f"{n['sentences']} PTB training sentences, {n['threads']} CPU thread(s)"
)
job.metrics(
    snakemake.output[0],
    {
        "scale": scale,
        **n,
        "report": {  # the table results/REPORT.md shows
            "title": "Training-step benchmark (bench/vae_step.py)",
            "rows": [
                {
                    "quantity": "setting",
                    "value": f"{scale}; {n['timed_steps']} interleaved steps per loop, epoch extrapolated",
                },
                {
                    "quantity": "plain loop (random batches, logits at every padded position)",
                    "value": f"{n['plain_epoch_s']:.1f} s per epoch "
                    f"({n['plain_padded_tokens_ratio']:.2f}× the real tokens)",
                },
                {
                    "quantity": "ours (length-bucketed batches, logits for real tokens only)",
                    "value": f"{n['ours_epoch_s']:.1f} s per epoch "
                    f"({n['ours_padded_tokens_ratio']:.2f}× the real tokens)",
                },
                {
                    "quantity": "epoch-time ratio plain / ours (goal ≥ 2)",
                    "value": f"{n['epoch_ratio']:.2f} ({'met' if n['epoch_ratio'] >= 2 else 'missed'})",
                },
                {
                    "quantity": "same objective",
                    "value": f"max |Δ per-sentence loss| = {n['max_loss_difference']:.1e} nats",
                },
            ],
        },
    },
)
