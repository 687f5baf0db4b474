"""A tiny randomly initialised BertForPreTraining with the proxy's Chinese vocabulary: the full tier's code path
(a hub-style checkpoint read by kexue.zh_bert.load_checkpoint) run here; its numbers mean nothing."""

from transformers import AutoTokenizer

from kexue import nsp_bert
from kexue.jobs import Job

job = Job(snakemake)
s = job.params["settings"]
tokenizer = AutoTokenizer.from_pretrained(snakemake.input[0], local_files_only=True)
model = nsp_bert.build_random_bert(tokenizer, snakemake.output[0], max_length=job.params["max_length"], **s)
job.log.info(
    "wrote a random BertForPreTraining (%s, %d parameters) to %s",
    s,
    nsp_bert.parameter_count(model),
    snakemake.output[0],
)
