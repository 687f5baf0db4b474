"""fokker_planck.fokker_planck reads one metrics file: the 1-D and 2-D summaries side by side."""

from kexue.jobs import Job, read_json

job = Job(snakemake)
one_d, two_d = read_json(snakemake.input.one_d), read_json(snakemake.input.two_d)
job.metrics(
    snakemake.output[0],
    {
        "scale": f"1-D: {one_d['scale']}; 2-D: {two_d['scale']}",
        "one_d": one_d["fokker_planck"],
        "two_d": {k: two_d[k] for k in ("l1_max", "noise_floor_max", "mass_error_max", "dt_over_limit", "peclet_max")},
    },
)
