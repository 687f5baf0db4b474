"""One (prior ratio R, seed) of the synthetic linear task: every loss × model on kexue.classify's loop."""

import pandas as pd
import torch

from kexue import classify
from kexue import nm_classification as nm
from kexue.jobs import Job

job = Job(snakemake)
p, wc = snakemake.params, snakemake.wildcards
ratio, seed = float(wc.ratio), int(wc.seed)
heads, classes = p.task["heads"], p.task["classes"]
data = nm.linear_task(
    p.task["dim"], heads, classes, ratio, p.task["n_train"], p.task["n_test"], seed=p.task["task_seed"]
)
x_test, y_test = data["test"]
test_prior = torch.bincount(y_test.flatten(), minlength=classes).double() / y_test.numel()
job.log.info("R = %g: test class shares %s", ratio, [round(v, 4) for v in test_prior.tolist()])

histories, runs = [], {}
for model_name, hidden in p.models.items():
    for loss in p.losses:

        def build(hidden=hidden):
            return nm.HeadsModel(classify.mlp([p.task["dim"], *hidden, heads * classes]), heads, classes)

        job.log.info("%s, %s", model_name, loss)
        model, history = classify.train(
            build,
            nm.hard_loss(loss, classes),
            data["train"],
            seed=seed,
            evaluate={"test": data["test"]},
            log=job.log,
            **p.training,
        )
        scores = classify.predict(model, x_test)
        macro, per_class = classify.macro_recall(scores, y_test, classes)
        runs[f"{model_name}/{loss}"] = classify.summary(history, model) | {
            "test_accuracy": classify.accuracy(scores, y_test),
            "macro_recall": macro,
            "per_class_recall": per_class,
            "above_mean_not_max": nm.above_mean_not_max(scores, y_test),
        }
        histories.append(history.assign(model=model_name, loss=loss))

job.table(snakemake.output.history, pd.concat(histories, ignore_index=True))
job.metrics(
    snakemake.output.metrics,
    {
        "ratio": ratio,
        "seed": seed,
        "test_class_shares": test_prior.tolist(),
        "runs": runs,
        "usage": job.usage(),
    },
)
