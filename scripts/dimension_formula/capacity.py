"""E4b for one (N, seed): the smallest n that represents the target under ‖u‖ = ‖v‖ = √n, the fit
at the formula's dimension ⌈8.33 ln N⌉, and the unconstrained control (T5: 2 free dims suffice)."""
import math

import torch

from kexue import dimension as dim
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
free_2d = dim.fit_capacity(target, 2, p.steps, p.lr, seed, constrained=False, threshold=p.success_prob)
job.log.info("N=%d seed=%d: n* = %s; at ⌈8.33 ln N⌉ = %d: %.4f; unconstrained n=2: %.4f", N, seed,
             search["n_star"], formula_n, at_formula["mean_target_prob"], free_2d["mean_target_prob"])
job.metrics(snakemake.output[0], {**search, "formula_n": formula_n, "at_formula": at_formula,
                                  "unconstrained_2d": free_2d})
