"""Zero-shot PET with one MLM: accuracy (%) of each pattern on the test texts, with its binomial p-value against
guessing, and the MLM-head check of the brief's trap."""

import torch

from kexue import pet
from kexue.jobs import Job, resource_folder

job = Job(snakemake)
torch.set_num_threads(job.threads)
p = job.params
name = snakemake.wildcards.model
_, texts, labels = pet.load_task(p, resource_folder(snakemake.input.data))
tokenizer, model = pet.load_mlm(p["model"], pet.checkpoint_folder(snakemake.input.folder))
job.log.info("model %s: %s on %s; %d test texts", name, p["model"], pet.device(), len(texts))
check = pet.mlm_check(tokenizer, model, p["mlm_check"]["sentences"], p["mlm_check"]["top"])
job.log.info(
    "MLM-head check: %.0f%% of the masked characters in the top %d", 100 * check["hit_rate"], p["mlm_check"]["top"]
)
accuracy, p_value = {}, {}
for pattern_name, pattern in p["patterns"].items():
    scores = pet.cloze_scores(tokenizer, model, texts, pattern, p["verbaliser"], p["max_chars"], p["batch_size"])
    accuracy[pattern_name] = pet.accuracy_percent(scores, labels)
    p_value[pattern_name] = pet.binomial_p(round(accuracy[pattern_name] * len(labels) / 100), len(labels))
    job.log.info("%s %s: accuracy %.2f%%", pattern_name, pattern, accuracy[pattern_name])
job.metrics(
    snakemake.output[0],
    pet.describe(name, p["model"])
    | {
        "test_texts": len(texts),
        "positive_fraction": float(labels.mean()),
        "accuracy": accuracy,
        "p_value": p_value,
        "mlm_check": check,
        "usage": job.usage(),
    },
)
