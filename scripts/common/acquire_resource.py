"""Acquire one declared resource (see config/resources.yaml) and write its manifest."""

from pathlib import Path

import yaml

from kexue.jobs import Job, write_json
from kexue.resources import acquire

job = Job(snakemake)
name = snakemake.params.resource
spec = yaml.safe_load(Path("config/resources.yaml").read_text())[name]
assert spec["files"] == snakemake.params.files
manifest_path = Path(snakemake.output.manifest)
manifest = acquire(
    name,
    spec,
    manifest_path.parent,
    mirrors=snakemake.config["mirrors"],
    network=snakemake.config["network"],
    log=job.log.info,
)
write_json(manifest_path, {**manifest, "provenance": job.record(inputs=[])})
