"""Semi-supervised PET: the few-shot labelled texts (same seeds, so the same subsets) with the pattern and every
other training text without it, in one pool (≈ 1 : 99), all randomly masked; one run per pattern and seed."""

import numpy as np
import torch

from kexue import pet
from kexue.jobs import Job, resource_folder

job = Job(snakemake)
torch.set_num_threads(job.threads)
p = job.params
train, texts, labels = pet.load_task(p, resource_folder(snakemake.input.data))
folder = pet.checkpoint_folder(snakemake.input.folder)
settings = {**p["train"], "max_chars": p["max_chars"]}
runs = []
for seed in p["seeds"]:
    labelled = pet.labelled_subset(train, p["labels"], seed)
    chosen = set(labelled)
    pool = labelled + [(t, None) for t, y in train if (t, y) not in chosen]
    job.log.info("seed %d: %d labelled + %d unlabelled texts", seed, len(labelled), len(pool) - len(labelled))
    run = {"seed": seed, "accuracy": {}, "loss_curve": {}}
    for name, pattern in p["patterns"].items():
        torch.manual_seed(seed)
        tokenizer, model = pet.load_mlm(p["model"], folder)
        run["loss_curve"][name] = pet.train_mlm(tokenizer, model, pool, pattern, p["verbaliser"], settings, seed)
        scores = pet.cloze_scores(tokenizer, model, texts, pattern, p["verbaliser"], p["max_chars"], p["batch_size"])
        run["accuracy"][name] = pet.accuracy_percent(scores, labels)
        job.log.info("seed %d, %s: semi-supervised PET %.2f%%", seed, name, run["accuracy"][name])
    runs.append(run)
job.metrics(
    snakemake.output[0],
    pet.describe(p["name"], p["model"])
    | {
        "labels": p["labels"],
        "test_texts": len(texts),
        "patterns": list(p["patterns"]),
        "accuracy": {k: float(np.mean([r["accuracy"][k] for r in runs])) for k in p["patterns"]},
        "runs": runs,
        "usage": job.usage(),
    },
)
