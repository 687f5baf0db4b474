"""implementation_cost: forward + backward time (median, interleaved repeats) and peak extra memory of full
fine-tuning, LoRA as X(W₀ + AB) and LoRA as XW₀ + (XA)B, as ratios measured in this one job."""

import torch

from kexue import lora_gradient as lg
from kexue.jobs import Job

job = Job(snakemake)
torch.set_num_threads(snakemake.threads)
p = snakemake.params
n, m, r = p.n, p.m, p.r
floats = n * m * 4  # bytes of one n×m float32 matrix
cells = []
for b in p.batches:
    times = lg.time_implementations(n, m, r, b, p.repeats, p.warmup)
    peaks = {k: lg.peak_memory(k, n, m, r, b) for k in lg.IMPLEMENTATIONS}
    cells.append(
        {
            "b": b,
            **{f"t_{k}": times[k] for k in lg.IMPLEMENTATIONS},
            "impl1_over_full": times["impl1"] / times["full"],
            "impl2_over_full": times["impl2"] / times["full"],
            **{f"peak_{k}_over_nm": peaks[k] / floats for k in lg.IMPLEMENTATIONS},
            "samples": times["samples"],
        }
    )
    job.log.info("b = %d: %s", b, {k: v for k, v in cells[-1].items() if k != "samples"})
job.metrics(
    snakemake.output[0],
    {
        "scale": f"float32, n = {n}, m = {m}, r = {r}, b ∈ {p.batches}, {snakemake.threads} threads, median of "
        f"{p.repeats} after {p.warmup} warm-ups (a shared machine: ratios only)",
        "cells": cells,
        "max_impl2_over_full": max(c["impl2_over_full"] for c in cells),
        "min_impl1_over_full": min(c["impl1_over_full"] for c in cells),
        "min_impl1_peak_over_nm": min(c["peak_impl1_over_nm"] for c in cells),
    },
)
