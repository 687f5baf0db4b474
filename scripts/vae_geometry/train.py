"""One run (latent size d, seed, part): part "ae_vae" the AE and the VAE (eae_knn_entropy reads these too),
part "geo" a geo-VAE per λ; every model trained by the shared loop on the same images from the same initial
weights (torch.manual_seed(seed) before each), so splitting the run in two jobs changes no number. Writes
their state dicts and per-epoch validation curves."""

import pandas as pd
import torch

from kexue import autoencoder as ae
from kexue import vae_geometry as vg
from kexue.jobs import Job, resource_folder, write_atomic
from kexue.sources import read_mnist

job = Job(snakemake)
p = snakemake.params
latent, seed = int(snakemake.wildcards.latent), int(snakemake.wildcards.seed)
mnist = read_mnist(resource_folder(snakemake.input) / "mnist.pkl.gz")
train_x = torch.from_numpy(mnist["train"][0][: p.data["train"]])
valid_x = torch.from_numpy(mnist["valid"][0][: p.data["valid"]])
states, histories = {}, []
# the AE-and-VAE job has no geo_weights param: changing the λ grid must not retrain the models both articles read
for name, (kind, weight) in vg.run_models(p.part, getattr(p, "geo_weights", ())).items():
    torch.manual_seed(seed)  # the same initial encoder and decoder for every model of this seed
    model = ae.Autoencoder(kind, latent, p.model["hidden"])
    job.log.info("d=%d seed %d: %s (%s, weight %g)", latent, seed, name, kind, weight)
    history = ae.train(
        model, train_x, valid_x, regulariser=ae.standard_regulariser(kind, weight), seed=seed, log=job.log, **p.train
    )
    states[name] = model.state_dict()
    histories.append(history.assign(model=name, latent=latent, seed=seed))
write_atomic(snakemake.output.models, lambda tmp: torch.save(states, tmp))
histories = pd.concat(histories, ignore_index=True)
job.table(snakemake.output.history, histories)
job.metrics(snakemake.output.metrics, {"latent": latent, "seed": seed, "models": list(states), "usage": job.usage()})
