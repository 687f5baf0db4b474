"""Encoding throughput: run bench/encode_throughput.py (its own process, the job's threads) on the STS-B
test sentences of the mirror and keep its numbers: sentences/s of kexue.encoders.encode_transformer
against a plain transformers forward pass of the same model and batch (target ratio ≥ 0.9), and the
C1.7 whitening grid's time against the time to encode its sentences. Informational, not a claim."""
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
options = [f"--threads={snakemake.threads}", f"--pooling={s['pooling']}", f"--repeats={s['repeats']}",
           f"--batch-size={snakemake.params.batch_size}", f"--max-length={snakemake.params.max_length}", "--grid"]
if s["max_pairs"] is not None:
    options.append(f"--max-pairs={s['max_pairs']}")
if snakemake.params.mirror is not None:
    options.append(f"--mirror={snakemake.params.mirror}")
numbers = job.run_benchmark(snakemake.input[0], options)
job.metrics(snakemake.output[0], {
    "scale": f"{numbers['model']}, {numbers['n_sentences']} distinct STS-B test sentences, "
             f"{numbers['threads']} CPU threads, best of {numbers['repeats']} alternating runs",
    "meets_target": numbers["ratio_ours_over_plain"] >= numbers["target_ratio"],
    **numbers,
})
