"""The perturbed-masking impact of every adjacent character pair of the dev and test sentences (2T − 1 masked
copies per sentence), and the full impact matrix of each demo sentence (for the parse trees)."""

import torch

from kexue import perturbed_masking as pm
from kexue.jobs import Job, resource_folder, write_json
from kexue.sources import read_peoples_daily
from kexue.zh_bert import peoples_daily_split

job = Job(snakemake)
p = job.params
torch.set_num_threads(job.threads)
lines = read_peoples_daily(resource_folder(snakemake.input.corpus) / "199801.txt")
held_out = peoples_daily_split(lines, p["train_fraction"])["test"]
sentences = pm.gold_sentences(held_out, p["data"]["min_chars"], p["data"]["max_chars"])
n_dev, n_test = p["data"]["dev"], p["data"]["test"]
if len(sentences) < n_dev + n_test:
    job.fail(f"only {len(sentences)} held-out sentences of the allowed length; dev + test need {n_dev + n_test}")
tokenizer, masked_lm = pm.load_masked_lm(p["model"], snakemake.input.get("model"), p["network"])
device = "cuda" if torch.cuda.is_available() else "cpu"  # the full tier's BERT-base on a GPU where one is lent
masked_lm.to(device)
encoder, head = masked_lm.bert, masked_lm.cls.predictions
limit = encoder.config.max_position_embeddings - 2  # characters between [CLS] and [SEP]
if p["data"]["max_chars"] > limit:
    job.fail(f"data.max_chars = {p['data']['max_chars']}, but the model reads at most {limit} characters: lower it")
job.log.info(
    "model %s on %s: %d layers, width %d",
    p["model"],
    device,
    encoder.config.num_hidden_layers,
    encoder.config.hidden_size,
)


def adjacent(words):
    text = "".join(words)
    ids = pm.char_ids(tokenizer, text)
    forward, backward, predicted = pm.adjacent_impact(encoder, tokenizer, ids, p["batch_size"], head)
    unknown = sum(i == tokenizer.unk_token_id for i in ids)
    # the mechanism check: does the MLM restore each singly masked character (null where it is [UNK])?
    restored = [None if i == tokenizer.unk_token_id else bool(q == i) for i, q in zip(ids, predicted, strict=True)]
    return {
        "words": words,
        "d": pm.symmetric_adjacent(forward, backward).tolist(),
        "unknown_chars": unknown,
        "restored": restored,
    }


out = {"model": p["model"], "dev": [], "test": [], "demos": []}
for split, chosen in (("dev", sentences[:n_dev]), ("test", sentences[n_dev : n_dev + n_test])):
    for i, words in enumerate(chosen):
        out[split].append(adjacent(words))
        if (i + 1) % 100 == 0:
            job.log.info("%s: %d of %d sentences", split, i + 1, len(chosen))
for words in p["demos"]:
    if sum(map(len, words)) > limit:  # the proxy's 32 positions: the demo's first characters, scored as such
        job.log.info("demo %s… cut to the model's %d characters", "".join(words)[:12], limit)
        words = pm.first_characters(words, limit)
    row = adjacent(words)
    row["f"] = pm.impact_matrix(encoder, tokenizer, pm.char_ids(tokenizer, "".join(words)), p["batch_size"]).tolist()
    out["demos"].append(row)
out["usage"] = job.usage()
write_json(snakemake.output[0], out)
