# n random points in a disk in one sector of angle θ (kexue.fm 9324): brief shared/articles/sector_probability_9324.md
#   grid        the inclusion–exclusion formula against Monte Carlo on the n × θ grid   (formula)
#   semicircle  θ ≤ π: n(θ/2π)^(n−1); four points in a semicircle: 1/2                (semicircle)
#   spacings    spacing tails (1 − Σc)^(n−1) and their flat density                      (spacings)
#   identity    the all-terms polynomial identity in exact arithmetic                    (identity)
SP = config["sector_probability"]
SP_OUT = f"{R}/sector_probability"
SP_PARTS = ["grid", "semicircle", "spacings", "identity"]

ARTICLE_OUTPUTS["sector_probability"] = [
    *(f"{SP_OUT}/tables/{part}.csv" for part in SP_PARTS),
    f"{SP_OUT}/figures/formula.png",
    f"{SP_OUT}/figures/semicircle.png",
    f"{SP_OUT}/figures/spacings.png",
    f"{SP_OUT}/figures/identity.png",
]

ARTICLE_BENCHMARKS["sector_probability"] = [benchmark("sector_probability", name) for name in SP_PARTS + ["figures"]]


rule sector_probability:
    """Everything for the sector probability: tables, figures, verdicts, its report."""
    input:
        ARTICLE_OUTPUTS["sector_probability"],
        f"{SP_OUT}/verdicts.csv",
        f"{SP_OUT}/REPORT.md",


rule sector_probability_part:
    """One job per part (numpy and exact rationals; seconds to a minute)."""
    output:
        f"{SP_OUT}/metrics/{{part}}.json",
    log:
        f"{W}/sector_probability/logs/{{part}}.log",
    benchmark:
        benchmark("sector_probability", "{part}")
    wildcard_constraints:
        part="|".join(SP_PARTS),
    conda:
        "../../../envs/pipeline.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=lambda wc: 30 if wc.part == "grid" else 10,
    params:
        settings=lambda wc: SP[wc.part],
    script:
        "../../../scripts/sector_probability/{wildcards.part}.py"


rule sector_probability_figures:
    """Tables and figures from the metrics only."""
    input:
        **{part: f"{SP_OUT}/metrics/{part}.json" for part in SP_PARTS},
    output:
        grid_table=f"{SP_OUT}/tables/grid.csv",
        semicircle_table=f"{SP_OUT}/tables/semicircle.csv",
        spacings_table=f"{SP_OUT}/tables/spacings.csv",
        identity_table=f"{SP_OUT}/tables/identity.csv",
        formula=figure(f"{SP_OUT}/figures/formula.png", "formula.rst", "sector_probability"),
        semicircle=figure(f"{SP_OUT}/figures/semicircle.png", "semicircle.rst", "sector_probability"),
        spacings=figure(f"{SP_OUT}/figures/spacings.png", "spacings.rst", "sector_probability"),
        identity=figure(f"{SP_OUT}/figures/identity.png", "identity.rst", "sector_probability"),
    log:
        f"{W}/sector_probability/logs/figures.log",
    benchmark:
        benchmark("sector_probability", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/sector_probability/figures.py"
