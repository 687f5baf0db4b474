"""heat_equation.first_order_implies_laplace, .compatibility, .discretisation: the derivation's claims on random
matrices, with exact solutions from scipy.linalg.expm."""

import numpy as np

from kexue import heat_equation as he
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
points = [tuple(p) for p in s["points"]]
laplace, compatibility, discretisation = [], [], []
for seed in s["seeds"]:
    rng = np.random.default_rng(seed)
    A = he.random_generator(s["dim"], rng)
    B = he.commuting_partner(A, *s["commuting"])
    C = he.random_generator(s["dim"], rng)  # a random partner: AC ≠ CA
    z0 = rng.standard_normal(s["dim"])

    # first order ⇒ Laplace: residual of z_xx + S z_yy on the exact solution, for every step h of the sweep
    steps = sorted({*s["hs"], s["h"]}, reverse=True)
    residuals = {h: max(he.laplace_residual(A, B, z0, x, y, h) for x, y in points) for h in steps}
    laplace.append(
        {
            "seed": seed,
            "commutator_norm": float(np.linalg.norm(he.commutator(A, B))),
            "cond_B2": float(np.linalg.cond(B @ B)),
            "residual_by_h": {f"{h:g}": r for h, r in residuals.items()},
            "residual": residuals[s["h"]],
        }
    )

    # compatibility: the commutator on z₀ and the two integration orders, for the random and the commuting pair
    compatibility.append(
        {
            "seed": seed,
            "commutator_on_z0": float(np.linalg.norm(he.commutator(A, C) @ z0) / np.linalg.norm(z0)),
            "path_gap": float(
                np.linalg.norm(he.path_x_then_y(A, C, z0, 1, 1) - he.path_y_then_x(A, C, z0, 1, 1))
                / np.linalg.norm(he.path_x_then_y(A, C, z0, 1, 1))
            ),
            "path_gap_commuting": float(
                np.linalg.norm(he.path_x_then_y(A, B, z0, 1, 1) - he.path_y_then_x(A, B, z0, 1, 1))
                / np.linalg.norm(he.path_x_then_y(A, B, z0, 1, 1))
            ),
        }
    )

    # discretisation: one explicit step (I + ΔA)z against expm(ΔA)z, along x (A) and along y (B)
    errors_x = [he.euler_step_error(A, z0, dx) for dx in s["dxs"]]
    errors_y = [he.euler_step_error(B, z0, dx) for dx in s["dxs"]]
    discretisation.append(
        {
            "seed": seed,
            "errors_x": errors_x,
            "errors_y": errors_y,
            "slope_x": he.loglog_slope(s["dxs"], errors_x),
            "slope_y": he.loglog_slope(s["dxs"], errors_y),
        }
    )
    job.log.info(
        "seed %d: Laplace residual %.2g (h = %g, cond B² %.3g); commutator %.3g, path gap %.3g (commuting %.2g); "
        "slopes %.3f, %.3f",
        seed,
        laplace[-1]["residual"],
        s["h"],
        laplace[-1]["cond_B2"],
        compatibility[-1]["commutator_on_z0"],
        compatibility[-1]["path_gap"],
        compatibility[-1]["path_gap_commuting"],
        discretisation[-1]["slope_x"],
        discretisation[-1]["slope_y"],
    )
slopes = [d[k] for d in discretisation for k in ("slope_x", "slope_y")]
job.metrics(
    snakemake.output[0],
    {
        "scale": f"d = {s['dim']}, {len(s['seeds'])} random matrices; residual at {len(points)} points, h = {s['h']:g}",
        "h": s["h"],
        "hs": s["hs"],
        "dxs": s["dxs"],
        "laplace": laplace,
        "max_residual": max(r["residual"] for r in laplace),
        "max_cond_B2": max(r["cond_B2"] for r in laplace),
        "compatibility": compatibility,
        "min_commutator_on_z0": min(c["commutator_on_z0"] for c in compatibility),
        "min_path_gap": min(c["path_gap"] for c in compatibility),
        "max_path_gap_commuting": max(c["path_gap_commuting"] for c in compatibility),
        "discretisation": discretisation,
        "min_slope": min(slopes),
        "max_slope": max(slopes),
        "max_slope_deviation": max(abs(v - 2) for v in slopes),
    },
)
