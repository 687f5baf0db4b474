"""The scoring classifier: a small CNN trained once on MNIST with kexue.classify's loop, used only to score
samples (Fréchet distance in its penultimate features, mean max-probability)."""

import torch

from kexue import autoencoder as ae
from kexue import classify
from kexue.jobs import Job, resource_folder, write_atomic

job = Job(snakemake)
s = snakemake.params.settings
splits = classify.image_splits("mnist", resource_folder(snakemake.input) / "mnist.pkl.gz")
model, history = ae.train_scoring_classifier(splits, s, log=job.log)
write_atomic(snakemake.output.model, lambda tmp: torch.save(model.state_dict(), tmp))
job.table(snakemake.output.history, history)
job.metrics(snakemake.output.metrics, {**classify.summary(history, model), "settings": s})
