"""fokker_planck.continuity, fokker_planck.fokker_planck (1-D), fokker_planck.weak_form: the OU process
dx = −x dt + √2 dw from a bimodal start, by particles against the closed form and finite volumes."""

import numpy as np

from kexue import fokker_planck as fp
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
rng = np.random.default_rng(s["seed"])
m0, s0, g = s["mean0"], s["sd0"], s["g"]
diffusion = 0.5 * g**2  # ½g²: the Laplacian's coefficient


def drift(x, t):
    return -x


def flow(x, t):
    """Probability-flow ODE: f − ½g²∇log p_t, with the exact score of the mixture."""
    return drift(x, t) - diffusion * fp.ou_score(x, t, m0, s0)


edges = np.linspace(s["lo"], s["hi"], s["nodes"])
factor = (s["nodes"] - 1) // s["bins"]
if factor * s["bins"] != s["nodes"] - 1:
    raise ValueError(f"bins ({s['bins']}) must divide the number of cells (nodes − 1 = {s['nodes'] - 1})")
bins = edges[::factor]
p0 = fp.cell_averages(lambda x: fp.ou_cdf(x, 0.0, m0, s0), edges)


def exact_bins(t):
    return np.diff(fp.ou_cdf(bins, t, m0, s0))


# --- particles: the SDE by Euler–Maruyama, the probability-flow ODE by RK4, from the same start ---
x0 = fp.ou_sample0(s["particles"], m0, s0, rng)
weak_times = sorted({round(t + d, 9) for t in s["weak"]["times"] for d in (-s["weak"]["delta"], 0, s["weak"]["delta"])})
sde = fp.euler_maruyama(x0, drift, g, s["dt"], sorted(set(s["times"]) | set(weak_times)), rng)
job.log.info("Euler–Maruyama done: %d particles, dt = %g", s["particles"], s["dt"])
ode = fp.rk4(x0, flow, s["ode_dt"], s["ode_times"])
job.log.info("probability-flow ODE done: RK4, dt = %g", s["ode_dt"])

# --- PDEs: Fokker–Planck (f = −x, D = 1) and the continuity equation of the flow ---
fokker = fp.crank_nicolson(p0, edges, drift, diffusion, s["dt"], s["times"], steady=True)
continuity = fp.crank_nicolson(p0, edges, flow, 0.0, s["dt"], s["ode_times"])
h = edges[1] - edges[0]
job.log.info("Crank–Nicolson done: %d nodes, h = %g", s["nodes"], h)

rows, curves = [], []
for equation, particles, pde in (("fokker_planck", sde, fokker), ("continuity", ode, continuity)):
    for t in s["times"] if equation == "fokker_planck" else s["ode_times"]:
        exact, solved = exact_bins(t), fp.coarsen(pde[t] * h, factor)
        rows.append(
            {
                "equation": equation,
                "t": t,
                "l1_exact": fp.l1_distance(particles[t], exact, bins),
                "l1_pde": fp.l1_distance(particles[t], solved, bins),
                "pde_vs_exact": float(np.abs(solved - exact).sum()),
                "noise_floor": fp.noise_floor(exact, s["particles"]),
                "mass_error": float(abs(pde[t].sum() * h - 1.0)),
            }
        )
        job.log.info("%s", rows[-1])
        histogram = np.histogram(particles[t], bins=bins)[0] / s["particles"]
        curves.append({"equation": equation, "t": t, "exact": exact.tolist(), "pde": solved.tolist()})
        curves[-1]["particles"] = histogram.tolist()


def summary(equation):
    mine = [r for r in rows if r["equation"] == equation]
    return {
        "l1_max": max(max(r["l1_exact"], r["l1_pde"]) for r in mine),
        "noise_floor_max": max(r["noise_floor"] for r in mine),
        "mass_error_max": max(r["mass_error"] for r in mine),
        "pde_vs_exact_max": max(r["pde_vs_exact"] for r in mine),
    }


weak = [
    {"t": t, "function": name}
    | fp.weak_form_gap(
        sde[round(t - s["weak"]["delta"], 9)],
        sde[t],
        sde[round(t + s["weak"]["delta"], 9)],
        s["weak"]["delta"],
        drift,
        t,
        g,
        name,
    )
    for t in s["weak"]["times"]
    for name in s["weak"]["functions"]
]
for w in weak:
    job.log.info("weak form %s", w)
job.metrics(
    snakemake.output[0],
    {
        "scale": f"{s['particles']} particles, {s['bins']} bins, {s['nodes']} nodes",
        "rows": rows,
        "bins": bins.tolist(),
        "curves": curves,
        "fokker_planck": summary("fokker_planck"),
        "continuity": summary("continuity"),
        "weak": {"cells": weak, "max_abs_z": max(abs(w["z"]) for w in weak)},
    },
)
