"""Per arm: seed lists and means; the brief's four claims' numbers (parity, pair test, routing, squash)."""

from kexue import capsule as cap
from kexue.jobs import Job, read_json, write_runs_usage

job = Job(snakemake)
runs = [read_json(path) for path in snakemake.input]
arms = cap.arm_summaries(runs)
for arm, row in arms.items():
    job.log.info(
        "%s (%d parameters): test %.4f, pair set %.4f, thresholded %.4f over seeds %s",
        arm,
        row["parameters"],
        row["mean_test_accuracy"],
        row["mean_pair_set_accuracy"],
        row["mean_pair_thresholded_accuracy"],
        row["seeds"],
    )
claims = cap.claim_numbers(arms, snakemake.params.parity_threshold, snakemake.params.pair)
job.log.info("claims: %s", claims)
write_runs_usage(snakemake.output.runs, snakemake.input)
job.metrics(snakemake.output.metrics, {"scale": snakemake.params.scale, "arms": arms, **claims})
