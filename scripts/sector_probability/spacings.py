"""sector_probability.spacings: tails (1 − Σc)^{n−1} of the spacings and their flat joint density."""

import numpy as np
from scipy import stats

from kexue import sector_probability as sp
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
rng = np.random.default_rng(s["seed"])
tails = []
for n in s["ns"]:
    x = sp.spacings(n, s["draws"], rng)
    for _ in range(s["tails_per_n"]):
        # a random subset of k coordinates and thresholds c with Σc < 1 (drawn from a Dirichlet, scaled)
        k = int(rng.integers(1, n + 1))
        coords = np.sort(rng.choice(n, size=k, replace=False))
        c = rng.dirichlet(np.ones(k + 1))[:k] * rng.uniform(0.2, 1.0)
        p = sp.spacing_tail(n, c)
        mc = float(np.all(x[:, coords] > c, axis=1).mean())
        se = sp.standard_error(p, s["draws"])
        agrees = abs(mc - p) <= s["se_multiple"] * se
        tails.append(
            {
                "n": n,
                "coords": coords.tolist(),
                "c": c.tolist(),
                "exact": p,
                "monte_carlo": mc,
                "se": se,
                "z": (mc - p) / se,
                "agrees": bool(agrees),
            }
        )
        job.log.info(
            "n=%d coords %s Σc=%.3f: exact %.5f, MC %.5f (z = %+.2f)", n, coords, c.sum(), p, mc, (mc - p) / se
        )

# n = 3: (x_1, x_2) uniform on the triangle x_1 + x_2 < 1 (density 2); χ² over the bins it touches
x = sp.spacings(3, s["draws"], rng)
counts, _, _ = np.histogram2d(x[:, 0], x[:, 1], bins=s["bins"], range=[[0, 1], [0, 1]])
expected = sp.simplex_histogram_expected(s["bins"]) * s["draws"]
inside = expected > 0
chi2 = stats.chisquare(counts[inside], expected[inside])
job.log.info("n=3 histogram: χ² = %.1f on %d bins, p = %.4f", chi2.statistic, inside.sum() - 1, chi2.pvalue)
job.metrics(
    snakemake.output[0],
    {
        "scale": f"{s['draws']} spacing draws per n; {s['tails_per_n']} random tails per n; {s['bins']}² bins",
        "draws": s["draws"],
        "se_multiple": s["se_multiple"],
        "tails": tails,
        "tail_failures": sum(not t["agrees"] for t in tails),
        "histogram": {"bins": s["bins"], "density_ratio": (counts / np.where(inside, expected, np.nan)).tolist()},
        "chi2": float(chi2.statistic),
        "chi2_dof": int(inside.sum() - 1),
        "chi2_p": float(chi2.pvalue),
    },
)
