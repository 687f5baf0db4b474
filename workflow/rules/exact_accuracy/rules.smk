# How to train your accuracy? (EXACT critique, kexue.fm 9098): brief shared/articles/exact_accuracy_9098.md
#   toy      the paper's three points: CE and hinge over b, with and without temperature k   (toy_*)
#   data     each image set's tensors once (seeded training subsample, full test set)
#   run      one job per (image set, loss, seed) on kexue.classify's loop: history.csv, metrics
#   summary  Welch tests between the losses; CE's first-order gap                            (exact_below_ce, log_variant_worse, ce_first_order)
EXA = config["exact_accuracy"]
EXA_OUT = f"{R}/exact_accuracy"
EXA_TRAIN = EXA["training"]
EXA_RUNS = expand(
    f"{W}/exact_accuracy/runs/{{dataset}}/{{loss}}_s{{seed}}/metrics.json",
    dataset=list(EXA_TRAIN["datasets"]),
    loss=EXA_TRAIN["losses"],
    seed=EXA_TRAIN["seeds"],
)

ARTICLE_OUTPUTS["exact_accuracy"] = [
    f"{EXA_OUT}/tables/toy.csv",
    f"{EXA_OUT}/tables/training.csv",
    f"{EXA_OUT}/figures/toy.png",
    f"{EXA_OUT}/figures/accuracy.png",
    f"{EXA_OUT}/figures/curves.png",
    f"{EXA_OUT}/figures/first_order.png",
]

ARTICLE_BENCHMARKS["exact_accuracy"] = (
    [benchmark("exact_accuracy", name) for name in ["toy", "summary", "figures"]]
    + [benchmark("exact_accuracy", f"data_{d}") for d in EXA_TRAIN["datasets"]]
    + [f"{EXA_OUT}/benchmarks/runs.tsv"]
)


rule exact_accuracy:
    """Everything for the EXACT critique: tables, figures, verdicts and its report page."""
    input:
        ARTICLE_OUTPUTS["exact_accuracy"],
        f"{EXA_OUT}/verdicts.csv",
        f"{EXA_OUT}/REPORT.md",


rule exact_accuracy_toy:
    """The toy example: grids over b, joint (k, b) minimisation of CE (seconds)."""
    output:
        f"{EXA_OUT}/metrics/toy.json",
    log:
        f"{W}/exact_accuracy/logs/toy.log",
    benchmark:
        benchmark("exact_accuracy", "toy")
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        settings=EXA["toy"],
    script:
        "../../../scripts/exact_accuracy/toy.py"


rule exact_accuracy_data:
    """One image set as tensors: a seeded training subsample and the full test set."""
    input:
        lambda wc: resource(EXA_TRAIN["datasets"][wc.dataset]["resource"]),
    output:
        f"{W}/exact_accuracy/data/{{dataset}}.pt",
    log:
        f"{W}/exact_accuracy/logs/data_{{dataset}}.log",
    benchmark:
        benchmark("exact_accuracy", "data_{dataset}")
    wildcard_constraints:
        dataset="fashion_mnist|mnist",
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        train_size=lambda wc: EXA_TRAIN["datasets"][wc.dataset]["train_size"],
        subsample_seed=EXA_TRAIN["subsample_seed"],
    script:
        "../../../scripts/exact_accuracy/data.py"


rule exact_accuracy_run:
    """One training run: image set × loss × seed."""
    input:
        data=f"{W}/exact_accuracy/data/{{dataset}}.pt",
    output:
        metrics=f"{W}/exact_accuracy/runs/{{dataset}}/{{loss}}_s{{seed}}/metrics.json",
        history=f"{W}/exact_accuracy/runs/{{dataset}}/{{loss}}_s{{seed}}/history.csv",
    log:
        f"{W}/exact_accuracy/logs/runs/{{dataset}}/{{loss}}_s{{seed}}.log",
    wildcard_constraints:
        dataset="fashion_mnist|mnist",
        loss="ce|exact|exact_log|exact_sigma1",
        seed=r"\d+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: EXA_TRAIN["threads"]
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        model={k: EXA_TRAIN[k] for k in ("hidden", "mu_scale", "nodes")},
        training={k: EXA_TRAIN[k] for k in ("epochs", "batch_size", "lr")},
    script:
        "../../../scripts/exact_accuracy/run.py"


rule exact_accuracy_summary:
    """Per image set: seed lists per loss, Welch tests between losses, CE's first-order gap."""
    input:
        EXA_RUNS,
    output:
        metrics=f"{EXA_OUT}/metrics/training.json",
        runs=f"{EXA_OUT}/benchmarks/runs.tsv",
    log:
        f"{W}/exact_accuracy/logs/summary.log",
    benchmark:
        benchmark("exact_accuracy", "summary")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        decide_on=EXA_TRAIN["decide_on"],
    script:
        "../../../scripts/exact_accuracy/summary.py"


rule exact_accuracy_figures:
    """Tables and figures from the metrics only."""
    input:
        toy=f"{EXA_OUT}/metrics/toy.json",
        training=f"{EXA_OUT}/metrics/training.json",
    output:
        toy_table=f"{EXA_OUT}/tables/toy.csv",
        training_table=f"{EXA_OUT}/tables/training.csv",
        toy=figure(f"{EXA_OUT}/figures/toy.png", "toy.rst", "exact_accuracy"),
        accuracy=figure(f"{EXA_OUT}/figures/accuracy.png", "accuracy.rst", "exact_accuracy"),
        curves=figure(f"{EXA_OUT}/figures/curves.png", "curves.rst", "exact_accuracy"),
        first_order=figure(f"{EXA_OUT}/figures/first_order.png", "first_order.rst", "exact_accuracy"),
    log:
        f"{W}/exact_accuracy/logs/figures.log",
    benchmark:
        benchmark("exact_accuracy", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/exact_accuracy/figures.py"
