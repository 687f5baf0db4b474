"""fokker_planck.fokker_planck (2-D): the double well f = −∇U, U = (x² − 1)² + y², g = 1, by particles
against an explicit finite-volume solver that respects its stability bounds."""

import numpy as np
from scipy.special import ndtr

from kexue import fokker_planck as fp
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
rng = np.random.default_rng(s["seed"])
diffusion = 0.5 * s["g"] ** 2
edges = np.linspace(s["lo"], s["hi"], s["nodes"])
h = edges[1] - edges[0]
factor = (s["nodes"] - 1) // s["bins"]
if factor * s["bins"] != s["nodes"] - 1:
    raise ValueError(f"bins ({s['bins']}) must divide the number of cells (nodes − 1 = {s['nodes'] - 1})")
bins = edges[::factor]

# explicit scheme: dt ≤ h²/(2D·dims) for the diffusion, cell Péclet |f|h/D ≤ 2 for central fluxes
dt_limit = h**2 / (2 * diffusion * 2)
peclet = float(np.max(np.abs(fp.double_well_drift(np.stack([edges, edges], axis=-1)))) * h / diffusion)
job.log.info("h = %g, dt = %g (limit %g), max cell Péclet %.2f", h, s["pde_dt"], dt_limit, peclet)

# start: an isotropic Gaussian in the left well; the PDE starts from its exact cell averages
mean, sd = np.array(s["start_mean"]), s["start_sd"]
x0 = mean + sd * rng.standard_normal((s["particles"], 2))
cell_x = np.diff(ndtr((edges - mean[0]) / sd))
cell_y = np.diff(ndtr((edges - mean[1]) / sd))
p0 = np.outer(cell_x, cell_y) / h**2

particles = fp.euler_maruyama(x0, lambda x, t: fp.double_well_drift(x), s["g"], s["dt"], s["times"], rng)
job.log.info("Euler–Maruyama done: %d particles, dt = %g", s["particles"], s["dt"])
rows, p, t_done = [], p0, 0.0
for t in s["times"]:
    steps = round((t - t_done) / s["pde_dt"])
    p, t_done = fp.explicit_fp_2d(p, edges, diffusion, s["pde_dt"], steps), t
    mass = fp.coarsen(p * h**2, factor)
    rows.append(
        {
            "t": t,
            "l1": fp.l1_distance(particles[t], mass, [bins, bins]),
            "noise_floor": fp.noise_floor(mass, s["particles"]),
            # conservation by the zero-flux walls (the start itself misses the tail beyond the domain)
            "mass_error": float(abs(p.sum() - p0.sum()) * h**2),
            "left_well_share": float(mass[: s["bins"] // 2].sum()),
            "left_well_share_particles": float(np.mean(particles[t][:, 0] < 0)),
        }
    )
    job.log.info("%s", rows[-1])
job.metrics(
    snakemake.output[0],
    {
        "scale": f"{s['particles']} particles, {s['bins']}² bins, {s['nodes']}² nodes",
        "rows": rows,
        "l1_max": max(r["l1"] for r in rows),
        "noise_floor_max": max(r["noise_floor"] for r in rows),
        "mass_error_max": max(r["mass_error"] for r in rows),
        "start_mass_outside_domain": float(1.0 - p0.sum() * h**2),
        "dt_over_limit": s["pde_dt"] / dt_limit,
        "peclet_max": peclet,
        # the last time's bin masses, for the figure
        "final": {
            "t": s["times"][-1],
            "bins": bins.tolist(),
            "pde": mass.tolist(),
            "particles": (np.histogramdd(particles[t], bins=[bins, bins])[0] / s["particles"]).tolist(),
        },
    },
)
