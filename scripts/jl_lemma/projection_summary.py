"""C5.3–C5.5 over all (N, ε): success at the bound against the promised probability, and how loose
the bound is (empirical threshold / bound). A cell whose bound n exceeds the data's dimension m reduces
nothing: the lemma says nothing there, so it is reported as vacuous and not counted for or against."""

import math

from kexue.jobs import Job, read_json

cells = [read_json(path) for path in snakemake.input]
job = Job(snakemake, seeds=sorted({s for c in cells for s in c["provenance"]["seeds"]}))


def fails_promise(successes: int, draws: int, promised: float, se_factor: float) -> bool:
    """The brief's rule: success fraction ≥ promised − se_factor·SE, SE of a binomial at the promised rate."""
    se = math.sqrt(promised * (1 - promised) / draws)
    return successes / draws < promised - se_factor * se


p = snakemake.params
for c in cells:
    c.pop("provenance", None)
    c["distance_fails"] = fails_promise(
        c["distance_successes_at_bound"], c["draws"], (c["N"] - 1) / c["N"], p.distance_se_factor
    )
    c["inner_fails"] = fails_promise(
        c["inner_successes_at_bound"], c["draws"], (c["N"] - 2) / c["N"], p.inner_se_factor
    )
    c["threshold_constant"] = c["threshold"] * c["eps"] ** 2 / math.log(c["N"])  # n ≈ const·ln N/ε²
draws = cells[0]["draws"]
decided = [c for c in cells if not c["vacuous"]]


def at_bound(kind: str, c: dict) -> str:
    return f"N={c['N']} ε={c['eps']}: {c[f'{kind}_successes_at_bound']}/{draws}" + (
        f" (vacuous: n = {c['bound']} > m = {c['m']})" if c["vacuous"] else ""
    )


job.metrics(
    snakemake.output[0],
    {
        "scale": f"Monte Carlo, m = {cells[0]['m']}, {draws} draws of A per point",
        "cells": cells,
        # C5.3/C5.4 counted over the cells where the bound reduces the dimension (n ≤ m) only
        "decided_cells": len(decided),
        "vacuous_cells": [f"N={c['N']} ε={c['eps']}: n = {c['bound']} > m = {c['m']}" for c in cells if c["vacuous"]],
        "distance_failures": sum(c["distance_fails"] for c in decided),
        "inner_failures": sum(c["inner_fails"] for c in decided),
        "distance_success_at_bound": ", ".join(at_bound("distance", c) for c in cells),
        "inner_success_at_bound": ", ".join(at_bound("inner", c) for c in cells),
        "max_threshold_ratio": max(c["threshold_ratio"] for c in cells),
        "mean_threshold_constant": sum(c["threshold_constant"] for c in cells) / len(cells),
    },
)
