# From the triangle inequality to margin softmax (kexue.fm 8656): brief shared/articles/margin_softmax_8656.md
#   metric    1 − cos against sqrt(1 − cos); the sufficient condition, float64                 (cosine_metric, sufficient_condition)
#   data      Fashion-MNIST: training subsample of the training classes, closed- and open-set test images, once
#   run       one job per (margin, seed): AM-softmax on kexue.classify's loop, retrieval with scikit-learn
#   adaptive  one job per seed: m from the class diameter of the previous run, retrained, iterated
#   summary   Welch test of the open-set mAP, accuracy gap, adaptive iterations                (am_softmax_helps_retrieval, adaptive_margin)
MSM = config["margin_softmax"]
MSM_OUT = f"{R}/margin_softmax"
MSM_TRAIN = MSM["training"]
MSM_RUNS = expand(
    f"{W}/margin_softmax/runs/m{{margin}}_s{{seed}}/metrics.json",
    margin=[num(m) for m in MSM_TRAIN["margins"]],
    seed=MSM_TRAIN["seeds"],
)
MSM_ADAPTIVE = expand(f"{W}/margin_softmax/adaptive/s{{seed}}/metrics.json", seed=MSM_TRAIN["seeds"])
MSM_SETTINGS = [
    "hidden",
    "embedding",
    "scale",
    "epochs",
    "batch_size",
    "lr",
    "queries",
    "query_seed",
]

ARTICLE_OUTPUTS["margin_softmax"] = [
    f"{MSM_OUT}/tables/metric.csv",
    f"{MSM_OUT}/tables/retrieval.csv",
    f"{MSM_OUT}/tables/adaptive.csv",
    f"{MSM_OUT}/figures/metric.png",
    f"{MSM_OUT}/figures/retrieval.png",
]

ARTICLE_BENCHMARKS["margin_softmax"] = [
    benchmark("margin_softmax", name) for name in ["metric", "data", "summary", "figures"]
] + [f"{MSM_OUT}/benchmarks/runs.tsv"]


rule margin_softmax:
    """Everything for the margin-softmax article: tables, figures, verdicts and its report page."""
    input:
        ARTICLE_OUTPUTS["margin_softmax"],
        f"{MSM_OUT}/verdicts.csv",
        f"{MSM_OUT}/REPORT.md",


rule margin_softmax_metric:
    """Triangle inequality of 1 − cos and sqrt(1 − cos); the sufficient condition's implication (seconds)."""
    output:
        f"{MSM_OUT}/metrics/metric.json",
    log:
        f"{W}/margin_softmax/logs/metric.log",
    benchmark:
        benchmark("margin_softmax", "metric")
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        settings=MSM["metric"],
    script:
        "../../../scripts/margin_softmax/metric.py"


rule margin_softmax_data:
    """Training subsample of the training classes; closed-set and open-set test images."""
    input:
        resource("fashion_mnist"),
    output:
        f"{W}/margin_softmax/data.pt",
    log:
        f"{W}/margin_softmax/logs/data.log",
    benchmark:
        benchmark("margin_softmax", "data")
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        sizes={k: MSM_TRAIN[k] for k in ("train_classes", "train_size", "subsample_seed")},
    script:
        "../../../scripts/margin_softmax/data.py"


rule margin_softmax_run:
    """One margin and seed: AM-softmax training, history.csv, retrieval metrics, the class-diameter estimate."""
    input:
        data=f"{W}/margin_softmax/data.pt",
    output:
        metrics=f"{W}/margin_softmax/runs/m{{margin}}_s{{seed}}/metrics.json",
        history=f"{W}/margin_softmax/runs/m{{margin}}_s{{seed}}/history.csv",
    log:
        f"{W}/margin_softmax/logs/runs/m{{margin}}_s{{seed}}.log",
    wildcard_constraints:
        margin=r"[0-9.e+-]+",
        seed=r"\d+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: MSM_TRAIN["threads"]
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        settings={k: MSM_TRAIN[k] for k in MSM_SETTINGS},
    script:
        "../../../scripts/margin_softmax/run.py"


rule margin_softmax_adaptive:
    """One seed: from the m = 0 run, m set from the class diameter, retrained, `iterations` times."""
    input:
        data=f"{W}/margin_softmax/data.pt",
        start=f"{W}/margin_softmax/runs/m0_s{{seed}}/metrics.json",
    output:
        metrics=f"{W}/margin_softmax/adaptive/s{{seed}}/metrics.json",
        history=f"{W}/margin_softmax/adaptive/s{{seed}}/history.csv",
    log:
        f"{W}/margin_softmax/logs/adaptive/s{{seed}}.log",
    wildcard_constraints:
        seed=r"\d+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: MSM_TRAIN["threads"]
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        settings={k: MSM_TRAIN[k] for k in MSM_SETTINGS},
        iterations=MSM["adaptive"]["iterations"],
    script:
        "../../../scripts/margin_softmax/adaptive.py"


rule margin_softmax_summary:
    """Seed means per margin; the Welch test at `compare` against m = 0; the adaptive iterations."""
    input:
        runs=MSM_RUNS,
        adaptive=MSM_ADAPTIVE,
    output:
        metrics=f"{MSM_OUT}/metrics/training.json",
        runs=f"{MSM_OUT}/benchmarks/runs.tsv",
    log:
        f"{W}/margin_softmax/logs/summary.log",
    benchmark:
        benchmark("margin_softmax", "summary")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        compare=MSM_TRAIN["compare"],
    script:
        "../../../scripts/margin_softmax/summary.py"


rule margin_softmax_figures:
    """Tables and figures from the metrics only."""
    input:
        metric=f"{MSM_OUT}/metrics/metric.json",
        training=f"{MSM_OUT}/metrics/training.json",
    output:
        metric_table=f"{MSM_OUT}/tables/metric.csv",
        retrieval_table=f"{MSM_OUT}/tables/retrieval.csv",
        adaptive_table=f"{MSM_OUT}/tables/adaptive.csv",
        metric=figure(f"{MSM_OUT}/figures/metric.png", "metric.rst", "margin_softmax"),
        retrieval=figure(f"{MSM_OUT}/figures/retrieval.png", "retrieval.rst", "margin_softmax"),
    log:
        f"{W}/margin_softmax/logs/figures.log",
    benchmark:
        benchmark("margin_softmax", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/margin_softmax/figures.py"
