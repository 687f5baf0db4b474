"""Pretrain the shared proxy BERT (MLM + NSP) and check its mechanism: a masked character in held-out text is
predicted well above chance and above always guessing the most frequent character."""

import pandas as pd
import torch

from kexue import zh_bert
from kexue.jobs import Job, resource_folder
from kexue.sources import read_peoples_daily, read_reviews

job = Job(snakemake)
torch.set_num_threads(job.threads)
data, model_settings, train, check = (job.params[k] for k in ("data", "model", "train", "check"))

reviews = read_reviews(resource_folder(snakemake.input.reviews))
peoples_daily = read_peoples_daily(resource_folder(snakemake.input.peoples_daily) / "199801.txt")
texts = zh_bert.pretraining_texts(reviews, peoples_daily, data)
for part, corpora in texts.items():
    job.log.info("%s documents: %s", part, {name: len(docs) for name, docs in corpora.items()})

vocab = zh_bert.build_vocab([t for docs in texts["train"].values() for t in docs], data["min_count"])
tokenizer = zh_bert.make_tokenizer(vocab, snakemake.output.model)
job.log.info("vocabulary: %d pieces (%d special), e.g. %s", len(vocab), len(zh_bert.SPECIAL), vocab[5:25])
for token in ("很", "不"):  # the verbaliser of pet must be one token each
    if token not in vocab:
        job.fail(f"the character {token} is not in the proxy's vocabulary")

train_corpus = zh_bert.encode_corpus(texts["train"], tokenizer)
valid_corpus = zh_bert.encode_corpus(texts["valid"], tokenizer)
job.log.info("pair-able documents: train %d, valid %d", len(train_corpus.docs), len(valid_corpus.docs))
valid = zh_bert.validation_batches(
    valid_corpus, len(valid_corpus.docs), train["batch_size"], model_settings["max_length"], train["mask_rate"], seed=1
)
# the unigram baseline: always predict the most frequent character of the training text
counts = torch.bincount(
    torch.tensor([t for doc in train_corpus.docs for clause in doc for t in clause]), minlength=len(vocab)
)
unigram_top = int(counts.argmax())

model = zh_bert.build_model(len(vocab), seed=train["seed"], **model_settings)
job.log.info("model: %s, %.2fM parameters", model_settings, sum(p.numel() for p in model.parameters()) / 1e6)
settings = {**train, "max_length": model_settings["max_length"]}
history = zh_bert.pretrain(model, train_corpus, valid, settings, unigram_top, log=job.log.info)
model.save_pretrained(snakemake.output.model)

# reload from disk: what the articles read, with the heads that must have loaded
tokenizer, model = zh_bert.load_proxy(snakemake.output.model)
final = zh_bert.evaluate(model, valid, unigram_top)
demos = [
    {"sentence": s, "top5": [[[c, round(p, 4)] for c, p in slot] for slot in zh_bert.fill_mask(tokenizer, model, s)]}
    for s in check["sentences"]
]
for demo in demos:
    job.log.info("%s → %s", demo["sentence"], demo["top5"])
job.table(snakemake.output.history, pd.DataFrame(history))
job.metrics(
    snakemake.output.metrics,
    {
        "label": "proxy: a small char-level BERT pretrained from scratch on reviews and People's Daily "
        "(not the articles' checkpoints)",
        "vocab_size": len(vocab),
        "parameters": sum(p.numel() for p in model.parameters()),
        "documents": {part: {name: len(docs) for name, docs in c.items()} for part, c in texts.items()},
        "masked_char_accuracy": final["mlm_accuracy"],
        "masked_char_loss": final["mlm_loss"],
        "chance_accuracy": 1.0 / (len(vocab) - len(zh_bert.SPECIAL)),
        "unigram_accuracy": final["unigram_accuracy"],
        "unigram_character": vocab[unigram_top],
        "nsp_accuracy": final["nsp_accuracy"],
        "masked_tokens": final["masked_tokens"],
        "valid_pairs": len(valid_corpus.docs),
        "curve_masked_char_accuracy": [row["mlm_accuracy"] for row in history],
        "curve_masked_char_loss": [row["mlm_loss"] for row in history],
        "curve_nsp_accuracy": [row["nsp_accuracy"] for row in history],
        "demos": demos,
        "usage": job.usage(),
    },
)
