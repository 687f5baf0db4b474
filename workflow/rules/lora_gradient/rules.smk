# LoRA from a gradient perspective (kexue.fm 9590): brief shared/articles/lora_gradient_9590.md
#   identities  the exact claims in float64                              (all but implementation_cost)
#   cost        forward + backward time and peak memory, as ratios       (implementation_cost)
LG = config["lora_gradient"]
LG_OUT = f"{R}/lora_gradient"

ARTICLE_OUTPUTS["lora_gradient"] = [
    f"{LG_OUT}/tables/identities.csv",
    f"{LG_OUT}/tables/cost.csv",
    f"{LG_OUT}/figures/identities.png",
    f"{LG_OUT}/figures/cost.png",
]

ARTICLE_BENCHMARKS["lora_gradient"] = [benchmark("lora_gradient", name) for name in ["identities", "cost", "figures"]]


rule lora_gradient:
    """Everything for the LoRA-gradient article: tables, figures, verdicts."""
    input:
        ARTICLE_OUTPUTS["lora_gradient"],
        f"{LG_OUT}/verdicts.csv",
        f"{LG_OUT}/REPORT.md",


rule lora_gradient_identities:
    output:
        f"{LG_OUT}/metrics/identities.json",
    log:
        f"{W}/lora_gradient/logs/identities.log",
    benchmark:
        benchmark("lora_gradient", "identities")
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        **LG["identities"],
    script:
        "../../../scripts/lora_gradient/identities.py"


rule lora_gradient_cost:
    """The timing benchmark: one job, so that the three implementations are timed side by side."""
    output:
        f"{LG_OUT}/metrics/cost.json",
    log:
        f"{W}/lora_gradient/logs/cost.log",
    benchmark:
        benchmark("lora_gradient", "cost")
    conda:
        "../../../envs/pipeline.yaml"
    threads: LG["cost"]["threads"]
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        **{k: v for k, v in LG["cost"].items() if k != "threads"},
    script:
        "../../../scripts/lora_gradient/cost.py"


rule lora_gradient_figures:
    """Tables and figures from the metrics only."""
    input:
        identities=f"{LG_OUT}/metrics/identities.json",
        cost=f"{LG_OUT}/metrics/cost.json",
    output:
        identities_table=f"{LG_OUT}/tables/identities.csv",
        cost_table=f"{LG_OUT}/tables/cost.csv",
        identities=figure(f"{LG_OUT}/figures/identities.png", "identities.rst", "lora_gradient"),
        cost=figure(f"{LG_OUT}/figures/cost.png", "cost.rst", "lora_gradient"),
    log:
        f"{W}/lora_gradient/logs/figures.log",
    benchmark:
        benchmark("lora_gradient", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/lora_gradient/figures.py"
