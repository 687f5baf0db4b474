"""init_uniform: steps to the target accuracy per α and the brief's ordering (kexue.attention_softmax.summarise_init);
the raw per-seed steps and curves stay in the metrics for the guards and the figure."""

from kexue import attention_softmax as am
from kexue.jobs import Job, read_json

job = Job(snakemake)
s = snakemake.params.settings
runs = {m["alpha"]: m["runs"] for m in (read_json(p) for p in snakemake.input)}
summary = am.summarise_init(runs)
for alpha, value in summary["per_alpha"].items():
    job.log.info("α = %s: steps %s, median %s", alpha, value["steps"], value["median"])
job.metrics(
    snakemake.output[0],
    {
        "scale": f"one attention head, {s['pairs']} pairs, width {s['width']}, cap {s['max_steps']} steps, "
        f"{len(s['seeds'])} seeds, evaluated every {s['eval_every']} steps",
        "target": s["target"],
        "max_steps": s["max_steps"],
        **summary,
    },
)
