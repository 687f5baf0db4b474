"""Write results/<article>/REPORT.md from its verdicts, measurements and benchmark files."""

import pandas as pd

from kexue import provenance
from kexue.jobs import Job, provenance_path, read_json, write_atomic
from kexue.report import render_article, runtime_table

job = Job(snakemake)
article = snakemake.wildcards.article
verdicts = pd.read_csv(snakemake.input.verdicts, keep_default_na=False)
runtime = runtime_table({article: snakemake.input.benchmarks})
sections = [read_json(f)["report"] for f in snakemake.input.sections]
# the code that made the numbers: the provenance of every metrics file, table and figure of the article
# (a JSON output carries its record inside; a table or figure has it beside, one for its PNG and SVG)
sources = {f for f in snakemake.input.metrics} | {
    f if f.endswith(".json") else str(provenance_path(f)) for f in snakemake.input.outputs
}
records = [read_json(f)["provenance"] if not f.endswith(".provenance.json") else read_json(f) for f in sorted(sources)]
made_by = provenance.commits_of(records)
text = render_article(
    article,
    snakemake.params.registry,
    verdicts,
    runtime,
    snakemake.params.tier,
    provenance.git_state(),
    sections,
    made_by,
)
write_atomic(snakemake.output[0], lambda tmp: tmp.write_text(text))
