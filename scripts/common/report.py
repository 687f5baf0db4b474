"""Write results/REPORT.md from the verdicts and the benchmark files."""
import pandas as pd

from kexue import provenance
from kexue.jobs import Job, read_json, write_atomic
from kexue.report import render, runtime_table

job = Job(snakemake)
verdicts = pd.read_csv(snakemake.input.verdicts, keep_default_na=False)
results_dir = snakemake.params.results_dir
benchmarks = {a: [f for f in snakemake.input.benchmarks if f.startswith(f"{results_dir}/{a}/")]
              for a in snakemake.params.titles}
sections = {a: [read_json(f)["report"] for f in files] for a, files in snakemake.params.sections.items()}
text = render(verdicts, snakemake.params.titles, runtime_table(benchmarks), snakemake.params.tier,
              provenance.git_state(), sections)
write_atomic(snakemake.output[0], lambda tmp: tmp.write_text(text))
