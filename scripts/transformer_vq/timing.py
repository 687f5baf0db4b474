"""linear_time: wall time of causal quadratic attention and the VQ blockwise form over n in one job, and the
log-log slopes (ratios within one run; an absolute time is never a test). Each slope is also fitted per timing
repeat, and its distance from the claim's threshold per repeat is what the rule's spread guard reads."""

import torch

from kexue import transformer_vq as vq
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
torch.set_num_threads(snakemake.threads)
metrics = {"scale": "timing off on this tier", "rows": []}
if s["enabled"]:
    rows = vq.timings(s["ns"], s["d"], s["c"], s["l"], s["chunk"], s["repeats"], s["seed"], log=job.log)
    ns = [r["n"] for r in rows]
    forms = ("quadratic", "vq", "vq_without_assignment")
    metrics = {
        "scale": f"float32, d = {s['d']}, c = {s['c']}, l = {s['l']}, {snakemake.threads} torch thread(s), "
        f"median of {s['repeats']} interleaved repeats; a shared CPU",
        "rows": rows,
        "slope": {form: vq.loglog_slope(ns, [r[f"{form}_s"] for r in rows]) for form in forms},
        "slope_of_minimum": {form: vq.loglog_slope(ns, [r[f"{form}_min_s"] for r in rows]) for form in forms},
        "slope_per_repeat": {form: vq.slopes_per_repeat(rows, form) for form in forms},
        # slope − threshold per repeat: the guard asks whether the slope's distance from its threshold
        # (the claim's 1.2 for the linear forms, 1.7 for the quadratic one) exceeds the repeats' spread
        "margin_per_repeat": {
            form: [slope - s["thresholds"][form] for slope in vq.slopes_per_repeat(rows, form)] for form in forms
        },
        "speedup_at_largest_n": rows[-1]["quadratic_s"] / rows[-1]["vq_s"],
        "threads": snakemake.threads,
    }
    job.log.info("slopes %s", metrics["slope"])
job.metrics(snakemake.output[0], metrics)
