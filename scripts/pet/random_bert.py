"""A tiny randomly initialised BertForMaskedLM with the proxy's Chinese vocabulary: the full tier's code path
(a hub-style checkpoint read by kexue.pet.load_mlm) run here; its numbers mean nothing."""

from transformers import AutoTokenizer

from kexue import pet
from kexue.jobs import Job

job = Job(snakemake)
tokenizer = AutoTokenizer.from_pretrained(snakemake.input[0], local_files_only=True)
pet.random_bert(tokenizer, job.params["settings"]).save_pretrained(snakemake.output[0])
tokenizer.save_pretrained(snakemake.output[0])
job.log.info("wrote a random BertForMaskedLM (%s) to %s", job.params["settings"], snakemake.output[0])
