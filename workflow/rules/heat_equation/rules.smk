# Using the heat equation to guide self-supervised learning (kexue.fm 9359): brief shared/articles/heat_equation_9359.md
#   derivation  first order ⇒ Laplace, the commuting condition, the one-step discretisation   (three claims)
#   beats_mae, nlp_transfer: registered, not evaluated (the paper's ImageNet result; an untested idea)
HE = config["heat_equation"]
HE_OUT = f"{R}/heat_equation"

ARTICLE_OUTPUTS["heat_equation"] = [
    f"{HE_OUT}/tables/laplace.csv",
    f"{HE_OUT}/tables/compatibility.csv",
    f"{HE_OUT}/tables/discretisation.csv",
    f"{HE_OUT}/figures/laplace.png",
    f"{HE_OUT}/figures/compatibility.png",
    f"{HE_OUT}/figures/discretisation.png",
]

ARTICLE_BENCHMARKS["heat_equation"] = [benchmark("heat_equation", name) for name in ["derivation", "figures"]]


rule heat_equation:
    """Everything for the heat-equation article: tables, figures, verdicts, its report."""
    input:
        ARTICLE_OUTPUTS["heat_equation"],
        f"{HE_OUT}/verdicts.csv",
        f"{HE_OUT}/REPORT.md",


rule heat_equation_derivation:
    """The derivation's claims on random matrices (numpy, scipy; seconds)."""
    output:
        f"{HE_OUT}/metrics/derivation.json",
    log:
        f"{W}/heat_equation/logs/derivation.log",
    benchmark:
        benchmark("heat_equation", "derivation")
    conda:
        "../../../envs/pipeline.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        settings=HE["derivation"],
    script:
        "../../../scripts/heat_equation/derivation.py"


rule heat_equation_figures:
    """Tables and figures from the metrics only."""
    input:
        derivation=f"{HE_OUT}/metrics/derivation.json",
    output:
        laplace_table=f"{HE_OUT}/tables/laplace.csv",
        compatibility_table=f"{HE_OUT}/tables/compatibility.csv",
        discretisation_table=f"{HE_OUT}/tables/discretisation.csv",
        laplace=figure(f"{HE_OUT}/figures/laplace.png", "laplace.rst", "heat_equation"),
        compatibility=figure(f"{HE_OUT}/figures/compatibility.png", "compatibility.rst", "heat_equation"),
        discretisation=figure(f"{HE_OUT}/figures/discretisation.png", "discretisation.rst", "heat_equation"),
    log:
        f"{W}/heat_equation/logs/figures.log",
    benchmark:
        benchmark("heat_equation", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/heat_equation/figures.py"
