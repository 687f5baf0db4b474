"""C2.6: run bench/lion_step.py (each optimizer in a fresh process, the job's threads) and keep its numbers."""

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
numbers = job.run_benchmark(snakemake.input[0], options)
job.metrics(
    snakemake.output[0],
    {
        "scale": f"TinyLM, {numbers['parameters'] / 1e6:.1f} M parameters, {numbers['threads']} CPU threads, "
        f"median of {numbers['steps']} steps",
        **numbers,
    },
)
