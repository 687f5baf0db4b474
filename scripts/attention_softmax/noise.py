"""noise_robust: mean ‖õ − o‖/‖o‖ and ‖õ − o‖ over draws, per variant and n; slopes over n ≥ slope_min_n."""

import numpy as np

from kexue import attention_softmax as am
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
variants = {}
for v in s["variants"]:
    rng = np.random.default_rng(s["seed"])
    rows = []
    for n in s["ns"]:
        errors = am.noise_errors(n, s["d"], s["draws"], rng, v["score_std"], v["noise"], v["noise_scale"], v["signal"])
        job.log.info("%s, n = %d: %s", v["name"], n, errors)
        rows.append({"n": n, **errors})
    fit = [r for r in rows if r["n"] >= s["slope_min_n"]]
    relative = [r["relative"] for r in rows]
    variants[v["name"]] = {
        **{k: v[k] for k in ("score_std", "noise", "noise_scale", "signal")},
        "ns": s["ns"],
        "relative": relative,
        "absolute": [r["absolute"] for r in rows],
        "n_eff": [r["n_eff"] for r in rows],
        "slope": am.loglog_slope([r["n"] for r in fit], [r["relative"] for r in fit]),
        "absolute_slope": am.loglog_slope([r["n"] for r in fit], [r["absolute"] for r in fit]),
        "strictly_decreasing": bool(np.all(np.diff(relative) < 0)),
    }
if "base" not in variants:
    raise SystemExit("attention_softmax noise: the variants need one named `base` (the rule reads it)")
job.metrics(
    snakemake.output[0],
    {
        "scale": f"d = {s['d']}, {s['draws']} draws per n, slope over n ≥ {s['slope_min_n']}",
        "base": variants["base"],
        "variants": variants,
    },
)
