"""implementation_cost: forward + backward time (median, interleaved repeats) and peak extra memory of full
fine-tuning, LoRA as X(W₀ + AB) and LoRA as XW₀ + (XA)B, as ratios measured in this one job."""

import statistics

import torch

from kexue import lora_gradient as lg
from kexue.jobs import Job

job = Job(snakemake)
torch.set_num_threads(snakemake.threads)
p = snakemake.params
n, m, r = p.n, p.m, p.r
floats = n * m * 4  # bytes of one n×m float32 matrix
# Every round times every batch size (median of `repeats` per implementation), so the ratios are measured
# `rounds` times in this one job: their round-to-round spread is the timing noise a ratio near its threshold
# must beat (the rule's guards), and the cell's ratio is the median over rounds.
rounds = [{b: lg.time_implementations(n, m, r, b, p.repeats, p.warmup) for b in p.batches} for _ in range(p.rounds)]
for i, times in enumerate(rounds, start=1):
    job.log.info(
        "round %d/%d: impl2/full %s", i, p.rounds, {b: round(t["impl2"] / t["full"], 3) for b, t in times.items()}
    )
cells = []
for b in p.batches:
    ratios = {k: [t[b][k] / t[b]["full"] for t in rounds] for k in ("impl1", "impl2")}
    peaks = {k: lg.peak_memory(k, n, m, r, b) for k in lg.IMPLEMENTATIONS}
    cells.append(
        {
            "b": b,
            **{f"t_{k}": statistics.median(t[b][k] for t in rounds) for k in lg.IMPLEMENTATIONS},
            "impl1_over_full": statistics.median(ratios["impl1"]),
            "impl2_over_full": statistics.median(ratios["impl2"]),
            "impl1_over_full_per_round": ratios["impl1"],
            "impl2_over_full_per_round": ratios["impl2"],
            **{f"peak_{k}_over_nm": peaks[k] / floats for k in lg.IMPLEMENTATIONS},
            "samples": [t[b]["samples"] for t in rounds],
        }
    )
    job.log.info("b = %d: %s", b, {k: v for k, v in cells[-1].items() if k != "samples"})
# per round, the rule's quantity minus its threshold: the worst b's impl-2 ratio − 0.8, impl-1 ratio − 0.95
impl2_margin = [
    max(c["impl2_over_full_per_round"][i] for c in cells) - p.thresholds["impl2_max"] for i in range(p.rounds)
]
impl1_margin = [
    min(c["impl1_over_full_per_round"][i] for c in cells) - p.thresholds["impl1_min"] for i in range(p.rounds)
]
job.metrics(
    snakemake.output[0],
    {
        "scale": f"float32, n = {n}, m = {m}, r = {r}, b ∈ {p.batches}, {snakemake.threads} threads, median of "
        f"{p.rounds} rounds × median of {p.repeats} after {p.warmup} warm-ups (a shared machine: ratios only)",
        "cells": cells,
        "max_impl2_over_full": max(c["impl2_over_full"] for c in cells),
        "min_impl1_over_full": min(c["impl1_over_full"] for c in cells),
        "min_impl1_peak_over_nm": min(c["peak_impl1_over_nm"] for c in cells),
        "impl2_margin_per_round": impl2_margin,
        "impl1_margin_per_round": impl1_margin,
    },
)
