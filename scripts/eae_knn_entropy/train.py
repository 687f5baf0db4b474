"""One seed: the EAE at every λ (BN without γ, β on the code, −λ·Ĥ(z) by the k-NN estimator within the batch),
trained by the shared loop from the same initial weights and with the same settings as the plain AE and the VAE
it is compared with (vae_geometry's rule vae_geometry_train_ae_vae trains those, once for both articles)."""

import pandas as pd
import torch

from kexue import autoencoder as ae
from kexue import eae_knn_entropy as eae
from kexue.jobs import Job, resource_folder, write_atomic
from kexue.sources import read_mnist

job = Job(snakemake)
p = snakemake.params
seed = int(snakemake.wildcards.seed)
mnist = read_mnist(resource_folder(snakemake.input) / "mnist.pkl.gz")
train_x = torch.from_numpy(mnist["train"][0][: p.data["train"]])
valid_x = torch.from_numpy(mnist["valid"][0][: p.data["valid"]])
states, histories = {}, []
for name, (kind, weight) in eae.eae_models(p.weights).items():
    torch.manual_seed(seed)  # the same initial encoder and decoder for every model of this seed
    model = ae.Autoencoder(kind, p.latent, p.model["hidden"])
    job.log.info("seed %d: %s (%s, weight %g)", seed, name, kind, weight)
    history = ae.train(
        model, train_x, valid_x, regulariser=eae.regulariser(kind, weight, p.k), seed=seed, log=job.log, **p.train
    )
    states[name] = model.state_dict()
    histories.append(history.assign(model=name, seed=seed))
write_atomic(snakemake.output.models, lambda tmp: torch.save(states, tmp))
job.table(snakemake.output.history, pd.concat(histories, ignore_index=True))
job.metrics(snakemake.output.metrics, {"seed": seed, "models": list(states), "usage": job.usage()})
