"""toy_ode: the article's toy gradient flow with stop-gradient, full gradient and target-only gradient."""

from kexue import simsiam as ss
from kexue.jobs import Job

job = Job(snakemake)
p = snakemake.params
runs = {v: ss.integrate_toy(v, p.phi0, p.theta0, p.t_end, p.rtol) for v in ss.ODE_VARIANTS}
for v, r in runs.items():
    job.log.info("%s: φ(%g) = %.12g, θ(%g) = %.12g", v, p.t_end, r["phi_end"], p.t_end, r["theta_end"])
limit = ss.stop_gradient_limit(p.phi0, p.theta0)
sg = runs["stop_gradient"]
job.metrics(
    snakemake.output[0],
    {
        "scale": f"φ(0) = {p.phi0}, θ(0) = {p.theta0}, t ≤ {p.t_end}, rtol {p.rtol}",
        "runs": runs,
        "theta_limit": limit,
        "stop_gradient": {
            "phi_error": abs(sg["phi_end"] - 1.0),
            "theta_error": abs(sg["theta_end"] - limit),
            "invariant_drift": sg["invariant_drift"],
        },
        "collapsing": {
            "max_theta_end": max(abs(runs[v]["theta_end"]) for v in ("full_gradient", "target_only")),
            "max_phi_end": max(runs[v]["phi_end"] for v in ("full_gradient", "target_only")),
        },
    },
)
