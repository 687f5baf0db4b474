"""Write results/REPORT.md, the index of every article of the seeds, from the verdicts and benchmarks."""

import pandas as pd
import yaml

from kexue import provenance
from kexue.jobs import Job, read_json, write_atomic
from kexue.report import render_front_page, render_index, runtime_table, total_runtime

job = Job(snakemake)
verdicts = pd.read_csv(snakemake.input.verdicts, keep_default_na=False)
results_dir = snakemake.params.results_dir
ran = [a for a, on in snakemake.params.built.items() if on]
benchmarks = {a: [f for f in snakemake.input.benchmarks if f.startswith(f"{results_dir}/{a}/")] for a in ran}
# the shared steps' jobs (results/<step>/benchmarks/) belong to no article's row, but to the total
steps = [f for f in snakemake.input.benchmarks if not any(f.startswith(f"{results_dir}/{a}/") for a in benchmarks)]
catalog = yaml.safe_load(open(snakemake.input.catalog))["articles"]
environment = read_json(snakemake.input.environment)
text = render_index(
    catalog,
    verdicts,
    runtime_table(benchmarks),
    snakemake.params.built,
    snakemake.params.tier,
    provenance.git_state(),
    environment,
    total=total_runtime(benchmarks, steps),
)
write_atomic(snakemake.output.index, lambda tmp: tmp.write_text(text))
front = render_front_page(
    catalog, verdicts, runtime_table(benchmarks), snakemake.params.built, snakemake.params.tier, provenance.git_state()
)
write_atomic(snakemake.output.front, lambda tmp: tmp.write_text(front))
job.log.info("index of %d articles, %d built", len(catalog), len(snakemake.params.built))
