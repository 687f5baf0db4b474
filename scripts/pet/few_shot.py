"""Few-shot: PET (the pattern's slot trained to the label's character, other characters randomly masked) against
ordinary fine-tuning of a [CLS] classifier, on the same labelled reviews, one pair of runs per seed."""

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
settings = {**p["train"], "pattern_text": p["patterns"][p["pattern"]], "verbaliser": p["verbaliser"]}
settings["max_chars"] = p["max_chars"]
runs = []
for seed in p["seeds"]:
    examples = pet.few_shot_labels(split["train"], p["labels"], seed)
    torch.manual_seed(seed)
    tokenizer, model = pet.load_mlm(p["model"], snakemake.input.get("folder"))
    pet.train_pet(tokenizer, model, examples, settings, seed)
    pet_acc = pet.accuracy(
        pet.cloze_scores(tokenizer, model, texts, settings["pattern_text"], p["verbaliser"], p["max_chars"], 128),
        labels,
    )
    torch.manual_seed(seed)
    classifier = pet.load_classifier(p["model"], snakemake.input.get("folder"))
    pet.train_classifier(tokenizer, classifier, examples, settings, seed)
    cls_acc = pet.accuracy(pet.classifier_scores(tokenizer, classifier, texts, p["max_chars"], 128), labels)
    runs.append(
        {"seed": seed, "pet_accuracy": pet_acc, "classifier_accuracy": cls_acc, "difference": pet_acc - cls_acc}
    )
    job.log.info("seed %d: PET %.4f, [CLS] fine-tuning %.4f", seed, pet_acc, cls_acc)
job.metrics(
    snakemake.output[0],
    {
        "model": p["model"],
        "labels": p["labels"],
        "pattern": p["pattern"],
        "runs": runs,
        "pet_accuracy": float(np.mean([r["pet_accuracy"] for r in runs])),
        "classifier_accuracy": float(np.mean([r["classifier_accuracy"] for r in runs])),
        "difference": float(np.mean([r["difference"] for r in runs])),
        "differences": [r["difference"] for r in runs],
        "usage": job.usage(),
    },
)
