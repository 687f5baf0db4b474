"""forward_marginal, posterior, exact_variance: scalar chains of one data law tested against the closed forms.

law "point" (x_0 ≡ c): the forward marginal N(ᾱ_t c, β̄_t²); the reverse conditional p(x_{t−1}|x_t) of
single-point data, N(c_x x_t + c_0 c, σ̃²) (the brief's x_0 ≡ 0 shifted by c: slope and variance unchanged).
law "normal" (x_0 ~ N(0, 1)): the posterior p(x_{t−1}|x_t, x_0) = N(c_x x_t + c_0 x_0, σ̃²), the reverse
conditional of standard-normal data N(α_t x_t, β_t²), and the correlation of x_T with x_0.
"""

import numpy as np

from kexue import ddpm
from kexue.jobs import Job

job = Job(snakemake)
law = snakemake.wildcards.law
c, sch = snakemake.params.chains, snakemake.params.schedule
s = ddpm.schedule(sch["T"], sch["beta_max_sq"])
if max(c["forward_ts"]) > s.T or not 2 <= min(c["posterior_ts"]) <= max(c["posterior_ts"]) <= s.T:
    job.fail(f"ddpm.chains: forward_ts must lie in 1 … T and posterior_ts in 2 … T (T = {s.T})")
rng = np.random.default_rng([c["seed"], ("point", "normal").index(law)])
pairs = {u for t in c["posterior_ts"] for u in (t - 1, t)}
if law == "point":
    x0 = np.full(c["n"], c["point"])
    record = set(c["forward_ts"]) | pairs
else:
    x0 = rng.standard_normal(c["n"])
    record = {0, s.T} | pairs
job.log.info("law %s: %d chains, recording t ∈ %s", law, c["n"], sorted(record))
x = ddpm.simulate_chains(x0, s, record, rng)

tests = []
if law == "point":
    for t in c["forward_ts"]:
        row = ddpm.moment_test(x[t], s.alpha_bar[t] * c["point"], s.beta_bar[t] ** 2)
        tests.append({"claim": "forward_marginal", "law": law, "t": t, **row})
    for t in c["posterior_ts"]:
        c_x, c_0, var = ddpm.posterior_coefficients(s, t)
        row = ddpm.regression_test(x[t - 1], {"x_t": x[t]}, {"x_t": c_x}, c_0 * c["point"], var)
        tests.append({"claim": "exact_variance", "law": law, "t": t, **row})
else:
    for t in c["posterior_ts"]:
        c_x, c_0, var = ddpm.posterior_coefficients(s, t)
        row = ddpm.regression_test(x[t - 1], {"x_t": x[t], "x_0": x[0]}, {"x_t": c_x, "x_0": c_0}, 0.0, var)
        tests.append({"claim": "posterior", "law": law, "t": t, **row})
        row = ddpm.regression_test(x[t - 1], {"x_t": x[t]}, {"x_t": s.alpha[t]}, 0.0, s.beta[t] ** 2)
        tests.append({"claim": "exact_variance", "law": law, "t": t, **row})
for row in tests:
    job.log.info("%s t=%d: max |z| %.2f", row["claim"], row["t"], ddpm.max_abs_z([row]))
extra = {}
if law == "normal":
    # x_T against x_0: correlation ᾱ_T (x_t keeps unit variance for standard-normal data), SE ≈ 1/√n
    r = float(np.corrcoef(x[0], x[s.T])[0, 1])
    extra = {"corr_xT_x0": r, "corr_xT_x0_se": float((1 - r**2) / np.sqrt(c["n"] - 3)), "alpha_bar_T": s.alpha_bar[-1]}
job.metrics(snakemake.output[0], {"law": law, "n": c["n"], "tests": tests, **extra})
