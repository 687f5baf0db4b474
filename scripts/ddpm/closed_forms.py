"""The chains' tests, the sympy identities and the schedule's ᾱ_T in one metrics file (part A of the brief)."""

from kexue import ddpm
from kexue.jobs import Job, read_json

job = Job(snakemake)
sch = snakemake.params.schedule
point, normal = read_json(snakemake.input.point), read_json(snakemake.input.normal)
tests = point["tests"] + normal["tests"]


def claim_block(claim: str) -> dict:
    rows = [r for r in tests if r["claim"] == claim]
    return {"max_abs_z": ddpm.max_abs_z(rows), "tests": len(rows), "ts": sorted({r["t"] for r in rows})}


residues = ddpm.symbolic_residues()
for name, value in residues.items():
    job.log.info("sympy: %s − right side → %s", name, value)
s = ddpm.schedule(sch["T"], sch["beta_max_sq"])
alpha_bar_T = ddpm.alpha_bar_T_exact(sch["T"], sch["beta_max_sq"])
job.log.info("ᾱ_T = %.6g (cumprod %.6g), ᾱ_T² = %.4g", alpha_bar_T, s.alpha_bar[-1], alpha_bar_T**2)
posterior_names = ("posterior_mean", "posterior_variance")
eps_names = ("eps_mean", "eps_mean_part2_convention", "x0_error")
job.metrics(
    snakemake.output[0],
    {
        "scale": f"exact (simulation of {point['n']} chains per data law; sympy)",
        "forward_marginal": claim_block("forward_marginal"),
        "posterior": claim_block("posterior") | {"symbolic_zero": all(residues[k] == "0" for k in posterior_names)},
        "exact_variance": claim_block("exact_variance"),
        "eps_mean": {
            "nonzero_residues": sum(residues[k] != "0" for k in eps_names),
            "residues": {k: residues[k] for k in eps_names},
        },
        "symbolic_residues": residues,
        "schedule": {
            "T": sch["T"],
            "alpha_bar_T": alpha_bar_T,
            "alpha_bar_T_squared": alpha_bar_T**2,
            "corr_xT_x0": normal["corr_xT_x0"],
            "corr_xT_x0_se": normal["corr_xT_x0_se"],
            "alpha_bar": s.alpha_bar.tolist(),
            "beta_bar": s.beta_bar.tolist(),
        },
        "tests": tests,
    },
)
