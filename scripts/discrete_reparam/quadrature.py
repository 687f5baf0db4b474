"""discrete_reparam.quadrature: the K-node rule for Gaussian noise against Monte Carlo and against scipy quad,
its error against K, and its torch autograd gradient against central differences."""

import numpy as np
import torch

from kexue import discrete_reparam as dr
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
torch.set_num_threads(job.threads)
K_top, K_low = max(s["Ks"]), min(s["Ks"])
cases = []
for n in s["ns"]:
    for scale in s["scales"]:
        rng = np.random.default_rng([s["seed"], n, int(scale * 1000)])
        mu = rng.normal(0.0, scale, n)
        reference = dr.gaussian_integrated_probs(mu)
        errors = {
            K: float(np.abs(dr.quadrature_probs(torch.from_numpy(mu), dr.gaussian_nodes(K)).numpy() - reference).max())
            for K in s["Ks"]
        }
        p_top = dr.quadrature_probs(torch.from_numpy(mu), dr.gaussian_nodes(K_top)).numpy()
        freq = dr.argmax_frequencies(mu, s["mc_draws"], dr.gaussian_noise, rng)
        se = dr.binomial_se(reference, s["mc_draws"])
        z = np.abs(p_top - freq) / se
        # the Monte Carlo against the exact T: tells a bias of the K-node rule from a fault of the simulation
        z_reference = np.abs(reference - freq) / se
        case = {
            "n": n,
            "scale": scale,
            "errors": {str(K): e for K, e in errors.items()},
            "error_ratio": errors[K_low] / errors[K_top],
            "reference_sum": float(reference.sum()),
            "mc_max_abs_z": float(z.max()),
            "mc_max_abs_diff": float(np.abs(p_top - freq).max()),
            "reference_mc_max_abs_z": float(z_reference.max()),
        }
        cases.append(case)
        job.log.info(
            "n=%d s=%g: errors %s, ratio %.1f, |p_K − MC| max z = %.2f",
            n,
            scale,
            {K: f"{e:.2g}" for K, e in errors.items()},
            case["error_ratio"],
            case["mc_max_abs_z"],
        )

gradients = []
nodes = dr.gaussian_nodes(K_top)
for n in s["gradient"]["ns"]:
    rng = np.random.default_rng([s["seed"], n, 7])
    mu = rng.normal(0.0, s["gradient"]["scale"], n)
    auto = dr.jacobian_autograd(mu, nodes)
    fd = dr.jacobian_central_differences(mu, nodes, s["gradient"]["h"])
    rel = float(np.linalg.norm(auto - fd) / np.linalg.norm(auto))
    gradients.append({"n": n, "relative_error": rel, "max_abs_jacobian": float(np.abs(auto).max())})
    job.log.info("gradient n=%d: ‖J_autograd − J_fd‖/‖J‖ = %.2g", n, rel)
job.metrics(
    snakemake.output[0],
    {
        "scale": f"{len(cases)} μ; Monte Carlo with {s['mc_draws']} Gaussian draws; reference by scipy quad",
        "mc_draws": s["mc_draws"],
        "K": K_top,
        "Ks": s["Ks"],
        "cases": cases,
        "mc_max_abs_z": max(c["mc_max_abs_z"] for c in cases),
        "reference_mc_max_abs_z": max(c["reference_mc_max_abs_z"] for c in cases),
        "min_error_ratio": min(c["error_ratio"] for c in cases),
        "max_error_by_K": {str(K): max(c["errors"][str(K)] for c in cases) for K in s["Ks"]},
        "gradients": gradients,
        "gradient_relative_error": max(g["relative_error"] for g in gradients),
    },
)
