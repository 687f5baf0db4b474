"""Build the smoke tier's stand-in BERT: random weights (seeded), MiniLM's uncased WordPiece vocabulary,
saved as a transformers folder that the encoding jobs load like bert-base-uncased (no network)."""

from kexue.encoders import build_random_bert
from kexue.jobs import Job

job = Job(snakemake)
s = job.params["settings"]
folder = build_random_bert(
    snakemake.output[0], hidden_size=s["hidden_size"], layers=s["layers"], heads=s["heads"], seed=s["seed"]
)
job.log.info("random BERT (%s) saved to %s", s, folder)
