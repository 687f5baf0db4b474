"""Zero-shot-2: continue the MLM's training on the task's training texts (labels dropped, no pattern), then score
every pattern zero-shot as before."""

import torch

from kexue import pet
from kexue.jobs import Job, resource_folder

job = Job(snakemake)
torch.set_num_threads(job.threads)
p = job.params
train, texts, labels = pet.load_task(p, resource_folder(snakemake.input.data))
unlabelled = [(t, None) for t, _ in train]
torch.manual_seed(p["seed"])
tokenizer, model = pet.load_mlm(p["model"], pet.checkpoint_folder(snakemake.input.folder))
job.log.info("continued MLM of %s on %d unlabelled texts (%s)", p["name"], len(unlabelled), pet.device())
settings = {**p["train"], "max_chars": p["max_chars"]}
curve = pet.train_mlm(tokenizer, model, unlabelled, None, p["verbaliser"], settings, p["seed"], job.log.info)
accuracy = {}
for pattern_name, pattern in p["patterns"].items():
    scores = pet.cloze_scores(tokenizer, model, texts, pattern, p["verbaliser"], p["max_chars"], p["batch_size"])
    accuracy[pattern_name] = pet.accuracy_percent(scores, labels)
    job.log.info("%s after continued MLM: accuracy %.2f%%", pattern_name, accuracy[pattern_name])
job.metrics(
    snakemake.output[0],
    pet.describe(p["name"], p["model"])
    | {"unlabelled_texts": len(unlabelled), "accuracy": accuracy, "loss_curve": curve, "usage": job.usage()},
)
