"""Acquire one declared resource (see config/resources.yaml) and write its manifest."""
from pathlib import Path

from kexue.jobs import Job, write_json
from kexue.resources import acquire

job = Job(snakemake)
manifest_path = Path(snakemake.output[0])
manifest = acquire(
    snakemake.wildcards.resource,
    snakemake.params.spec,
    manifest_path.parent,
    mirrors=snakemake.config["mirrors"],
    network=snakemake.config["network"],
    log=job.log.info,
)
write_json(manifest_path, {**manifest, "provenance": job.record(inputs=[])})
