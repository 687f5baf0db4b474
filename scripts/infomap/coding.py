"""infomap.coding_bounds: Kraft's inequality and H ≤ L_Huffman < H + 1 on random distributions."""

import numpy as np

from kexue import infomap as im
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
rows = im.coding_bounds(np.random.default_rng(s["seed"]), s["draws"], s["min_size"], s["max_size"])
excess = [r["huffman_length"] - r["entropy"] for r in rows]
job.log.info(
    "%d distributions: L − H in [%.4g, %.4g], max Kraft sum %.6g",
    len(rows),
    min(excess),
    max(excess),
    max(r["kraft"] for r in rows),
)
job.metrics(
    snakemake.output[0],
    {
        "scale": f"{s['draws']} random distributions of size {s['min_size']}–{s['max_size']}",
        "rows": rows,
        "kraft_violations": sum(r["kraft"] > 1 + 1e-12 for r in rows),
        "lower_violations": sum(r["huffman_length"] < r["entropy"] - 1e-12 for r in rows),
        "upper_violations": sum(r["huffman_length"] >= r["entropy"] + 1 for r in rows),
        "max_excess_bits": max(excess),
        "min_excess_bits": min(excess),
    },
)
