"""loss1_soft_not_softmax, loss3_soft_exact, m2_reduces: free logits (no model) in float64."""

from kexue import nm_classification as nm
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
rows = []
for loss in nm.LOSSES:
    rows += nm.free_logit_check(loss, s["heads"], s["classes"], s["label_sets"], s["starts"], s["seed"])
    mine = [r for r in rows if r["loss"] == loss]
    job.log.info(
        "%s: ‖∇l‖ at log t in [%.3g, %.3g]; minimiser's max|softmax − t| in [%.3g, %.3g]",
        loss,
        min(r["grad_norm_at_log_t"] for r in mine),
        max(r["grad_norm_at_log_t"] for r in mine),
        min(r["softmax_gap"] for r in mine),
        max(r["softmax_gap"] for r in mine),
    )
m2 = nm.m2_reduction(s["m2_heads"], s["seed"])
job.log.info("m = 2: %s", m2)


def extreme(loss, key, pick):
    return pick(r[key] for r in rows if r["loss"] == loss)


job.metrics(
    snakemake.output[0],
    {
        "scale": f"free logits, n = {s['heads']}, m = {s['classes']}, {s['label_sets']} Dirichlet(1) label sets, "
        f"BFGS from {s['starts']} starts, float64",
        "sets": rows,
        # every set must pass: the weakest set decides
        "loss1": {
            "min_grad_norm_at_log_t": extreme("loss1", "grad_norm_at_log_t", min),
            "min_softmax_gap": extreme("loss1", "softmax_gap", min),
        },
        "loss3": {
            "max_grad_norm_at_log_t": extreme("loss3", "grad_norm_at_log_t", max),
            "max_softmax_gap": extreme("loss3", "softmax_gap", max),
        },
        "ce": {
            "max_grad_norm_at_log_t": extreme("ce", "grad_norm_at_log_t", max),
            "max_softmax_gap": extreme("ce", "softmax_gap", max),
        },
        "m2": m2,
    },
)
