"""hubness.ball_volume: V_n/2^n in closed form against the Monte-Carlo acceptance of uniform cube points."""

import numpy as np

from kexue import hubness as hb
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
rng = np.random.default_rng(s["seed"])
rows = []
for n in range(1, s["max_n"] + 1):
    row = {"n": n, "ratio": hb.ball_cube_ratio(n)}
    if n <= s["mc_max_n"]:
        p_hat, se = hb.ball_acceptance(n, s["draws"], rng)
        # n = 1: the "ball" [−1, 1] is the cube, every draw is accepted and SE = 0
        gap = p_hat - row["ratio"]
        z = gap / se if se > 0 else (0.0 if abs(gap) < 1e-12 else float("inf"))
        row |= {"p_hat": p_hat, "se": se, "z": z}
        job.log.info("n=%d: V_n/2^n = %.6g, Monte Carlo %.6g ± %.2g (z = %.2f)", n, row["ratio"], p_hat, se, row["z"])
    rows.append(row)
ratios = [r["ratio"] for r in rows]
job.metrics(
    snakemake.output[0],
    {
        "scale": f"{s['draws']} uniform cube points per n ≤ {s['mc_max_n']}",
        "rows": rows,
        "max_abs_z": max(abs(r["z"]) for r in rows if "z" in r),
        "strictly_decreasing": bool(all(b < a for a, b in zip(ratios, ratios[1:], strict=False))),
        "ratio_at_20": hb.ball_cube_ratio(20),
    },
)
