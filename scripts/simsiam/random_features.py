"""random_features: kNN accuracy of the frozen randomly initialised encoder against raw pixels."""

import numpy as np

from kexue import simsiam as ss
from kexue import sources
from kexue.jobs import Job, resource_folder

job = Job(snakemake)
p = snakemake.params
data = ss.mnist_images(sources.read_mnist(resource_folder(snakemake.input) / "mnist.pkl.gz"), p.train_images)
random_cnn = [ss.random_feature_knn(data, p.channels, p.knn_k, seed) for seed in p.seeds]
raw = ss.knn_accuracy(
    data["train"].reshape(len(data["train"]), -1).numpy(),
    data["train_labels"],
    data["test"].reshape(len(data["test"]), -1).numpy(),
    data["test_labels"],
    p.knn_k,
)
job.log.info("random CNN %s, raw pixels %.4f", random_cnn, raw)
job.metrics(
    snakemake.output[0],
    {
        "scale": f"{p.train_images} training images as the bank, 10k test images, k = {p.knn_k}, cosine",
        "random_cnn_per_seed": random_cnn,
        "random_cnn": float(np.mean(random_cnn)),
        "raw_pixels": raw,
        "random_cnn_minus_raw": float(np.mean(random_cnn)) - raw,
        "chance": 0.1,
    },
)
