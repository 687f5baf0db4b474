"""The smoke tier's stand-in for bert-base-chinese: a randomly initialised BERT (seeded) whose vocabulary is
the special tokens and the characters of People's Daily's training lines, most frequent first."""

from collections import Counter

from kexue.encoders import build_random_bert
from kexue.jobs import Job, resource_folder
from kexue.sources import read_peoples_daily
from kexue.zh_bert import SPECIAL, peoples_daily_split

job = Job(snakemake)
p = job.params
lines = read_peoples_daily(resource_folder(snakemake.input) / "199801.txt")
train = peoples_daily_split(lines, p["train_fraction"])["train"]
counts = Counter(c for words in train for w in words for c in w.lower())
vocab = SPECIAL + sorted((c for c in counts if c.strip()), key=lambda c: (-counts[c], c))
s = p["settings"]
folder = build_random_bert(
    snakemake.output[0], vocab, hidden_size=s["hidden_size"], layers=s["layers"], heads=s["heads"], seed=s["seed"]
)
job.log.info("random BERT (%s), %d-token Chinese vocabulary, saved to %s", s, len(vocab), folder)
