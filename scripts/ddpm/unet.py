"""Full tier: one U-Net run on MNIST for no_batchnorm (GroupNorm vs BatchNorm, fp32) or sum_not_mean (fp16
autocast on CUDA, summed vs mean squared error). Writes its loss curve, and for fp32 runs the Fréchet
distance of its samples in the MNIST classifier's features."""

import numpy as np
import torch

from kexue import classify, ddpm, sources
from kexue.jobs import Job

job = Job(snakemake)
wc, u, sch = snakemake.wildcards, snakemake.params.unet, snakemake.params.schedule
seed, fp16 = int(wc.seed), wc.precision == "fp16"
device = "cuda" if torch.cuda.is_available() else "cpu"
record = {"norm": wc.norm, "reduction": wc.reduction, "precision": wc.precision, "seed": seed, "device": device}
if fp16 and device != "cuda":
    # the claim is about fp16 gradients; on a CPU there is nothing to test (the brief: report inconclusive)
    job.log.warning("no CUDA device: the fp16 run is skipped")
    job.metrics(snakemake.output[0], record | {"skipped": "no CUDA device for fp16 autocast"})
    raise SystemExit(0)
s = ddpm.schedule(sch["T"], sch["beta_max_sq"])
splits = sources.read_mnist(snakemake.input.data[1])
train_x = torch.from_numpy(2 * splits["train"][0][: u["train_size"]] - 1)  # pixels in [−1, 1]
torch.manual_seed(seed)
model = ddpm.UNet(28, u["channels"], norm=wc.norm).to(device)
history = ddpm.train(
    model,
    train_x,
    s,
    steps=u["steps"],
    batch_size=u["batch_size"],
    lr=u["lr"],
    seed=seed,
    eval_every=u["eval_every"],
    eval_size=u["eval_size"],
    reduction=wc.reduction,
    autocast_fp16=fp16,
    device=device,
    log=job.log,
)
record |= {"history": history, "final_over_best": ddpm.final_over_best([h["eval_loss"] for h in history])}
if not fp16:
    state = torch.load(snakemake.input.classifier, weights_only=False)
    net = classify.mlp(state["widths"])
    net.load_state_dict(state["state_dict"])
    features = net[:-1]
    reference = classify.predict(features, torch.from_numpy(2 * splits["valid"][0] - 1)).numpy()
    x = ddpm.sample(model, u["samples"], 784, s, ["beta"], seed=seed, device=device)["beta"]
    noise = torch.from_numpy(np.random.default_rng(seed).standard_normal((u["samples"], 784)).astype(np.float32))
    record |= {
        "fd": ddpm.frechet_distance(reference, classify.predict(features, x).numpy()),
        "fd_gaussian": ddpm.frechet_distance(reference, classify.predict(features, noise).numpy()),
    }
    job.log.info("Fréchet distance %.4g (N(0, I): %.4g)", record["fd"], record["fd_gaussian"])
job.metrics(snakemake.output[0], record)
