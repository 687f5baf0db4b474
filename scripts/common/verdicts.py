"""Decide every claim of one article from its metrics, by the registry's rules."""

from pathlib import Path

import pandas as pd

from kexue.jobs import Job, read_json, write_atomic
from kexue.verdicts import decide, verdict_row

job = Job(snakemake)
results_dir = Path(snakemake.config["results_dir"])
rows = []
for claim in snakemake.params.claims:
    metrics = read_json(results_dir / claim["metrics"]) if "metrics" in claim else {}
    outcome = decide(claim, metrics)
    job.log.info("%s: %s (%s)", claim["id"], outcome["verdict"], outcome["evidence"])
    rows.append(verdict_row(claim, outcome, metrics))
frame = pd.DataFrame(rows)
write_atomic(snakemake.output[0], lambda tmp: frame.to_csv(tmp, index=False))
