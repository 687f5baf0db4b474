"""One task's texts and labels as JSON: {"labels": [...], "texts": [...], "label_ids": [...]} with label_ids
indexing `labels`. Sources: the held-out reviews of the zh_bert split, a JSON-lines file, a hub dataset."""

import numpy as np

from kexue import nsp_bert
from kexue.jobs import Job, resource_folder, write_json
from kexue.sources import read_reviews

job = Job(snakemake)
data, labels, split = job.params["data"], job.params["labels"], job.params["split"]

if "reviews" in data:
    reviews = read_reviews(resource_folder(snakemake.input[0]))
    texts, label_ids = nsp_bert.held_out_reviews(reviews, labels, split["test_per_class"], split["seed"])
elif "url" in data:
    texts, label_ids = nsp_bert.read_json_lines_task(data["url"], data["text"], data["label"], labels)
else:
    texts, label_ids = nsp_bert.read_hub_task(data["hub"], data["split"], data["text"], data["label"], labels)
texts, label_ids = nsp_bert.draw(texts, label_ids, data["limit"], data["seed"])
counts = np.bincount(label_ids, minlength=len(labels)).tolist()
job.log.info("%s: %d texts, per label %s", snakemake.wildcards.task, len(texts), dict(zip(labels, counts, strict=True)))
write_json(snakemake.output[0], {"labels": labels, "texts": texts, "label_ids": label_ids.tolist(), "counts": counts})
