"""E4b for one (N, seed): the smallest n that represents the target under ‖u‖ = ‖v‖ = √n, the fit
at the formula's dimension ⌈8.33 ln N⌉, and the control without the constraint (T5: 2 free
dimensions fit any permutation once the norms may grow; the circle construction says how large)."""

import math

import torch

from kexue.dimension_formula import formula as dim
from kexue.jobs import Job

job = Job(snakemake)
p = snakemake.params
N, seed = int(snakemake.wildcards.N), int(snakemake.wildcards.seed)

search = dim.smallest_dimension(N, p.grid, p.target, seed, p.steps, p.lr, p.success_prob)
for fit in search["fits"]:
    job.log.info("N=%d seed=%d n=%d: mean target prob %.4f", N, seed, fit["n"], fit["mean_target_prob"])
formula_n = math.ceil(dim.formula_dimension(N))
target = dim.target_matrix(N, p.target, torch.Generator().manual_seed(seed))
at_formula = dim.fit_capacity(target, formula_n, p.steps, p.lr, seed, threshold=p.success_prob)
free_2d_radius = dim.circle_radius(N, p.success_prob)
job.log.info(
    "N=%d seed=%d: n* = %s; at ⌈8.33 ln N⌉ = %d: %.4f; 2 free dims need norm %.1f (constrained: √2)",
    N,
    seed,
    search["n_star"],
    formula_n,
    at_formula["mean_target_prob"],
    free_2d_radius,
)
job.metrics(
    snakemake.output[0], {**search, "formula_n": formula_n, "at_formula": at_formula, "free_2d_radius": free_2d_radius}
)
