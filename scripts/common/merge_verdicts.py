"""results/verdicts.csv: the per-article verdicts, one row per registered claim."""

import pandas as pd

from kexue.jobs import Job, write_atomic

job = Job(snakemake)
frame = pd.concat([pd.read_csv(p, keep_default_na=False) for p in snakemake.input], ignore_index=True)
write_atomic(snakemake.output[0], lambda tmp: frame.to_csv(tmp, index=False))
job.log.info("%d claims: %s", len(frame), frame["verdict"].value_counts().to_dict())
