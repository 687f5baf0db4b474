"""One seed of the accuracy runs: every method of train.methods on the easy and the hard task."""

import torch

from kexue import ladder_side_tuning as lst
from kexue.jobs import Job, read_json, write_json

job = Job(snakemake)
p = job.params
torch.set_num_threads(job.threads)
seed = int(snakemake.wildcards.seed)
tasks = read_json(snakemake.input.tasks)
source = lst.backbone_source(p["backbone"], snakemake.input.get("backbone"))
runs = {}
for method in p["train_methods"]:
    settings = lst.settings_for(method, p, p["methods"]["lst"])
    runs[method] = {}
    for task in lst.TASKS:
        tokenizer, backbone = lst.load_backbone(source, p["dropout"], local_files_only=not p["network"])
        runs[method][task] = lst.train(
            backbone, tokenizer, method, task, tasks["train"][task], tasks["test"][task], settings, seed, job.log.info
        )
write_json(snakemake.output[0], {"seed": seed, "backbone": str(source), "runs": runs, "usage": job.usage()})
