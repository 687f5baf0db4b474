"""Write results/<article>/REPORT.md from its verdicts, measurements and benchmark files."""

import pandas as pd

from kexue import provenance
from kexue.jobs import Job, read_json, write_atomic
from kexue.report import render_article, runtime_table

job = Job(snakemake)
article = snakemake.wildcards.article
verdicts = pd.read_csv(snakemake.input.verdicts, keep_default_na=False)
runtime = runtime_table({article: snakemake.input.benchmarks})
sections = [read_json(f)["report"] for f in snakemake.input.sections]
text = render_article(
    article, snakemake.params.registry, verdicts, runtime, snakemake.params.tier, provenance.git_state(), sections
)
write_atomic(snakemake.output[0], lambda tmp: tmp.write_text(text))
