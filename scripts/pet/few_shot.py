"""Few-shot: PET with each pattern (the slot trained to the label's character, other characters randomly masked)
and ordinary fine-tuning of a [CLS] classifier, on the same labelled texts, one run of each per seed."""

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
runs, classifier_runs = [], []
for seed in p["seeds"]:
    examples = pet.labelled_subset(train, p["labels"], seed)
    run = {"seed": seed, "accuracy": {}, "loss_curve": {}}
    for name, pattern in p["patterns"].items():
        torch.manual_seed(seed)
        tokenizer, model = pet.load_mlm(p["model"], folder)
        run["loss_curve"][name] = pet.train_mlm(tokenizer, model, examples, pattern, p["verbaliser"], settings, seed)
        scores = pet.cloze_scores(tokenizer, model, texts, pattern, p["verbaliser"], p["max_chars"], p["batch_size"])
        run["accuracy"][name] = pet.accuracy_percent(scores, labels)
        job.log.info(
            "seed %d, %s: PET %.2f%% (final loss %.3f)", seed, name, run["accuracy"][name], run["loss_curve"][name][-1]
        )
    runs.append(run)
    torch.manual_seed(seed)
    classifier = pet.load_classifier(p["model"], folder)
    curve = pet.train_classifier(
        tokenizer, classifier, examples, {**p["classifier"], "max_chars": p["max_chars"]}, seed
    )
    acc = pet.accuracy_percent(
        pet.classifier_scores(tokenizer, classifier, texts, p["max_chars"], p["batch_size"]), labels
    )
    classifier_runs.append({"seed": seed, "accuracy": acc, "loss_curve": curve})
    job.log.info("seed %d: [CLS] fine-tuning %.2f%%", seed, acc)
job.metrics(
    snakemake.output[0],
    pet.describe(p["name"], p["model"])
    | {
        "labels": p["labels"],
        "test_texts": len(texts),
        "patterns": list(p["patterns"]),
        "accuracy": {k: float(np.mean([r["accuracy"][k] for r in runs])) for k in p["patterns"]},
        "classifier_accuracy": float(np.mean([r["accuracy"] for r in classifier_runs])),
        "runs": runs,
        "classifier_runs": classifier_runs,
        "usage": job.usage(),
    },
)
