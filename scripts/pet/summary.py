"""The numbers the claims read (metrics/summary.json): the proxy's apart, the article's models' when they ran."""

from kexue import pet
from kexue.jobs import Job, read_json

job = Job(snakemake)
zero_shot = {(m := read_json(path))["model"]: m for path in snakemake.input.zero_shot}
regime = {
    name: read_json(snakemake.input[name]) if name in snakemake.input.keys() else None
    for name in ("continued_mlm", "few_shot", "semi_supervised")
}
out = pet.summary(
    zero_shot,
    regime["continued_mlm"],
    regime["few_shot"],
    regime["semi_supervised"],
    job.params["roles"],
    job.params["main_pattern"],
)
job.log.info("summary: %s", out)
job.metrics(snakemake.output[0], out)
