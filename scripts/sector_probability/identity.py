"""sector_probability.identity: Σ_k (−1)^{k−1} C(n,k)(1 − kx)^{n−1} = 1 (all terms), and what floats make of it."""

import math
from fractions import Fraction

from kexue import sector_probability as sp
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
symbolic = {n: sp.identity_holds_symbolically(n) for n in range(1, s["max_n"] + 1)}
for n, ok in symbolic.items():
    job.log.info("n=%d: all-terms sum expands to 1: %s", n, ok)

# the trap: in floating point the same sum (a value that is exactly 1) cancels catastrophically
x = Fraction(str(s["cancellation_x"]))
cancellation = [
    {
        "n": n,
        "exact": float(sp.all_terms_sum(n, x)),
        "float": sp.all_terms_sum(n, float(x)),
        "largest_term": float(max(abs(Fraction(math.comb(n, k)) * (1 - k * x) ** (n - 1)) for k in range(1, n + 1))),
    }
    for n in s["cancellation_ns"]
]
for row in cancellation:
    row["float_error"] = abs(row["float"] - row["exact"])
    job.log.info(
        "n=%d, x=%s: float sum %.6g (exact 1), largest term %.3g", row["n"], x, row["float"], row["largest_term"]
    )
job.metrics(
    snakemake.output[0],
    {
        "scale": f"sympy expansion for n = 1…{s['max_n']}; float cancellation at x = {s['cancellation_x']}",
        "max_n": s["max_n"],
        "symbolic": {str(n): ok for n, ok in symbolic.items()},
        "identity_failures": sum(not ok for ok in symbolic.values()),
        "cancellation": cancellation,
    },
)
