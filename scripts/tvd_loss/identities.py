"""limits, gradient, stopgrad_form: L_γ's identities in float64."""

import numpy as np

from kexue import tvd_loss as tvd
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
p = np.linspace(0.01, 1.0, s["p_points"])
limits = tvd.limits(s["gammas_near_one"], p)
gradient = tvd.gradient_identity(s["gammas"], s["seed"])
stopgrad = tvd.stopgrad_identity([g for g in s["gammas"] if g > 0], s["bs"], s["seed"])
job.log.info("limits: %s", limits)
job.log.info("gradient: %s", gradient)
job.log.info("stop-gradient: %s", stopgrad)
job.metrics(
    snakemake.output[0],
    {
        "scale": f"float64; p on [0.01, 1] ({s['p_points']} points); a random 5 → 4 softmax classifier on 16 samples",
        "limits": limits,
        "gradient": {"rows": gradient, "max_relative_error": max(r["relative_error"] for r in gradient)},
        "stopgrad": {
            "rows": stopgrad,
            "max_relative_error": max(r["relative_error"] for r in stopgrad),
            "max_error_vs_gamma_loss": max(r["error_vs_gamma_loss"] for r in stopgrad if "error_vs_gamma_loss" in r),
        },
    },
)
