"""Real-data report (no claim): N_k on MNIST test images and the most frequent GloVe vectors, in their
ambient dimension and after PCA to a few dimensions (hubness follows the intrinsic dimension)."""

import numpy as np

from kexue import hubness as hb
from kexue.encoders import load_glove
from kexue.jobs import Job, resource_folder
from kexue.sources import read_mnist

job = Job(snakemake)
s = snakemake.params.settings
rng = np.random.default_rng(s["seed"])
images, _ = read_mnist(resource_folder(snakemake.input.mnist) / "mnist.pkl.gz")["test"]
data = {
    "mnist": images[rng.choice(len(images), size=s["mnist_points"], replace=False)].astype(np.float64),
    # GloVe's rows are in order of corpus frequency: the first rows are the most frequent words
    "glove": np.asarray(load_glove().vectors[: s["glove_words"]], dtype=np.float64),
}
cells = []
for name, x in data.items():
    for view, points in (("ambient", x), (f"pca{s['pca_dims']}", hb.pca(x, s["pca_dims"], s["seed"]))):
        stats = hb.hub_statistics(hb.k_occurrence(points, s["k"]), points)
        cells.append(
            {"data": name, "view": view, "n": len(points), "d": points.shape[1]}
            | {"duplicates": hb.duplicate_count(points)}
            | stats
        )
        job.log.info("%s %s: %s", name, view, cells[-1])
job.metrics(
    snakemake.output[0],
    {
        "cells": cells,
        "report": {
            "title": f"Real data (report only, no claim): N_k with k = {s['k']}",
            "rows": [
                {
                    "quantity": f"{c['data']} {c['view']} (n = {c['n']}, d = {c['d']}, duplicates {c['duplicates']})",
                    "value": f"skewness {c['skewness']:.2f}, max {c['max']}, anti-hubs {c['antihub_fraction']:.1%},"
                    f" ρ(N_k, ‖x − mean‖) = {c['rho_centre']:.2f}",
                }
                for c in cells
            ],
        },
    },
)
