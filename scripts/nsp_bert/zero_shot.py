"""One BERT on its tasks: zero-shot accuracy through the NSP head for every prompt variant and pair order,
PET-zero through the MLM head, each with its binomial p-value against the majority-label rate, and the NSP
check (P(IsNext) of true continuations against random partners)."""

from pathlib import Path

import numpy as np
import torch

from kexue import nsp_bert, zh_bert
from kexue.jobs import Job, read_json

job = Job(snakemake)
torch.set_num_threads(job.threads)
p = job.params
name = snakemake.wildcards.model
folder = list(snakemake.input.get("folder") or [])  # the proxy's or a stand-in's checkpoint; none for the hub
try:
    tokenizer, model = zh_bert.load_checkpoint(p["model"], folder[0] if folder else None)
except (ValueError, OSError) as err:
    job.fail(f"model {name}: {err}")
job.log.info("model %s (%s): %d parameters", name, p["model"], nsp_bert.parameter_count(model))


def scored(scores: np.ndarray, y: np.ndarray, chance: float) -> dict:
    """Accuracy, its p-value and how often each label was predicted (a prompt that attracts every text shows)."""
    predicted = scores.argmax(1)
    correct = int((predicted == y).sum())
    return {
        "accuracy": correct / len(y),
        "correct": correct,
        "p_value": nsp_bert.binomial_p(correct, len(y), chance),
        "predicted_counts": np.bincount(predicted, minlength=scores.shape[1]).tolist(),
    }


tasks = {}
for path in snakemake.input.tasks:
    task = Path(path).stem
    spec, data = p["tasks"][task], read_json(path)
    texts, y = data["texts"], np.asarray(data["label_ids"])
    chance = nsp_bert.chance_rate(y, len(spec["labels"]))
    result = {"texts": len(texts), "labels": spec["labels"], "chance": chance, "nsp": {}}
    for order in p["orders"]:
        result["nsp"][order] = {}
        for variant, prompts in spec["prompts"].items():
            if len(prompts) != len(spec["labels"]):
                job.fail(
                    f"task {task}: prompt variant {variant} has {len(prompts)} prompts for {len(spec['labels'])} labels"
                )
            scores = nsp_bert.nsp_scores(tokenizer, model, texts, prompts, order, p["max_text_tokens"], p["batch_size"])
            result["nsp"][order][variant] = scored(scores, y, chance)
            job.log.info(
                "%s %s %s: NSP accuracy %.4f (chance %.3f)",
                task,
                order,
                variant,
                result["nsp"][order][variant]["accuracy"],
                chance,
            )
    cloze = spec["cloze"]
    scores = nsp_bert.cloze_scores(
        tokenizer, model, texts, cloze["pattern"], cloze["verbaliser"], p["max_text_tokens"], p["batch_size"]
    )
    result["pet_zero"] = scored(scores, y, chance)
    job.log.info("%s PET-zero (%s): accuracy %.4f", task, cloze["pattern"], result["pet_zero"]["accuracy"])
    result["check"] = nsp_bert.nsp_check(
        tokenizer, model, texts, p["check"]["texts"], p["max_text_tokens"], p["batch_size"], p["check"]["seed"]
    )
    job.log.info(
        "%s NSP check: accuracy %.3f, mean P(IsNext) %.3f (true) vs %.3f (random)",
        task,
        result["check"]["accuracy"],
        result["check"]["mean_p_is_next_true"],
        result["check"]["mean_p_is_next_random"],
    )
    tasks[task] = result

job.metrics(
    snakemake.output[0],
    {
        "model": name,
        "checkpoint": p["model"],
        "stand_in": "random_bert" in p["model"],
        "parameters": nsp_bert.parameter_count(model),
        "tasks": tasks,
        "usage": job.usage(),
    },
)
