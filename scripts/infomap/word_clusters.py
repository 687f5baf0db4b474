"""infomap.word_clusters (report only): the most frequent GloVe words, their k-nearest-neighbour cosine graph,
InfoMap modules; the largest clusters printed in the report."""

import numpy as np

from kexue import infomap as im
from kexue.encoders import load_glove
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
glove = load_glove()
words = sorted(glove.index, key=glove.index.get)[: s["vocabulary"]]  # GloVe rows are in frequency order
vectors = np.asarray(glove.vectors[: s["vocabulary"]], dtype=np.float64)
edges = im.neighbour_graph(vectors, s["neighbours"])
modules, codelength, seconds = im.package_infomap(edges, len(words), s["seed"], threads=snakemake.threads)
labels, counts = np.unique(modules, return_counts=True)
largest = labels[np.argsort(-counts, kind="stable")][: s["top"]]
clusters = []
for m in largest:
    members = np.flatnonzero(modules == m)  # in frequency order
    clusters.append({"size": int(len(members)), "words": [words[i] for i in members[: s["shown"]]]})
    job.log.info("cluster of %d: %s", len(members), " ".join(clusters[-1]["words"]))
job.metrics(
    snakemake.output[0],
    {
        "scale": f"{len(words)} most frequent GloVe-6B-50d words, {s['neighbours']}-NN cosine graph",
        "modules": int(len(labels)),
        "codelength": codelength,
        "clusters": clusters,
        "report": {
            "title": f"InfoMap word clusters: the {s['top']} largest of {len(labels)} "
            f"({len(words)} GloVe words, {s['neighbours']}-NN graph; first {s['shown']} words by frequency)",
            "rows": [
                {"quantity": f"cluster {i + 1} ({c['size']} words)", "value": " ".join(c["words"])}
                for i, c in enumerate(clusters)
            ],
        },
    },
)
