"""PTB training text → vocabulary (all 10k words, most frequent first) and symmetric window co-occurrence counts
(sparse, scipy), shared by every model of the article."""

import json

from scipy import sparse

from kexue import corpus
from kexue.jobs import Job, resource_folder, write_atomic

job = Job(snakemake)
sentences = corpus.tokenize((resource_folder(snakemake.input.ptb) / "ptb.train.txt").read_text())
sentences = sentences[: snakemake.params.max_sentences]  # None: all
vocab = corpus.build_vocab(sentences)
counts = corpus.cooccurrence_sparse(corpus.encode(sentences, vocab), len(vocab), snakemake.params.window)
job.log.info(
    "%d words, %d tokens, %d non-zero pairs (%d on the diagonal), %d pair occurrences",
    len(vocab),
    sum(map(len, sentences)),
    counts.nnz,
    (counts.diagonal() > 0).sum(),
    int(counts.sum()),
)
write_atomic(snakemake.output.counts, lambda tmp: sparse.save_npz(open(tmp, "wb"), counts))
write_atomic(snakemake.output.vocab, lambda tmp: tmp.write_text(json.dumps(vocab)))
