# Lifting the fog: a feast of Capsules (kexue.fm 4819): brief shared/articles/capsule_4819.md
#   data     MNIST once: seeded training subsample, the test set, the two-digit pairs (56 × 28, or 40 × 20 cropped)
#   run      one job per (arm, seed) on kexue.classify's loop: CNN + pooling, Capsule and two capsule variants
#   summary  per-arm means; the numbers of the four claims (single_digit_parity, pair_generalisation,
#            routing_variant, squash_half)
#   figures  tables and figures from the metrics only
CAP = config["capsule"]
CAP_OUT = f"{R}/capsule"
CAP_TRAIN = CAP["training"]
CAP_RUNS = expand(
    f"{W}/capsule/runs/{{arm}}_s{{seed}}/metrics.json",
    arm=CAP_TRAIN["arms"],
    seed=CAP_TRAIN["seeds"],
)

ARTICLE_OUTPUTS["capsule"] = [
    f"{CAP_OUT}/tables/runs.csv",
    f"{CAP_OUT}/figures/accuracy.png",
    f"{CAP_OUT}/figures/curves.png",
    f"{CAP_OUT}/figures/variants.png",
]

ARTICLE_BENCHMARKS["capsule"] = [benchmark("capsule", name) for name in ["data", "summary", "figures"]] + [
    f"{CAP_OUT}/benchmarks/runs.tsv"
]


rule capsule:
    """Everything for the Capsule article: tables, figures, verdicts and its report page."""
    input:
        ARTICLE_OUTPUTS["capsule"],
        f"{CAP_OUT}/verdicts.csv",
        f"{CAP_OUT}/REPORT.md",


rule capsule_data:
    """MNIST as tensors once: the training subsample, the test set, its curve slice and the two-digit pairs."""
    input:
        resource(CAP["data"]["resource"]),
    output:
        f"{W}/capsule/data.pt",
    log:
        f"{W}/capsule/logs/data.log",
    benchmark:
        benchmark("capsule", "data")
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        settings=CAP["data"],
    script:
        "../../../scripts/capsule/data.py"


rule capsule_run:
    """One training run: arm × seed, then the single-digit test set and the pairs."""
    input:
        data=f"{W}/capsule/data.pt",
    output:
        metrics=f"{W}/capsule/runs/{{arm}}_s{{seed}}/metrics.json",
        history=f"{W}/capsule/runs/{{arm}}_s{{seed}}/history.csv",
    log:
        f"{W}/capsule/logs/runs/{{arm}}_s{{seed}}.log",
    wildcard_constraints:
        arm="cnn|capsule|capsule_original_routing|capsule_squash1",
        seed=r"\d+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: CAP_TRAIN["threads"]
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        model=lambda wc: capsule_arm_model(wc.arm),
        training=lambda wc: capsule_training(wc.arm),
    script:
        "../../../scripts/capsule/run.py"


rule capsule_summary:
    """Per-arm seed lists and means, and the numbers the four claims are decided from."""
    input:
        CAP_RUNS,
    output:
        metrics=f"{CAP_OUT}/metrics/capsule.json",
        runs=f"{CAP_OUT}/benchmarks/runs.tsv",
    log:
        f"{W}/capsule/logs/summary.log",
    benchmark:
        benchmark("capsule", "summary")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        parity_threshold=CAP["parity_threshold"],
        pair=claim_parameters("capsule.pair_generalisation"),
        scale=capsule_scale(),
    script:
        "../../../scripts/capsule/summary.py"


rule capsule_figures:
    """Tables and figures from the metrics only."""
    input:
        f"{CAP_OUT}/metrics/capsule.json",
    output:
        runs=f"{CAP_OUT}/tables/runs.csv",
        accuracy=figure(f"{CAP_OUT}/figures/accuracy.png", "accuracy.rst", "capsule"),
        curves=figure(f"{CAP_OUT}/figures/curves.png", "curves.rst", "capsule"),
        variants=figure(f"{CAP_OUT}/figures/variants.png", "variants.rst", "capsule"),
    log:
        f"{W}/capsule/logs/figures.log",
    benchmark:
        benchmark("capsule", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/capsule/figures.py"
