"""C2.6, C2.6b, C2.6c: run bench/lion_step.py (each row in a fresh process, the job's threads) and keep its numbers:
step times like for like, their ratios to the bandwidth floor, the fused Lion's compile time, whole steps."""

from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
options = [f"--{key.replace('_', '-')}={value}" for key, value in s["model"].items()]
options += [
    f"--threads={snakemake.threads}",
    f"--steps={s['steps']}",
    f"--warmup={s['warmup']}",
    f"--whole-steps={s['whole_steps']}",
]
options += [] if s["fresh_processes"] else ["--same-process"]
numbers = job.run_benchmark(snakemake.input[0], options)
job.metrics(
    snakemake.output[0],
    {
        "scale": f"TinyLM, {numbers['parameters'] / 1e6:.1f} M parameters, {numbers['threads']} CPU threads, "
        f"median of {numbers['steps']} steps; copy bandwidth {numbers['copy_gbs_median']:.0f} GB/s",
        **numbers,
    },
)
