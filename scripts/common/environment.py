"""results/environment.json: the run's environment in one place (the lock's digest, every installed
package and version, whether they are the locked set); provenance records carry the lock's digest."""

from kexue import lock
from kexue.jobs import Job, write_json

job = Job(snakemake)
record = lock.environment_record()
write_json(snakemake.output[0], record)
job.log.info(
    "%d packages, lock %s, matches the lock: %s", len(record["packages"]), record["lock_sha256"], record["matches_lock"]
)
