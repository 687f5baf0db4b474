"""fokker_planck.parts: ∫v·∇p = −∫p ∇·v and ∫u Δp = −∫∇p·∇u by quadrature on a 2-D grid, for a
Gaussian-mixture density p and polynomial/trigonometric u, v (the boundary terms vanish with p)."""

from kexue import fokker_planck as fp
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
cells = fp.integration_by_parts(s["nodes"], s["half_width"])
for c in cells:
    job.log.info("%s", c)
job.metrics(
    snakemake.output[0],
    {
        "scale": f"{s['nodes']}² nodes on [−{s['half_width']}, {s['half_width']}]²",
        "cells": cells,
        "max_rel_error": max(c["rel_error"] for c in cells),
    },
)
