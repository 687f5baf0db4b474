# Hubness in high dimensions (kexue.fm 9147): brief shared/articles/hubness_9147.md
#   volume     V_n/2^n in closed form vs Monte Carlo                          (hubness.ball_volume)
#   synthetic  N_k of Gaussian and uniform points over dimensions and seeds   (hubness.skew_grows, near_centre)
#   real       N_k on MNIST and GloVe, ambient and after PCA (report only)
#   hubness.gan_prior needs a pretrained GAN: registered, not evaluated
HUB = config["hubness"]
HUB_OUT = f"{R}/hubness"

ARTICLE_OUTPUTS["hubness"] = [
    f"{HUB_OUT}/tables/volume.csv",
    f"{HUB_OUT}/tables/synthetic.csv",
    f"{HUB_OUT}/tables/real.csv",
    f"{HUB_OUT}/figures/volume.png",
    f"{HUB_OUT}/figures/synthetic.png",
    f"{HUB_OUT}/figures/real.png",
]

ARTICLE_BENCHMARKS["hubness"] = [benchmark("hubness", name) for name in ["volume", "synthetic", "real", "figures"]]

ARTICLE_REPORT_SECTIONS["hubness"] = [f"{HUB_OUT}/metrics/real.json"]


rule hubness:
    """Everything for hubness: tables, figures, verdicts."""
    input:
        ARTICLE_OUTPUTS["hubness"],
        f"{HUB_OUT}/verdicts.csv",
        f"{HUB_OUT}/REPORT.md",


rule hubness_simulation:
    """The two synthetic experiments, one job each: volume, synthetic."""
    output:
        f"{HUB_OUT}/metrics/{{part}}.json",
    log:
        f"{W}/hubness/logs/{{part}}.log",
    benchmark:
        benchmark("hubness", "{part}")
    wildcard_constraints:
        part="volume|synthetic",
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        settings=lambda wc: HUB[wc.part],
    script:
        "../../../scripts/hubness/{wildcards.part}.py"


rule hubness_real:
    """N_k on MNIST test images and the most frequent GloVe vectors (report only)."""
    input:
        mnist=resource("mnist"),
    output:
        f"{HUB_OUT}/metrics/real.json",
    log:
        f"{W}/hubness/logs/real.log",
    benchmark:
        benchmark("hubness", "real")
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=3000,
        runtime=10,
    params:
        settings=HUB["real"],
    script:
        "../../../scripts/hubness/real.py"


rule hubness_figures:
    """Tables and figures from the metrics only."""
    input:
        volume=f"{HUB_OUT}/metrics/volume.json",
        synthetic=f"{HUB_OUT}/metrics/synthetic.json",
        real=f"{HUB_OUT}/metrics/real.json",
    output:
        volume_table=f"{HUB_OUT}/tables/volume.csv",
        synthetic_table=f"{HUB_OUT}/tables/synthetic.csv",
        real_table=f"{HUB_OUT}/tables/real.csv",
        volume=figure(f"{HUB_OUT}/figures/volume.png", "volume.rst", "hubness"),
        synthetic=figure(f"{HUB_OUT}/figures/synthetic.png", "synthetic.rst", "hubness"),
        real=figure(f"{HUB_OUT}/figures/real.png", "real.rst", "hubness"),
    log:
        f"{W}/hubness/logs/figures.log",
    benchmark:
        benchmark("hubness", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/hubness/figures.py"
