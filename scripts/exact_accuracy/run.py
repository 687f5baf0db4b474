"""One training run of the EXACT comparison: image set × loss × seed, on kexue.classify's loop."""

import torch

from kexue import classify
from kexue import exact_accuracy as ea
from kexue.jobs import Job

job = Job(snakemake)
p, wc = snakemake.params, snakemake.wildcards
data = torch.load(snakemake.input.data)
x_train, y_train = data["train"]
nodes = ea.quantile_nodes(p.model["nodes"])
widths = [x_train.shape[1], *p.model["hidden"]]
classes = int(y_train.max()) + 1


def first_order(model, epoch):
    """CE's first-order argument on the training samples: softmax(μ)'s p for the label, every epoch."""
    share, gap = ea.first_order_gap(ea.softmax_target_probability(model, x_train, y_train))
    return {"share_p_high": share, "first_order_gap": gap}


model, history = classify.train(
    lambda: ea.MuSigma(widths, classes, p.model["mu_scale"]),
    ea.make_loss(wc.loss, nodes),
    (x_train, y_train),
    seed=int(wc.seed),
    evaluate={"test": data["test"]},
    scores=ea.mu_scores,
    extra=first_order,
    log=job.log,
    **p.training,
)
_, sigma = classify.predict(model, data["test"][0])
job.table(snakemake.output.history, history)
job.metrics(
    snakemake.output.metrics,
    {
        "dataset": wc.dataset,
        "loss": wc.loss,
        "seed": int(wc.seed),
        **classify.summary(history, model),
        "final_first_order_gap": history["first_order_gap"].iloc[-1],
        "share_p_high": history["share_p_high"].tolist(),
        "test_sigma_median": sigma.median().item(),
        "usage": job.usage(),
    },
)
