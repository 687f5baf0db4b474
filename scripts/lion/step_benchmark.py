"""C2.6: run bench/lion_step.py (each optimizer in a fresh process, the job's threads) and keep its numbers."""
import subprocess
import sys
import tempfile
from pathlib import Path

from kexue.jobs import Job, read_json

job = Job(snakemake)
s = snakemake.params.settings
options = [f"--{key.replace('_', '-')}={value}" for key, value in s["model"].items()]
options += [f"--threads={snakemake.threads}", f"--steps={s['steps']}", f"--warmup={s['warmup']}",
            f"--whole-steps={s['whole_steps']}"]
with tempfile.TemporaryDirectory() as tmp:
    out = Path(tmp) / "step_time.json"
    done = subprocess.run([sys.executable, snakemake.input[0], *options, f"--json={out}"],
                          capture_output=True, text=True)
    job.log.info("bench/lion_step.py %s\n%s%s", " ".join(options), done.stdout, done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"bench/lion_step.py failed (exit {done.returncode}); see the log above")
    numbers = read_json(out)
job.metrics(snakemake.output[0], {
    "scale": f"TinyLM, {numbers['parameters'] / 1e6:.1f} M parameters, {numbers['threads']} CPU threads, "
             f"median of {numbers['steps']} steps",
    **numbers,
})
