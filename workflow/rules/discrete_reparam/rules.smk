# Discrete distributions from the reparameterisation viewpoint (kexue.fm 9085): brief shared/articles/discrete_reparam_9085.md
#   properties  p ≥ 0, Σp ≈ 1, order, shift invariance of the Gaussian quadrature layer   (properties, properties_exact)
#   gumbel      Gumbel noise gives exactly softmax: scipy quad and Monte Carlo              (gumbel_softmax)
#   quadrature  the K-node rule against Monte Carlo and scipy quad; autograd gradient       (quadrature)
DR = config["discrete_reparam"]
DR_OUT = f"{R}/discrete_reparam"
DR_PARTS = ["properties", "gumbel", "quadrature"]

ARTICLE_OUTPUTS["discrete_reparam"] = [
    *(f"{DR_OUT}/tables/{part}.csv" for part in DR_PARTS),
    f"{DR_OUT}/figures/properties.png",
    f"{DR_OUT}/figures/gumbel.png",
    f"{DR_OUT}/figures/quadrature.png",
]

ARTICLE_BENCHMARKS["discrete_reparam"] = [benchmark("discrete_reparam", name) for name in DR_PARTS + ["figures"]]


rule discrete_reparam:
    """Everything for the discrete reparameterisation: tables, figures, verdicts, its report."""
    input:
        ARTICLE_OUTPUTS["discrete_reparam"],
        f"{DR_OUT}/verdicts.csv",
        f"{DR_OUT}/REPORT.md",


rule discrete_reparam_part:
    """One job per part (numpy, scipy, torch float64 on the CPU; seconds to a minute)."""
    output:
        f"{DR_OUT}/metrics/{{part}}.json",
    log:
        f"{W}/discrete_reparam/logs/{{part}}.log",
    benchmark:
        benchmark("discrete_reparam", "{part}")
    wildcard_constraints:
        part="|".join(DR_PARTS),
    conda:
        "../../../envs/pipeline.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        settings=lambda wc: DR[wc.part],
    script:
        "../../../scripts/discrete_reparam/{wildcards.part}.py"


rule discrete_reparam_figures:
    """Tables and figures from the metrics only."""
    input:
        **{part: f"{DR_OUT}/metrics/{part}.json" for part in DR_PARTS},
    output:
        properties_table=f"{DR_OUT}/tables/properties.csv",
        gumbel_table=f"{DR_OUT}/tables/gumbel.csv",
        quadrature_table=f"{DR_OUT}/tables/quadrature.csv",
        properties=figure(f"{DR_OUT}/figures/properties.png", "properties.rst", "discrete_reparam"),
        gumbel=figure(f"{DR_OUT}/figures/gumbel.png", "gumbel.rst", "discrete_reparam"),
        quadrature=figure(f"{DR_OUT}/figures/quadrature.png", "quadrature.rst", "discrete_reparam"),
    log:
        f"{W}/discrete_reparam/logs/figures.log",
    benchmark:
        benchmark("discrete_reparam", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/discrete_reparam/figures.py"
