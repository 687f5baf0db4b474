"""discrete_reparam.gumbel_softmax: with Gumbel noise the construction is exactly softmax(μ), by scipy quad
of the integral and by Monte-Carlo argmax frequencies."""

import numpy as np

from kexue import discrete_reparam as dr
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
rows = []
for n in s["ns"]:
    for scale in s["scales"]:
        rng = np.random.default_rng([s["seed"], n, int(scale * 1000)])
        mu = rng.normal(0.0, scale, n)
        target = dr.softmax(mu)
        integral = dr.gumbel_integrated_probs(mu)
        row = {"n": n, "scale": scale, "mu": mu.tolist(), "softmax": target.tolist(), "integral": integral.tolist()}
        row["integral_error"] = float(np.abs(integral - target).max())
        if n in s["mc_ns"]:
            freq = dr.argmax_frequencies(mu, s["mc_draws"], dr.gumbel_noise, rng)
            z = (freq - target) / dr.binomial_se(target, s["mc_draws"])
            row |= {"monte_carlo": freq.tolist(), "z": z.tolist(), "max_abs_z": float(np.abs(z).max())}
        rows.append(row)
        job.log.info(
            "n=%d s=%g: |quad − softmax| = %.2g, MC max |z| = %s",
            n,
            scale,
            row["integral_error"],
            f"{row['max_abs_z']:.2f}" if "max_abs_z" in row else "—",
        )
job.metrics(
    snakemake.output[0],
    {
        "scale": f"{len(rows)} random μ; Monte Carlo with {s['mc_draws']} Gumbel draws for n ∈ {s['mc_ns']}",
        "mc_draws": s["mc_draws"],
        "cases": rows,
        "max_integral_error": max(r["integral_error"] for r in rows),
        "max_abs_z": max(r["max_abs_z"] for r in rows if "max_abs_z" in r),
    },
)
