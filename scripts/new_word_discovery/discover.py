"""Steps 1–5 of the discovery algorithm on a fraction of the discovery text, at one min_count: the lexicon
("word count" lines, for jieba) and its cost (seconds per million characters)."""

import time

from kexue import new_word_discovery as nwd
from kexue.jobs import Job, resource_folder, write_atomic
from kexue.sources import read_peoples_daily

job = Job(snakemake)
p = snakemake.params
fraction, min_count = float(snakemake.wildcards.fraction), int(snakemake.wildcards.min_count)
lines = nwd.gold_lines(read_peoples_daily(resource_folder(snakemake.input.corpus) / "199801.txt"))
train, _ = nwd.split_lines(lines, p.test_fraction, p.discovery_lines, p.test_lines)
train = train[: int(round(len(train) * fraction))]
raw = ["".join(words) for words in train]  # word boundaries removed
chars = sum(map(len, raw))
job.log.info(
    "discovery text: %d lines, %d characters (fraction %g), min_count %d", len(raw), chars, fraction, min_count
)
started = time.perf_counter()
lexicon = nwd.discover(nwd.sentences(raw), p.order, min_count, p.thresholds, p.top)
seconds = time.perf_counter() - started
job.log.info(
    "%d words in %.1f s (%.1f s per million characters); most frequent: %s",
    len(lexicon),
    seconds,
    seconds / chars * 1e6,
    " ".join(w for w, _ in lexicon[:30]),
)
write_atomic(snakemake.output.lexicon, lambda tmp: tmp.write_text("".join(f"{w} {c}\n" for w, c in lexicon)))
job.metrics(
    snakemake.output.stats,
    {
        "fraction": fraction,
        "min_count": min_count,
        "lines": len(raw),
        "characters": chars,
        "words": len(lexicon),
        "seconds": seconds,
        "seconds_per_million_chars": seconds / chars * 1e6,
    },
)
