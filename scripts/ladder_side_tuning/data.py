"""The two proxy tasks from PTB: easy (original or word-shuffled sentence) and hard (pointer to the word after a
query word), train examples from ptb.train, test examples from ptb.valid."""

import random

from kexue import ladder_side_tuning as lst
from kexue.jobs import Job, resource_folder, write_json

job = Job(snakemake)
s = job.params["settings"]
folder = resource_folder(snakemake.input)
rng = random.Random(s["seed"])
tasks = {}
for split, file, n in (("train", "ptb.train.txt", s["train"]), ("test", "ptb.valid.txt", s["test"])):
    lines = (folder / file).read_text().splitlines()
    pool = lst.ptb_sentences(lines, s["min_words"], s["max_words"])
    if len(pool) < 2 * n:
        job.fail(f"only {len(pool)} PTB {split} sentences of {s['min_words']}–{s['max_words']} words; need {2 * n}")
    chosen = rng.sample(pool, 2 * n)  # disjoint sentences for the two tasks
    tasks[split] = {"easy": lst.easy_examples(chosen[:n], rng), "hard": lst.hard_examples(chosen[n:], rng)}
    job.log.info("%s: %d sentences available, %d examples per task", split, len(pool), n)
write_json(snakemake.output[0], tasks)
