"""init_uniform: steps to the target accuracy per α (median over seeds, a run that never reaches it counting as
∞) and the brief's ordering; the raw per-seed steps stay in the metrics for the guards and the figure."""

import math
import statistics

from kexue.jobs import Job, read_json

job = Job(snakemake)
s = snakemake.params.settings
per_alpha = {}
for path in snakemake.input:
    m = read_json(path)
    steps = [r["reached"] for r in m["runs"]]
    per_alpha[f"{m['alpha']:g}"] = {
        "steps": steps,  # None: never reached the target within max_steps
        "median": statistics.median(math.inf if x is None else x for x in steps),
        "reached_fraction": sum(x is not None for x in steps) / len(steps),
        "runs": m["runs"],
    }
for key, value in per_alpha.items():
    job.log.info("α = %s: steps %s, median %s", key, value["steps"], value["median"])
median = {a: per_alpha[a]["median"] for a in ("1", "10", "30")}
job.metrics(
    snakemake.output[0],
    {
        "scale": f"one attention head, {s['pairs']} pairs, width {s['width']}, cap {s['max_steps']} steps, "
        f"{len(s['seeds'])} seeds, evaluated every {s['eval_every']} steps",
        "target": s["target"],
        "max_steps": s["max_steps"],
        "per_alpha": per_alpha,
        # JSON has no ∞: a median that never reached the target is reported as null
        "median_steps": {a: (None if math.isinf(v) else v) for a, v in median.items()},
        "alpha1_not_slower_than_alpha10": median["1"] <= median["10"],
        "alpha10_faster_than_alpha30": median["10"] < median["30"],
        "alpha30_twice_as_slow_or_never": math.isinf(median["30"]) or median["30"] >= 2 * median["10"],
        "alpha1_reached_fraction": per_alpha["1"]["reached_fraction"],
    },
)
