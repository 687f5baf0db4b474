"""C5.3–C5.5 over all (N, ε): success at the bound against the promised probability, and how loose
the bound is (empirical threshold / bound)."""

import math

from kexue.jobs import Job, read_json

cells = [read_json(path) for path in snakemake.input]
job = Job(snakemake, seeds=sorted({s for c in cells for s in c["provenance"]["seeds"]}))


def fails_promise(successes: int, draws: int, promised: float) -> bool:
    """The brief's rule: success fraction ≥ promised − 3·SE, SE of a binomial at the promised rate."""
    se = math.sqrt(promised * (1 - promised) / draws)
    return successes / draws < promised - 3 * se


for c in cells:
    c.pop("provenance", None)
    c["distance_fails"] = fails_promise(c["distance_successes_at_bound"], c["draws"], (c["N"] - 1) / c["N"])
    c["inner_fails"] = fails_promise(c["inner_successes_at_bound"], c["draws"], (c["N"] - 2) / c["N"])
    c["threshold_constant"] = c["threshold"] * c["eps"] ** 2 / math.log(c["N"])  # n ≈ const·ln N/ε²
draws = cells[0]["draws"]
job.metrics(
    snakemake.output[0],
    {
        "scale": f"Monte Carlo, m = {cells[0]['m']}, {draws} draws of A per point",
        "cells": cells,
        "distance_failures": sum(c["distance_fails"] for c in cells),
        "inner_failures": sum(c["inner_fails"] for c in cells),
        "distance_success_at_bound": ", ".join(
            f"N={c['N']} ε={c['eps']}: {c['distance_successes_at_bound']}/{draws}" for c in cells
        ),
        "inner_success_at_bound": ", ".join(
            f"N={c['N']} ε={c['eps']}: {c['inner_successes_at_bound']}/{draws}" for c in cells
        ),
        "max_threshold_ratio": max(c["threshold_ratio"] for c in cells),
        "mean_threshold_constant": sum(c["threshold_constant"] for c in cells) / len(cells),
    },
)
