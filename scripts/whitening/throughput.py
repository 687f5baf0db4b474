"""Encoding throughput: run bench/encode_throughput.py (its own process, the job's threads) on the STS-B
test sentences (read once by rule whitening_sts) and keep its numbers: sentences/s of kexue.encoders.encode_transformer
against a plain transformers forward pass of the same model and batch (target ratio ≥ 0.9), and the
C1.7 whitening grid's time against the time to encode its sentences. Informational, not a claim."""

from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
options = [
    f"--threads={snakemake.threads}",
    f"--pooling={s['pooling']}",
    f"--repeats={s['repeats']}",
    f"--batch-size={snakemake.params.batch_size}",
    f"--max-length={snakemake.params.max_length}",
    "--grid",
]
if s["max_pairs"] is not None:
    options.append(f"--max-pairs={s['max_pairs']}")
options.append(f"--pairs={snakemake.input.pairs}")
numbers = job.run_benchmark(snakemake.input.script, options)


def report_rows(n: dict) -> list[dict]:
    """The numbers results/REPORT.md shows (the report reads the metrics file's "report" entry)."""
    rows = [
        {
            "quantity": "encoder",
            "value": f"{n['model']}, {n['pooling']}, batch {n['batch_size']}, "
            f"max_length {n['max_length']}, {n['threads']} CPU thread(s)",
        },
        {
            "quantity": "sentences timed",
            "value": f"{n['n_sentences']} distinct STS-B test sentences, "
            f"{n['mean_tokens']:.1f} tokens on average; best of {n['repeats']}",
        },
        {
            "quantity": "ours (kexue.encoders, length-sorted batches)",
            "value": f"{n['ours_sentences_per_s']:.0f} sentences/s",
        },
        {
            "quantity": "plain transformers loop (same model, batch)",
            "value": f"{n['plain_sentences_per_s']:.0f} sentences/s",
        },
        {
            "quantity": "ratio ours / plain (target ≥ 0.9)",
            "value": f"{n['ratio_ours_over_plain']:.2f} "
            f"({'met' if n['ratio_ours_over_plain'] >= n['target_ratio'] else 'missed'})",
        },
    ]
    if "grid_seconds" in n:
        rows.append(
            {
                "quantity": "C1.7 whitening grid on the cached vectors",
                "value": f"{n['grid_cells']} cells in {n['grid_seconds']:.2f} s: {n['grid_over_encode']:.1%} of the "
                f"{n['grid_encode_seconds']:.1f} s it takes to encode their sentences",
            }
        )
    return rows


job.metrics(
    snakemake.output[0],
    {
        "scale": f"{numbers['model']}, {numbers['n_sentences']} distinct STS-B test sentences, "
        f"{numbers['threads']} CPU threads, best of {numbers['repeats']} alternating runs",
        "meets_target": numbers["ratio_ours_over_plain"] >= numbers["target_ratio"],
        **numbers,
        "report": {
            "title": "Encoding throughput and the cost of the whitening grid (informational, no claim)",
            "rows": report_rows(numbers),
        },
    },
)
