"""E4a: h_n by numerical integration against the article's table, the constant, the thresholds. The
article's numbers come from the claims registry (params article_*)."""

from kexue.dimension_formula import formula as dim
from kexue.jobs import Job

job = Job(snakemake)
p = snakemake.params

hn = {}
for n in p.ns:
    value = dim.h_n(n, p.points)
    article = p.article_hn.get(n)
    hn[str(n)] = {
        "ours": value,
        "per_n": value / n,
        "article": article,
        "abs_error": None if article is None else abs(value - article),
    }
    job.log.info("h_%d = %.6f (article %s)", n, value, article)
compared = [row["abs_error"] for row in hn.values() if row["abs_error"] is not None]

laplace = dim.laplace_constants()
slope_512 = dim.h_n(512, p.points) / 512
quoted = {str(N): {"ours": dim.formula_dimension(N), "article": q} for N, q in p.article_dims.items()}
entropy_64 = dim.entropy_estimate(64, 1e5)
thresholds = [
    {
        "N": N,
        "formula": dim.formula_dimension(N),
        "formula_analytic": dim.formula_dimension(N, laplace["constant"]),
        "exact_root": dim.exact_threshold(N, p.points),
    }
    for N in p.threshold_vocab_sizes
]

job.metrics(
    snakemake.output[0],
    {
        "scale": "exact (numerical integration)",
        "hn": hn,
        "max_abs_error_hn": max(compared),
        "hn_compared": len(compared),
        "slope_512": slope_512,
        "slope_error_512": abs(slope_512 + laplace["slope"]),
        "laplace": laplace,
        "formula_dims_quoted": {N: round(q["ours"], 2) for N, q in quoted.items()},
        "quoted_dims": quoted,
        "quoted_dims_max_error": max(abs(q["ours"] - q["article"]) for q in quoted.values()),
        "entropy_64_1e5": entropy_64,
        "entropy_64_1e5_error": abs(entropy_64 - p.article_entropy_64_1e5),
        "thresholds": thresholds,
    },
)
