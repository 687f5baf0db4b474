"""identities: (a) Sandwich, (b) the sinusoidal kernel and its trend, (c) XPOS, float64."""

from kexue import length_extrapolation as le
from kexue.jobs import Job

job = Job(snakemake)
s = snakemake.params.settings
result = le.identities(
    s["d"], s["trials"], s["max_position"], s["xi"], s["moving_window"], s["kernel_range"], s["seed"]
)
job.log.info("%s", {k: v for k, v in result.items() if not isinstance(v, list)})
job.metrics(
    snakemake.output[0],
    {"scale": f"float64, d = {s['d']}, {s['trials']} random trials, distances 0 … {s['kernel_range']}", **result},
)
