"""Encoding throughput: run bench/encode_throughput.py (its own process, the job's threads) on the STS-B
test sentences of the mirror and keep its numbers: sentences/s of kexue.encoders.encode_transformer
against a plain transformers forward pass of the same model and batch (target ratio ≥ 0.9), and the
C1.7 whitening grid's time against the time to encode its sentences. Informational, not a claim."""
import subprocess
import sys
import tempfile
from pathlib import Path

from kexue.jobs import Job, read_json

job = Job(snakemake)
s = snakemake.params.settings
options = [f"--threads={snakemake.threads}", f"--pooling={s['pooling']}", f"--repeats={s['repeats']}",
           f"--batch-size={snakemake.params.batch_size}", f"--max-length={snakemake.params.max_length}", "--grid"]
if s["max_pairs"] is not None:
    options.append(f"--max-pairs={s['max_pairs']}")
if snakemake.params.mirror is not None:
    options.append(f"--mirror={snakemake.params.mirror}")
with tempfile.TemporaryDirectory() as tmp:
    out = Path(tmp) / "throughput.json"
    done = subprocess.run([sys.executable, snakemake.input[0], *options, f"--json={out}"],
                          capture_output=True, text=True)
    job.log.info("bench/encode_throughput.py %s\n%s%s", " ".join(options), done.stdout, done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"bench/encode_throughput.py failed (exit {done.returncode}); see the log above")
    numbers = read_json(out)
job.metrics(snakemake.output[0], {
    "scale": f"{numbers['model']}, {numbers['n_sentences']} distinct STS-B test sentences, "
             f"{numbers['threads']} CPU threads, best of {numbers['repeats']} alternating runs",
    "meets_target": numbers["ratio_ours_over_plain"] >= numbers["target_ratio"],
    **numbers,
})
