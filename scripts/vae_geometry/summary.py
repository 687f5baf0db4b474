"""Every trained model scored on held-out MNIST: aggregate-code KL to N(0, I), prior-sample Fréchet distance
and confidence under the scoring classifier, interpolation entropy; λ of the geo-VAE matched on validation;
the claims' numbers at each latent size. Also the images the figures show (prior samples, traversals, codes)."""

import pandas as pd
import torch

from kexue import autoencoder as ae
from kexue import vae_geometry as vg
from kexue.jobs import Job, read_json, resource_folder, write_atomic, write_runs_usage
from kexue.sources import read_mnist

job = Job(snakemake)
p, inp, out = snakemake.params, snakemake.input, snakemake.output
mnist = read_mnist(resource_folder(inp.mnist) / "mnist.pkl.gz")
train_x = torch.from_numpy(mnist["train"][0][: p.data["train"]])
test_x, test_y = (torch.from_numpy(a[: p.data["test"]]) for a in mnist["test"])
classifier = ae.scoring_cnn(p.classifier["channels"], p.classifier["features"])
classifier.load_state_dict(torch.load(inp.classifier))
real_features, _ = ae.classifier_view(classifier, test_x)
histories = pd.concat([pd.read_csv(h) for h in inp.histories], ignore_index=True)
kinds = vg.model_names(p.geo_weights)

# one run = (latent size, seed): the AE-and-VAE job's models, then the geo-VAE job's
trained = {}
for path in inp.models:
    meta = read_json(path.replace("models.pt", "metrics.json"))
    trained.setdefault((meta["latent"], meta["seed"]), {}).update(torch.load(path))

rows, figure_data = [], {"labels": test_y[: p.scatter].numpy()}
for (latent, seed), states in trained.items():
    for name, state in states.items():
        model = ae.Autoencoder(kinds[name][0], latent, p.model["hidden"])
        model.load_state_dict(state)
        numbers = vg.evaluate_model(
            model,
            name,
            classifier=classifier,
            train_x=train_x,
            test_x=test_x,
            real_features=real_features,
            seed=seed,
            **p.evaluation,
        )
        curve = histories.query("model == @name and latent == @latent and seed == @seed")
        numbers |= {"latent": latent, "seed": seed, "valid_mse": float(curve["valid_mse"].iloc[-1])}
        rows.append(numbers)
        job.log.info(
            "d=%d seed %d %-8s MSE %.2f  code KL %.3f  prior FD %.2f  max-prob %.3f",
            latent,
            seed,
            name,
            numbers["test_mse"],
            numbers["code_kl"],
            numbers["prior"]["frechet"],
            numbers["prior"]["max_prob"],
        )
        if seed == 0:  # the pictures: one seed
            z = vg.prior_samples(latent, p.grid, seed)
            pictures = {"prior": ae.decode(model, z).numpy(), "codes": ae.encode(model, test_x[: p.scatter]).mu.numpy()}
            if name == "ae":
                ref = ae.encode(model, train_x).mu
                pictures["standardised_prior"] = ae.decode(model, ref.mean(0) + ref.std(0) * z).numpy()
            pictures["traversal"] = vg.traversal(model, test_x[0], p.traversal).numpy()
            figure_data[f"d{latent}/{name}"] = pictures

by_latent = {}
for latent in sorted({r["latent"] for r in rows}):
    at = [r for r in rows if r["latent"] == latent]
    curves = {
        m: [g["valid_loss"].tolist() for _, g in histories.query("model == @m and latent == @latent").groupby("seed")]
        for m in kinds
    }
    by_latent[str(latent)] = vg.claims_at(at, curves, p.geo_weights)
    figure_data[f"d{latent}/chosen_geo"] = by_latent[str(latent)]["geo"]["model"]

decided = by_latent[str(p.claim_latent)]
classifier_metrics = read_json(inp.classifier_metrics)
flat = pd.json_normalize(rows, sep=".")
job.table(out.runs_table, flat)
write_runs_usage(out.usage, inp.runs)
write_atomic(out.figure_data, lambda tmp: torch.save(figure_data, tmp))
job.metrics(
    out.metrics,
    {
        "scale": (
            f"CPU proxy: {p.data['train']} training images, {p.epochs} epochs, claims decided at "
            f"d = {p.claim_latent} over {len(decided['seeds'])} seeds; {p.evaluation['samples']} prior samples"
        ),
        "latent": p.claim_latent,
        "classifier_accuracy": classifier_metrics["final"]["test_accuracy"],
        **decided,
        "by_latent": by_latent,
    },
)
