"""One ε-MLP run (variance_choice, t_embedding): train on moons or digits, sample with both variance choices
from the same noise, and score the samples against held-out data."""

import numpy as np
import torch

from kexue import classify, ddpm
from kexue.jobs import Job, write_atomic

job = Job(snakemake)
wc, d, tr, sch = snakemake.wildcards, snakemake.params.data, snakemake.params.training, snakemake.params.schedule
seed = int(wc.seed)
s = ddpm.schedule(sch["T"], sch["beta_max_sq"])
CHOICES = ["beta", "posterior"]

if wc.dataset == "moons":
    # training set random_state 0, held-out 1, a second held-out set 2 (the metric's noise floor)
    train_x, heldout, heldout2 = ddpm.standardise(
        *(
            ddpm.moons(n, d["data"]["noise"], rs)
            for n, rs in ((d["data"]["train"], 0), (d["data"]["heldout"], 1), (d["data"]["heldout"], 2))
        )
    )
    dirs = ddpm.directions(d["projections"], 2, seed=0)
    k = d["mmd_points"]
    bandwidth = ddpm.median_bandwidth(heldout[:k])

    def score(x):
        return {"sw": ddpm.sliced_wasserstein(heldout, x, dirs), "mmd2": ddpm.mmd2(heldout[:k], x[:k], bandwidth)}

    reference = {"floor": score(heldout2)}
else:
    split = ddpm.digits(d["heldout"], seed=0)
    train_x, heldout = split["train"][0], split["heldout"][0]
    state = torch.load(snakemake.input.classifier, weights_only=False)
    net = classify.mlp(state["widths"])
    net.load_state_dict(state["state_dict"])
    features = net[:-1]  # the penultimate layer (after its ReLU)
    heldout_features = classify.predict(features, torch.from_numpy(heldout)).numpy()

    def score(x):
        return {"fd": ddpm.frechet_distance(heldout_features, classify.predict(features, torch.from_numpy(x)).numpy())}

    # floor: as many real training images as samples, against the same held-out set
    reference = {"floor": score(train_x[np.random.default_rng(0).permutation(len(train_x))[: d["samples"]]])}
dim = train_x.shape[1]
reference["gaussian"] = score(np.random.default_rng(seed).standard_normal((d["samples"], dim)).astype(np.float32))
job.log.info("%s: %d training points of dim %d; reference scores %s", wc.dataset, len(train_x), dim, reference)

torch.manual_seed(seed)
model = ddpm.EpsMLP(
    dim, d["hidden"], d["layers"], ddpm.time_embedding(wc.encoding, tr["embedding_dim"], s.T), tr["embedding_dim"]
)
history = ddpm.train(
    model,
    torch.from_numpy(train_x),
    s,
    steps=d["steps"],
    batch_size=tr["batch_size"],
    lr=tr["lr"],
    seed=seed,
    eval_every=d["eval_every"],
    eval_size=tr["eval_size"],
    log=job.log,
)
samples = {c: x.numpy() for c, x in ddpm.sample(model, d["samples"], dim, s, CHOICES, seed=seed).items()}
scores = {c: score(samples[c]) for c in CHOICES}
job.log.info("scores %s", scores)
keep = 1000 if wc.dataset == "moons" else 32


def save_samples(tmp):
    with open(tmp, "wb") as f:
        np.savez_compressed(f, heldout=heldout[:keep], **{c: samples[c][:keep] for c in CHOICES})


write_atomic(snakemake.output.samples, save_samples)
job.metrics(
    snakemake.output.metrics,
    {
        "dataset": wc.dataset,
        "encoding": wc.encoding,
        "seed": seed,
        "scores": scores,
        "reference": reference,
        "history": history,
        "parameters": classify.parameter_count(model),
    },
)
