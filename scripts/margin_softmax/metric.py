"""cosine_metric, sufficient_condition: the triangle inequality of 1 − cos and sqrt(1 − cos), and the sufficient
condition's implication, on random points in float64."""

from kexue import margin_softmax as ms
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
cosine = ms.cosine_metric_check(s["triples"], s["dim"], s["seed"], s["tolerance"])
job.log.info("cosine: %s", {k: v for k, v in cosine.items() if k != "excess_histogram"})
sufficient = {
    "euclidean": ms.sufficient_condition_check(s["configurations"], s["configuration_dim"], s["seed"]),
    # the same configurations with 1 − cos, not a metric: the implication can fail (why the metric matters)
    "one_minus_cos": ms.sufficient_condition_check(
        s["configurations"], s["configuration_dim"], s["seed"], distance=ms.one_minus_cos
    ),
}
job.log.info("sufficient condition: %s", sufficient)
job.metrics(
    snakemake.output[0],
    {
        "scale": f"float64; {s['triples']} triples in R^{s['dim']}; {s['configurations']} configurations in "
        f"R^{s['configuration_dim']}",
        "cosine": cosine,
        "sufficient": sufficient,
    },
)
