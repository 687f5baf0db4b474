"""entropy_floor, temperature: the two-level closed form, the numerical minimum at n, and the gap c(τ)."""

import numpy as np

from kexue import attention_softmax as am
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
closed = am.floor_closed_form(1.0)
half_half = float(am.two_level_gap(0.5, 1.0))
job.log.info("closed form %s; the author's minimiser %.7f; half/half %.7f", closed, am.author_minimiser(), half_half)
numerical = am.numerical_floor(s["n"], s["restarts"], s["k_step"], np.random.default_rng(s["seed"]), 1.0)
finite = am.floor_finite_n(s["n"], 1.0)
job.log.info(
    "numerical at n = %d: best %.7f (random %.7f, k-search %.7f at k = %d); finite-n exact %.7f at k = %d",
    s["n"],
    numerical["best"],
    numerical["best_random"],
    numerical["best_k_search"],
    numerical["best_k"],
    finite["gap"],
    finite["k"],
)
gaps = [am.floor_closed_form(tau) for tau in s["taus"]]
finite_by_tau = [am.floor_finite_n(n, tau) for tau in s["taus"] for n in s["finite_ns"]]
for g in gaps:
    job.log.info("τ = %g: c(τ) = %.4f at f* = %.3g", g["tau"], g["gap"], g["f_plus"])
job.metrics(
    snakemake.output[0],
    {
        "scale": f"closed form (n → ∞); L-BFGS-B at n = {s['n']} from {s['restarts']} random starts and a k-search "
        f"(step {s['k_step']})",
        "closed_form": closed,
        "author_share_minus": am.author_minimiser(),
        "half_half_gap": half_half,
        "half_half_excess": half_half - closed["gap"],
        "numerical": numerical,
        "finite_n_exact": finite,
        "numerical_minus_finite_exact": numerical["best"] - finite["gap"],
        "taus": s["taus"],
        "gaps": [g["gap"] for g in gaps],
        "f_star": [g["f_plus"] for g in gaps],
        "gaps_strictly_decreasing": bool(np.all(np.diff([g["gap"] for g in gaps]) < 0)),
        "finite_n": finite_by_tau,
    },
)
