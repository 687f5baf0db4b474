# Transformer-VQ (kexue.fm 9844): brief shared/articles/transformer_vq_9844.md
#   identities  the linear forms against quadratic attention, float64; stop-gradient key gradients
#   timing      wall time over n of quadratic and VQ attention, log-log slopes (a benchmark job)
TVQ = config["transformer_vq"]
TVQ_OUT = f"{R}/transformer_vq"

ARTICLE_OUTPUTS["transformer_vq"] = [
    f"{TVQ_OUT}/tables/identities.csv",
    f"{TVQ_OUT}/tables/timing.csv",
    f"{TVQ_OUT}/figures/identities.png",
    f"{TVQ_OUT}/figures/stopgrad.png",
    f"{TVQ_OUT}/figures/timing.png",
]

ARTICLE_BENCHMARKS["transformer_vq"] = [
    benchmark("transformer_vq", name) for name in ["identities", "timing", "figures"]
]


rule transformer_vq:
    """Everything for Transformer-VQ: tables, figures, verdicts."""
    input:
        ARTICLE_OUTPUTS["transformer_vq"],
        f"{TVQ_OUT}/verdicts.csv",
        f"{TVQ_OUT}/REPORT.md",


rule transformer_vq_identities:
    """The exact identities and the stop-gradient gradients, float64."""
    output:
        f"{TVQ_OUT}/metrics/identities.json",
    log:
        f"{W}/transformer_vq/logs/identities.log",
    benchmark:
        benchmark("transformer_vq", "identities")
    conda:
        "../../../envs/pipeline.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        identities=TVQ["identities"],
        stopgrad=TVQ["stopgrad"],
    script:
        "../../../scripts/transformer_vq/identities.py"


rule transformer_vq_timing:
    """Quadratic against VQ attention over n, in one job (the slopes are ratios within one run)."""
    output:
        f"{TVQ_OUT}/metrics/timing.json",
    log:
        f"{W}/transformer_vq/logs/timing.log",
    benchmark:
        benchmark("transformer_vq", "timing")
    conda:
        "../../../envs/pipeline.yaml"
    threads: TVQ["timing"]["threads"]
    resources:
        mem_mb=3000,
        runtime=20,
    params:
        settings={k: v for k, v in TVQ["timing"].items() if k != "threads"},
    script:
        "../../../scripts/transformer_vq/timing.py"


rule transformer_vq_figures:
    """Tables and figures from the metrics only."""
    input:
        identities=f"{TVQ_OUT}/metrics/identities.json",
        timing=f"{TVQ_OUT}/metrics/timing.json",
    output:
        identities_table=f"{TVQ_OUT}/tables/identities.csv",
        timing_table=f"{TVQ_OUT}/tables/timing.csv",
        identities=figure(f"{TVQ_OUT}/figures/identities.png", "identities.rst", "transformer_vq"),
        stopgrad=figure(f"{TVQ_OUT}/figures/stopgrad.png", "stopgrad.rst", "transformer_vq"),
        timing=figure(f"{TVQ_OUT}/figures/timing.png", "timing.rst", "transformer_vq"),
    log:
        f"{W}/transformer_vq/logs/figures.log",
    benchmark:
        benchmark("transformer_vq", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/transformer_vq/figures.py"
