"""The smoke tier's stand-in backbone: a randomly initialised BERT (seeded) with MiniLM's WordPiece vocabulary."""

from kexue.encoders import build_random_bert
from kexue.jobs import Job

job = Job(snakemake)
s = job.params["settings"]
folder = build_random_bert(
    snakemake.output[0], hidden_size=s["hidden_size"], layers=s["layers"], heads=s["heads"], seed=s["seed"]
)
job.log.info("random BERT (%s) saved to %s", s, folder)
