"""A tiny randomly initialised BertForMaskedLM with the proxy's Chinese vocabulary: the full tier's code path
(a hub-style checkpoint read by kexue.pet.load_mlm) run here; its numbers mean nothing."""

import torch
from transformers import AutoTokenizer, BertConfig, BertForMaskedLM

from kexue.jobs import Job

job = Job(snakemake)
s = job.params["settings"]
tokenizer = AutoTokenizer.from_pretrained(snakemake.input[0], local_files_only=True)
torch.manual_seed(s["seed"])
config = BertConfig(
    vocab_size=len(tokenizer),
    hidden_size=s["hidden"],
    num_hidden_layers=s["layers"],
    num_attention_heads=s["heads"],
    intermediate_size=4 * s["hidden"],
)
BertForMaskedLM(config).save_pretrained(snakemake.output[0])
tokenizer.save_pretrained(snakemake.output[0])
job.log.info("wrote a random BertForMaskedLM (%s) to %s", s, snakemake.output[0])
