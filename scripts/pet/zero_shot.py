"""Zero-shot PET with one MLM: accuracy of each pattern on the balanced held-out reviews, with its binomial
p-value against guessing."""

import numpy as np
import torch

from kexue import pet, zh_bert
from kexue.jobs import Job, resource_folder
from kexue.sources import read_reviews

job = Job(snakemake)
torch.set_num_threads(job.threads)
p = job.params
split = zh_bert.review_split(read_reviews(resource_folder(snakemake.input.reviews)), p["test_per_class"], p["seed"])
texts = [t for t, _ in split["test"]]
labels = np.array([y for _, y in split["test"]])
tokenizer, model = pet.load_mlm(p["model"], snakemake.input.get("folder"))
job.log.info("model %s: %s; %d test reviews", snakemake.wildcards.model, p["model"], len(texts))
rows = []
for name, pattern in p["patterns"].items():
    scores = pet.cloze_scores(tokenizer, model, texts, pattern, p["verbaliser"], p["max_chars"], p["batch_size"])
    acc = pet.accuracy(scores, labels)
    rows.append({"pattern": name, "accuracy": acc, "p_value": pet.binomial_p(round(acc * len(labels)), len(labels))})
    job.log.info("%s %s: accuracy %.4f", name, pattern, acc)
accuracy = {r["pattern"]: r["accuracy"] for r in rows}
others = [accuracy[k] for k in accuracy if k != "P2"]
job.metrics(
    snakemake.output[0],
    {
        "model": snakemake.wildcards.model,
        "checkpoint": p["model"],
        "test_reviews": len(texts),
        "patterns": rows,
        "accuracy": accuracy,
        "p_value": {r["pattern"]: r["p_value"] for r in rows},
        "best_accuracy": max(accuracy.values()),
        "suffix_minus_prefix_mean": accuracy["P2"] - float(np.mean(others)) if "P2" in accuracy and others else None,
        "usage": job.usage(),
    },
)
