"""Read every STS set of the tier once (kexue.sts.load_sts: the mirror folder, else the hub when the
network is allowed) and store each as a table (.parquet) with its source and subset coverage. A set that
no source has stops this one job with one message naming every missing set and how to provide them; the
encoding jobs, which read these tables, are then not started."""

from kexue import sts
from kexue.jobs import Job, write_atomic

job = Job(snakemake)
mirror, network = snakemake.config["mirrors"]["sts"], snakemake.config["network"]
frames, missing = {}, {}
for task in snakemake.params.tasks:
    try:
        frames[task] = sts.load_sts(task, mirror=mirror, network=network)
    except sts.STSDataError as error:
        missing[task] = str(error)
    else:
        job.log.info("%s: %d pairs from %s", task, len(frames[task]), frames[task].attrs["source"])
if missing:
    first = next(iter(missing.values()))
    job.fail(f"STS sets not available: {', '.join(missing)} (mirrors.sts = {mirror}, network = {network}). {first}")
for task, path in zip(snakemake.params.tasks, snakemake.output, strict=True):
    write_atomic(path, lambda tmp, frame=frames[task]: frame.to_parquet(tmp))
